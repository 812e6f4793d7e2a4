"""A whole home: which devices qualify for which programs, and what they would earn.

Input is what a hub knows: a location and its devices as it reports them, and what the household says
of itself (conditions it meets, programs it is in). Each device is resolved, its candidate programs come
from the index, and each program is judged for it in the home's place (`judge.judge`: eligibility,
territory, enrollment status, conditions, money). A device counts once per program, per-account terms
once per program, and of programs that exclude each other the combination that earns most is counted.
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
from .exclusivity import best_combination, excludes
from .judge import NO_ANSWERS, Answers, Judgement, Size, account_estimate, judge, parse_answers
from .lookup import find_in_memory
from .markets import Market, resolve_location
from .normalize import maker_key
from .resolve import DeviceReport, Resolution, resolve_many
from .scope import Place, place
from .security import summary as security_summary

MAX_DEVICES = 500
MAX_ELSEWHERE = 10  # programs elsewhere in the state checked per device, for "outside the territory" near misses

# Where each status of a judgement is listed for a device
LISTS = {"qualifies": "programs", "enrolled": "programs", "maybe": "programs", "conditional": "conditional",
         "needs-utility": "needs_utility", "closed": "closed", "ended": "closed", "nearly": "nearly", "outside": "nearly"}
# A device's status: the best of its programs' (in this order)
DEVICE_STATUS = ("qualifies", "enrolled", "conditional", "needs-utility", "maybe", "closed", "ended", "nearly", "outside")


@dataclass
class _Slot:
    """One reported device and what was found for it."""

    index: int
    report: DeviceReport
    resolution: Resolution
    status: str = "unknown-device"
    judged: list[Judgement] = field(default_factory=list)
    compat: dict[str, Any] | None = None
    duplicate_of: int | None = None

    def lists(self, utilities: Any) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {k: [] for k in dict.fromkeys(LISTS.values())}
        for j in self.judged:
            out[LISTS[j.status]].append(j.as_dict(utilities))
        return out


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


def _nearby(cat: Catalog, market: Market, allowed: set[str]) -> set[str]:
    """Programs offered elsewhere in the home's state or province but not to this home: the near misses
    ("outside the program's territory") worth showing. Programs in other states are not."""
    regions = {market.region} if market.region else set()
    if market.utility and market.utility in cat.utilities:
        regions |= set(cat.utilities[market.utility].regions)
    return set().union(*(cat.programs_near.get(r, set()) for r in regions)) - allowed


def _evaluate_slot(cat: Catalog, slot: _Slot, where: Place, allowed: set[str], hub: str | None,
                   facts: dict[str, DeviceFacts], candidates: dict[str, list[str]], answers: Answers) -> None:
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
        v, device = _combined(pid, cat, members, hub)
        j = judge(cat, pid, v, device, device.category, where, answers)
        if j.status == "no" or (j.status == "outside" and not v.supported):
            continue
        slot.judged.append(j)
    found = {j.status for j in slot.judged}
    slot.status = next((s for s in DEVICE_STATUS if s in found), "no-programs")
    if slot.status == "outside":
        slot.status = "nearly"


def _add(total: dict[str, Any], est: dict[str, Any] | None) -> None:
    if not est or est["typical"] is None:
        return
    cur = total.setdefault(est["currency"], {"low": 0.0, "typical": 0.0, "high": 0.0, "includes_first_year_only": 0.0})
    for k in ("low", "typical", "high", "includes_first_year_only"):
        cur[k] = round(cur[k] + (est[k] or 0.0), 2)


def _value(row: dict[str, Any]) -> float:
    return sum(v["typical"] for v in row["estimate"].values())


def _program_totals(cat: Catalog, slots: list[_Slot], where: Place,
                    answers: Answers) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Per program: devices counted once, per-account terms once, the best combination of programs that
    exclude one another counted; programs listed but not counted say why."""
    by_program: dict[str, list[tuple[_Slot, Judgement]]] = {}
    for s in slots:
        if s.duplicate_of is not None:
            continue
        for j in s.judged:
            if j.status not in ("nearly", "outside") and j.verdict.supported is not False:
                by_program.setdefault(j.program_id, []).append((s, j))
    rows = []
    for pid, found in by_program.items():
        program = cat.programs[pid]
        counted = [(s, j) for s, j in found if j.counted]
        first = (counted or found)[0][1]
        yearly: dict[str, Any] = {}
        for _, j in counted:
            _add(yearly, j.estimate.as_dict() if j.estimate else None)
        account = account_estimate(program, pid, where, answers, {j.category for _, j in counted if j.category},
                                   Size.of(j.sizing for _, j in counted)) if counted else None
        _add(yearly, account.as_dict() if account else None)
        unknown = sorted({u for _, j in counted if j.estimate for u in j.estimate.unknown}
                         | set(account.unknown if account else []))
        shown = first.as_dict()  # the program as its first device's judgement shows it
        rows.append({"id": pid, "name": program.name, "operator": program.operator,
                     "status": first.status, "enrollment": shown["enrollment"],
                     "enroll_url": shown["enroll_url"], "info_url": program.urls.info,
                     "devices": [s.index for s, _ in (counted or found)], "estimate": yearly, "unknown": unknown,
                     "conditions": shown["conditions"], "excludes": program.excludes_programs,
                     "excludes_all_programs": program.excludes_all_programs, "counted": bool(counted)})
        if not counted:
            rows[-1]["not_counted_because"] = "; ".join(first.why_not())
    rows.sort(key=lambda r: (not r["counted"], -_value(r), r["id"]))
    eligible = [r for r in rows if r["counted"]]
    taken = best_combination(cat, {r["id"]: _value(r) for r in eligible},
                             {r["id"] for r in eligible if r["status"] == "enrolled"})
    totals: dict[str, Any] = {}
    for row in eligible:
        if row["id"] in taken:
            for currency, v in row["estimate"].items():
                _add(totals, {"currency": currency, **v})
            continue
        clash = sorted(t for t in taken if excludes(cat, row["id"], t))
        row["counted"] = False
        row["not_counted_because"] = (f"cannot be combined with {', '.join(clash)}"
                                      + (" (one of them allows no other demand-response program)"
                                         if any(cat.programs[p].excludes_all_programs for p in [row["id"], *clash]) else "")
                                      + "; the combination that earns more is counted")
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


def evaluate(cat: Catalog, location: Any, devices: list[Any], hub: str | None = None,
             conditions: Any = None, enrolled: Any = None) -> dict[str, Any]:
    """Per device: resolution, programs it qualifies for (with estimates), conditional, closed and near
    misses; plus totals. `conditions` ({kind or program:kind: true/false}) and `enrolled` ([program ids])
    are what the household says of itself."""
    market = resolve_location(cat, location)
    hub_id = find_in_memory(cat, "hub", hub, "hub") if hub else None
    reports = parse_devices(devices)
    answers = parse_answers(cat.programs, conditions, enrolled) if conditions or enrolled else NO_ANSWERS
    where = place(cat, market.utility, market.region)
    allowed = cat.programs_in_market(market.utility, market.region)
    nearby = _nearby(cat, market, allowed)
    slots = [_Slot(i, r, res) for i, (r, res) in enumerate(zip(reports, resolve_many(cat, reports)))]
    _merge_duplicates(slots)
    ids = list(dict.fromkeys(i for s in slots if s.duplicate_of is None for i in _members(cat, s.resolution)))
    facts = cat.facts_of(ids)
    candidates = cat.candidates_of(facts.values(), among=allowed | nearby)
    for slot in slots:
        if slot.duplicate_of is None:
            _evaluate_slot(cat, slot, where, allowed, hub_id, facts, candidates, answers)
    program_rows, totals = _program_totals(cat, slots, where, answers)
    counts: dict[str, int] = {}
    for s in slots:
        counts[s.status] = counts.get(s.status, 0) + 1
    answer = {
        "market": market.as_dict(),
        "hub": hub_id,
        "enrolled": sorted(answers.enrolled),
        "devices": [_slot_json(s, cat) for s in slots],
        "programs": program_rows,
        "totals": totals,
        "counts": counts,
        "catalog_version": cat.version,
    }
    answer["security"] = security_summary(cat, answer)
    if market.utility is None:
        answer["needs_utility"] = {
            "why": "programs here depend on which utility serves the home: give your utility",
            "candidates": market.as_dict()["utility_candidates"],
            "programs": sorted({r["id"] for r in program_rows if r["status"] == "needs-utility"})}
    return answer


def _slot_json(s: _Slot, cat: Catalog) -> dict[str, Any]:
    out = {"index": s.index, "input": s.report.model_dump(exclude_none=True, exclude_defaults=True),
           "status": s.status, **s.resolution.as_dict(), **s.lists(cat.utilities)}
    if s.compat:
        out["compat"] = s.compat
    if s.duplicate_of is not None:
        out["duplicate_of"] = s.duplicate_of
    return out
