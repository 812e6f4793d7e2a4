"""Which devices earn the most in a market: rank by the typical estimate of their best program.

A device counts only where its verdict is `True` (unknown or disputed devices are not ranked) and the
program is active; amounts no source states are not invented, so a device whose programs publish no
amount is left out. Devices come best bound first (`candidates.walk`: the best estimate among the
programs naming a device, as if all accepted it), so a market page judges the few devices that can
make its top list, not the ~90k a state-wide market names at 100k devices.
"""

from __future__ import annotations

from typing import Any

from .candidates import Rank, best_first, walk
from .catalog.index import Catalog
from .eligibility import verdict
from .facts import DeviceFacts
from .incentives import Estimate, Sizing, estimate, size_reads
from .lookup import device_summary
from .markets import Market, resolve_location
from .recipes.program import Program
from .judge import NO_ANSWERS, split_terms
from .scope import Place, applies, place, program_conditions, standing
from .support import program_summary

UNRANKED: Rank = (-1.0, -1.0)  # the bound of a device none of whose programs publishes an amount


def _places_to_try(cat: Catalog, program: Program, market: Market) -> list[Place]:
    """The home's place; for a region-wide market, each of the program's utilities there too. Only places
    where a new customer can join, and only terms that need nothing the household must confirm."""
    here = place(cat, market.utility, market.region)
    tries = [here]
    if market.utility is None and market.region:
        tries += [Place(u, market.region, here.regions_of) for u in program.markets.utilities
                  if u in cat.utilities and market.region in cat.utilities[u].regions]
    return [w for w in tries if applies(program.markets, w) is True and standing(program, w).joinable]


def best_estimate(cat: Catalog, program: Program, device: Sizing, category: str,
                  market: Market) -> tuple[Estimate, str | None] | None:
    """The highest typical per-device estimate of `program` for such a device in `market`, and its utility
    (a program with conditions to confirm is not ranked: a market page cannot know them)."""
    best: tuple[Estimate, str | None] | None = None
    for w in _places_to_try(cat, program, market):
        if program_conditions(program, w):
            continue
        terms = split_terms(program, category, w, "", NO_ANSWERS)[0]  # terms with conditions of their own aside
        est = estimate(program, terms, device, category)
        if est is None or est.typical is None:
            continue
        util = w.utility
        if best is None or est.typical > (best[0].typical or 0):
            best = (est, util)
    return best


class _Best:
    """`best_estimate` per (program, category, and the kW and kWh where the amount depends on them):
    thousands of devices share each."""

    def __init__(self, cat: Catalog, market: Market):
        self.cat, self.market = cat, market
        self._memo: dict[tuple, tuple[Estimate, str | None] | None] = {}
        self._reads: dict[tuple[str, str], tuple[bool, bool]] = {}

    def of(self, pid: str, category: str, size: Sizing) -> tuple[Estimate, str | None] | None:
        program = self.cat.programs[pid]
        reads = self._reads.get((pid, category))
        if reads is None:
            reads = self._reads[(pid, category)] = size_reads(program, category, _places_to_try(self.cat, program, self.market))
        key = (pid, category, size.controllable_kw if reads[0] else None, size.battery_kwh if reads[1] else None)
        if key not in self._memo:
            self._memo[key] = best_estimate(self.cat, program, size, category, self.market)
        return self._memo[key]

    def bound(self, pids: tuple[str, ...], category: str, size: Sizing) -> Rank:
        typical = max((found[0].typical for pid in pids if (found := self.of(pid, category, size))), default=None)
        return UNRANKED if typical is None else (typical, typical)


def top_earners(cat: Catalog, location: str, limit: int = 10) -> dict[str, Any]:
    """Devices ranked by the typical yearly earnings of their best program in `location`."""
    market = resolve_location(cat, location)
    pids = sorted(p for p in cat.programs_in_market(market.utility, market.region) if cat.programs[p].status == "active")
    best = _Best(cat, market)

    def judge(device: DeviceFacts | None, named: tuple[str, ...]) -> tuple[Rank, dict[str, Any]] | None:
        item = _ranked(cat, best, device, named)
        if item is None:
            return None
        typical = item["estimate"]["typical"]
        return (typical, typical), item

    items = best_first(cat, walk(cat, pids, set(), best.bound), limit, judge, floor=UNRANKED) if pids else []
    items.sort(key=lambda i: (-i["estimate"]["typical"], i["id"]))
    return {"market": market.as_dict(), "items": items[:limit], "catalog_version": cat.version}


def _ranked(cat: Catalog, best: _Best, device: DeviceFacts | None, named: tuple[str, ...]) -> dict[str, Any] | None:
    """A candidate as it really is: its best estimate among the programs that accept it (None if none has one)."""
    if device is None:
        return None
    accepted = [pid for pid in named if verdict(cat.programs[pid], device).supported is True]
    found = [(f, pid) for pid in accepted if (f := best.of(pid, device.category, device))]
    if not found:
        return None
    (est, util), pid = min(found, key=lambda t: (-(t[0][0].typical or 0), t[1]))  # the first program among equals
    return {**device_summary(cat, device.id), "qualifying_programs": len(accepted),
            "program": program_summary(pid, cat.programs[pid]), "utility": util, "estimate": est.as_dict()}
