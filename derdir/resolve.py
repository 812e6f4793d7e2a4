"""Map what a hub reports about a device to a catalog product, with a confidence and the reason.

Hubs report strings, not catalog ids: `TP-Link` / `KP125M(US)`, `_TZ3000_okaz9tjs` / `TS011F`,
`ecobee Inc.` / `ecobee3 lite`, a Z-Wave `manufacturer:type:id`. Evidence is tried strongest first
(radio identifiers, then model numbers checked against the maker, then the maker and kind alone),
and every step is an index lookup. A wrong match sends an owner to a program they cannot join,
so an answer needs evidence: anything else is "no match".
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
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
    r"model [3sxy]|model s|cybertruck|car|vehicle|weather|sun|forecast|media|player|hub|bridge|gateway|"
    r"coordinator|dongle|stick|assistant|display|echo|mini|nest mini|home mini|homepod|apple tv|roku)\b")
CATEGORY_WORDS: list[tuple[str, re.Pattern[str]]] = [
    ("thermostat", re.compile(r"thermostat|\btrv\b|radiator valve")),
    ("water-heater", re.compile(r"water ?heater|hpwh|heat pump water|econet|proterra|voltex|aquanta")),
    ("ev-charger", re.compile(r"charger|evse|wall ?connector|wallbox|juicebox|charge ?point|pulsar|quasar")),
    ("battery", re.compile(r"battery|powerwall|encharge|storage|apower")),
    ("solar-inverter", re.compile(r"inverter|microinverter|\bpv\b|solar")),
    ("energy-monitor", re.compile(r"energy monitor|power meter|energy meter|\bct\b|envoy|gateway|\bvue\b|\bem\b")),
    ("smart-plug", re.compile(r"plug|outlet|socket|receptacle")),
    ("load-controller", re.compile(r"relay|load control|contactor|\b1pm\b|\bpm\b")),
    ("heat-pump", re.compile(r"heat pump|mini.?split|air ?conditioner")),
    ("pool-pump", re.compile(r"pool")),
]


MAX_TIED = 200  # equally good candidates considered; more than that is no identification at all
FAMILY_MEMBERS = 20  # models a family-level answer lists, and household evaluation checks
RESOLVED_CACHE = 10_000  # answers remembered per build (~2 KB each packed; emptied when full)

_ZWAVE_ID = re.compile(r"-(\d+):(\d+):(\d+)$")
_HEAD = re.compile(r"[,;]|\s[-–]\s")
_BRACKETED = re.compile(r"\([^)]*\)|\[[^]]*\]")
_REVISION = re.compile(r"\b(hw|v|rev|ver)\s?\d+(\.\d+)*\b", re.I)
_INNER = re.compile(r"\(([^)]+)\)")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")

# Integrations that talk Zigbee directly and report the radio's manufacturer name rather than the brand.
ZIGBEE_INTEGRATIONS = {"zha", "mqtt", "zigbee2mqtt", "deconz", "smartthings", "homey", "hubitat", "zigbee"}


class DeviceReport(BaseModel):
    """One device as a hub reports it. Every field is optional; more fields, better answers."""

    model_config = ConfigDict(extra="ignore")

    manufacturer: str | None = Short
    model: str | None = Short
    model_id: str | None = Short
    integration: str | None = Field(None, max_length=100, description="Hub integration/domain, e.g. zha, tplink, mqtt.")
    identifiers: list[list[str]] = Field(default_factory=list, max_length=20,
                                         description="[domain, id] pairs as in Home Assistant's device registry.")
    name: str | None = Short
    vendor_id: int | None = Field(None, ge=0, le=0xFFFF, description="Matter vendor id.")
    product_id: int | None = Field(None, ge=0, le=0xFFFF, description="Matter product id.")

    @field_validator("identifiers", mode="before")
    @classmethod
    def _pairs(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return [[str(k), str(v)] for k, v in value.items()]
        if isinstance(value, list):
            return [[str(x) for x in pair][:2] if isinstance(pair, (list, tuple)) else [str(pair), ""] for pair in value]
        return value


@dataclass
class Candidate:
    id: str
    score: float
    reason: str


@dataclass
class Resolution:
    """`match` is a product (level 'product'), a maker+kind (level 'family'), or None."""

    match: dict[str, Any] | None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""
    kind: str = "device"  # device, hub, not-energy, unknown

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
    out = []
    for pair in report.identifiers:
        if len(pair) == 2 and pair[0] == "zwave_js":
            m = _ZWAVE_ID.search(pair[1])
            if m:
                out.append(":".join(str(int(x)) for x in m.groups()))
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


def _category_hint(*texts: str | None) -> str | None:
    joined = " ".join(fold(t) for t in texts if t)
    for category, pattern in CATEGORY_WORDS:
        if pattern.search(joined):
            return category
    return None


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
    matter: str | None
    zigbee: list[_Zigbee]
    models: list[tuple[str, tuple[tuple[str, float], ...]]]  # (model text, its lookup keys with weights)

    @classmethod
    def of(cls, report: DeviceReport) -> "_Probe":
        matter = (f"{report.vendor_id}:{report.product_id}"
                  if report.vendor_id is not None and report.product_id is not None else None)
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
        if self.matter:
            yield "matter", self.matter
        for z in self.zigbee:
            if z.fingerprint:
                yield "zigbee-maker", z.fingerprint
            yield from (("zigbee-model", pin) for pin in z.pins)

    def identified(self, look: "Lookups") -> bool:
        """Did a radio id or a Zigbee fingerprint name a product?"""
        return (any(look.get("zwave", t) for t in self.zwave) or bool(self.matter and look.get("matter", self.matter))
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
        add(look.get("matter", probe.matter), 0.99, f"Matter vendor/product id {probe.matter}")
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
                add(look.get("model", k), weight, f"model number {text!r}")
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


def resolve(cat: Catalog, report: DeviceReport) -> Resolution:
    """Best catalog match for one reported device, or a family-level answer, or no match."""
    return resolve_many(cat, [report])[0]


def _report_key(r: DeviceReport) -> tuple:
    """Everything about a report the resolver reads (not the hub's own ids, such as MAC addresses)."""
    return (r.manufacturer, r.model, r.model_id, r.integration, r.name, r.vendor_id, r.product_id,
            tuple(_zwave_triples(r)))


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


def _resolve_all(cat: Catalog, reports: list[DeviceReport]) -> list[Resolution]:
    look = Lookups(cat)
    probes = [_Probe.of(r) for r in reports]
    look.fetch(kv for p in probes for kv in p.direct_keys())
    look.fetch(kv for p in probes for kv in p.weaker_keys(look))
    found = [_gather(p, look) for p in probes]
    look.fetch(kv for p, f in zip(probes, found) if not f for kv in p.prefix_keys(cat.model_prefixes))
    found = [f or _gather(p, look, prefixes=True) for p, f in zip(probes, found)]
    facts = cat.facts_of(list(dict.fromkeys(i for f in found for i in f)))
    return [_decide(cat, r, f, facts) for r, f in zip(reports, found)]


def _decide(cat: Catalog, report: DeviceReport, found: dict[str, Candidate],
            facts: dict[str, DeviceFacts]) -> Resolution:
    """Weigh the gathered candidates against the reported maker: a product, a family, or no match."""
    mfr, model, model_id = report.manufacturer or "", report.model or "", report.model_id or ""
    rk = maker_key(mfr) if mfr else ""
    known = _known_maker(cat, rk)
    zigbee_hub = (report.integration or "zha").lower() in ZIGBEE_INTEGRATIONS
    if rk:
        for cand in list(found.values()):
            if cand.score >= 0.98:
                continue
            if _maker_agrees(rk, facts[cand.id].known_as if cand.id in facts else _hub_makers(cat, cand.id)):
                cand.score = min(cand.score + 0.04, 0.97)
                cand.reason += f" and maker {mfr!r}"
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
        return _family(cat, report, [c.id for c in tied], cands, f"{len(tied)} products share {best.reason}")
    words = " ".join(filter(None, (model, model_id, report.name)))
    if NOT_ENERGY.search(fold(words)) and _category_hint(words) in (None, "battery", "energy-monitor"):
        return Resolution(None, [], f"{words!r} is not an energy device", "not-energy")
    if known and (_category_hint(words) or not (model or model_id)):
        return _family(cat, report, None, [], f"maker {mfr!r} is in the catalog but model {model or model_id!r} is not")
    if known:
        return Resolution(None, [], f"maker {mfr!r} is in the catalog but model {model or model_id!r} is not, "
                                    "and nothing says what kind of device it is", "unknown")
    return Resolution(None, [], "no product, maker or identifier in the catalog matches", "unknown")


def _family(cat: Catalog, report: DeviceReport, ids: list[str] | None, cands: list[dict[str, Any]],
            why: str) -> Resolution:
    """Maker + category answer when the model is missing or ambiguous ('a Rheem water heater')."""
    mfr = report.manufacturer or ""
    hint = _category_hint(report.model, report.model_id, report.name, report.integration)
    if ids is None:
        mk = maker_key(mfr)
        counts = dict(cat.sql("SELECT category, count(*) FROM maker_device WHERE maker = ? GROUP BY category", (mk,)))
        via = report.integration.lower() if report.integration else None
        if via:  # the maker's devices this integration reaches, when it reaches any
            reached = dict(cat.sql("SELECT m.category, count(*) FROM maker_device m JOIN ident i ON i.kind = 'ha-integration' "
                                   "AND i.value = ? AND i.id = m.id WHERE m.maker = ? GROUP BY m.category", (via, mk)))
            counts, via = (reached, via) if reached else (counts, None)
        if hint:
            category = hint if hint in counts else None
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
            return Resolution(None, cands, why + "; they are different kinds of device", "unknown")
        if len(counts) > 1:
            why += f"; {n} of {len(ids)} are {category}s"
        ids = [i for i in ids if rows_of[i].category == category][:FAMILY_MEMBERS]
    of = cat.facts_of(ids)
    first = of[ids[0]]
    makers = {f.manufacturer for f in of.values()}
    manufacturer = first.manufacturer if len(makers) == 1 else (mfr or "several makers")
    brand = first.brand if len(makers) == 1 else None
    maker = brand or manufacturer
    match = {"id": None, "level": "family", "category": category, "manufacturer": manufacturer, "brand": brand,
             "product_name": f"{maker} {category.replace('-', ' ')} (model not identified)", "model_numbers": [],
             "confidence": 0.5, "family_members": ids}
    return Resolution(match, cands or [summary(of[i], 0.5, "family") for i in ids[:10]], why)
