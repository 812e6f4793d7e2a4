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
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .catalog.index import Catalog
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


def _zwave_triples(report: DeviceReport) -> list[str]:
    out = []
    for pair in report.identifiers:
        if len(pair) == 2 and pair[0] == "zwave_js":
            m = re.search(r"-(\d+):(\d+):(\d+)$", pair[1])
            if m:
                out.append(":".join(str(int(x)) for x in m.groups()))
    return out


def model_variants(text: str | None) -> list[tuple[str, float]]:
    """Keys to look a model string up by, with how much a hit on each is worth."""
    if not text:
        return []
    out: list[tuple[str, float]] = [(key(text), 0.95)]
    head = re.split(r"[,;]|\s[-–]\s", text)[0]
    bare = re.sub(r"\([^)]*\)|\[[^]]*\]", " ", head)
    bare = re.sub(r"\b(hw|v|rev|ver)\s?\d+(\.\d+)*\b", " ", bare, flags=re.I)
    for k in (key(head), key(bare)):
        out.append((k, 0.9))
    for inner in re.findall(r"\(([^)]+)\)", text):  # Zigbee2MQTT: "description (MODEL)"
        out.append((key(inner), 0.9))
    for token in re.findall(r"[A-Za-z0-9][A-Za-z0-9._+-]*", bare):
        k = key(token)
        if len(k) >= 4 and any(c.isdigit() for c in k):
            out.append((k, 0.85))
    seen, unique = set(), []
    for k, w in out:
        if len(k) >= 2 and k not in seen:
            seen.add(k)
            unique.append((k, w))
    return unique


def _makers_of(cat: Catalog, ids: list[str]) -> dict[str, set[str]]:
    """Maker keys of several products in one query."""
    out: dict[str, set[str]] = {i: set() for i in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = cat.sql(f"SELECT id, value FROM ident WHERE kind = 'maker' AND id IN ({','.join('?' * len(chunk))})", chunk)
        for did, value in rows:
            out[did].add(value)
    return out


def _maker_agrees(reported: str, makers: set[str]) -> bool:
    return any(m == reported or (min(len(m), len(reported)) >= 4 and (m in reported or reported in m)) for m in makers)


def _known_maker(cat: Catalog, mk: str) -> bool:
    if not mk:
        return False
    if cat.sql("SELECT 1 FROM ident WHERE kind = 'maker' AND value = ? LIMIT 1", (mk,)):
        return True
    return bool(len(mk) >= 4 and cat.sql(
        "SELECT 1 FROM ident WHERE kind = 'maker' AND value >= ? AND value < ? LIMIT 1", (mk[:4], mk[:4] + "\x7f")))


def _category_hint(*texts: str | None) -> str | None:
    joined = " ".join(fold(t) for t in texts if t)
    for category, pattern in CATEGORY_WORDS:
        if pattern.search(joined):
            return category
    return None


def summary(cat: Catalog, did: str, confidence: float, level: str = "product") -> dict[str, Any]:
    d = cat.device(did)
    if d is None:  # a hub
        h = cat.hubs[did]
        return {"id": did, "kind": "hub", "manufacturer": h.manufacturer, "product_name": h.product_name,
                "model_numbers": h.model_numbers, "confidence": confidence, "level": level}
    return {"id": did, "category": d.category, "manufacturer": d.manufacturer, "brand": d.brand,
            "product_name": d.product_name, "model_numbers": d.model_numbers, "confidence": round(confidence, 2),
            "level": level}


def resolve(cat: Catalog, report: DeviceReport) -> Resolution:
    """Best catalog match for one reported device, or a family-level answer, or no match."""
    found: dict[str, Candidate] = {}

    def add(ids: list[str], score: float, reason: str) -> None:
        for i in ids:
            if i not in found or found[i].score < score:
                found[i] = Candidate(i, score, reason)

    for triple in _zwave_triples(report):
        add(cat.ident("zwave", triple), 0.99, f"Z-Wave manufacturer/product ids {triple}")
    if report.vendor_id is not None and report.product_id is not None:
        add(cat.ident("matter", f"{report.vendor_id}:{report.product_id}"), 0.99,
            f"Matter vendor/product id {report.vendor_id}:{report.product_id}")
    mfr, model, model_id = report.manufacturer or "", report.model or "", report.model_id or ""
    # Zigbee2MQTT puts the model in model_id and a description in model; only ids are looked up as Zigbee ids.
    for m in filter(None, (model_id,) if model_id else (model,)):
        fingerprint = cat.ident("zigbee-maker", f"{key(mfr)}|{key(m)}") if mfr else []
        add(fingerprint, 0.98, f"Zigbee fingerprint {mfr} / {m}")
        if not fingerprint:  # the exact vendor+model pair beats the bare model id, which many devices share
            add(cat.ident("zigbee", key(m)), 0.9, f"Zigbee model id {m}")
    if not found:
        for text in filter(None, (model_id, model)):
            variants = model_variants(text)
            hits = cat.idents("model", [k for k, _ in variants])
            for k, weight in variants:
                add(hits.get(k, []), weight, f"model number {text!r}")
            if found:
                break
    if not found:
        for text in filter(None, (model_id, model)):
            for k, _ in model_variants(text)[:2]:
                prefixes = [k[:cut] for cut in range(len(k) - 1, 2, -1)]
                hits = cat.idents("model-prefix", prefixes)
                longest = next((p for p in prefixes if p in hits), None)
                if longest:
                    add(hits[longest], 0.88, f"model {text!r} starts with {longest!r}")
                    break
            if found:
                break
    rk = maker_key(mfr) if mfr else ""
    known = _known_maker(cat, rk)
    zigbee_hub = (report.integration or "zha").lower() in ZIGBEE_INTEGRATIONS
    if rk:
        makers = _makers_of(cat, [c.id for c in found.values() if c.score < 0.98])
        for cand in list(found.values()):
            if cand.score >= 0.98:
                continue
            if _maker_agrees(rk, makers[cand.id]):
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
        rows = cat.device_rows([c.id for c in tied])
        originals = [c for c in tied if not rows[c.id][2]]
        if originals and len(originals) < len(tied):
            tied, best = originals, originals[0]
        cands = [summary(cat, c.id, c.score) for c in ranked[:10]]
        if len(tied) == 1 or best.score >= 0.98:
            return Resolution(summary(cat, best.id, best.score), cands, best.reason)
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
        rows = cat.sql("SELECT d.id, d.category FROM ident i JOIN device d ON d.id = i.id "
                       "WHERE i.kind = 'maker' AND i.value = ? LIMIT 500", (maker_key(mfr),))
        if report.integration:
            via = set(cat.ident("ha-integration", report.integration.lower()))
            rows = [r for r in rows if r[0] in via] or rows
        categories = {c for _, c in rows}
        if hint:
            category = hint if hint in categories else None
        else:
            category = categories.pop() if len(categories) == 1 else None
        if category is None:
            return Resolution(None, [], why + "; the kind of device is not clear", "unknown")
        ids = [i for i, c in rows if c == category][:50]
    else:
        rows_of = cat.device_rows(ids)
        counts = Counter(rows_of[i][0] for i in ids)
        category, n = counts.most_common(1)[0]
        if hint in counts:
            category, n = hint, counts[hint]
        if n < 0.75 * len(ids):
            return Resolution(None, cands, why + "; they are different kinds of device", "unknown")
        if len(counts) > 1:
            why += f"; {n} of {len(ids)} are {category}s"
        ids = [i for i in ids if rows_of[i][0] == category]
    first = cat.device(ids[0])
    assert first is not None
    makers = {r[1] for r in cat.device_rows(ids).values()}
    manufacturer = first.manufacturer if len(makers) == 1 else (mfr or "several makers")
    brand = first.brand if len(makers) == 1 else None
    maker = brand or manufacturer
    match = {"id": None, "level": "family", "category": category, "manufacturer": manufacturer, "brand": brand,
             "product_name": f"{maker} {category.replace('-', ' ')} (model not identified)", "model_numbers": [],
             "confidence": 0.5, "family_members": ids}
    return Resolution(match, cands or [summary(cat, i, 0.5, "family") for i in ids[:10]], why)
