"""A market's candidate devices, best first, without ranking each one.

The cost to avoid is bounding every device some program of a market names: 73k of 100k at a large
synthetic utility, ~90k state-wide. What a device can earn depends on it only through the programs
naming it, its category and its size (kW, kWh), so devices are bounded in groups that share programs
and category, each with a ceiling none of its devices can exceed, and a group is opened only when it
comes first (best-first). Recommendations (what a home would add) and top earners (what a device
earns at best) walk the same way with their own bounds.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from functools import partial
from itertools import count, islice
from typing import Any, Callable, Iterator, NamedTuple, Sequence, TypeVar

from .catalog.index import Catalog
from .facts import DeviceFacts
from .incentives import CATEGORY_KW, Sizing

Rank = tuple[float, float]  # larger is better, compared as a tuple
T = TypeVar("T")
BATCH = 200  # candidates whose facts are read in one query while walking
MAX_TIED_CHECKS = 500  # candidates checked among those tied with the last of the list (order among equals)


class Size(NamedTuple):
    """The two device facts earnings depend on, from index columns (`incentives.Sizing`)."""

    controllable_kw: float | None
    battery_kwh: float | None


Bound = Callable[[tuple[str, ...], str, Sizing], Rank]  # (programs naming a device, its category, its size) -> bound


def ceiling(bound: Bound, named: tuple[str, ...], category: str, sizes: Sequence[tuple[Any, Any]]) -> Rank:
    """A bound no device of `category` with one of these (kW, kWh) sizes can exceed: the bound at the
    largest of each. What a term pays grows with the kW it multiplies by (the device's, or the category's
    typical kW when the recipe has none) and with the kWh, and caps keep that so."""
    typical = CATEGORY_KW.get(category)
    mid = (typical[0] + typical[1]) / 2 if typical else None
    kws = [kw if kw else mid for kw, _ in sizes]
    top_kw = max((k for k in kws if k is not None), default=None)
    top_kwh = max((kwh for _, kwh in sizes if kwh), default=None)
    return bound(named, category, Size(top_kw, top_kwh))


class Layout(NamedTuple):
    """The groups a set of programs sorts its devices into: the same for every request naming that set
    in one build (a market's), so it is made once. Tuples and a dict of plain values only: the garbage
    collector stops walking them, however many devices they list."""

    named: dict[str, None]  # devices a claim or a maker/model rule of the programs names
    groups: tuple[tuple[tuple[str, ...], str, tuple[tuple[str, Any, Any], ...]], ...]  # (programs, category, (id, kW, kWh)...)
    sizes: tuple[tuple[str, tuple[tuple[Any, Any], ...]], ...]  # (open category, its distinct (kW, kWh))


LAYOUT_DEVICES = 120_000  # devices listed by the layouts kept per build, the last made (~235 B each: ~28 MB;
                          # a state-wide market at 100k devices lists 10-50k, a utility's 2-10k)


def layout(cat: Catalog, pids: tuple[str, ...]) -> Layout:
    """The `Layout` of `pids` (sorted), remembered per build for the last few sets made. (Kept in a plain
    dict: a cache holding a function of `cat` would tie the catalog into a reference cycle, and a
    replaced build must be freed by reference counting alone -- see `service.settled`.)"""
    made: dict[tuple[str, ...], Layout] = cat.derived.setdefault("layouts", {})
    found = made.get(pids)
    if found is None:
        found = made[pids] = _layout(cat, pids)
        kept = list(made.items())
        while len(kept) > 1 and sum(len(lay.named) for _, lay in kept) > LAYOUT_DEVICES:
            made.pop(kept.pop(0)[0], None)
    return found


def _layout(cat: Catalog, pids: tuple[str, ...]) -> Layout:
    opened = cat.opened_by(pids)
    marks = ",".join("?" * len(pids))
    groups: dict[tuple[tuple[str, ...], str], list[tuple[str, Any, Any]]] = defaultdict(list)
    # Grouped by device in SQLite, not in Python: other requests run meanwhile, and Python holds no 260k
    # rows for the garbage collector to walk (under a mixed load of 100 req/s, grouping in Python made
    # recommendations 30x slower). Grouped before the join, so each device row is read once, not once per
    # pair: 0.8 -> 0.2 s state-wide at 100k devices.
    for did, plist, category, kw, kwh in cat.sql(
            "SELECT g.device_id, g.programs, d.category, d.controllable_kw, d.battery_kwh FROM (SELECT device_id, "
            f"group_concat(program_id) AS programs FROM candidate_pair WHERE program_id IN ({marks}) GROUP BY device_id) g "
            "JOIN device d ON d.id = g.device_id", pids):
        groups[(tuple(sorted({*plist.split(","), *opened.get(category, ())})), category)].append((did, kw, kwh))
    by_category: dict[str, list[tuple[Any, Any]]] = defaultdict(list)
    if opened:
        cats = sorted(opened)
        for category, kw, kwh in cat.sql("SELECT category, controllable_kw, battery_kwh FROM device "
                                         f"WHERE category IN ({','.join('?' * len(cats))}) GROUP BY 1, 2, 3", cats):
            by_category[category].append((kw, kwh))
    return Layout(dict.fromkeys(did for members in groups.values() for did, _, _ in members),
                  tuple((programs, category, tuple(members)) for (programs, category), members in groups.items()),
                  tuple((category, tuple(found)) for category, found in by_category.items()))


def walk(cat: Catalog, pids: list[str], owned: set[str], bound: Bound) -> Iterator[tuple[Rank, str, tuple[str, ...]]]:
    """(bound, device id, the market's programs naming it), best bound first, then by id: every device
    one of `pids` names (except `owned`), in the order bounding each one would give, without bounding
    each one. `bound(programs, category, size)` must not decrease as the kW or the kWh grow.

    Best-first over groups that share programs and category -- a category's devices named only by
    rules open to all of it, and devices named by the same claims and maker/model rules -- each with
    a ceiling on its devices' bounds. A group is opened when it comes first: into its devices with their
    own bounds, or a category into its sizes. At equal bounds groups open before devices come out."""
    opened = cat.opened_by(pids)
    known = layout(cat, tuple(sorted(pids)))
    heap: list[tuple] = []
    seq = count()

    def push(at: Rank, item: Any, device: str | None = None) -> None:
        """A device (item = its programs) or a group (item = a function giving its entries)."""
        heapq.heappush(heap, (-at[0], -at[1], 1, device, item) if device else (-at[0], -at[1], 0, next(seq), item))

    def devices_of(programs: tuple[str, ...], category: str, members: tuple[tuple[str, Any, Any], ...]) -> None:
        for did, kw, kwh in members:
            if did not in owned:
                push(bound(programs, category, Size(kw, kwh)), programs, did)

    for programs, category, members in known.groups:
        push(ceiling(bound, programs, category, [(kw, kwh) for _, kw, kwh in members]),
             partial(devices_of, programs, category, members))

    def size(category: str, kw: Any, kwh: Any, at: Rank) -> None:
        """The devices of one size, which share its bound."""
        for (did,) in cat.sql("SELECT id FROM device WHERE category = ? AND controllable_kw IS ? AND battery_kwh IS ?",
                              (category, kw, kwh)):
            if did not in known.named and did not in owned:
                push(at, opened[category], did)

    def sizes(category: str, found: tuple[tuple[Any, Any], ...]) -> None:
        for kw, kwh in found:
            at = bound(opened[category], category, Size(kw, kwh))
            push(at, partial(size, category, kw, kwh, at))

    for category, found in known.sizes:
        push(ceiling(bound, opened[category], category, found), partial(sizes, category, found))

    try:
        while heap:
            b0, b1, is_device, device, item = heapq.heappop(heap)
            if is_device:
                yield (-b0, -b1), device, item
            else:
                item()  # pushes the group's entries
    finally:
        # The groups left in the heap refer to `push`, which refers to the heap: a reference cycle of
        # thousands of entries that only the cyclic collector would free (a full collection every
        # second or two under load). Emptied here, when the walk ends or is dropped half-way.
        heap.clear()


def best_first(cat: Catalog, candidates: Iterator[tuple[Rank, str, tuple[str, ...]]], limit: int,
               judge: Callable[[DeviceFacts | None, tuple[str, ...]], tuple[Rank, T] | None],
               floor: Rank | None = None) -> list[T]:
    """What `judge` makes of walked candidates (its rank and item, or None), until no candidate left can
    rank among the `limit` best found: its bound below the last of them (candidates tied with it are
    checked up to MAX_TIED_CHECKS), or not above `floor`. Facts are read a batch at a time. Unsorted."""
    items: list[T] = []
    best: list[Rank] = []  # the `limit` best ranks so far (a min-heap): a candidate must reach best[0]
    tied = 0
    while batch := list(islice(candidates, BATCH)):
        facts = cat.facts_of([did for _, did, _ in batch])
        for bound, did, named in batch:
            if floor is not None and bound <= floor:
                return items
            if len(best) >= limit:
                if bound < best[0] or (bound == best[0] and tied >= MAX_TIED_CHECKS):
                    return items
                tied += bound == best[0]
            judged = judge(facts.get(did), named)
            if judged is not None:
                items.append(judged[1])
                heapq.heappush(best, judged[0])
                if len(best) > limit:
                    heapq.heappop(best)
    return items
