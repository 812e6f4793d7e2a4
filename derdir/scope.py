"""Where a program's terms, conditions and enrollment status apply: a `Place` against a scope.

A scope names utilities and/or regions (`recipes.program.Scope`; an incentive term has the same two
fields). Empty, it applies wherever the program is offered. Against a place it applies (True), does
not (False), or depends on which utility serves the home (None: the home gave only its state, and a
utility there is in the scope).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Callable, Protocol, Sequence

Regions = Callable[[str], Sequence[str]]  # utility id -> the regions it serves


class Scoped(Protocol):
    @property
    def utilities(self) -> list[str]: ...

    @property
    def regions(self) -> list[str]: ...


@dataclass(frozen=True)
class Place:
    """A home's market as scopes see it: its utility (if known) and its region (if known)."""

    utility: str | None
    region: str | None
    regions_of: Regions = field(compare=False, repr=False, default=lambda _u: ())
    wires: tuple[str, ...] = ()  # a supplier's (CCA, retail provider) distribution utilities: their customers too

    @property
    def utilities(self) -> tuple[str, ...]:
        """The utilities whose customers the home counts as: its own, and the wires under a supplier."""
        return ((self.utility,) if self.utility else ()) + self.wires

    @property
    def regions(self) -> tuple[str, ...]:
        """The regions the home may be in: its own, else its utility's."""
        if self.region:
            return (self.region,)
        return tuple(self.regions_of(self.utility)) if self.utility else ()


def place(cat: Any, utility: str | None, region: str | None) -> Place:
    """A `Place` whose utilities' regions come from the catalog's utility recipes."""
    utilities = cat.utilities
    wires = tuple(utilities[utility].serves_within) if utility in utilities else ()
    return Place(utility, region, lambda u: utilities[u].regions if u in utilities else (), wires)


def applies(scope: Scoped, where: Place) -> bool | None:
    """Does a scope cover this place? None: it depends on the home's utility, or on which of its utility's
    regions the home is in."""
    if not scope.utilities and not scope.regions:
        return True
    if any(u in scope.utilities for u in where.utilities):
        return True
    regions = where.regions
    if scope.regions and regions:
        inside = [r in scope.regions for r in regions]
        if all(inside):
            return True
        if any(inside):
            return None
    if where.utility is None and where.region:
        if any(where.region in where.regions_of(u) for u in scope.utilities):
            return None
    return False


_FROM_STATUS = {"active": "open", "paused": "closed", "ended": "ended", "unknown": "unknown"}


@dataclass(frozen=True)
class Standing:
    """Whether a new customer can join a program in a place, and where that is said."""

    status: str  # open | waitlist | closed | ended | unknown | depends (on the home's utility)
    since: date | None = None
    note: str | None = None
    sources: tuple[Any, ...] = ()

    @property
    def joinable(self) -> bool:
        return self.status in ("open", "waitlist")

    def words(self) -> str:
        """'closed to new customers since April 2024', 'open', ..."""
        when = f" since {self.since:%B %Y}" if self.since else ""
        return {"open": "open to new customers", "waitlist": f"waitlist for new customers{when}",
                "closed": f"closed to new customers{when}", "ended": f"ended{when}",
                "depends": "depends on your utility", "unknown": "enrollment status unknown"}[self.status]


def standing(program: Any, where: Place) -> Standing:
    """The program's enrollment status here: the most specific entry that applies (a utility's before a
    region's before one for every market), else the program's overall `status`."""
    best: tuple[int, Any] | None = None
    undecided = False
    for e in program.enrollment:
        found = applies(e, where)
        if found is None:
            undecided = True
            continue
        if not found:
            continue
        rank = 2 if any(u in e.utilities for u in where.utilities) else (1 if e.regions else 0)
        if best is None or rank > best[0]:
            best = (rank, e)
    if best is not None:
        e = best[1]
        return Standing(e.status, e.since, e.note, tuple(e.sources))
    if undecided and program.status == "active":
        return Standing("depends")
    return Standing(_FROM_STATUS[program.status])


def program_conditions(program: Any, where: Place) -> list[Any]:
    """The conditions of joining the program here: those its recipe states, and -- when residential customers
    are not among its customer classes -- that the account is of a class it takes (a hub's home is
    residential unless the household says otherwise)."""
    found = [c for c in program.conditions if applies(c, where) is not False]
    if program.customer_classes and "residential" not in program.customer_classes:
        found.append(_class_condition(tuple(program.customer_classes)))
    return found


@lru_cache(maxsize=64)
def _class_condition(classes: tuple[str, ...]) -> Any:
    """The condition a program for these customer classes sets a home, made once per set of classes (every
    judgement of such a program asks for it)."""
    from .recipes.program import Condition  # the recipe format's own type, made here for a derived fact

    return Condition(kind="customer-class", text="only for " + ", ".join(classes)
                     + " customers (the program's customer classes)")


def term_conditions(term: Any, where: Place) -> list[Any]:
    """The conditions of one payment term here (they gate that term alone)."""
    return [c for c in term.conditions if applies(c, where) is not False]
