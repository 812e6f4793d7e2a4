"""Which devices earn the most in a market: rank by the typical yearly estimate of their best program.

Index-based: the programs offered in the market, then the `candidate` table for the devices those
programs name — never a scan of every device. A device counts only where its verdict is `True`
(unknown or disputed devices are not ranked) and the program is active; amounts no source states
are not invented, so a device whose programs publish no amount is left out.
"""

from __future__ import annotations

from typing import Any

from .catalog.index import Catalog
from .eligibility import verdict
from .incentives import Estimate, offer
from .lookup import device_summary
from .markets import Market, resolve_location
from .facts import DeviceFacts
from .recipes.program import Program
from .support import program_summary


def _utilities_to_try(cat: Catalog, program: Program, market: Market) -> list[str | None]:
    """The utility whose terms apply; for a region-wide market, each of the program's utilities there."""
    if market.utility:
        return [market.utility]
    inside = [u for u in program.markets.utilities
              if market.region and u in cat.utilities and market.region in cat.utilities[u].regions]
    return inside or [None]


def best_estimate(cat: Catalog, program: Program, device: DeviceFacts, market: Market) -> tuple[Estimate, str | None] | None:
    """The highest typical per-device estimate of `program` for `device` in `market`, and its utility."""
    best: tuple[Estimate, str | None] | None = None
    for util in _utilities_to_try(cat, program, market):
        _, est = offer(program, device.category, util, device)
        if est is None or est.typical is None:
            continue
        if best is None or est.typical > (best[0].typical or 0):
            best = (est, util)
    return best


def top_earners(cat: Catalog, location: str, limit: int = 10) -> dict[str, Any]:
    """Devices ranked by the typical yearly earnings of their best program in `location`."""
    market = resolve_location(cat, location)
    offered = cat.programs_in_market(market.utility, market.region)
    pids = sorted(p for p in offered if cat.programs[p].status == "active")
    marks = ",".join("?" * len(pids)) or "NULL"
    rows = cat.sql(f"SELECT device_id, program_id FROM candidate WHERE program_id IN ({marks}) "
                   "ORDER BY device_id, program_id", pids)
    ranked: dict[str, dict[str, Any]] = {}
    facts = cat.facts_of(list(dict.fromkeys(did for did, _ in rows)))
    for did, pid in rows:
        device, program = facts.get(did), cat.programs[pid]
        if device is None or verdict(program, device).supported is not True:
            continue
        found = best_estimate(cat, program, device, market)
        entry = ranked.setdefault(did, {"programs": 0, "best": None})
        entry["programs"] += 1
        if found and (entry["best"] is None or (found[0].typical or 0) > entry["best"][0].typical):
            entry["best"] = (found[0], found[1], pid)
    items = []
    for did, entry in ranked.items():
        if entry["best"] is None:
            continue
        est, util, pid = entry["best"]
        items.append({**device_summary(cat, did), "qualifying_programs": entry["programs"],
                      "program": program_summary(pid, cat.programs[pid]), "utility": util, "estimate": est.as_dict()})
    items.sort(key=lambda i: (-i["estimate"]["typical"], i["id"]))
    return {"market": market.as_dict(), "items": items[:limit], "ranked": len(items), "catalog_version": cat.version}
