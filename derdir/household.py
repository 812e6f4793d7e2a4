"""A whole home: which devices qualify for which programs, and what they would earn.

Input is what a hub knows: a location and its devices as it reports them. Each device is
resolved, its candidate programs come from the index, and each verdict comes from
`eligibility.verdict`; money comes from `incentives.estimate`. A device counts once per
program, per-account terms count once per program, and programs that exclude each other are
not added together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .catalog.index import Catalog
from .compat import verdict as compat_verdict
from .eligibility import Verdict, verdict
from .errors import InvalidInput
from .facts import DeviceFacts
from .incentives import account_estimate, offer
from .lookup import find_in_memory
from .markets import Market, resolve_location
from .normalize import maker_key
from .resolve import DeviceReport, Resolution, resolve_many
from .support import program_summary, verdict_json

MAX_DEVICES = 500
MAX_ELSEWHERE = 10  # programs elsewhere in the state checked per device, for "outside the territory" near misses


@dataclass
class _Slot:
    """One reported device and what was found for it."""

    index: int
    report: DeviceReport
    resolution: Resolution
    status: str = "unknown-device"
    programs: list[dict[str, Any]] = field(default_factory=list)
    nearly: list[dict[str, Any]] = field(default_factory=list)
    compat: dict[str, Any] | None = None
    duplicate_of: int | None = None


def _members(cat: Catalog, res: Resolution) -> list[str]:
    m = res.match
    if not m:
        return []
    return [m["id"]] if m.get("id") else list(m.get("family_members", []))


def _combined(program_id: str, cat: Catalog, members: list[DeviceFacts], hub: str | None) -> tuple[Verdict, DeviceFacts]:
    """Verdict for a product, or for a family: true (or false) only if every member agrees."""
    program = cat.programs[program_id]
    first = verdict(program, members[0], hub)
    if len(members) == 1 or (first.supported is not None
                             and all(verdict(program, d, hub).supported is first.supported for d in members[1:])):
        return first, members[0]
    return Verdict(None, "requirements", "depends on the exact model, which the hub did not report",
                   _evidence=lambda: first.evidence), members[0]


def _allowed(cat: Catalog, market: Market) -> set[str]:
    return cat.programs_in_market(market.utility, market.region)


def _program_entry(cat: Catalog, pid: str, v: Verdict, device: DeviceFacts, market: Market) -> dict[str, Any]:
    program = cat.programs[pid]
    _, est = offer(program, device.category, market.utility, device)
    entry = {**program_summary(pid, program), **verdict_json(v), "estimate": est.as_dict() if est else None}
    if market.utility is None and pid not in cat.programs_by_region.get(market.region or "", set()):
        entry["note"] = "offered by some utilities in this region: " + ", ".join(program.markets.utilities)
    return entry


def _nearby(cat: Catalog, market: Market, allowed: set[str]) -> set[str]:
    """Programs offered elsewhere in the home's state or province but not to this home: the near misses
    ("outside the program's territory") worth showing. Programs in other states are not."""
    regions = {market.region} if market.region else set()
    if market.utility and market.utility in cat.utilities:
        regions |= set(cat.utilities[market.utility].regions)
    return set().union(*(cat.programs_near.get(r, set()) for r in regions)) - allowed


def _evaluate_slot(cat: Catalog, slot: _Slot, market: Market, allowed: set[str], nearby: set[str], hub: str | None,
                   facts: dict[str, DeviceFacts], candidates: dict[str, list[str]]) -> None:
    """`facts` and `candidates` (device -> programs naming it, in or near the market) cover every member
    of the slot's match."""
    ids = _members(cat, slot.resolution)
    if not ids:
        slot.status = {"hub": "hub", "not-energy": "not-energy", "service": "service"}.get(slot.resolution.kind,
                                                                                         "unknown-device")
        return
    members = [facts[i] for i in ids]
    if hub:
        ok, why = compat_verdict(members[0], cat.hubs[hub])
        slot.compat = {"hub": hub, "compatible": ok, "reason": why}
    pids = sorted({p for i in ids for p in candidates[i]})
    elsewhere = [p for p in pids if p not in allowed][:MAX_ELSEWHERE]
    for pid in [p for p in pids if p in allowed] + elsewhere:
        program = cat.programs[pid]
        if program.status != "active":
            continue
        v, device = _combined(pid, cat, members, hub)
        in_market = pid in allowed
        if in_market and v.supported is not False:
            slot.programs.append(_program_entry(cat, pid, v, device, market))
        elif in_market and v.basis == "requirements":
            slot.nearly.append({**program_summary(pid, program), "why_not": v.unmet + v.unknown})
        elif not in_market and v.supported:
            slot.nearly.append({**program_summary(pid, program), "why_not": ["outside the program's territory"],
                                "markets": program.markets.utilities + program.markets.regions})
    qualifies = any(p["supported"] is True for p in slot.programs)
    slot.status = "qualifies" if qualifies else ("maybe" if slot.programs else ("nearly" if slot.nearly else "no-programs"))


def _add(total: dict[str, Any], est: dict[str, Any] | None) -> None:
    if not est or est["typical"] is None:
        return
    cur = total.setdefault(est["currency"], {"low": 0.0, "typical": 0.0, "high": 0.0, "includes_first_year_only": 0.0})
    for k in ("low", "typical", "high", "includes_first_year_only"):
        cur[k] = round(cur[k] + (est[k] or 0.0), 2)


def _program_totals(cat: Catalog, slots: list[_Slot], market: Market) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Per program: devices counted once, per-account terms once, exclusive programs not stacked."""
    by_program: dict[str, list[_Slot]] = {}
    for s in slots:
        if s.duplicate_of is not None:
            continue
        for p in s.programs:
            if p["supported"] is True:
                by_program.setdefault(p["id"], []).append(s)
    rows = []
    for pid, members in by_program.items():
        program = cat.programs[pid]
        yearly: dict[str, Any] = {}
        for s in members:
            entry = next(p for p in s.programs if p["id"] == pid)
            _add(yearly, entry["estimate"])
        account = account_estimate(program, market.utility)
        _add(yearly, account.as_dict() if account else None)
        unknown = sorted({u for s in members for p in s.programs if p["id"] == pid and p["estimate"]
                          for u in p["estimate"]["unknown"]} | set(account.unknown if account else []))
        rows.append({**program_summary(pid, program), "devices": [s.index for s in members], "estimate": yearly,
                     "unknown": unknown, "excludes": program.excludes_programs})
    rows.sort(key=lambda r: (-max((v["typical"] for v in r["estimate"].values()), default=0.0), r["id"]))
    taken: set[str] = set()
    totals: dict[str, Any] = {}
    statewide = cat.programs_by_region.get(market.region or "", set())
    for row in rows:
        if market.utility is None and row["id"] not in statewide:
            row["counted"] = False
            row["not_counted_because"] = ("offered only by some utilities in this region: "
                                          + ", ".join(cat.programs[row["id"]].markets.utilities) + "; give your utility")
            continue
        clash = [t for t in taken if t in row["excludes"] or row["id"] in cat.programs[t].excludes_programs]
        row["counted"] = not clash
        if clash:
            row["not_counted_because"] = f"cannot be combined with {', '.join(sorted(clash))}, which earns more"
            continue
        taken.add(row["id"])
        for currency, v in row["estimate"].items():
            _add(totals, {"currency": currency, **v})
    return rows, totals


def _key(r: DeviceReport) -> tuple:
    ident = tuple(sorted(tuple(p) for p in [*r.identifiers, *r.connections]))
    return (r.integration, ident) if ident else (r.integration, r.manufacturer, r.model, r.model_id, r.name)


_MAC = re.compile(r"^[0-9a-f]{2}([:-]?[0-9a-f]{2}){5}$")
_HOMEKIT_ID = re.compile(r"^((?:[0-9a-f]{2}:){5}[0-9a-f]{2})(:aid:\d+)?$", re.I)


def _shared_keys(r: DeviceReport, res: Resolution) -> set[tuple]:
    """What one physical device reported by two integrations has in common: a MAC address or other
    connection, a HomeKit device id, an identifier pair, or a serial number of the same maker (ecobee via
    `ecobee` and via `homekit_controller`: the thermostat's serial in both)."""
    keys: set[tuple] = {("report", _key(r))}
    for kind, value in r.connections:
        v = value.strip().lower()
        if v:
            keys.add(("mac", v.replace("-", ":")) if kind.lower() == "mac" or _MAC.match(v) else ("conn", kind.lower(), v))
    for domain, value in r.identifiers:
        v = value.strip()
        if not v:
            continue
        keys.add(("ident", domain, v))
        m = _HOMEKIT_ID.match(v)
        if m and domain.lower().startswith("homekit"):  # the accessory of a bridge: its id and accessory number
            keys.add(("homekit", m.group(1).lower(), m.group(2) or ":aid:1"))
    maker = maker_key((res.match or {}).get("manufacturer") or r.manufacturer or "")
    if not maker:
        return keys
    serial = (r.serial_number or "").strip()
    if len(serial) >= 4:
        keys.add(("serial", maker, serial.lower()))
    for _, value in r.identifiers:  # a cloud integration's device id is often the serial another one reports
        v = value.strip().lower()
        if len(v) >= 6 and v.isalnum():
            keys.add(("serial", maker, v))
    return keys


def _merge_duplicates(slots: list[_Slot]) -> None:
    """Mark every report of a device already reported (shared keys, above) as a duplicate of the report
    that identifies it best (a product match over a family or none; the first of equals)."""
    parent = list(range(len(slots)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple, int] = {}
    for slot in slots:
        for k in _shared_keys(slot.report, slot.resolution):
            if k in owner:
                a, b = root(owner[k]), root(slot.index)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                owner[k] = slot.index
    groups: dict[int, list[_Slot]] = {}
    for slot in slots:
        groups.setdefault(root(slot.index), []).append(slot)

    def strength(s: _Slot) -> int:
        m = s.resolution.match
        return 0 if not m else (2 if m.get("id") else 1)

    for members in groups.values():
        if len(members) < 2:
            continue
        keep = max(members, key=lambda s: (strength(s), -s.index))
        for s in members:
            if s is not keep:
                s.duplicate_of = keep.index
                s.status = "duplicate"


def parse_devices(raw: list[Any], field_name: str = "devices") -> list[DeviceReport]:
    from pydantic import ValidationError

    if len(raw) > MAX_DEVICES:
        raise InvalidInput(field_name, f"at most {MAX_DEVICES} devices per request")
    out = []
    for i, item in enumerate(raw):
        if isinstance(item, DeviceReport):
            out.append(item)
            continue
        try:
            out.append(DeviceReport.model_validate(item))
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(x) for x in err["loc"])
            raise InvalidInput(f"{field_name}[{i}]{'.' + loc if loc else ''}", err["msg"]) from None
    return out


def evaluate(cat: Catalog, location: Any, devices: list[Any], hub: str | None = None) -> dict[str, Any]:
    """Per device: resolution, programs it qualifies for (with estimates), near misses; plus totals."""
    market = resolve_location(cat, location)
    hub_id = find_in_memory(cat, "hub", hub, "hub") if hub else None
    reports = parse_devices(devices)
    allowed = _allowed(cat, market)
    nearby = _nearby(cat, market, allowed)
    slots = [_Slot(i, r, res) for i, (r, res) in enumerate(zip(reports, resolve_many(cat, reports)))]
    _merge_duplicates(slots)
    ids = list(dict.fromkeys(i for s in slots if s.duplicate_of is None for i in _members(cat, s.resolution)))
    facts = cat.facts_of(ids)
    candidates = cat.candidates_of(facts.values(), among=allowed | nearby)
    for slot in slots:
        if slot.duplicate_of is None:
            _evaluate_slot(cat, slot, market, allowed, nearby, hub_id, facts, candidates)
    program_rows, totals = _program_totals(cat, slots, market)
    counts: dict[str, int] = {}
    for s in slots:
        counts[s.status] = counts.get(s.status, 0) + 1
    return {
        "market": market.as_dict(),
        "hub": hub_id,
        "devices": [_slot_json(s) for s in slots],
        "programs": program_rows,
        "totals": totals,
        "counts": counts,
        "catalog_version": cat.version,
    }


def _slot_json(s: _Slot) -> dict[str, Any]:
    out = {"index": s.index, "input": s.report.model_dump(exclude_none=True, exclude_defaults=True),
           "status": s.status, **s.resolution.as_dict(), "programs": s.programs, "nearly": s.nearly}
    if s.compat:
        out["compat"] = s.compat
    if s.duplicate_of is not None:
        out["duplicate_of"] = s.duplicate_of
    return out
