"""The home as Home Assistant knows it, evaluated by the DER Directory library.

Device reports come from the live device and entity registries, written out in the shape of the files Home
Assistant keeps in `.storage` and read back by the library's own reader (`derdir.importers.ha_registry`), so
the integration and `derdir check --ha-registry/--ha-entities` see the same home and give the same answer.
Everything here but `registry_files` is plain Python: no Home Assistant object goes past it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import orjson
from derdir.catalog.index import Catalog
from derdir.household import evaluate
from derdir.importers.ha_registry import read_registries
from derdir.recommendations import recommend
from derdir.scope import applies, place
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er

from .const import DOMAIN

DEVICE_FIELDS = ("id", "manufacturer", "model", "model_id", "serial_number", "name", "name_by_user")
ENTITY_FIELDS = ("device_id", "entity_id", "device_class", "original_device_class", "unit_of_measurement",
                 "translation_key", "original_name")


def registry_files(hass: HomeAssistant) -> tuple[bytes, bytes]:
    """The device and entity registries as their `.storage` files would hold them now (the fields the
    library reads). Runs in the event loop: registries are read there."""
    devices = []
    for d in dr.async_get(hass).devices.values():
        if any(domain == DOMAIN for domain, _ in d.identifiers):
            continue  # the integration's own service device is not part of the home
        row: dict[str, Any] = {k: getattr(d, k) for k in DEVICE_FIELDS}
        row["identifiers"] = sorted([list(p) for p in d.identifiers])
        row["connections"] = sorted([list(p) for p in d.connections])
        row["entry_type"] = d.entry_type.value if d.entry_type else None
        devices.append(row)
    entities = []
    for e in er.async_get(hass).entities.values():
        row = {k: getattr(e, k) for k in ENTITY_FIELDS}
        row["disabled_by"] = e.disabled_by.value if e.disabled_by else None
        entities.append(row)
    return (orjson.dumps({"version": 1, "key": "core.device_registry", "data": {"devices": devices}}),
            orjson.dumps({"version": 1, "key": "core.entity_registry", "data": {"entities": entities}}))


def own_change(hass: HomeAssistant, data: Any) -> bool:
    """Is a registry update event about this integration's own entity or device?"""
    if "entity_id" in data:
        entity = er.async_get(hass).async_get(data["entity_id"])
        return entity is not None and entity.platform == DOMAIN
    device = dr.async_get(hass).async_get(data.get("device_id") or "")
    return device is not None and any(domain == DOMAIN for domain, _ in device.identifiers)


@dataclass
class Home:
    """What the config entry says of the home."""

    location: dict[str, str]
    hub: str | None
    enrolled: list[str] = field(default_factory=list)


def evaluate_home(cat: Catalog, home: Home, files: tuple[bytes, bytes]) -> dict[str, Any]:
    """The library's household answer for this home (the same as `derdir check`)."""
    return evaluate(cat, home.location, read_registries(*files), home.hub, None, home.enrolled or None)


def recommend_home(cat: Catalog, home: Home, files: tuple[bytes, bytes], limit: int) -> dict[str, Any]:
    """Devices to add next that work with the hub, by added earnings."""
    return recommend(cat, home.location, home.hub, read_registries(*files), limit, None, home.enrolled or None)


def yearly(answer: dict[str, Any], currency: str = "USD") -> float:
    """Typical yearly earnings of the programs counted (qualifying and enrolled ones)."""
    return float(answer["totals"].get(currency, {}).get("typical", 0.0))


def potential(answer: dict[str, Any], currency: str = "USD") -> float:
    """What the home could add a year: the counted programs it is not enrolled in yet."""
    return round(sum(p["estimate"].get(currency, {}).get("typical", 0.0) for p in answer["programs"]
                     if p["counted"] and p["status"] == "qualifies"), 2)


def per_device(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Registry device id -> its status and the programs it qualifies (or nearly qualifies) for, and why."""
    out = {}
    for d in answer["devices"]:
        rid = d["input"].get("registry_id")
        if not rid:
            continue
        out[rid] = {"status": d["status"], "product": (d.get("match") or {}).get("id"),
                    "programs": [{"program": p["id"], "status": p["status"], "why": p["reason"]} for p in d["programs"]],
                    "nearly": [{"program": p["id"], "why": "; ".join(p["why_not"]) or p["reason"]} for p in d["nearly"]]}
    return out


def offers(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """Programs the home qualifies for and is not in, with the devices that qualify: what to tell the owner."""
    names = {d["index"]: _device_name(d) for d in answer["devices"]}
    out = []
    for p in answer["programs"]:
        if p["status"] != "qualifies" or not p["counted"]:
            continue
        money = p["estimate"].get("USD", {}).get("typical")
        out.append({"program": p["id"], "name": p["name"], "devices": [names[i] for i in p["devices"]],
                    "yearly": money, "enroll_url": p["enroll_url"] or p["info_url"]})
    return out


def _device_name(d: dict[str, Any]) -> str:
    inp = d["input"]
    named = inp.get("name_by_user") or inp.get("name")
    what = (d.get("match") or {}).get("product_name") or f"{inp.get('manufacturer', '')} {inp.get('model', '')}".strip()
    return f"{named} ({what})" if named and what and named.lower() not in what.lower() else (named or what)


def signals(cat: Catalog, programs: list[str]) -> list[tuple[str, Any]]:
    """(program id, hub signal) for Home Assistant, of the given programs."""
    return [(pid, s) for pid in programs if pid in cat.programs
            for s in cat.programs[pid].hub_signals if s.hub == "home-assistant"]


def match_signals(cat: Catalog, entities: list[tuple[str, str, str, str | None]]) -> dict[str, list[tuple[str, Any]]]:
    """entity id -> [(program, signal)] among (entity id, integration, domain, translation key) rows, for every
    program of the catalog that names Home Assistant signals."""
    wanted = signals(cat, [p for p in cat.programs if cat.programs[p].hub_signals])
    out: dict[str, list[tuple[str, Any]]] = {}
    for entity_id, integration, domain, key in entities:
        for pid, s in wanted:
            if integration == s.integration and domain == s.domain and (s.key is None or key == s.key):
                out.setdefault(entity_id, []).append((pid, s))
    return out


def entity_rows(hass: HomeAssistant) -> list[tuple[str, str, str, str | None]]:
    """(entity id, integration, domain, translation key) of every entity in the registry."""
    return [(e.entity_id, e.platform, e.domain, e.translation_key) for e in er.async_get(hass).entities.values()]


def detected_enrollment(cat: Catalog, hass: HomeAssistant) -> set[str]:
    """Programs another integration's entity says the home is in now."""
    found = set()
    for entity_id, pairs in match_signals(cat, entity_rows(hass)).items():
        state = hass.states.get(entity_id)
        found |= {pid for pid, s in pairs if s.shows == "enrolled" and state is not None and state.state in s.on_states}
    return found


def per_kwh_rate(cat: Catalog, program_id: str, utility: str | None, region: str | None, month: int) -> float | None:
    """The program's pay per kWh delivered during an event here in `month`, when its recipe states one."""
    where = place(cat, utility, region)
    rates = [t.amount for t in cat.programs[program_id].incentives
             if t.type == "per-kwh" and t.amount is not None and applies(t, where) is True
             and (not t.months or month in t.months)]
    return max(rates) if rates else None


def kwh_between(samples: list[tuple[float, float]], end: float) -> float:
    """Energy (kWh) from power samples [(unix time, kW)], each held until the next (or `end`)."""
    total = 0.0
    for (t, kw), (t_next, _) in zip(samples, [*samples[1:], (end, 0.0)]):
        if math.isfinite(kw) and kw > 0:
            total += kw * max(0.0, t_next - t) / 3600
    return total
