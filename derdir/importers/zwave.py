"""Z-Wave devices from @zwave-js/config (the device database of Z-Wave JS and Home Assistant).

Input: the device files as one JSON list, each with `file` (path under `devices/`), `manufacturer`,
`manufacturerId`, `label` (the model), `description` (a product name of a few words) and
`devices` (productType/productId pairs) — what `zw_export.js` prints for the package's `config/`
folder. The files carry no device class, so the energy-relevant ones are picked by their label and
description: plugs and outlets, meters, thermostats and TRVs, relays and load controllers, pool
controls, and switches or dimmers that say they meter. Everything else (sensors, locks, remotes,
plain light switches…) is skipped.
"""

from __future__ import annotations

from .. import jsonsafe
import re
from pathlib import Path
from typing import Any

from .common import ImportContext, clean_model, dedupe, device_id, owned_paths, short_text, source, unique_ids
from .homeassistant import HAIndex

PACKAGE = "@zwave-js/config"
FILES = "https://github.com/zwave-js/node-zwave-js/blob/master/packages/config/config/devices"

_POOL = re.compile(r"\bpool\b", re.I)
_THERMOSTAT = re.compile(r"thermostat|radiator valve|\bTRV\b|heating regulator|thermostatic|thermostat receiver", re.I)
_NEVER = re.compile(
    r"remote|sensor|detector|alarm|siren|keypad|\block\b|deadbolt|\bdoor\b|window|camera|doorbell|water meter|"
    r"gas meter|flow meter|luminance meter|valve|shut-?off|leak|blind|shade|shutter|curtain|garage|\bcover\b|motor|"
    r"scene|button|panic",
    re.I,
)
_SKIP = re.compile(
    r"gateway|usb|adapter|repeater|range extender|lamp holder|bulb|light ?strip|led strip|rgb|controller|interface|"
    r"module for|transmitter|accessory|auxiliary|battery|wireless switch|portable|timeswitch|rs232|serial",
    re.I,
)
_WITHOUT = re.compile(r"\(?\bwithout (power |energy )?meter(ing)?\)?", re.I)
_HVAC = re.compile(r"hvac|air ?condition|mini.?split|fan coil|floor heating controller|ventilation", re.I)
_HEAT_PUMP = re.compile(r"heat ?pump", re.I)
_BOILER = re.compile(r"boiler|water heater", re.I)
_EV = re.compile(r"\bEV\b|charger|charging", re.I)
_PLUG = re.compile(r"plug|outlet|receptacle|socket|power strip|appliance module|appliance control", re.I)
_METER = re.compile(
    r"energy meter|power meter|home energy|clamp|generation meter|din rail metering|energy monitor|energy bridge|"
    r"\bmeter\b|powermaster|smartpower|energy display|meter reader", re.I)
_LOAD = re.compile(
    r"load control|relay|contactor|heavy duty|high (load|power)|\b\d+ ?a(mp)?\b|boost|dual.load|power switch|"
    r"switching unit", re.I)
_METERING_WORDS = re.compile(r"meter|metering|energy|power monitor|\bwatt", re.I)
_DIMMER = re.compile(r"dimm|illuminator", re.I)
_SWITCHY = re.compile(r"switch|relay|dimm|illuminator|contactor", re.I)
_SPLIT = re.compile(r"\s+/\s+")


def load(path: Path) -> list[dict[str, Any]]:
    """Read the exported device files (a JSON list)."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path} is a directory: export the device files to JSON first and pass the .json file")
    data = jsonsafe.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of device files")
    return data


def _plain(value: Any) -> list[str]:
    """A label/description: a string, or a list of `{"$if", "value"}` variants plus a default string."""
    if isinstance(value, str):
        return [value]
    out: list[str] = []
    if isinstance(value, list):
        defaults = [v for v in value if isinstance(v, str)]
        variants = [v.get("value") for v in value if isinstance(v, dict) and isinstance(v.get("value"), str)]
        out = defaults + variants
    return out


def classify(record: dict[str, Any]) -> str | None:
    """The category of an energy-relevant device, or None."""
    labels = _plain(record.get("label"))
    descs = _plain(record.get("description"))
    text = _WITHOUT.sub(" ", " ".join(descs) or " ".join(labels))
    if not text.strip():
        return None
    if _POOL.search(text):
        return "pool-pump"
    if _THERMOSTAT.search(text):
        return None if re.search(r"remote|sensor", text, re.I) else "thermostat"
    if _NEVER.search(text) or (_SKIP.search(text) and not _LOAD.search(text)):
        return None
    if _HEAT_PUMP.search(text):
        return "heat-pump"
    if _HVAC.search(text):
        return "hvac"
    if _BOILER.search(text):
        return "load-controller"
    if _EV.search(text):
        return "ev-charger"
    if _PLUG.search(text):
        return "smart-plug"
    metered = bool(_METERING_WORDS.search(text))
    if _SWITCHY.search(text):
        if _DIMMER.search(text):
            return "light" if metered else None
        if metered or (_LOAD.search(text) and not re.search(r"light switch", text, re.I)):
            return "load-controller"
        return None
    if _METER.search(text):
        return "energy-monitor"
    if _LOAD.search(text):
        return "load-controller"
    return None


def metering(record: dict[str, Any]) -> bool:
    """Does the label or description say the device measures power or energy?"""
    text = _WITHOUT.sub(" ", " ".join(_plain(record.get("description")) + _plain(record.get("label"))))
    return bool(_METERING_WORDS.search(text))


def _hex(value: Any) -> int | None:
    try:
        n = int(str(value), 16)
    except ValueError:
        return None
    return n if 0 <= n <= 0xFFFF else None


def zwave_ids(record: dict[str, Any]) -> list[dict[str, int]]:
    mid = _hex(record.get("manufacturerId"))
    if mid is None:
        return []
    pairs: set[tuple[int, int]] = set()
    for dev in record.get("devices") or []:
        if isinstance(dev, dict):
            pt, pid = _hex(dev.get("productType")), _hex(dev.get("productId"))
            if pt is not None and pid is not None:
                pairs.add((pt, pid))
    return [{"manufacturer_id": mid, "product_type": pt, "product_id": pid} for pt, pid in sorted(pairs)]


def import_zwave(records: list[dict[str, Any]], ctx: ImportContext, ha: HAIndex | None = None) -> list[dict[str, Any]]:
    """Energy-relevant Z-Wave device files as device recipe dicts, one per file, ids unique."""
    out: list[dict[str, Any]] = []
    alt: dict[str, str] = {}
    hub = ha.hub_integration("zwave", "Home Assistant runs Z-Wave devices through Z-Wave JS, locally") if ha else None
    for rec in records:
        if not isinstance(rec, dict) or not isinstance(rec.get("file"), str):
            continue
        maker = short_text(rec.get("manufacturer"), name=True) or short_text(rec.get("manufacturerName"), name=True)
        labels = [m for m in (clean_model(x) for x in _plain(rec.get("label"))) if m]
        ids = zwave_ids(rec)
        if not maker or not labels or not ids:
            continue
        category = classify(rec)
        if category is None:
            continue
        models = dedupe([p for label in labels for p in (_SPLIT.split(label) if _SPLIT.search(label) else [label])])
        descs = _plain(rec.get("description"))
        r: dict[str, Any] = {
            "id": device_id(maker, models[0]),
            "category": category,
            "manufacturer": maker,
            "product_name": short_text(descs[0] if descs else None) or labels[0],
            "model_numbers": models,
        }
        if metering(rec) or category == "energy-monitor":
            r["power"] = {"energy_monitoring": True}
        r["connectivity"] = {"zwave": True}
        r["control"] = {"local_api": True}
        if hub:
            r["integrations"] = [hub]
        names = dedupe([maker, short_text(rec.get("manufacturerName"), name=True)])
        r["identifiers"] = {"manufacturer_names": names, "model_strings": dedupe(labels), "zwave": ids}
        r["verified_on"] = ctx.seen
        r["sources"] = [source(
            f"{FILES}/{rec['file']}",
            f"@zwave-js/config {ctx.version} device file {rec['file']} (npm package {ctx.source})",
            "manufacturer, model, product name, manufacturer id and product type/id pairs",
            ctx.seen,
        )]
        r["imported"] = {"source": ctx.source, "key": rec["file"], "owned_fields": owned_paths(r)}
        alt[rec["file"]] = f"{ids[0]['product_type']:04x}-{ids[0]['product_id']:04x}"
        out.append(r)
    unique = unique_ids(((r["imported"]["key"], r["id"]) for r in out), alt)
    for r in out:
        r["id"] = unique[r["imported"]["key"]]
    return out
