"""Read Home Assistant's `.storage/core.device_registry` file (as it is on disk) into device reports.

The file is JSON: {"key": "core.device_registry", "data": {"devices": [...]}}. Each device has
`manufacturer`, `model`, `model_id`, `identifiers` ([domain, id] pairs: the first domain is the
integration) and `entry_type` ("service" for things like weather or the Sun, which are skipped).
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import InvalidInput

MAX_BYTES = 5 * 1024 * 1024


def parse_device_registry(raw: bytes, field: str = "registry") -> list[dict[str, Any]]:
    """Device reports from the registry file; services and deleted devices are left out."""
    if len(raw) > MAX_BYTES:
        raise InvalidInput(field, f"file is over {MAX_BYTES // (1024 * 1024)} MB")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(field, f"not a JSON file: {exc}") from None
    if not isinstance(doc, dict) or doc.get("key") != "core.device_registry":
        raise InvalidInput(field, "not a Home Assistant core.device_registry file (its \"key\" must be core.device_registry)")
    devices = (doc.get("data") or {}).get("devices")
    if not isinstance(devices, list):
        raise InvalidInput(f"{field}.data.devices", "missing or not a list")
    out = []
    for i, d in enumerate(devices):
        if not isinstance(d, dict):
            raise InvalidInput(f"{field}.data.devices[{i}]", "not an object")
        if d.get("entry_type") == "service":
            continue
        idents = [p for p in d.get("identifiers") or [] if isinstance(p, list) and len(p) == 2]
        out.append({
            "manufacturer": d.get("manufacturer"),
            "model": d.get("model"),
            "model_id": d.get("model_id"),
            "integration": idents[0][0] if idents else None,
            "identifiers": [[str(a), str(b)] for a, b in idents][:20],
            "name": d.get("name_by_user") or d.get("name"),
        })
    return out
