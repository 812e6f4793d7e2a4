"""Map what a hub reports about a device to a catalog product, with a confidence and the reason.

Hubs report strings, not catalog ids: `TP-Link` / `KP125M(US)`, `_TZ3000_okaz9tjs` / `TS011F`,
`ecobee Inc.` / `ecobee3 lite`, a Z-Wave `manufacturer:type:id` (decimal from Home Assistant, hex from
SmartThings), a Matter vendor/product id. Evidence is tried strongest first (radio identifiers, then model
numbers checked against the maker, the model's leading parts when options or a region are appended, a
short model that begins a product's name), and every step is an index lookup. A wrong match sends an owner
to a program they cannot join, so an answer needs evidence:

- a product (`level: product`);
- one maker's products of several kinds that the string does not tell apart: the main kind, with the
  candidates (`level: system`, e.g. `PowerWall 2 (GW2)`);
- the maker and kind when the model is missing, ambiguous or not in the catalog (`level: family`), the kind
  from the model's words, the integration's own name for the device, the device's entities (Home
  Assistant's entity registry: climate, water_heater, a switch with power sensors, ...), an integration
  that serves one kind (derdir/data/ha_integrations.json: `ohme`, `sense`, `aosmith`), or the series of the
  maker's catalog models the model number belongs to (Third Reality's 3RSP… are plugs); with no
  `family_members` when the catalog has nothing of that maker and kind;
- or no match: not an energy device, a hub, a service entry of the hub, or unknown.

Maker names come from the report, else from a Matter vendor id through the manufacturer recipes, else from
the first words of the device's name when they name a maker the catalog knows (the CSA list names the company
that certified a device, often the factory behind the brand), else from the CSA vendor list in
derdir/data/vendor_ids.json, else, for a Matter device, the first word of its name. The owner's own name
for a device is never read.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from os.path import commonprefix
from typing import Any, Iterable

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .catalog.index import Catalog
from .facts import DeviceFacts, maker_names
from .normalize import fold, key, maker_key

Short = Field(None, max_length=300)

# Words that mark a device as something other than an energy device, when nothing stronger matched.
NOT_ENERGY = re.compile(
    r"\b(camera|cam|doorbell|speaker|soundbar|tv|television|chromecast|lock|vacuum|robot|router|mesh|printer|"
    r"phone|tablet|watch|sensor|motion|contact|door|window|leak|smoke|siren|remote|button|switch mini|"
    r"weather|sun|forecast|media|player|hub|bridge|gateway|blind|shade|shutter|curtain|cover|purifier|fan|"
    r"keypad|detector|repeater|thermometer|hygrometer|"
    r"coordinator|dongle|stick|assistant|display|echo|nest mini|home mini|homepod|apple tv|roku|"
    r"mower|feeder|add-?on|service)s?\b")
# Categories whose words are weaker than a non-energy word in the same report ("motion sensor light" is a sensor).
WEAK_CATEGORIES = {"light", "smart-plug", "load-controller", "energy-monitor", "battery", "hvac"}
# Kinds an integration's name may give a device of (its other devices are of the same kind).
STRONG_FROM_INTEGRATION = {"ev-charger", "battery", "solar-inverter", "water-heater", "thermostat", "heat-pump"}
CATEGORY_WORDS: list[tuple[str, re.Pattern[str]]] = [
    ("thermostat", re.compile(r"thermostat|\btrv\b|radiator valve")),
    ("water-heater", re.compile(r"water ?heater|hpwh|heat pump water|econet|proterra|voltex|aquanta")),
    ("ev-charger", re.compile(r"charger|evse|wall ?connector|wallbox|juicebox|charge ?point|pulsar|quasar|charging station")),
    ("vehicle", re.compile(r"\bmodel [3sxy]\b|cybertruck|\bvehicle\b|\bcar\b")),
    ("battery", re.compile(r"battery|powerwall|encharge|storage|apower|power ?station")),
    ("solar-inverter", re.compile(r"inverter|microinverter|\bpv\b|solar")),
    ("energy-monitor", re.compile(r"energy monitor|power meter|energy meter|\bct\b|envoy|\bvue\b|\bem\b")),
    ("smart-plug", re.compile(r"plug|outlet|socket|receptacle|power ?strip")),
    ("load-controller", re.compile(r"relay|load control|contactor|\b1pm\b|\bpm\b|actuator")),
    ("heat-pump", re.compile(r"heat pump|mini.?split")),
    ("hvac", re.compile(r"air ?condition|\bac (controller|remote)\b|\bhvac\b|\bvent\b")),
    ("light", re.compile(r"\bbulb|\blight\b|\blamp\b|\bled strip|\blightstrip|\bdownlight|\bspotlight|"
                         r"\bled (bulb|lamp|panel|driver|controller|dimmer|filament|spot|strip|tube)|"
                         r"\b(smart|zigbee|rgbw?|cct|dimmable) led\b|\bled (rgbw?|cct)\b|\btunable white\b|\brgbc?(w|tw|cct)\b|"
                         r"\bww/cw\b|\b(a19|a21|a60|br30|br40|par30|par38|gu10|mr16|e26|e27|e14|b22)\b|"
                         r"\bled\b.*\b(colou?r|white|rgbw?|dimmable|adjustable)\b|\b(colou?r|rgbw?|dimmable)\b.*\bled\b")),
    ("pool-pump", re.compile(r"pool")),
]


MAX_TIED = 200  # equally good candidates considered; more than that is no identification at all
FAMILY_MEMBERS = 20  # models a family-level answer lists, and household evaluation checks
RESOLVED_CACHE = 10_000  # answers remembered per build (~2 KB each packed; emptied when full)
PARTS_WEIGHT = 0.84  # a hit on the leading parts of a model string ('PLP1' of 'PLP1-0-2-4-9-002')
NAME_SCAN = 5_000  # a maker's products compared by name, at most (the last resort for a short model string)
SHORT_MODEL = 8  # model keys this short may be the first words of a product name ('T9', 'Lyric T5')
NAME_LEAD_MAKERS = 256  # makers whose product-name leads are kept per build

_ZWAVE_ID = re.compile(r"-(\d+):(\d+):(\d+)$")  # Home Assistant zwave_js: '<home id>-<node>-<mfr>:<type>:<id>'
_ZWAVE_HEX = re.compile(r"^0x([0-9a-f]{1,4})[:/-]0x([0-9a-f]{1,4})[:/-]0x([0-9a-f]{1,4})$", re.I)
_ZWAVE_DEC = re.compile(r"^(\d{1,5}):(\d{1,5}):(\d{1,5})$")
_HEAD = re.compile(r"[,;]|\s[-–]\s")
_BRACKETED = re.compile(r"\([^)]*\)|\[[^]]*\]")
_REVISION = re.compile(r"\b(hw|v|rev|ver)\s?\d+(\.\d+)*\b", re.I)
_INNER = re.compile(r"\(([^)]+)\)")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")
_PART = re.compile(r"[A-Za-z0-9]+")  # the parts of a model string between separators: 'PLP1-0-2-4' -> PLP1, 0, 2, 4

# Words a device name starts with that are not a maker ('Smart AC Controller', 'Wi-Fi Relay').
GENERIC_WORDS = {"smart", "matter", "wifi", "wi-fi", "wireless", "dual", "home", "indoor", "outdoor", "mini", "power",
                 "the", "my", "new", "pro", "energy", "plug", "light", "main", "living", "kitchen", "bedroom", "office",
                 "garage", "hallway", "basement", "upstairs", "downstairs", "zigbee", "z-wave", "zwave", "thread"}

# Integrations that talk Zigbee directly and report the radio's manufacturer name rather than the brand.
ZIGBEE_INTEGRATIONS = {"zha", "mqtt", "zigbee2mqtt", "deconz", "smartthings", "homey", "hubitat", "zigbee"}


class EntityHint(BaseModel):
    """One entity of the device, as Home Assistant's entity registry lists it: what kind of thing it
    measures or controls. Enough of them say what the device is when its model is not in the catalog."""

    model_config = ConfigDict(extra="ignore")

    domain: str = Field(max_length=50, description="climate, water_heater, sensor, switch, light, ...")
    device_class: str | None = Field(None, max_length=50, description="power, energy, battery, ...")
    unit: str | None = Field(None, max_length=20, description="Unit of measurement, e.g. W or kWh.")
    name: str | None = Field(None, max_length=200, description="The entity's original name or translation key.")


class DeviceReport(BaseModel):
    """One device as a hub reports it. Every field is optional; more fields, better answers."""

    model_config = ConfigDict(extra="ignore")

    manufacturer: str | None = Short
    model: str | None = Short
    model_id: str | None = Short
    integration: str | None = Field(None, max_length=100, description="Hub integration/domain, e.g. zha, tplink, mqtt.")
    identifiers: list[list[str]] = Field(default_factory=list, max_length=20,
                                         description="[domain, id] pairs as in Home Assistant's device registry.")
    connections: list[list[str]] = Field(default_factory=list, max_length=20,
                                         description="[type, id] pairs, e.g. ['mac', 'aa:bb:…'] (for merging duplicates).")
    serial_number: str | None = Field(None, max_length=100)
    name: str | None = Field(None, max_length=300, description="The name the hub or integration gave the device.")
    name_by_user: str | None = Field(None, max_length=300,
                                     description="The name its owner gave it: shown, never read as evidence "
                                                 "(a speaker named 'Living room light' is no light).")
    vendor_id: int | None = Field(None, ge=0, le=0xFFFF, description="Matter vendor id.")
    product_id: int | None = Field(None, ge=0, le=0xFFFF, description="Matter product id.")
    entry_type: str | None = Field(None, max_length=30, description="Home Assistant's entry_type: 'service' for services.")
    entities: list[EntityHint] = Field(default_factory=list, max_length=300,
                                       description="The device's entities (from Home Assistant's entity registry).")

    @field_validator("identifiers", "connections", mode="before")
    @classmethod
    def _pairs(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return [[str(k), str(v)] for k, v in value.items()]
        if isinstance(value, list):
            return [[str(x) for x in pair][:2] if isinstance(pair, (list, tuple)) else [str(pair), ""] for pair in value]
        return value

    @field_validator("serial_number", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


@dataclass
class Candidate:
    id: str
    score: float
    reason: str


@dataclass
class Resolution:
    """`match` is a product (level 'product'), a maker+kind (level 'family'), a set of products one of which
    it is (level 'system'), or None. `kind`: device, hub, not-energy, service, unknown."""

    match: dict[str, Any] | None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""
    kind: str = "device"

    def as_dict(self) -> dict[str, Any]:
        return {"match": self.match, "candidates": self.candidates, "reason": self.reason}

    def packed(self) -> bytes:
        """Compact bytes to remember it by: no objects for the garbage collector to walk, and every
        caller gets its own copy back."""
        return orjson.dumps([self.match, self.candidates, self.reason, self.kind])

    @classmethod
    def unpacked(cls, data: bytes) -> "Resolution":
        return cls(*orjson.loads(data))


def _zwave_triples(report: DeviceReport) -> list[str]:
    """Z-Wave manufacturer:type:id triples in the report's identifiers, in any of the forms hubs write them:
    Home Assistant's '<home>-<node>-134:3:12' (decimal), SmartThings' '0x0086:0x0003:0x000c', plain '134:3:12'."""
    out = []
    for pair in report.identifiers:
        if len(pair) != 2 or "zwave" not in pair[0].lower().replace("-", "").replace("_", ""):
            continue
        value = pair[1].strip()
        m = _ZWAVE_ID.search(value)
        if m:
            out.append(":".join(str(int(x)) for x in m.groups()))
        elif m := _ZWAVE_HEX.match(value):
            out.append(":".join(str(int(x, 16)) for x in m.groups()))
        elif m := _ZWAVE_DEC.match(value):
            out.append(":".join(str(int(x)) for x in m.groups()))
    return out


def _parts_prefixes(text: str) -> list[str]:
    """Keys of the leading parts of a model string, longest first, cut only between parts: 'PLP1-0-2-4-9-002'
    -> plp10249, …, plp1; 'Powerwall 2 (GW2)' -> powerwall2. A model number reported with its options,
    region or revision appended ('HS110(EU)', 'SV01-610-MP-1.1') keeps the catalog's number in front.
    Only keys with a letter and a digit and 4+ characters: a bare word or number names nothing."""
    parts = _PART.findall(fold(text))
    out = []
    for n in range(len(parts) - 1, 0, -1):
        k = "".join(parts[:n])
        if len(k) >= 4 and any(c.isdigit() for c in k) and any(c.isalpha() for c in k):
            out.append(k)
    return out


@lru_cache(maxsize=16384)
def model_variants(text: str | None) -> tuple[tuple[str, float], ...]:
    """Keys to look a model string up by, with how much a hit on each is worth."""
    if not text:
        return ()
    out: list[tuple[str, float]] = [(key(text), 0.95)]
    head = _HEAD.split(text)[0]
    bare = _REVISION.sub(" ", _BRACKETED.sub(" ", head))
    for k in (key(head), key(bare)):
        out.append((k, 0.9))
    for inner in _INNER.findall(text):  # Zigbee2MQTT: "description (MODEL)"
        out.append((key(inner), 0.9))
    for token in _TOKEN.findall(bare):
        k = key(token)
        if len(k) >= 4 and any(c.isdigit() for c in k):
            out.append((k, 0.85))
    for k in _parts_prefixes(head):  # the catalog's number with options appended
        out.append((k, PARTS_WEIGHT))
    seen, unique = set(), []
    for k, w in out:
        if len(k) >= 2 and k not in seen:
            seen.add(k)
            unique.append((k, w))
    return tuple(unique)


def _maker_agrees(reported: str, makers: Iterable[str]) -> bool:
    return any(m == reported or (min(len(m), len(reported)) >= 4 and (m in reported or reported in m)) for m in makers)


def _hub_makers(cat: Catalog, hid: str) -> set[str]:
    return maker_names(cat.hubs[hid]) if hid in cat.hubs else set()


def _known_maker(cat: Catalog, mk: str) -> bool:
    """The maker (or, for names of 4+ characters, one starting like it) makes something in the catalog."""
    return bool(mk) and (mk in cat.maker_keys or (len(mk) >= 4 and mk[:4] in cat.maker_prefixes))


def _vendors(cat: Catalog) -> dict[int, str]:
    """Matter/Zigbee vendor id -> the manufacturer recipe's name (from `matter_vendor_id`)."""
    found = cat.derived.get("resolve.vendors")
    if found is None:
        found = {m.matter_vendor_id: m.name for m in cat.manufacturers.values() if m.matter_vendor_id is not None}
        cat.derived["resolve.vendors"] = found
    return found


@lru_cache(maxsize=1)
def _vendor_list() -> dict[str, str]:
    """Vendor ids of makers the catalog may not have (derdir/data/vendor_ids.json, from zigbee-herdsman's
    manufacturer codes: the CSA assigns Zigbee manufacturer codes and Matter vendor ids from one space)."""
    from importlib.resources import files

    return json.loads(files("derdir").joinpath("data/vendor_ids.json").read_text(encoding="utf-8"))["vendors"]


def _recipe_makers(cat: Catalog) -> frozenset[str]:
    """Keys of every name, alias and brand of the manufacturer recipes (makers the catalog knows of, with or
    without devices: 'Linkind' is AiDot's brand)."""
    found = cat.derived.get("resolve.recipe_makers")
    if found is None:
        found = frozenset(maker_key(n) for m in cat.manufacturers.values() for n in [m.name, *m.aliases, *m.brands]
                          if maker_key(n))
        cat.derived["resolve.recipe_makers"] = found
    return found


def _maker_from_name(cat: Catalog, name: str | None, loose: bool = False, exact: bool = False) -> str:
    """The maker a device name starts with ('Aeotec Energy Monitor', 'Linkind Smart Plug'): one the catalog knows,
    or with `loose`, any first word that is neither generic nor a kind of device ('ELEGRP Smart Mini Plug')."""
    words = (name or "").split()
    if not words or fold(words[0]).strip(".,:;!") in GENERIC_WORDS:
        return ""
    known = cat.maker_keys | _recipe_makers(cat)
    for n, exact_words in ((2, True), (1, True), (1, False)):  # 'Aeotec Energy Monitor', 'Fibaro Outlet' (Fibargroup)
        if len(words) >= n:
            mk = maker_key(" ".join(words[:n]))
            if len(mk) >= 3 and (mk in known if exact_words else (not exact and _known_maker(cat, mk))):
                return " ".join(words[:n])
    first = words[0].strip(".,:;!()")
    if loose and len(words) >= 2 and len(maker_key(first)) >= 3 and any(c.isalpha() for c in first) \
            and not _words_category(first) and not NOT_ENERGY.search(fold(first)):
        return first
    return ""


def _reported_maker(cat: Catalog, report: DeviceReport) -> tuple[str, str]:
    """(maker as reported or inferred, how it was found). A hub that reports only a Matter vendor id
    names the maker through the manufacturer recipes; then the device name, when it starts with a maker the
    catalog knows (the CSA vendor list names the company that certified the device, often the factory behind the
    brand: Leedarson for Linkind); then the CSA list. A name alone often starts with the maker ('Aeotec Energy
    Monitor')."""
    if report.manufacturer and report.manufacturer.strip():
        return report.manufacturer.strip(), "reported"
    if report.vendor_id is not None and report.vendor_id in _vendors(cat):
        return _vendors(cat)[report.vendor_id], f"Matter vendor id {report.vendor_id}"
    csa = report.vendor_id is not None and str(report.vendor_id) in _vendor_list()
    named = _maker_from_name(cat, report.name, exact=csa)  # over the CSA list only a maker named exactly
    if named:
        return named, "the device name"
    if csa:
        return _vendor_list()[str(report.vendor_id)], f"Matter vendor id {report.vendor_id} (CSA vendor list)"
    if report.vendor_id is not None:  # a Matter device named by its brand, which the catalog does not know yet
        named = _maker_from_name(cat, report.name, loose=True)
        if named:
            return named, "the device name"
    return "", ""


def _words_category(*texts: str | None) -> str | None:
    joined = " ".join(fold(t) for t in texts if t)
    for category, pattern in CATEGORY_WORDS:
        if pattern.search(joined):
            return category
    return None


def _category_hint(*texts: str | None) -> str | None:
    return _words_category(*texts)


@dataclass
class _Evidence:
    """What a report says about the kind of device, apart from its model: words, and its entities."""

    category: str | None
    source: str  # 'words', 'entities', 'integration' or ''
    not_energy: bool  # words or entities that mark something other than an energy device
    energy_monitoring: bool | None


_NON_ENERGY_DOMAINS = {"camera", "media_player", "lock", "vacuum", "lawn_mower", "alarm_control_panel", "cover",
                       "remote", "tts", "stt", "weather", "calendar", "image", "notify", "siren", "valve", "fan",
                       "humidifier", "device_tracker", "event", "todo", "conversation", "wake_word"}


def _entity_evidence(entities: list[EntityHint]) -> tuple[str | None, bool, bool | None]:
    """(category, marks a non-energy device, measures power or energy) from a device's entities."""
    if not entities:
        return None, False, None
    domains = {e.domain for e in entities}
    classes = {(e.device_class or "").lower() for e in entities}
    units = {(e.unit or "") for e in entities}
    names = " ".join(fold(e.name or "").replace("_", " ") for e in entities)  # translation keys: charge_current
    metered = bool(classes & {"power", "energy"}) or bool(units & {"W", "kW", "kWh", "Wh"})
    if "water_heater" in domains:
        return "water-heater", False, metered or None
    if "climate" in domains:
        return "thermostat", False, metered or None
    if any(e.domain == "cover" and (e.device_class or "").lower() == "damper" for e in entities):
        return "hvac", False, metered or None  # a vent damper
    if re.search(r"charg(ing|e) (current|power|limit)|\bcharger\b|\bevse\b", names) and metered \
            and "device_tracker" not in domains:
        return "ev-charger", False, True
    if metered and "battery" in classes and re.search(r"\bgrid\b|\bsolar\b|\bbackup\b|\bdischarg", names) \
            and "device_tracker" not in domains:
        return "battery", False, True
    if metered and "switch" in domains and "light" not in domains:
        return "smart-plug", False, True
    if metered and not domains & _NON_ENERGY_DOMAINS and "switch" not in domains and "light" not in domains:
        return "energy-monitor", False, True
    if "light" in domains and not domains & _NON_ENERGY_DOMAINS:
        return "light", False, metered or None
    if domains & _NON_ENERGY_DOMAINS and not metered:
        return None, True, None
    return None, False, metered or None


@lru_cache(maxsize=1)
def _integration_kinds() -> dict[str, str]:
    """Home Assistant integration domains whose devices are all of one kind of energy device (`ohme`: EV chargers,
    `sense`: energy monitors), from derdir/data/ha_integrations.json (derived from Home Assistant's integrations
    list; the kinds from each integration's documentation)."""
    from importlib.resources import files

    data = json.loads(files("derdir").joinpath("data/ha_integrations.json").read_text(encoding="utf-8"))
    return {domain: v["kind"] for domain, v in data["domains"].items() if v.get("kind")}


def _integration_category(integration: str | None) -> str | None:
    """The kind an integration serves: from the table of one-kind integrations, else from its name, for the kinds
    whose integrations serve only them (`openevse`, `go_echarger`, `powerwall`, `solaredge`): never a plug, light
    or meter by name alone (`plugwise`)."""
    if not integration:
        return None
    domain = integration.strip().lower()
    if domain in _integration_kinds():
        return _integration_kinds()[domain]
    category = _words_category(integration.replace("_", " "))
    return category if category in STRONG_FROM_INTEGRATION else None


def _evidence(report: DeviceReport) -> _Evidence:
    words = " ".join(filter(None, (report.model, report.model_id, report.name)))
    folded = fold(words)
    category = _words_category(words)
    not_energy = bool(NOT_ENERGY.search(folded))
    e_cat, e_not, metered = _entity_evidence(report.entities)
    if category and not_energy and category in WEAK_CATEGORIES and e_cat != category:
        category = None  # "motion sensor light" is a sensor; a light bulb says only "bulb"
    if category:
        return _Evidence(category, "words", not_energy, metered)
    if e_cat:
        return _Evidence(e_cat, "entities", False, metered)
    i_cat = None if not_energy or e_not else _integration_category(report.integration)
    if i_cat:
        return _Evidence(i_cat, "integration", False, metered)
    return _Evidence(None, "", not_energy or e_not, metered)


def summary(d: DeviceFacts, confidence: float, level: str = "product") -> dict[str, Any]:
    """A candidate product as answers list it."""
    return {"id": d.id, "category": d.category, "manufacturer": d.manufacturer, "brand": d.brand,
            "product_name": d.product_name, "model_numbers": list(d.model_numbers), "confidence": round(confidence, 2),
            "level": level}


def _prefixes(k: str) -> list[str]:
    """Longest first: 'kp125mus' -> 'kp125mu', 'kp125m', … 'kp1'."""
    return [k[:cut] for cut in range(len(k) - 1, 2, -1)]


@dataclass
class _Zigbee:
    """One string looked up as a Zigbee model id, with its keys."""

    text: str
    key: str
    fingerprint: str | None  # 'zigbee-maker' key: the reported vendor name and the model id
    pins: list[str]  # 'zigbee-model' keys: the model id with each model number found elsewhere in the report


@dataclass
class _Probe:
    """What to look up for one report, worked out once for every stage of a batch."""

    report: DeviceReport
    zwave: list[str]
    matter: list[str]  # 'vendor:product' when both are reported
    zigbee: list[_Zigbee]
    models: list[tuple[str, tuple[tuple[str, float], ...]]]  # (model text, its lookup keys with weights)

    @classmethod
    def of(cls, report: DeviceReport) -> "_Probe":
        matter = ([f"{report.vendor_id}:{report.product_id}"]
                  if report.vendor_id is not None and report.product_id is not None else [])
        models = [(t, model_variants(t)) for t in (report.model_id, report.model) if t]
        # Zigbee2MQTT puts the model in model_id and a description in model: only ids are Zigbee model ids
        zigbee = []
        for text in [m for m in ((report.model_id,) if report.model_id else (report.model,)) if m]:
            zk = key(text)
            zigbee.append(_Zigbee(text, zk, f"{key(report.manufacturer)}|{zk}" if report.manufacturer else None,
                                  [f"{zk}|{k}" for _, variants in models for k, _ in variants if k != zk]))
        return cls(report, _zwave_triples(report), matter, zigbee, models)

    def direct_keys(self) -> Iterable[tuple[str, str]]:
        """Lookups every report needs: radio ids and Zigbee fingerprints (vendor name or model number)."""
        yield from (("zwave", t) for t in self.zwave)
        yield from (("matter", m) for m in self.matter)
        for z in self.zigbee:
            if z.fingerprint:
                yield "zigbee-maker", z.fingerprint
            yield from (("zigbee-model", pin) for pin in z.pins)

    def identified(self, look: "Lookups") -> bool:
        """Did a radio id or a Zigbee fingerprint name a product?"""
        return (any(look.get("zwave", t) for t in self.zwave) or any(look.get("matter", m) for m in self.matter)
                or any((z.fingerprint and look.get("zigbee-maker", z.fingerprint)) or look.pinned(z) for z in self.zigbee))

    def weaker_keys(self, look: "Lookups") -> Iterable[tuple[str, str]]:
        """Where no radio id or fingerprint named a product: bare Zigbee model ids (which many devices
        share) and model numbers."""
        if self.identified(look):
            return
        yield from (("zigbee", z.key) for z in self.zigbee)
        yield from (("model", k) for _, variants in self.models for k, _ in variants)

    def prefix_keys(self, known: frozenset[str]) -> Iterable[tuple[str, str]]:
        """Model-family prefixes ('PLP1*'), the last resort: those among the `known` ones."""
        for _, variants in self.models:
            for k, _ in variants[:2]:
                yield from (("model-prefix", p) for p in _prefixes(k) if p in known)


class Lookups:
    """Identifier hits for a batch of reports, fetched in a few batched queries (one per kind and stage).
    Asking for a value that was never fetched is a bug, not a miss: it raises."""

    def __init__(self, cat: Catalog):
        self.cat = cat
        self.hits: dict[tuple[str, str], list[str]] = {}

    def fetch(self, pairs: Iterable[tuple[str, str]]) -> None:
        wanted: dict[str, set[str]] = {}
        for kind, value in pairs:
            if (kind, value) not in self.hits:
                wanted.setdefault(kind, set()).add(value)
        for kind, values in wanted.items():
            found = self.cat.idents(kind, sorted(values))
            self.hits.update(((kind, v), found.get(v, [])) for v in values)

    def get(self, kind: str, value: str) -> list[str]:
        return self.hits[(kind, value)]

    def pinned(self, z: _Zigbee) -> list[str]:
        return sorted({i for pin in z.pins for i in self.get("zigbee-model", pin)})


def _gather(probe: _Probe, look: Lookups, prefixes: bool = False) -> dict[str, Candidate]:
    """Products the report's identifiers point at, strongest evidence first, before the maker is checked.
    Model-family prefixes are tried only with `prefixes` (a second pass, for reports nothing else matched)."""
    found: dict[str, Candidate] = {}

    def add(ids: list[str], score: float, reason: str) -> None:
        for i in ids:
            if i not in found or found[i].score < score:
                found[i] = Candidate(i, score, reason)

    for triple in probe.zwave:
        add(look.get("zwave", triple), 0.99, f"Z-Wave manufacturer/product ids {triple}")
    if probe.matter:
        add(look.get("matter", probe.matter[0]), 0.99, f"Matter vendor/product id {probe.matter[0]}")
    for z in probe.zigbee:
        fingerprint = look.get("zigbee-maker", z.fingerprint) if z.fingerprint else []
        add(fingerprint, 0.98, f"Zigbee fingerprint {probe.report.manufacturer} / {z.text}")
        # e.g. Tuya's TS0601, shared by hundreds of devices, and a model number that says which
        add(look.pinned(z), 0.95, f"Zigbee model id {z.text} and a model number")
    if not found:  # the bare model id, which many devices share, only when nothing more exact matched
        for z in probe.zigbee:
            add(look.get("zigbee", z.key), 0.9, f"Zigbee model id {z.text}")
    if not found:
        for text, variants in probe.models:
            for k, weight in variants:
                add(look.get("model", k), weight, f"model {text!r} starts with catalog model {k!r}"
                    if weight == PARTS_WEIGHT else f"model number {text!r}")
            if found:
                break
    if not found and prefixes:
        for text, variants in probe.models:
            for k, _ in variants[:2]:
                longest = next((p for p in _prefixes(k) if p in look.cat.model_prefixes and look.get("model-prefix", p)), None)
                if longest:
                    add(look.get("model-prefix", longest), 0.88, f"model {text!r} starts with {longest!r}")
                    break
            if found:
                break
    return found


def _short_model_keys(p: _Probe) -> list[tuple[str, str]]:
    """(text, key) of the report's model strings short enough to be a name's first words ('T9')."""
    out = []
    for text in (t for t in (p.report.model, p.report.model_id) if t):
        k = key(text)
        if 2 <= len(k) <= SHORT_MODEL and any(c.isdigit() for c in k):
            out.append((text, k))
    return out


def _name_leads(cat: Catalog, mk: str) -> dict[str, tuple[str, ...]]:
    """Keys of the first one to three words of each product name of a maker (after its brand) -> products.
    Kept per build for a few hundred makers: homes keep reporting the same makers."""
    cache = cat.derived.setdefault("resolve.name_leads", {})
    found = cache.get(mk)
    if found is not None:
        return found
    rows = cat.sql("SELECT d.id, d.product_name, d.brand FROM maker_device m JOIN device d ON d.id = m.id "
                   "WHERE m.maker = ? LIMIT ?", (mk, NAME_SCAN))
    leads: dict[str, set[str]] = {}
    for rid, name, brand in rows:
        words = _PART.findall(fold(name))
        skip = len(_PART.findall(fold(brand))) if brand and fold(name).startswith(fold(brand)) else 0
        for n in range(skip + 1, min(len(words), skip + 3) + 1):
            leads.setdefault("".join(words[skip:n]), set()).add(rid)
    found = {k: tuple(sorted(v)) for k, v in leads.items() if len(k) <= SHORT_MODEL}
    if len(cache) >= NAME_LEAD_MAKERS:
        cache.clear()
    cache[mk] = found
    return found


def _by_product_name(cat: Catalog, probes: list[_Probe], found: list[dict[str, Candidate]]) -> None:
    """Last resort for a short model string of a known maker ('Honeywell' / 'T9'): the product whose name
    starts with it, word for word ('T9 Smart Thermostat'). For reports nothing else matched."""
    for p, f in zip(probes, found):
        if f or not p.report.manufacturer:
            continue
        short = _short_model_keys(p)
        mk = maker_key(p.report.manufacturer) if short else ""
        if not mk or mk not in cat.maker_keys:
            continue
        leads = _name_leads(cat, mk)
        for text, k in short:
            if k in leads:
                for rid in leads[k]:
                    f[rid] = Candidate(rid, 0.85, f"model {text!r} begins the product name")
                break


def resolve(cat: Catalog, report: DeviceReport) -> Resolution:
    """Best catalog match for one reported device, or a family-level answer, or no match."""
    return resolve_many(cat, [report])[0]


def _report_key(r: DeviceReport) -> tuple:
    """Everything about a report the resolver reads (not the hub's own ids, such as MAC addresses)."""
    entities = tuple(sorted({(e.domain, e.device_class, e.unit, e.name) for e in r.entities}, key=str))
    return (r.manufacturer, r.model, r.model_id, r.integration, r.name, r.vendor_id, r.product_id,
            tuple(_zwave_triples(r)), r.entry_type, entities)


def resolve_many(cat: Catalog, reports: list[DeviceReport]) -> list[Resolution]:
    """`resolve` for a batch (a whole home): a few queries for the batch instead of several per device.
    Answers are remembered per build: hubs keep reporting the same speakers, plugs and thermostats."""
    keys = [_report_key(r) for r in reports]
    known = [cat.resolved.get(k) for k in keys]
    todo = list(dict.fromkeys(k for k, packed in zip(keys, known) if packed is None))
    fresh: dict[tuple, Resolution] = {}
    if todo:
        first = {k: r for k, r in zip(reversed(keys), reversed(reports))}  # one report per key
        fresh = dict(zip(todo, _resolve_all(cat, [first[k] for k in todo])))
        if len(cat.resolved) + len(fresh) > RESOLVED_CACHE:
            cat.resolved.clear()
        cat.resolved.update((k, res.packed()) for k, res in fresh.items())
    return [Resolution.unpacked(packed) if packed is not None else fresh[k] for k, packed in zip(keys, known)]


def _is_service(report: DeviceReport) -> bool:
    return (report.entry_type or "").lower() == "service"


def _resolve_all(cat: Catalog, reports: list[DeviceReport]) -> list[Resolution]:
    look = Lookups(cat)
    probes = [_Probe.of(r) for r in reports]
    devices = [not _is_service(r) for r in reports]
    look.fetch(kv for p, d in zip(probes, devices) if d for kv in p.direct_keys())
    look.fetch(kv for p, d in zip(probes, devices) if d for kv in p.weaker_keys(look))
    found = [_gather(p, look) if d else {} for p, d in zip(probes, devices)]
    look.fetch(kv for p, f, d in zip(probes, found, devices) if d and not f for kv in p.prefix_keys(cat.model_prefixes))
    found = [f or (_gather(p, look, prefixes=True) if d else {}) for p, f, d in zip(probes, found, devices)]
    live = [n for n, d in enumerate(devices) if d]
    _by_product_name(cat, [probes[n] for n in live], [found[n] for n in live])
    facts = cat.facts_of(list(dict.fromkeys(i for f in found for i in f)))
    return [_decide(cat, r, f, facts) if d else _service(r) for r, f, d in zip(reports, found, devices)]


def _service(report: DeviceReport) -> Resolution:
    what = " / ".join(filter(None, (report.manufacturer, report.model, report.name))) or "this entry"
    return Resolution(None, [], f"{what} is a service or software entry of the hub, not a device", "service")


def _decide(cat: Catalog, report: DeviceReport, found: dict[str, Candidate],
            facts: dict[str, DeviceFacts]) -> Resolution:
    """Weigh the gathered candidates against the reported maker: a product, a family, or no match."""
    model, model_id = report.model or "", report.model_id or ""
    mfr, how = _reported_maker(cat, report)
    rk = maker_key(mfr) if mfr else ""
    known = _known_maker(cat, rk)
    zigbee_hub = (report.integration or "zha").lower() in ZIGBEE_INTEGRATIONS
    if rk and how == "reported" and zigbee_hub:
        for cand in list(found.values()):
            if cand.reason.startswith("Zigbee model id") and not cand.reason.endswith("a model number") \
                    and (_other_radio_maker(cat, cand.id, report, facts) or _word_id_other_maker(cand, report, facts)):
                del found[cand.id]
    if rk:
        for cand in list(found.values()):
            if cand.score >= 0.98:
                continue
            if _maker_agrees(rk, facts[cand.id].known_as if cand.id in facts else _hub_makers(cat, cand.id)):
                cand.score = min(cand.score + 0.04, 0.97)
                cand.reason += f" and maker {mfr!r}"
            elif how != "reported":
                cand.score -= 0.05  # a maker inferred from a vendor id or a name is weaker evidence against
            elif cand.reason.startswith("Zigbee") and zigbee_hub:
                cand.score -= 0.05  # Zigbee stacks report the chip vendor's name (LUMI, _TZ3000_…), not the brand
            elif known:
                del found[cand.id]
            else:
                cand.score -= 0.15
    ranked = sorted(found.values(), key=lambda c: (-c.score, c.id))
    hubs = [c for c in ranked if c.id in cat.hubs]
    if hubs and hubs[0] is ranked[0]:
        return Resolution(None, [], f"{cat.hubs[hubs[0].id].product_name} is a hub, not an energy device", "hub")
    ranked = [c for c in ranked if c.id not in cat.hubs]
    if ranked:
        best = ranked[0]
        tied = [c for c in ranked if c.score >= best.score - 0.01][:MAX_TIED]
        originals = [c for c in tied if not facts[c.id].white_label_of]
        if originals and len(originals) < len(tied):
            tied, best = originals, originals[0]
        cands = [summary(facts[c.id], c.score) for c in ranked[:10]]
        if len(tied) == 1 or best.score >= 0.98:
            return Resolution(summary(facts[best.id], best.score), cands, best.reason)
        return _family(cat, report, mfr, _evidence(report), [c.id for c in tied], cands,
                       f"{len(tied)} products share {best.reason}")
    ev = _evidence(report)  # (only now: a product answer needs none of it)
    words = " ".join(filter(None, (model, model_id, report.name)))
    if ev.category is None and ev.not_energy:
        return Resolution(None, [], f"{words or 'it'!r} is not an energy device", "not-energy")
    if known and (ev.category or not (model or model_id or report.name)):
        return _family(cat, report, mfr, ev, None, [], f"maker {mfr!r} is in the catalog but model {model or model_id!r} is not")
    if ev.category:
        return _category_level(mfr, ev, f"maker {mfr!r} and model {model or model_id!r} are not in the catalog" if mfr
                               else f"no maker reported, and model {model or model_id!r} is not in the catalog")
    if known and (stem := _model_stem(cat, rk, report)):
        category, stem_key = stem
        return _family(cat, report, mfr, _Evidence(category, "words", False, ev.energy_monitoring), None, [],
                       f"maker {mfr!r} is in the catalog but model {model or model_id!r} is not; its models that begin "
                       f"{stem_key.upper()!r} are all {category.replace('-', ' ')}s")
    if known:
        return Resolution(None, [], f"maker {mfr!r} is in the catalog but model {model or model_id!r} is not, "
                                    "and nothing says what kind of device it is", "unknown")
    return Resolution(None, [], "no product, maker or identifier in the catalog matches", "unknown")


def _other_radio_maker(cat: Catalog, rid: str, report: DeviceReport, facts: dict[str, DeviceFacts]) -> bool:
    """A bare Zigbee model id shared by several makers' devices (Danfoss and POPP both report `eT093WRG`): the
    product's recipe lists the radio makers that report it with that model id, and the reported one is none of
    them, nor the product's maker: it is another maker's device with the same model id."""
    text = report.model_id or report.model or ""
    zk, mk = key(text), key(report.manufacturer or "")
    if not zk or not mk:
        return False
    if rid in facts and _maker_agrees(maker_key(report.manufacturer or ""), facts[rid].known_as):
        return False
    rows = cat.sql("SELECT value FROM ident WHERE kind = 'zigbee-maker' AND id = ?", (rid,))
    makers = {v.rsplit("|", 1)[0] for (v,) in rows if v.endswith("|" + zk)}
    return bool(makers) and not _maker_agrees(mk, makers)


def _word_id_other_maker(cand: Candidate, report: DeviceReport, facts: dict[str, DeviceFacts]) -> bool:
    """A Zigbee model id that is a plain word ('Thermostat', 'outlet') names a product only with its maker."""
    text = report.model_id or report.model or ""
    if any(c.isdigit() for c in text) or cand.id not in facts:
        return False
    return not _maker_agrees(maker_key(report.manufacturer or ""), facts[cand.id].known_as)


STEM = 4  # characters a model number must share with a maker's catalog models to be of their kind ('3RSP')
STEM_MODELS = 200  # a maker's model numbers compared, at most (those that begin like the reported one)


def _series(k: str, n: int) -> int:
    """The length of the series prefix within k[:n]: cut back to where the series number's digits begin
    ('3rsp0' of '3rsp019bz' -> '3rsp'; 'zwa00' of 'zwa005' -> 'zwa'), so that two models of one series share it."""
    m = n
    while m > 0 and not (k[m - 1].isalpha() and (m == len(k) or k[m].isdigit())):
        m -= 1
    return m


def _model_stem(cat: Catalog, mk: str, report: DeviceReport) -> tuple[str, str] | None:
    """(category, stem) when the reported model number is of a series of the maker's catalog models that are all
    of one kind: Third Reality's 3RSP… are plugs, 3RSL… lights. The stem is the series prefix (letters ending where
    the series number begins) it shares with at least two of the maker's models and with none of another kind, of
    at least STEM characters with a letter and a digit ('lumi.' or 'ZWA' name no series). Only for a maker the
    catalog knows, when nothing else says what the device is."""
    texts = [t for t in (report.model_id, report.model) if t]
    keys = [k for k in (key(t) for t in texts) if len(k) >= STEM]
    if not keys or not mk:
        return None
    for k in keys:
        # only models that begin with the same STEM characters can share a stem: a range of the ident index
        near = cat.sql("SELECT value, id FROM ident WHERE kind = 'model' AND value >= ? AND value < ? LIMIT ?",
                       (k[:STEM], k[:STEM] + "\uffff", STEM_MODELS))
        if not near:
            continue
        ids = sorted({i for _, i in near})
        marks = ",".join("?" * len(ids))
        mine = {i for (i,) in cat.sql(f"SELECT id FROM ident WHERE kind = 'maker' AND value = ? AND id IN ({marks})",
                                      (mk, *ids))}
        kinds = dict(cat.sql(f"SELECT id, category FROM device WHERE id IN ({marks})", tuple(ids))) if mine else {}
        rows = [(value, kinds[i]) for value, i in near if i in mine and i in kinds]
        best, members = 0, []
        for value, category in rows:
            n = len(commonprefix((k, value)))
            n = _series(k, n)
            if n < STEM or n >= len(k):
                continue
            if n > best:
                best, members = n, [category]
            elif n == best:
                members.append(category)
        stem = k[:best]
        if len(members) >= 2 and len(set(members)) == 1 and any(c.isdigit() for c in stem) \
                and any(c.isalpha() for c in stem):
            return members[0], stem
    return None


def _why_kind(ev: _Evidence) -> str:
    return {"words": "its model or name says so", "entities": "its entities say so",
            "integration": "the integration reporting it says so"}.get(ev.source, "")


def _category_level(mfr: str, ev: _Evidence, why: str) -> Resolution:
    """The maker as reported and the kind of device, when the catalog has nothing of that maker and kind:
    a program open to the whole category can still count it ('an energy-monitoring plug by Tuya')."""
    assert ev.category
    kind = ev.category.replace("-", " ")
    match: dict[str, Any] = {
        "id": None, "level": "family", "category": ev.category, "manufacturer": mfr or "maker not reported",
        "brand": None, "product_name": f"{mfr} {kind} (model not identified)" if mfr else f"{kind} (maker and model not reported)",
        "model_numbers": [], "confidence": (0.45 if ev.source == "words" else 0.4) - (0 if mfr else 0.1),
        "family_members": []}
    if ev.energy_monitoring:
        match["capabilities"] = {"energy_monitoring": True}
    article = "an" if kind[0] in "aeiou" else "a"
    return Resolution(match, [], f"{why}; {article} {kind}: {_why_kind(ev)}")


def _family(cat: Catalog, report: DeviceReport, mfr: str, ev: _Evidence, ids: list[str] | None,
            cands: list[dict[str, Any]], why: str) -> Resolution:
    """Maker + category answer when the model is missing or ambiguous ('a Rheem water heater'), or a
    system-level one when the products the evidence names are of one maker but of several kinds
    ('PowerWall 2 (GW2)': the Powerwall 2 batteries and their Backup Gateway)."""
    hint = ev.category or _category_hint(report.integration)
    level = "family"
    reported_maker = False
    if ids is None:
        mk = maker_key(mfr)
        every = dict(cat.sql("SELECT category, count(*) FROM maker_device WHERE maker = ? GROUP BY category", (mk,)))
        counts = every
        via = report.integration.lower() if report.integration else None
        if via:  # the maker's devices this integration reaches, when it reaches any
            reached = dict(cat.sql("SELECT m.category, count(*) FROM maker_device m JOIN ident i ON i.kind = 'ha-integration' "
                                   "AND i.value = ? AND i.id = m.id WHERE m.maker = ? GROUP BY m.category", (via, mk)))
            counts, via = (reached, via) if reached else (counts, None)
        if hint:
            if hint not in counts and via:  # not among what the integration reaches: among all the maker's devices
                counts, via = every, None
            if hint not in counts:
                return _category_level(mfr, ev if ev.category else _Evidence(hint, "words", False, None),
                                       why + f"; the catalog has no {hint.replace('-', ' ')} of it")
            category = hint
        else:
            category = next(iter(counts)) if len(counts) == 1 else None
        if category is None:
            return Resolution(None, [], why + "; the kind of device is not clear", "unknown")
        if via:
            ids = [r[0] for r in cat.sql("SELECT m.id FROM maker_device m JOIN ident i ON i.kind = 'ha-integration' "
                                         "AND i.value = ? AND i.id = m.id WHERE m.maker = ? AND m.category = ? "
                                         "ORDER BY m.id LIMIT ?", (via, mk, category, FAMILY_MEMBERS))]
        else:
            ids = [r[0] for r in cat.sql("SELECT id FROM maker_device WHERE maker = ? AND category = ? ORDER BY id LIMIT ?",
                                         (mk, category, FAMILY_MEMBERS))]
    else:
        rows_of = cat.facts_of(ids)
        counts = Counter(rows_of[i].category for i in ids)
        category, n = counts.most_common(1)[0]
        if hint in counts:
            category, n = hint, counts[hint]
        if n < 0.75 * len(ids):
            makers = [set(rows_of[i].known_as) for i in ids]
            one_maker = bool(set.intersection(*makers)) or bool(mfr and all(_maker_agrees(maker_key(mfr), m) for m in makers))
            if not one_maker and ev.category and ev.source in ("words", "entities"):
                # the radio id is shared by many makers' devices of several kinds, and the report says which kind:
                # the reported maker and that kind
                if ev.category not in counts:
                    return _category_level(mfr, ev, why + "; they are different kinds of device by different makers")
                category, reported_maker = ev.category, True
                why += f"; they are different kinds of device by different makers, and {_why_kind(ev)}"
            elif not one_maker:
                return Resolution(None, cands, why + "; they are different kinds of device by different makers", "unknown")
            else:
                level = "system"
                why += f"; one maker's products of {len(counts)} kinds: the answer is the {category.replace('-', ' ')} among them"
        elif len(counts) > 1:
            why += f"; {n} of {len(ids)} are {category}s"
        ids = [i for i in ids if rows_of[i].category == category][:FAMILY_MEMBERS]
    of = cat.facts_of(ids)
    first = of[ids[0]]
    makers = {f.manufacturer for f in of.values()}
    one = len(makers) == 1 and not (reported_maker and mfr)
    manufacturer = first.manufacturer if one else (mfr or "several makers")
    brand = first.brand if one else None
    maker = brand or manufacturer
    name = (f"{maker} {category.replace('-', ' ')} system (exact product not identified)" if level == "system"
            else f"{maker} {category.replace('-', ' ')} (model not identified)")
    match = {"id": None, "level": level, "category": category, "manufacturer": manufacturer, "brand": brand,
             "product_name": name, "model_numbers": [], "confidence": 0.6 if level == "system" else 0.5,
             "family_members": ids}
    return Resolution(match, cands or [summary(of[i], 0.5, "family") for i in ids[:10]], why)
