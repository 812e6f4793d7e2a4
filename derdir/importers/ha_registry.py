"""Read Home Assistant's `.storage/core.device_registry` file (as it is on disk) into device reports.

The file is JSON: {"key": "core.device_registry", "data": {"devices": [...]}}. Each device has
`manufacturer`, `model`, `model_id`, `identifiers` ([domain, id] pairs: the first domain is the
integration) and `entry_type` ("service" for things like weather or the Sun, which are skipped).
"""

from __future__ import annotations

from typing import Any

from .. import jsonsafe
from ..errors import InvalidInput

MAX_BYTES = 5 * 1024 * 1024
VERSIONS = (1,)  # the major versions of the file this reader knows (minor versions only add fields)


def parse_device_registry(raw: bytes, field: str = "registry") -> list[dict[str, Any]]:
    """Device reports from the registry file; services and deleted devices are left out."""
    if len(raw) > MAX_BYTES:
        raise InvalidInput(field, f"file is over {MAX_BYTES // (1024 * 1024)} MB")
    try:
        doc = jsonsafe.loads(raw)
    except jsonsafe.JSONDecodeError as exc:
        raise InvalidInput(field, f"not a JSON file: {exc}") from None
    if not isinstance(doc, dict) or doc.get("key") != "core.device_registry":
        raise InvalidInput(field, "not a Home Assistant core.device_registry file (its \"key\" must be core.device_registry)")
    version = doc.get("version")
    if version not in VERSIONS or isinstance(version, bool):
        raise InvalidInput(f"{field}.version", f"registry version {version!r} is not supported (this reader knows "
                                               f"version {', '.join(map(str, VERSIONS))})")
    data = doc.get("data")
    if not isinstance(data, dict):
        raise InvalidInput(f"{field}.data", "missing or not an object")
    devices = data.get("devices")
    if not isinstance(devices, list):
        raise InvalidInput(f"{field}.data.devices", "missing or not a list")
    out = []
    for i, d in enumerate(devices):
        if not isinstance(d, dict):
            raise InvalidInput(f"{field}.data.devices[{i}]", "not an object")
        if d.get("entry_type") == "service":
            continue
        given = d.get("identifiers")
        idents = [p for p in given if isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p)] \
            if isinstance(given, list) else []
        out.append({
            "manufacturer": _text(d.get("manufacturer")),
            "model": _text(d.get("model")),
            "model_id": _text(d.get("model_id")),
            "integration": idents[0][0] if idents else None,
            "identifiers": [[a, b] for a, b in idents][:20],
            "name": _text(d.get("name_by_user")) or _text(d.get("name")),
        })
    return out


def _text(value: Any) -> str | None:
    """A string field as the registry writes it; anything else (a number, a list) is not a name."""
    return value if isinstance(value, str) else None
