"""Top earners walk candidates best-first; the list must be the one ranking every candidate gives."""

from __future__ import annotations

import pytest

from derdir.catalog.index import Catalog
from derdir.eligibility import verdict
from derdir.markets import resolve_location
from derdir.top_earners import best_estimate, top_earners


def _every_candidate_ranked(cat: Catalog, location: str) -> list[tuple[float, str, str, int]]:
    """(typical, device, best program, programs accepting it) for every device an active program of the
    market names and accepts, judged one by one, best first."""
    market = resolve_location(cat, location)
    pids = {p for p in cat.programs_in_market(market.utility, market.region) if cat.programs[p].status == "active"}
    facts = cat.facts_of(r[0] for r in cat.sql("SELECT id FROM device"))
    out = []
    for did, named in cat.candidates_of(facts.values(), among=pids).items():
        device = facts[did]
        accepted = [pid for pid in named if verdict(cat.programs[pid], device).supported is True]
        found = [(f[0].typical, pid) for pid in accepted
                 if (f := best_estimate(cat, cat.programs[pid], device, device.category, market))]
        if found:
            typical, pid = min(found, key=lambda t: (-t[0], t[1]))
            out.append((typical, did, pid, len(accepted)))
    return sorted(out, key=lambda t: (-t[0], t[1]))


@pytest.mark.parametrize("location", ["pge", "US-CA", "US-TX", "ON", "10001", "US-MN", "US-VT"])
@pytest.mark.parametrize("limit", [1, 10, 40])
def test_the_top_earners_are_those_of_ranking_every_candidate(cat: Catalog, location: str, limit: int) -> None:
    everyone = _every_candidate_ranked(cat, location)
    got = top_earners(cat, location, limit)["items"]
    assert [(i["estimate"]["typical"], i["id"], i["program"]["id"], i["qualifying_programs"]) for i in got] == everyone[:limit]
    if location in ("pge", "US-CA"):
        assert len(everyone) > 1  # enough ranked devices there for the cut to matter
