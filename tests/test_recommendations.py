"""Recommendations walk candidates best-first over groups of look-alike devices; that must be the order
of ranking every candidate one by one, which is what these tests compute to compare."""

from __future__ import annotations

import pytest

from derdir.catalog.index import Catalog
from derdir.markets import resolve_location
from derdir.candidates import Size, walk
from derdir.judge import NO_ANSWERS
from derdir.recommendations import _Earnings, joinable
from derdir.scope import place


@pytest.mark.parametrize("location", ["pge", "US-CA", "US-TX", "ON", "10001", "xcel-energy-mn"])
def test_the_walk_is_every_candidate_ranked_one_by_one(cat: Catalog, location: str) -> None:
    market = resolve_location(cat, location)
    where = place(cat, market.utility, market.region)
    pids = joinable(cat, where)
    ids = [r[0] for r in cat.sql("SELECT id FROM device ORDER BY id")]
    owned = set(ids[::7])  # a home already has these: never recommended
    earn = _Earnings(cat, where, set(), NO_ANSWERS)
    facts = cat.facts_of(ids)
    named = cat.candidates_of(facts.values(), among=set(pids))
    expected = sorted(((earn.bound(tuple(named[d]), facts[d].category, Size(facts[d].controllable_kw, facts[d].battery_kwh)),
                        d, tuple(named[d])) for d in ids if named[d] and d not in owned),
                      key=lambda t: (-t[0][0], -t[0][1], t[1]))
    walked = list(walk(cat, pids, owned, earn.bound))
    assert len(expected) >= 5  # the market's programs name enough devices for the order to mean something
    assert walked == expected


def test_a_markets_layout_is_made_once_and_costs_the_garbage_collector_nothing(cat: Catalog) -> None:
    """Every request for a market walks the same groups of devices: they are made once per build, and
    kept in plain tuples and a dict of strings, which a long-running service's full collections skip
    (a state-wide layout lists ~90k devices at 100k)."""
    import gc

    from derdir.candidates import layout

    pids = tuple(sorted(p for p in cat.programs_in_market(None, "US-TX") if cat.programs[p].status == "active"))
    first = layout(cat, pids)
    assert layout(cat, pids) is first and first.named and first.groups
    for _ in range(4):  # a collection drops a tuple once the tuples in it were dropped: one nesting level each
        gc.collect()
    assert not any(gc.is_tracked(part) for part in (first.named, first.groups, first.sizes))


def test_walking_candidates_leaves_no_garbage_for_the_cycle_collector(cat: Catalog) -> None:
    """A walk stopped half-way (as recommendations and top earners stop it) must free its heap by
    reference counting: left in a cycle, the thousands of entries of a request made a full collection
    every second or two at 100 req/s."""
    import gc

    market = resolve_location(cat, "pge")
    where = place(cat, market.utility, market.region)
    pids = joinable(cat, where)
    earn = _Earnings(cat, where, set(), NO_ANSWERS)
    list(walk(cat, pids, set(), earn.bound))  # made once per build: the market's layout
    gc.collect()
    gc.disable()
    try:
        for stop_after in (1, 5, 50):
            candidates = walk(cat, pids, set(), earn.bound)
            for _ in range(stop_after):
                next(candidates)
            del candidates
        assert gc.collect() == 0
    finally:
        gc.enable()
