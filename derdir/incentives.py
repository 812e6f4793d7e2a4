"""Earnings from structured incentive terms: low / typical / high, with the assumptions used.

A term is counted only where it is paid (`scope.applies`: its utilities and regions) and for the
categories it names. How each kind of term is estimated is its entry in `kinds.incentives`. Nothing
here invents an amount: a term whose amount no source states makes the estimate partial (or null)
and says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Protocol

from .kinds.incentives import INCENTIVES, Basis, Triple, event_hours
from .plain import month_range
from .provenance import confidence
from .recipes.program import Incentive, Program
from .scope import Place, applies

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


def applicable(program: Program, category: str | None, where: Place) -> list[Incentive]:
    """Terms paid for this kind of device in this place (a term scoped to other utilities or regions is not;
    one that depends on which utility serves the home is not either: see `scope.applies`)."""
    return [t for t in program.incentives
            if not (category and t.categories and category not in t.categories) and applies(t, where) is True]


def size_reads(program: Program, category: str, places: Iterable[Place]) -> tuple[bool, bool]:
    """Does what the program pays for a device of this category (in any of these places) depend on its kW,
    on its kWh? Callers remember estimates per size only where it does."""
    kinds = [INCENTIVES[t.type] for w in places for t in applicable(program, category, w) if t.per == "device"]
    return any(k.by_kw for k in kinds), any(k.by_kwh for k in kinds)


class Sizing(Protocol):
    """What earnings depend on besides the category (a `DeviceFacts` is one)."""

    @property
    def controllable_kw(self) -> float | None: ...

    @property
    def battery_kwh(self) -> float | None: ...


def device_kw(device: Sizing | None, category: str | None) -> tuple[Triple | None, str]:
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
    kw, kw_why = device_kw(device, category)
    hours = event_hours(program.events)
    kwh = device.battery_kwh if device is not None else None
    if kw and kwh and hours and kwh / hours < kw[2]:  # storage cannot hold more than its kWh for a whole event
        top = kwh / hours
        kw = (min(kw[0], top), min(kw[1], top), top)
        kw_why += f", at most {top:.3g} kW for a {hours:g} h event from its {kwh:g} kWh"
    basis = Basis(program.events, kw, kw_why, device.battery_kwh if device is not None else None,
                  lambda lo, hi: money(lo, hi, currency))
    lo = ty = hi = first = 0.0
    est = Estimate(currency, None, None, None)
    known = 0
    for t in terms:
        kind = INCENTIVES[t.type]
        if t.currency != currency:
            est.unknown.append(f"{t.type} term in {t.currency} not added to {currency} total")
            continue
        if t.amount is None:
            est.unknown.append(f"{t.type}: amount not published")
            continue
        mult, why = kind.multiplier(t, basis)
        if mult is None:
            est.unknown.append(f"{t.type}: no {kind.missing} to multiply by")
            continue
        if why:
            est.assumptions.append(why)
        known += 1
        a_lo = t.amount
        a_hi = t.amount_max if t.amount_max is not None else t.amount
        v_lo, v_ty, v_hi = a_lo * mult[0], (a_lo + a_hi) / 2 * mult[1], a_hi * mult[2]
        if t.cap is not None:
            v_lo, v_ty, v_hi = min(v_lo, t.cap), min(v_ty, t.cap), min(v_hi, t.cap)
            est.assumptions.append(f"{t.type} capped at {money(t.cap, t.cap, currency)}{'' if kind.one_time else ' a year'}")
        if kind.one_time:
            first += v_ty
        lo, ty, hi = lo + v_lo, ty + v_ty, hi + v_hi
    if known:
        est.low, est.typical, est.high = lo, ty, hi
    est.first_year_only = first
    return est


def money(lo: float, hi: float, currency: str) -> str:
    """'$5.00', '$225.00-$275.00', '$10.00 CAD'."""
    sym = "$" if currency in ("USD", "CAD") else ""
    suffix = "" if currency == "USD" else f" {currency}"
    return f"{sym}{lo:,.2f}{suffix}" if lo == hi else f"{sym}{lo:,.2f}-{sym}{hi:,.2f}{suffix}"


def describe(t: Incentive) -> str:
    """Plain-language sentence for one term, e.g. '$5.00 per month, per device, paid May–October'."""
    amount = "An amount not published" if t.amount is None else money(t.amount, t.amount_max or t.amount, t.currency)
    parts = [f"{amount} {INCENTIVES[t.type].words}", f"per {t.per}"]
    if t.cap is not None:
        parts.append(f"up to {money(t.cap, t.cap, t.currency)} a year")
    if t.months:
        parts.append("paid " + month_range(t.months))
    where = [*t.utilities, *t.regions]
    if where:
        parts.append("only for " + ", ".join(where))
    return ", ".join(parts)


def incentive_json(t: Incentive, program: Program | None = None) -> dict[str, Any]:
    """A term as answers show it: as published, in words, and how well sourced (its own sources, else the
    program's: `provenance.confidence`)."""
    return {**t.model_dump(mode="json", exclude_none=True), "summary": describe(t),
            "confidence": confidence(t.sources, program.sources if program else ())}
