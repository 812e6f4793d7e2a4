"""Read Home Assistant's registry files (as they are on disk) into device reports.

`.storage/core.device_registry` is JSON: {"key": "core.device_registry", "data": {"devices": [...]}}. Each
device has `id`, `manufacturer`, `model`, `model_id`, `identifiers` ([domain, id] pairs: the first domain
is the integration), `connections` ([type, id] pairs such as MAC addresses), `serial_number` and
`entry_type` ("service" for things like a weather service, the Sun or an add-on: kept, with that type,
so the answer lists them instead of losing them).

`.storage/core.entity_registry` is {"key": "core.entity_registry", "data": {"entities": [...]}}: each entity
names its `device_id`, its `entity_id` (whose domain, before the dot, is climate, sensor, switch, …) and its
device class and unit. Read beside the device registry, a device's entities say what it is when its model
is not in the catalog (a switch with a power sensor is a metering plug).

Every shape problem is one `InvalidInput` naming the field (`registry.data.devices[3].identifiers`), never a
traceback.
"""

from __future__ import annotations

from typing import Any

from .. import jsonsafe
from ..errors import InvalidInput

MAX_BYTES = 5 * 1024 * 1024
VERSIONS = (1,)  # the major versions of the files this reader knows (minor versions only add fields)
MAX_ENTITY_BYTES = 5 * 1024 * 1024
MAX_ENTITIES_PER_DEVICE = 300


def _load(raw: bytes, field: str, key: str, limit: int) -> dict[str, Any]:
    if len(raw) > limit:
        raise InvalidInput(field, f"file is over {limit // (1024 * 1024)} MB")
    try:
        doc = jsonsafe.loads(raw)
    except jsonsafe.JSONDecodeError as exc:
        raise InvalidInput(field, f"not a JSON file: {exc}") from None
    if not isinstance(doc, dict) or doc.get("key") != key:
        raise InvalidInput(field, f"not a Home Assistant {key} file (its \"key\" must be {key})")
    version = doc.get("version")
    if version not in VERSIONS or isinstance(version, bool):
        raise InvalidInput(f"{field}.version", f"registry version {version!r} is not supported (this reader knows "
                                               f"version {', '.join(map(str, VERSIONS))})")
    data = doc.get("data")
    if not isinstance(data, dict):
        raise InvalidInput(f"{field}.data", "missing or not an object")
    return data


def _text(d: dict[str, Any], name: str, where: str) -> str | None:
    value = d.get(name)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)  # serial numbers written as numbers
    raise InvalidInput(f"{where}.{name}", "not a string")


def _pairs(d: dict[str, Any], name: str, where: str) -> list[list[str]]:
    value = d.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput(f"{where}.{name}", "not a list of [type, id] pairs")
    out = []
    for j, pair in enumerate(value):
        if not isinstance(pair, list) or len(pair) != 2 or not all(isinstance(x, (str, int)) for x in pair):
            raise InvalidInput(f"{where}.{name}[{j}]", "not a [type, id] pair of strings")
        out.append([str(pair[0]), str(pair[1])])
    return out[:20]


def parse_device_registry(raw: bytes, field: str = "registry") -> list[dict[str, Any]]:
    """Device reports from the registry file, services included (with `entry_type`); deleted devices are
    not in the file's `devices` list. Each report keeps the registry's `id` (as `registry_id`) for the
    entity registry to refer to."""
    data = _load(raw, field, "core.device_registry", MAX_BYTES)
    devices = data.get("devices")
    if not isinstance(devices, list):
        raise InvalidInput(f"{field}.data.devices", "missing or not a list")
    out = []
    for i, d in enumerate(devices):
        where = f"{field}.data.devices[{i}]"
        if not isinstance(d, dict):
            raise InvalidInput(where, "not an object")
        idents = _pairs(d, "identifiers", where)
        report: dict[str, Any] = {
            "manufacturer": _text(d, "manufacturer", where),
            "model": _text(d, "model", where),
            "model_id": _text(d, "model_id", where),
            "integration": idents[0][0].split(":")[0] if idents else None,
            "identifiers": idents,
            "connections": _pairs(d, "connections", where),
            "serial_number": _text(d, "serial_number", where),
            "name": _text(d, "name", where),
            "name_by_user": _text(d, "name_by_user", where),
            "entry_type": _text(d, "entry_type", where),
            "registry_id": _text(d, "id", where),
        }
        out.append({k: v for k, v in report.items() if v not in (None, [])})
    return out


def parse_entity_registry(raw: bytes, field: str = "entities") -> dict[str, list[dict[str, Any]]]:
    """device id -> its entities as hints (domain, device class, unit, name), from the entity registry file.
    Entities of no device, and disabled ones, are left out."""
    data = _load(raw, field, "core.entity_registry", MAX_ENTITY_BYTES)
    entities = data.get("entities")
    if not isinstance(entities, list):
        raise InvalidInput(f"{field}.data.entities", "missing or not a list")
    out: dict[str, list[dict[str, Any]]] = {}
    for i, e in enumerate(entities):
        where = f"{field}.data.entities[{i}]"
        if not isinstance(e, dict):
            raise InvalidInput(where, "not an object")
        device_id = _text(e, "device_id", where)
        entity_id = _text(e, "entity_id", where)
        if not entity_id or "." not in entity_id:
            raise InvalidInput(f"{where}.entity_id", "missing or not of the form domain.object_id")
        if not device_id or e.get("disabled_by"):
            continue
        hint = {"domain": entity_id.split(".", 1)[0][:50],
                "device_class": (_text(e, "device_class", where) or _text(e, "original_device_class", where)),
                "unit": _text(e, "unit_of_measurement", where),
                "name": _text(e, "translation_key", where) or _text(e, "original_name", where)}
        hint = {k: v[:200] if isinstance(v, str) else v for k, v in hint.items() if v is not None}
        if hint.get("device_class"):
            hint["device_class"] = hint["device_class"][:50]
        if hint.get("unit"):
            hint["unit"] = hint["unit"][:20]
        found = out.setdefault(device_id, [])
        if len(found) < MAX_ENTITIES_PER_DEVICE:
            found.append(hint)
    return out


def read_registries(devices: bytes, entities: bytes | None = None, device_field: str = "registry",
                    entity_field: str = "entities") -> list[dict[str, Any]]:
    """Device reports from a device registry file, with each device's entities when the entity registry
    file is given too."""
    reports = parse_device_registry(devices, device_field)
    if entities is not None:
        by_device = parse_entity_registry(entities, entity_field)
        for r in reports:
            hints = by_device.get(r.get("registry_id") or "")
            if hints:
                r["entities"] = hints
    return reports
