"""Earnings from structured incentive terms: low / typical / high, with the assumptions used.

Nothing here invents an amount: a term whose amount no source states makes the estimate
partial (or null) and says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Protocol

from .recipes.program import EventRules, Incentive, Program

# Typical power per category when a device recipe has no controllable_kw: (low, high) kW, from
# communal-grid-ha's der_registry.json (commit e68e681, `typical_power_w`), MIT.
CATEGORY_KW_SOURCE = "https://github.com/Civilian-Power/communal-grid-ha/blob/e68e681/custom_components/communal_grid/data/der_registry.json"
CATEGORY_KW: dict[str, tuple[float, float]] = {
    "thermostat": (1.0, 5.0),
    "smart-plug": (0.005, 1.8),
    "ev-charger": (1.4, 19.2),
    "water-heater": (1.5, 5.5),
    "light": (0.005, 0.1),
    "battery": (3.0, 15.0),
    "pool-pump": (0.5, 2.5),
    "solar-inverter": (0.0, 12.0),
}


ONE_TIME = ("enrollment", "upfront-per-kw", "upfront-per-kwh")


@dataclass
class Estimate:
    """A yearly earnings range for one device (or account) in one program."""

    currency: str
    low: float | None
    typical: float | None
    high: float | None
    first_year_only: float = 0.0
    assumptions: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        r = lambda v: None if v is None else round(v, 2)  # noqa: E731
        return {"currency": self.currency, "low": r(self.low), "typical": r(self.typical), "high": r(self.high),
                "includes_first_year_only": r(self.first_year_only), "assumptions": self.assumptions,
                "unknown": self.unknown}


def applicable(program: Program, category: str | None, utility: str | None) -> list[Incentive]:
    """Terms that apply to this kind of device in this market."""
    out = []
    for inc in program.incentives:
        if category and inc.categories and category not in inc.categories:
            continue
        if utility and inc.utilities and utility not in inc.utilities:
            continue
        out.append(inc)
    return out


def offer(program: Program, category: str | None, utility: str | None,
          device: Sizing | None = None) -> tuple[list[Incentive], Estimate | None]:
    """What `program` pays for such a device in this market: the terms that apply, and their yearly
    per-device estimate (None when no per-device term applies)."""
    terms = applicable(program, category, utility)
    return terms, estimate(program, terms, device, category)


def account_estimate(program: Program, utility: str | None) -> Estimate | None:
    """Yearly value of the program's per-account terms in this market: counted once per home."""
    return estimate(program, applicable(program, None, utility), None, None, per="account")


def _events(ev: EventRules | None) -> tuple[float, float, float] | None:
    if ev is None:
        return None
    typical = ev.typical_events_per_year
    high = ev.max_events_per_year
    if typical is None and high is None:
        return None
    typical = typical if typical is not None else high
    high = high if high is not None else typical
    return (typical / 2, typical, high)  # type: ignore[operator]


def _event_hours(ev: EventRules | None) -> float | None:
    if ev is None:
        return None
    if ev.max_event_hours:
        return ev.max_event_hours
    if ev.start_hour is not None and ev.end_hour is not None and ev.end_hour > ev.start_hour:
        return float(ev.end_hour - ev.start_hour)
    return None


BY_KW = {"upfront-per-kw", "per-kw-season", "per-kw-year", "per-kwh"}  # terms `estimate` multiplies by the device's kW
BY_KWH = {"upfront-per-kwh"}  # ... and by its kWh of storage


def size_reads(program: Program, category: str, utilities: Iterable[str | None]) -> tuple[bool, bool]:
    """Does what the program pays for a device of this category (under any of these utilities' terms)
    depend on its kW, on its kWh? Callers remember estimates per size only where it does."""
    types = {t.type for u in utilities for t in applicable(program, category, u) if t.per == "device"}
    return bool(types & BY_KW), bool(types & BY_KWH)


class Sizing(Protocol):
    """What earnings depend on besides the category (a `DeviceFacts` is one)."""

    @property
    def controllable_kw(self) -> float | None: ...

    @property
    def battery_kwh(self) -> float | None: ...


def device_kw(device: Sizing | None, category: str | None) -> tuple[tuple[float, float, float] | None, str]:
    if device is not None and device.controllable_kw:
        kw = device.controllable_kw
        return (kw, kw, kw), f"{kw:g} kW controllable (from the device recipe)"
    if category in CATEGORY_KW:
        lo, hi = CATEGORY_KW[category]
        return (lo, (lo + hi) / 2, hi), f"{lo:g}-{hi:g} kW, typical for a {category} (device recipe has no controllable_kw)"
    return None, ""


def estimate(program: Program, terms: list[Incentive], device: Sizing | None, category: str | None,
             per: str = "device") -> Estimate | None:
    """Yearly value of the `per`-device (or per-account) terms; None when there are no such terms."""
    terms = [t for t in terms if t.per == per]
    if not terms:
        return None
    currency = terms[0].currency
    lo = ty = hi = 0.0
    first = 0.0
    est = Estimate(currency, None, None, None)
    known = 0
    for t in terms:
        if t.currency != currency:
            est.unknown.append(f"{t.type} term in {t.currency} not added to {currency} total")
            continue
        if t.amount is None:
            est.unknown.append(f"{t.type}: amount not published")
            continue
        a_lo, a_hi = t.amount, t.amount_max if t.amount_max is not None else t.amount
        a_ty = (a_lo + a_hi) / 2
        mult: tuple[float, float, float] | None
        if t.type == "enrollment":
            mult = (1, 1, 1)
            est.assumptions.append(f"enrollment bonus {_money(a_lo, a_hi, currency)} counted in the first year only")
        elif t.type == "upfront-per-kw":
            mult, why = device_kw(device, category)
            if mult:
                est.assumptions.append(f"upfront {_money(a_lo, a_hi, currency)}/kW x {why}, first year only")
        elif t.type == "upfront-per-kwh":
            kwh = device.battery_kwh if device is not None else None
            mult = (kwh, kwh, kwh) if kwh else None
            if mult:
                est.assumptions.append(f"upfront {_money(a_lo, a_hi, currency)}/kWh x {kwh:g} kWh of storage, first year only")
        elif t.type == "per-year":
            mult = (1, 1, 1)
        elif t.type == "per-month":
            months = len(t.months) or 12
            mult = (months, months, months)
            est.assumptions.append(f"{months} monthly payments a year")
        elif t.type == "per-event":
            mult = _events(program.events)
            if mult:
                est.assumptions.append(f"{mult[0]:g}-{mult[2]:g} events a year (typical {mult[1]:g}), from the program's event rules")
        elif t.type in ("per-kw-season", "per-kw-year"):
            mult, why = device_kw(device, category)
            if mult:
                est.assumptions.append(why)
        elif t.type == "per-kwh":
            kw, why = device_kw(device, category)
            ev, hours = _events(program.events), _event_hours(program.events)
            mult = None
            if kw and ev and hours:
                mult = tuple(k * e * hours for k, e in zip(kw, ev))  # type: ignore[assignment]
                est.assumptions.append(f"kWh = {why} x {hours:g} h per event x events per year")
        else:  # pragma: no cover - the model restricts types
            mult = None
        if mult is None:
            basis = {"per-event": "event count", "per-kwh": "event count and length", "upfront-per-kwh": "storage capacity"}
            est.unknown.append(f"{t.type}: no {basis.get(t.type, 'kW figure')} to multiply by")
            continue
        known += 1
        v_lo, v_ty, v_hi = a_lo * mult[0], a_ty * mult[1], a_hi * mult[2]
        if t.cap is not None:
            v_lo, v_ty, v_hi = min(v_lo, t.cap), min(v_ty, t.cap), min(v_hi, t.cap)
            per = "" if t.type in ONE_TIME else " a year"
            est.assumptions.append(f"{t.type} capped at {_money(t.cap, t.cap, currency)}{per}")
        if t.type in ONE_TIME:
            first += v_ty
        lo, ty, hi = lo + v_lo, ty + v_ty, hi + v_hi
    if known:
        est.low, est.typical, est.high = lo, ty, hi
    est.first_year_only = first
    return est


def _money(lo: float, hi: float, currency: str) -> str:
    sym = "$" if currency in ("USD", "CAD") else ""
    suffix = "" if currency == "USD" else f" {currency}"
    return f"{sym}{lo:,.2f}{suffix}" if lo == hi else f"{sym}{lo:,.2f}-{sym}{hi:,.2f}{suffix}"


_TYPE_WORDS = {
    "enrollment": "when you enroll", "upfront-per-kw": "per kW, once", "upfront-per-kwh": "per kWh of storage, once", "per-year": "per year", "per-month": "per month", "per-event": "per event",
    "per-kwh": "per kWh", "per-kw-season": "per kW per season", "per-kw-year": "per kW per year",
}


def describe(t: Incentive) -> str:
    """Plain-language sentence for one term, e.g. '$5.00 per month, per device'."""
    amount = "An amount not published" if t.amount is None else _money(t.amount, t.amount_max or t.amount, t.currency)
    parts = [f"{amount} {_TYPE_WORDS[t.type]}", f"per {t.per}"]
    if t.cap is not None:
        parts.append(f"up to {_money(t.cap, t.cap, t.currency)} a year")
    if t.months:
        parts.append("paid in months " + ", ".join(str(m) for m in t.months))
    return ", ".join(parts)


def incentive_json(t: Incentive) -> dict[str, Any]:
    return {**t.model_dump(mode="json", exclude_none=True), "summary": describe(t)}
