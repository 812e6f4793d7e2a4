"""Incentive kinds: the payment terms a program recipe can state, and how each is estimated.

An entry holds the kind's name (an incentive's `type`), its words ("per month"), whether it is paid
once, which device sizes it multiplies by, and `multiplier`: how many units a year a device earns
(low, typical, high) from the program's published limits and the device's capacity, with the
assumption that says so, or None and what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from ..recipes.program import EventRules, Incentive

Triple = tuple[float, float, float]  # low, typical, high


@dataclass(frozen=True)
class Basis:
    """What an estimate can multiply by: the program's event limits and the device's size."""

    events: "EventRules | None"
    kw: Triple | None  # controllable kW (the device's, or its category's typical range)
    kw_why: str  # where the kW came from, in words
    kwh: float | None  # storage capacity
    money: Callable[[float, float], str]  # how an amount range reads, in the term's currency


Multiplier = Callable[["Incentive", Basis], "tuple[Triple | None, str | None]"]


@dataclass(frozen=True)
class IncentiveKind:
    name: str
    words: str  # what follows the amount: "$5.00 per month"
    description: str  # for recipe writers (the schema)
    multiplier: Multiplier
    missing: str = ""  # what an estimate lacks when `multiplier` finds nothing, in words
    one_time: bool = False
    by_kw: bool = False  # what it pays grows with the device's kW
    by_kwh: bool = False  # ... with its kWh of storage


def event_counts(ev: "EventRules | None") -> Triple | None:
    """Events a year (low, typical, high) from the published typical and maximum counts."""
    if ev is None or (ev.typical_events_per_year is None and ev.max_events_per_year is None):
        return None
    typical = float(ev.typical_events_per_year if ev.typical_events_per_year is not None
                    else ev.max_events_per_year)  # type: ignore[arg-type]  # one of the two is set
    high = float(ev.max_events_per_year) if ev.max_events_per_year is not None else typical
    return (typical / 2, typical, high)


def event_hours(ev: "EventRules | None") -> float | None:
    """The longest an event lasts: its published limit, else the event window."""
    if ev is None:
        return None
    if ev.max_event_hours:
        return ev.max_event_hours
    if ev.start_hour is not None and ev.end_hour is not None and ev.end_hour > ev.start_hour:
        return float(ev.end_hour - ev.start_hour)
    return None


def event_hours_per_year(ev: "EventRules | None") -> tuple[Triple, str] | None:
    """Hours of events a year (low, typical, high), from counts x length, or the yearly hour limit."""
    counts, hours = event_counts(ev), event_hours(ev)
    limit = ev.max_hours_per_year if ev is not None else None
    if counts and hours:
        lo, ty, hi = (c * hours for c in counts)
        why = f"{counts[0]:g}-{counts[2]:g} events a year (typical {counts[1]:g}) of up to {hours:g} h"
        if limit is not None:
            lo, ty, hi = min(lo, limit), min(ty, limit), min(hi, limit)
            why += f", at most {limit:g} h a year"
        return (lo, ty, hi), why
    if limit:
        return (limit / 4, limit / 2, limit), f"up to {limit:g} event hours a year (the program's limit; typical taken as half)"
    return None


def _once(term: "Incentive", b: Basis) -> tuple[Triple | None, str | None]:
    return (1, 1, 1), f"one-time payment of {b.money(term.amount or 0, term.amount_max or term.amount or 0)}, counted in the first year only"


def _yearly(term: "Incentive", b: Basis) -> tuple[Triple | None, str | None]:
    return (1, 1, 1), None


def _monthly(term: "Incentive", b: Basis) -> tuple[Triple | None, str | None]:
    n = float(len(term.months) or 12)
    return (n, n, n), f"{n:g} monthly payments a year"


def _per_event(term: "Incentive", b: Basis) -> tuple[Triple | None, str | None]:
    counts = event_counts(b.events)
    if counts is None:
        return None, None
    return counts, f"{counts[0]:g}-{counts[2]:g} events a year (typical {counts[1]:g}), from the program's event rules"


def _per_kw(once: bool) -> Multiplier:
    def mult(term: "Incentive", b: Basis) -> tuple[Triple | None, str | None]:
        if b.kw is None:
            return None, None
        return b.kw, (f"{b.kw_why}, first year only" if once else b.kw_why)
    return mult


def _upfront_per_kwh(term: "Incentive", b: Basis) -> tuple[Triple | None, str | None]:
    if not b.kwh:
        return None, None
    return (b.kwh, b.kwh, b.kwh), f"{b.kwh:g} kWh of storage (from the device recipe), first year only"


def _per_kwh(term: "Incentive", b: Basis) -> tuple[Triple | None, str | None]:
    """kWh delivered in events a year: kW x event hours, a battery's events each at most its capacity."""
    found = event_hours_per_year(b.events)
    if b.kw is None or found is None:
        return None, None
    hours, why = found
    kwh = [k * h for k, h in zip(b.kw, hours)]
    counts = event_counts(b.events)
    if b.kwh and counts:
        kwh = [min(v, b.kwh * c) for v, c in zip(kwh, counts)]
        why += f"; each event at most the battery's {b.kwh:g} kWh"
    lo, ty, hi = kwh
    return (lo, ty, hi), f"kWh a year = {b.kw_why} x {why}"


INCENTIVES: dict[str, IncentiveKind] = {k.name: k for k in (
    IncentiveKind("enrollment", "when you enroll", "One-time payment on joining (or an upfront device rebate).",
                  _once, one_time=True),
    IncentiveKind("upfront-per-kw", "per kW, once", "One-time payment per kW of the device's controllable power.",
                  _per_kw(True), "kW figure", one_time=True, by_kw=True),
    IncentiveKind("upfront-per-kwh", "per kWh of storage, once", "One-time payment per kWh of storage capacity.",
                  _upfront_per_kwh, "storage capacity", one_time=True, by_kwh=True),
    IncentiveKind("per-year", "per year", "Paid once a year.", _yearly),
    IncentiveKind("per-month", "per month", "Paid each month (in `months`, else all year).", _monthly),
    IncentiveKind("per-event", "per event", "Paid for each event the device takes part in.", _per_event, "event count"),
    IncentiveKind("per-kwh", "per kWh", "Paid per kWh shifted or exported during events.", _per_kwh,
                  "event count and length, or yearly event hours, and a kW figure", by_kw=True, by_kwh=True),
    IncentiveKind("per-kw-season", "per kW per season", "Paid per kW of controllable power each season.",
                  _per_kw(False), "kW figure", by_kw=True),
    IncentiveKind("per-kw-year", "per kW per year", "Paid per kW of controllable power each year.",
                  _per_kw(False), "kW figure", by_kw=True),
)}
