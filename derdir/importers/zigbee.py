"""Zigbee devices from zigbee-herdsman-converters (the device library behind Zigbee2MQTT).

Input: the definitions as JSON, one object per definition with `vendor`, `model`, `description`,
`zigbeeModel`, `fingerprint`, `whiteLabel`, `exposes` (feature names) and `metering` — what
`node zhc_export.js` prints for an installed `zigbee-herdsman-converters` package. The package
itself is JavaScript (definitions are code, some computed at run time), so reading it directly
would need Node; the importer takes the JSON export only.

Only energy-relevant definitions are kept: anything that meters power or energy (plugs, relays,
breakers, energy monitors, metering dimmers), thermostats/TRVs and other climate controllers, and
a few unmetered load switches for boilers and water heaters. Lamps, covers and sensors are skipped.

White labels (the same hardware sold by another vendor under another model) become recipes of
their own with the same Zigbee identifiers: a hub that reports one of those ids then resolves to
every product it could be, and each product keeps its own maker and model for program rules.
"""

from __future__ import annotations

from .. import jsonsafe
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..normalize import key, maker_key
from .common import ImportContext, clean_model, device_id, owned_paths, short_text, source, unique_ids
from .homeassistant import HAIndex

PACKAGE = "zigbee-herdsman-converters"
REPO = "https://github.com/Koenkk/zigbee-herdsman-converters"

_METER_EXPOSES = re.compile(
    r"^(power|energy|active_power|consumed_energy|energy_consumed|produced_energy|energy_produced|energy_wh"
    r"|(power|energy)_(a|b|c|l1|l2|l3|[1-9]))$"
)
_SETPOINTS = {"occupied_heating_setpoint", "current_heating_setpoint", "occupied_cooling_setpoint"}

# Description patterns, checked in order. "x with power meter" describes x, so that phrase is removed first.
_WITH_METER = re.compile(
    r"\b(with|and)\s+(smart\s+)?(power|energy)?\s*(meter(ing)?|monitor(ing)?|measurement|consumption( monitoring)?)\b"
    r"|\((with|without)[^)]*\)|\bwith (energy|power) (tracker|meter)\b|\bmetering\b",
    re.I,
)
_LAMP = re.compile(
    r"\b(bulb|lamp|downlight|spotlight|floodlight|flood light|light ?strip|lightstrip|led tube|tube|track light|"
    r"ceiling light|filament|gu10|e12|e26|e27|e14|b22|a19|a60|br30|candle|light bulb|led panel)\b", re.I)
_COVER = re.compile(r"\b(shutter|curtain|cover|blind|blinds|tubular motor|roller|window)\b", re.I)
_OTHER_SKIP = re.compile(r"\b(access control|pci ?e card|mirror|home automation kit|leak protect|siren)\b", re.I)
_EV = re.compile(r"\bEV\b.*charg|\bcharger\b", re.I)
_WATER_HEATER = re.compile(r"water heater", re.I)
_HVAC = re.compile(
    r"air ?condition|\bAC\b|hvac|fan coil|\bFCU\b|mini-split|\bVR[VF]\b|IR blaster|\badapter for\b|gateway for|"
    r"interface|aircon|conditioner", re.I)
_HEATER = re.compile(r"\b(heater|radiator|heating panel|panel heater)\b", re.I)
_THERMOSTAT = re.compile(r"thermostat|radiator valve|\bTRV\b|valve|heating regulator|heatingcontrol", re.I)
_PLUG = re.compile(
    r"plug\b|\b(socket|outlet|power ?point|GPO|power strip|power cord|multiprise|adaptor|smart cable|power link)\b", re.I)
_METER = re.compile(
    r"\b(meter|energy monitor|power monitor|clamp|power sensor|powertag|meter interface|consumption module|"
    r"linky|zipulses|power-meter|EM)\b", re.I)
_LIGHT = re.compile(r"\b(dimmer|light switch|wall switch|rocker|light|lighting|lights)\b", re.I)
_LOAD_KEYWORDS = re.compile(
    r"\b(boiler|water heater|load controller|energy switch|heating module|pilot wire|stove guard)\b", re.I)
_EXTRA_METERS = re.compile(r"\b(linky|power meter|energy meter|electricity meter)\b", re.I)
_UNDERFLOOR = re.compile(r"underfloor heating", re.I)


def load(path: Path) -> list[dict[str, Any]]:
    """Read the exported definitions (a JSON list)."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(
            f"{path} is a directory: export the definitions to JSON first (the package is JavaScript and "
            "its definitions are computed at run time); pass the .json file"
        )
    data = jsonsafe.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of device definitions")
    return data


def meters(defn: dict[str, Any]) -> bool:
    """Does the definition expose measured power or energy?"""
    m = defn.get("metering") or {}
    if m.get("power") or m.get("energy"):
        return True
    return any(isinstance(e, str) and _METER_EXPOSES.match(e) for e in defn.get("exposes") or [])


def climate(defn: dict[str, Any]) -> bool:
    """Does it expose a climate control (a mode, or a measured temperature with a setpoint)?"""
    ex = set(defn.get("exposes") or [])
    return "system_mode" in ex or ("local_temperature" in ex and bool(ex & _SETPOINTS))


def classify(defn: dict[str, Any]) -> str | None:
    """The device category, or None for definitions that are not energy devices."""
    desc = str(defn.get("description") or "")
    ex = set(defn.get("exposes") or [])
    if climate(defn):
        if _THERMOSTAT.search(desc):
            return "thermostat"
        if _HVAC.search(desc) or _HEATER.search(desc) or _UNDERFLOOR.search(desc):
            return "hvac"
        return "thermostat"
    metered = meters(defn)
    if not metered:
        if _EXTRA_METERS.search(desc):
            return "energy-monitor"
        if _LOAD_KEYWORDS.search(desc) and "state" in ex:
            return "load-controller"
        if _UNDERFLOOR.search(desc) and "state" in ex or "boiler_state" in ex:
            return "hvac"
        return None
    if _COVER.search(desc) or _OTHER_SKIP.search(desc):
        return None
    head = _WITH_METER.sub(" ", desc)
    if _EV.search(head):
        return "ev-charger"
    if _WATER_HEATER.search(head):
        return "load-controller"
    if _LAMP.search(head) and not re.search(r"\b(dimmer|switch|relay|plug|socket)\b", head, re.I):
        return None  # a lamp that reports its own draw is still a lamp
    if _PLUG.search(head):
        return "smart-plug"
    if _THERMOSTAT.search(head):
        return "thermostat"
    if _LOAD_KEYWORDS.search(head):
        return "load-controller"
    if _METER.search(head):
        return "energy-monitor"
    if "state" not in ex:
        return None if re.search(r"\bremote\b", head, re.I) else "energy-monitor"
    if _LIGHT.search(head) or "brightness" in ex:
        return "light"
    return "load-controller"


def zigbee_ids(defn: dict[str, Any]) -> list[dict[str, Any]]:
    """identifiers.zigbee: each model id with the Tuya-style manufacturer names that come with it."""
    order: list[str] = []
    names: dict[str, set[str]] = {}
    for mid in defn.get("zigbeeModel") or []:
        m = clean_model(mid)
        if m and m not in names:
            order.append(m)
            names[m] = set()
    for fp in defn.get("fingerprint") or []:
        if not isinstance(fp, dict):
            continue
        m = clean_model(fp.get("modelID"))
        maker = clean_model(fp.get("manufacturerName"))
        if not m:
            continue  # a fingerprint without a model id cannot be matched on its own
        if m not in names:
            order.append(m)
            names[m] = set()
        if maker:
            names[m].add(maker)
    out = []
    for m in order:
        entry: dict[str, Any] = {"model_id": m}
        if names[m]:
            entry["manufacturer_names"] = sorted(names[m])
        out.append(entry)
    return out


def z2m_url(model: str) -> str:
    """Zigbee2MQTT's device page: the model with `/`, `|`, space and `:` replaced by `_`."""
    page = re.sub(r"[/| :]", "_", model)
    return f"https://www.zigbee2mqtt.io/devices/{quote(page, safe='_-.~()')}.html"


def _integrations(vendor: str, model_page: str, ctx: ImportContext, ha: HAIndex | None) -> list[dict[str, Any]]:
    z2m_src = source(model_page, f"Zigbee2MQTT device page (zigbee-herdsman-converters {ctx.version})",
                     "supported by Zigbee2MQTT, local control over Zigbee", ctx.seen)
    out: list[dict[str, Any]] = [
        {"ecosystem": "zigbee2mqtt", "url": model_page, "connection": "local", "via": "zigbee", "sources": [z2m_src]}
    ]
    if ha is not None:
        mqtt = ha.hub_integration("mqtt", "Home Assistant reaches Zigbee2MQTT devices through its MQTT integration")
        if mqtt:
            mqtt["sources"] = [z2m_src] + mqtt.get("sources", [])
            out.append(mqtt)
        if "zigbee" in ha.brand_standards(vendor):
            zha = ha.hub_integration("zigbee", "Home Assistant lists this brand's Zigbee devices under ZHA")
            if zha:
                brand = ha.brand_source(vendor, "zigbee")
                if brand:
                    zha["sources"] = zha.get("sources", []) + [brand]
                out.append(zha)
    return out


def _recipe(
    defn: dict[str, Any], category: str, ctx: ImportContext, ha: HAIndex | None,
    vendor: str, model: str, description: str | None, white_label_of: str | None,
) -> dict[str, Any]:
    parent_model = clean_model(defn.get("model")) or model
    page = z2m_url(parent_model)
    product = short_text(description) or short_text(defn.get("description")) or model
    metered = meters(defn)
    rec: dict[str, Any] = {
        "id": device_id(vendor, model),
        "category": category,
        "manufacturer": vendor,
        "product_name": product,
        "model_numbers": [model],
    }
    if metered:
        rec["power"] = {"energy_monitoring": True}
    rec["connectivity"] = {"zigbee": True}
    rec["control"] = {"local_api": True}
    rec["integrations"] = _integrations(vendor, page, ctx, ha)
    rec["identifiers"] = {"manufacturer_names": [vendor], "model_strings": [model]}
    zids = zigbee_ids(defn)
    if zids:
        rec["identifiers"]["zigbee"] = zids
    if white_label_of:
        rec["notes"] = (f"White label of {white_label_of} in zigbee-herdsman-converters; it shares that device's "
                        "Zigbee identifiers, so a hub reporting them may mean either product.")
        rec["white_label_of"] = parent_model  # the parent's import key; replaced by its id once ids are assigned
    rec["verified_on"] = ctx.seen
    what = "model, description, Zigbee model ids and manufacturer names"
    if metered:
        what += ", power/energy metering"
    title = f"zigbee-herdsman-converters {ctx.version} definition {parent_model}"
    if white_label_of:
        title += f" (white label {model})"
    rec["sources"] = [
        source(REPO, f"{title} (npm package {ctx.source})", what, ctx.seen),
        source(page, "Zigbee2MQTT device page", "exposed features, Zigbee2MQTT support", ctx.seen),
    ]
    rkey = parent_model if not white_label_of else f"{parent_model}#whitelabel:{vendor}:{model}"
    rec["imported"] = {"source": ctx.source, "key": rkey, "owned_fields": owned_paths(rec)}
    return rec


def _merge_zigbee_ids(target: dict[str, Any], extra: list[dict[str, Any]]) -> None:
    """Add another definition's Zigbee ids to a recipe (same product listed twice upstream)."""
    if not extra:
        return
    ids = target["identifiers"].setdefault("zigbee", [])
    for entry in extra:
        mine = next((e for e in ids if e["model_id"] == entry["model_id"]), None)
        if mine is None:
            ids.append(dict(entry))
        elif entry.get("manufacturer_names"):
            mine["manufacturer_names"] = sorted(set(mine.get("manufacturer_names", [])) | set(entry["manufacturer_names"]))
    if "identifiers.zigbee" not in target["imported"]["owned_fields"]:
        target["imported"]["owned_fields"] = owned_paths(target)


def import_zigbee(defs: list[dict[str, Any]], ctx: ImportContext, ha: HAIndex | None = None) -> list[dict[str, Any]]:
    """Energy-relevant definitions (and their white labels) as device recipe dicts, ids unique.

    A product appears once: a white label that is also a definition of its own, or that is listed
    under two definitions, or that only differs from its parent in punctuation, is not repeated; its
    Zigbee ids are added to the recipe that already describes it.
    """
    kept = [(d, c) for d in defs if isinstance(d, dict) and (c := classify(d))]
    out: list[dict[str, Any]] = []
    by_product: dict[tuple[str, str], dict[str, Any]] = {}
    for defn, category in kept:  # definitions first, so they own their product over any white label
        vendor, model = short_text(defn.get("vendor"), name=True), clean_model(defn.get("model"))
        if not vendor or not model:
            continue
        rec = _recipe(defn, category, ctx, ha, vendor, model, defn.get("description"), None)
        ident = (maker_key(vendor), key(model))
        if ident in by_product:
            _merge_zigbee_ids(by_product[ident], zigbee_ids(defn))
            continue
        by_product[ident] = rec
        out.append(rec)
    for defn, category in kept:
        vendor, model = short_text(defn.get("vendor"), name=True), clean_model(defn.get("model"))
        if not vendor or not model:
            continue
        for wl in defn.get("whiteLabel") or []:
            if not isinstance(wl, dict):
                continue
            wv = short_text(wl.get("vendor"), name=True) or vendor
            wm = clean_model(wl.get("model"))
            if not wm:
                continue
            ident = (maker_key(wv), key(wm))
            if ident in by_product:
                _merge_zigbee_ids(by_product[ident], zigbee_ids(defn))
                continue
            rec = _recipe(defn, category, ctx, ha, wv, wm, wl.get("description"), f"{vendor} {model}")
            by_product[ident] = rec
            out.append(rec)
    ids = unique_ids((r["imported"]["key"], r["id"]) for r in out)
    for r in out:
        r["id"] = ids[r["imported"]["key"]]
    for r in out:
        if "white_label_of" in r:  # parent key -> parent's proposed id; the writer maps it to the final id
            parent = ids.get(r["white_label_of"])
            if parent:
                r["white_label_of"] = parent
            else:
                del r["white_label_of"]
            r["imported"]["owned_fields"] = owned_paths(r)
    return out
