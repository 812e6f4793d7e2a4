"""Recommend additions: devices a home lacks that work with its hub and would earn in its market.

The cost to avoid is ranking every device some program of the market names: 73k of 100k at a large
synthetic utility, ~90k state-wide. What a device would earn depends on it only through the programs
naming it, its category and its size (kW, kWh), so devices are bounded in groups that share programs
and category, each with a ceiling none of its devices can exceed, and a group is opened only when it
comes first (`_walk`, best-first). Devices come out in order of their bound and are checked (facts,
hub, verdicts) a batch at a time; the walk stops once no device left can rank above the last
recommendation.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from functools import partial
from itertools import count, islice
from typing import Any, Iterator, NamedTuple, Sequence

from .catalog.index import Catalog
from .compat import verdict as compat_verdict
from .eligibility import verdict
from .errors import InvalidInput
from .household import evaluate
from .incentives import BY_KW, BY_KWH, CATEGORY_KW, Estimate, Sizing, account_estimate, applicable, offer
from .lookup import find_in_memory
from .markets import Market, resolve_location
from .support import program_summary

MAX_TIED_CHECKS = 500  # devices checked among those tied with the last recommendation (order among equals)
BATCH = 200  # devices whose facts are read in one query during the walk

Rank = tuple[float, float]  # (added yearly, added in the first year), the larger over currencies


class _Sizing(NamedTuple):
    """The two device facts earnings depend on, from index columns (`incentives.Sizing`)."""

    controllable_kw: float | None
    battery_kwh: float | None


class _Earnings:
    """What the market's programs would add to this home for a kind of device, remembered per
    (program, category, size): thousands of candidates share each."""

    def __init__(self, cat: Catalog, market: Market, enrolled: set[str]):
        self.cat, self.market, self.enrolled = cat, market, enrolled
        self._offers: dict[tuple, Estimate | None] = {}
        self._accounts: dict[str, Estimate | None] = {}
        self._reads: dict[tuple[str, str], tuple[bool, bool]] = {}

    def of(self, pid: str, category: str, size: Sizing) -> tuple[Estimate | None, list[Estimate]]:
        """The program's estimate for such a device, and the gains it adds to this home (with the
        program's per-account terms when the home is not enrolled yet)."""
        reads = self._reads.get((pid, category))
        if reads is None:  # does what the program pays for such a device depend on its kW, its kWh?
            types = {t.type for t in applicable(self.cat.programs[pid], category, self.market.utility) if t.per == "device"}
            reads = self._reads[(pid, category)] = (bool(types & BY_KW), bool(types & BY_KWH))
        key = (pid, category, size.controllable_kw if reads[0] else None, size.battery_kwh if reads[1] else None)
        if key not in self._offers:
            self._offers[key] = offer(self.cat.programs[pid], category, self.market.utility, size)[1]
        est = self._offers[key]
        gains = [est] if est and est.typical is not None else []
        if gains and pid not in self.enrolled:
            if pid not in self._accounts:
                self._accounts[pid] = account_estimate(self.cat.programs[pid], self.market.utility)
            acct = self._accounts[pid]
            if acct and acct.typical is not None:
                gains.append(acct)
        return est, gains

    def bound(self, pids: tuple[str, ...], category: str, size: Sizing) -> Rank:
        """The rank such a device would have if every program naming it accepted it."""
        return rank(*totals([g for pid in pids for g in self.of(pid, category, size)[1]]))


def totals(gains: list[Estimate]) -> tuple[dict[str, float], dict[str, float]]:
    """(recurring per year, recurring plus one-time payments in the first year), per currency."""
    added: dict[str, float] = {}
    first_year: dict[str, float] = {}
    for g in gains:
        added[g.currency] = added.get(g.currency, 0.0) + g.typical - g.first_year_only  # type: ignore[operator]
        first_year[g.currency] = first_year.get(g.currency, 0.0) + g.typical  # type: ignore[operator]
    return added, first_year


def rank(added: dict[str, float], first_year: dict[str, float]) -> Rank:
    return (max(added.values(), default=0.0), max(first_year.values(), default=0.0))


def _ceiling(earn: _Earnings, named: tuple[str, ...], category: str, sizes: Sequence[tuple[Any, Any]]) -> Rank:
    """A bound no device of `category` with one of these (kW, kWh) sizes can exceed: the bound at the
    largest of each. What a term pays grows with the kW it multiplies by (the device's, or the category's
    typical kW when the recipe has none) and with the kWh, and caps keep that so."""
    typical = CATEGORY_KW.get(category)
    mid = (typical[0] + typical[1]) / 2 if typical else None
    kws = [kw if kw else mid for kw, _ in sizes]
    top_kw = max((k for k in kws if k is not None), default=None)
    top_kwh = max((kwh for _, kwh in sizes if kwh), default=None)
    return earn.bound(named, category, _Sizing(top_kw, top_kwh))


def _walk(cat: Catalog, pids: list[str], owned: set[str], earn: _Earnings) -> Iterator[tuple[Rank, str, tuple[str, ...]]]:
    """(bound, device id, the market's programs naming it), best bound first, then by id: every
    candidate device, in the order bounding each one would give, without bounding each one.

    Best-first over groups that share programs and category -- a category's devices named only by
    rules open to all of it, and devices named by the same claims and maker/model rules -- each with
    a ceiling on its devices' bounds. A group is opened when it comes first: into its devices with their
    own bounds, or a category into its sizes. At equal bounds groups open before devices come out."""
    opened = cat.opened_by(pids)
    heap: list[tuple] = []
    seq = count()

    def push(bound: Rank, item: Any, device: str | None = None) -> None:
        """A device (item = its programs) or a group (item = a function giving its entries)."""
        heapq.heappush(heap, (-bound[0], -bound[1], 1, device, item) if device else (-bound[0], -bound[1], 0, next(seq), item))

    marks = ",".join("?" * len(pids))
    named: set[str] = set()
    groups: dict[tuple[tuple[str, ...], str], list[tuple[str, Any, Any]]] = defaultdict(list)
    # Grouped by device in SQLite, not in Python: slower alone (1.0 s vs 0.2 s state-wide at 100k devices),
    # but other requests run meanwhile, and Python holds no 260k rows for the garbage collector to walk.
    # Under a mixed load of 100 req/s this kept recommendations at p50 0.16 s; grouping in Python, 5 s.
    for did, plist, category, kw, kwh in cat.sql(
            "SELECT p.device_id, group_concat(p.program_id), d.category, d.controllable_kw, d.battery_kwh "
            f"FROM candidate_pair p JOIN device d ON d.id = p.device_id WHERE p.program_id IN ({marks}) "
            "GROUP BY p.device_id", pids):
        named.add(did)
        if did not in owned:
            groups[(tuple(sorted({*plist.split(","), *opened.get(category, ())})), category)].append((did, kw, kwh))

    def devices_of(programs: tuple[str, ...], category: str, members: list[tuple[str, Any, Any]]) -> None:
        for did, kw, kwh in members:
            push(earn.bound(programs, category, _Sizing(kw, kwh)), programs, did)

    for (programs, category), members in groups.items():
        push(_ceiling(earn, programs, category, [(kw, kwh) for _, kw, kwh in members]),
             partial(devices_of, programs, category, members))

    def size(category: str, kw: Any, kwh: Any, bound: Rank) -> None:
        """The devices of one size, which share its bound."""
        for (did,) in cat.sql("SELECT id FROM device WHERE category = ? AND controllable_kw IS ? AND battery_kwh IS ?",
                              (category, kw, kwh)):
            if did not in named and did not in owned:
                push(bound, opened[category], did)

    def sizes(category: str, found: list[tuple[Any, Any]]) -> None:
        for kw, kwh in found:
            bound = earn.bound(opened[category], category, _Sizing(kw, kwh))
            push(bound, partial(size, category, kw, kwh, bound))

    by_category: dict[str, list[tuple[Any, Any]]] = defaultdict(list)
    if opened:
        cats = sorted(opened)
        for category, kw, kwh in cat.sql("SELECT category, controllable_kw, battery_kwh FROM device "
                                         f"WHERE category IN ({','.join('?' * len(cats))}) GROUP BY 1, 2, 3", cats):
            by_category[category].append((kw, kwh))
    for category, found in by_category.items():
        push(_ceiling(earn, opened[category], category, found), partial(sizes, category, found))

    while heap:
        b0, b1, is_device, device, item = heapq.heappop(heap)
        if is_device:
            yield (-b0, -b1), device, item
        else:
            item()  # pushes the group's entries


def recommend(cat: Catalog, location: Any, hub: str | None = None, devices: list[Any] | None = None,
              limit: int = 10) -> dict[str, Any]:
    """Devices the home lacks that work with its hub and would earn in its market, best first."""
    if not 1 <= limit <= 50:
        raise InvalidInput("limit", "must be between 1 and 50")
    market = resolve_location(cat, location)
    hub_id = find_in_memory(cat, "hub", hub, "hub") if hub else None
    have = evaluate(cat, location, devices or [], hub_id) if devices else None
    owned = {d["match"]["id"] for d in (have["devices"] if have else []) if d.get("match") and d["match"].get("id")}
    enrolled = {p["id"] for p in (have["programs"] if have else []) if p.get("counted")}
    pids = sorted(p for p in cat.programs_in_market(market.utility, market.region) if cat.programs[p].status == "active")
    answer: dict[str, Any] = {"market": market.as_dict(), "hub": hub_id, "recommendations": [], "catalog_version": cat.version}
    if not pids:
        return answer
    earn = _Earnings(cat, market, enrolled)
    walk = _walk(cat, pids, owned, earn)
    scored: list[tuple] = []
    best: list[Rank] = []  # the `limit` best ranks so far (a min-heap): a device must beat best[0] to enter
    tied_checked = 0
    while batch := list(islice(walk, BATCH)):
        facts = cat.facts_of([did for _, did, _ in batch])
        for bound, did, named in batch:
            if len(best) >= limit:
                if bound < best[0] or (bound == best[0] and tied_checked >= MAX_TIED_CHECKS):
                    break  # no device left can rank higher than the last recommendation
                tied_checked += bound == best[0]
            found = _check(cat, earn, facts.get(did), named, hub_id, enrolled)
            if found is not None:
                scored.append(found)
                heapq.heappush(best, found[0])
                if len(best) > limit:
                    heapq.heappop(best)
        else:
            continue
        break
    # Most added yearly money first (then first-year money, with one-time payments); then more
    # programs; hand-curated recipes before bulk-imported ones.
    scored.sort(key=lambda t: (-t[0][0], -t[0][1], -t[1], t[2], t[3]))
    for _rank, _n, _imported, did, device, unlocks, added, first_year, fit in scored[:limit]:
        why = f"qualifies for {len(unlocks)} program(s) in this market"
        if fit:
            why += f"; works with your hub: {fit}"
        answer["recommendations"].append({
            "id": did, "category": device.category, "manufacturer": device.manufacturer, "brand": device.brand,
            "product_name": device.product_name, "added_yearly": {c: round(v, 2) for c, v in added.items()},
            "added_first_year": {c: round(v, 2) for c, v in first_year.items()}, "programs": unlocks, "why": why})
    return answer


def _check(cat: Catalog, earn: _Earnings, device: Any, named: tuple[str, ...], hub_id: str | None,
           enrolled: set[str]) -> tuple | None:
    """A candidate as it really is: works with the hub, and the programs that accept it with what they add."""
    if device is None:
        return None
    fit = None
    if hub_id:
        ok, why = compat_verdict(device, cat.hubs[hub_id])
        if ok is not True:
            return None
        fit = why
    unlocks, gains = [], []
    for pid in named:
        program = cat.programs[pid]
        v = verdict(program, device, hub_id)
        if v.supported is not True:
            continue
        est, more = earn.of(pid, device.category, device)
        gains += more
        unlocks.append({**program_summary(pid, program), "estimate": est.as_dict() if est else None,
                        "already_enrolled": pid in enrolled, "reason": v.reason})
    if not unlocks:
        return None
    added, first_year = totals(gains)
    return (rank(added, first_year), len(unlocks), device.imported, device.id, device, unlocks, added, first_year, fit)
