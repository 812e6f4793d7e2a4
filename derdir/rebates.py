"""Purchase rebates for a device in a place: which apply, what they are worth, and which count.

A rebate term (`recipes.rebate.RebateTerm`) is judged for one device category (and the device's facts) in
one place on one day, into a status:

- `available`: offered here, running today, nothing left to confirm: counted in first-year totals when its
  value is known (a dollar amount, or dollars per kW/kWh of a device whose size is known);
- `conditional`: a condition is not confirmed yet (owner or renter, income, living in the operator's city,
  a requirement of the device such as ENERGY STAR that no recipe records): shown, never counted;
- `needs-utility`: offered by some utilities of the home's state only; which one serves it decides;
- `nearly`: the household denied a condition, or the device lacks a requirement;
- `upcoming` / `paused` / `expired`: not open today (an expired term is never current).

Terms that cannot be combined (`excludes`, from the source's exclusions) are not added together: the
totals take the combination worth the most (`exclusivity.best_combination`, as for programs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable

from .exclusivity import best_combination, clashes
from .incentives import Estimate, Sizing
from .judge import NO_ANSWERS, Answers, condition_json
from .kinds import requirements
from .recipes.program import Condition
from .recipes.rebate import Rebate, RebateAmount, RebateTerm
from .scope import Place, applies, term_conditions

COUNTED = "available"
_PER_UNIT = {"kilowatt": "controllable_kw", "kilowatt_hour": "battery_kwh"}
_OWNER = Condition(kind="owner", text="the applicant owns the home")
_RENTER = Condition(kind="owner", text="the applicant rents the home (a renter's offer)")


def _by_category(cat: Any) -> dict[str, list[tuple[str, RebateTerm]]]:
    found = cat.derived.get("rebates.by_category")
    if found is None:
        found = {}
        for rid, r in sorted(cat.rebates.items()):
            for t in r.terms:
                for c in t.categories:
                    found.setdefault(c, []).append((rid, t))
        cat.derived["rebates.by_category"] = found
    return found


def value(amount: RebateAmount, device: Sizing | None) -> tuple[float | None, float | None]:
    """(typical, high) in dollars: a dollar amount is itself; dollars per kW or kWh need the device's size;
    a share of the cost is unknown (the price is), up to its maximum."""
    if amount.type == "percent":
        return None, amount.maximum
    if amount.type == "dollar_amount":
        v: float | None = amount.number
    else:
        size = getattr(device, _PER_UNIT[amount.unit], None) if amount.unit in _PER_UNIT and device is not None else None
        v = None if size is None else amount.number * size
    if v is not None:
        v = max(v, amount.minimum or 0.0)
        v = min(v, amount.maximum) if amount.maximum is not None else v
    return v, (v if v is not None else amount.maximum)


@dataclass
class Offer:
    """One rebate term for one device in one place, as answers show it."""

    rebate_id: str
    rebate: Rebate
    term: RebateTerm
    status: str
    conditions: list[tuple[Condition, bool | None]]
    unmet: list[str]  # requirements of the device not met
    unknown: list[str]  # requirements no fact of the device answers
    typical: float | None
    high: float | None
    counted: bool = False
    not_counted_because: str | None = None

    def estimate(self) -> Estimate:
        """As a one-time payment beside program earnings (all of it in the first year)."""
        v = self.typical or 0.0
        return Estimate("USD", v, v, v, first_year_only=v, assumptions=["one-time purchase rebate"])

    def as_dict(self) -> dict[str, Any]:
        t, r = self.term, self.rebate
        a = t.amount
        return {
            "id": t.id, "rebate": self.rebate_id, "name": r.name, "operator": r.operator, "status": self.status,
            "description": t.description, "categories": t.categories, "payment_methods": t.payment_methods,
            "amount": a.model_dump(exclude_none=True),
            "value": {"currency": "USD", "typical": self.typical, "high": self.high},
            "owner_status": t.owner_status, "starts_on": _iso(t.starts_on), "ends_on": _iso(t.ends_on),
            "conditions": [condition_json(c, met) for c, met in self.conditions],
            "unmet": self.unmet, "unknown": self.unknown, "counted": self.counted,
            **({"not_counted_because": self.not_counted_because} if self.not_counted_because else {}),
            "excludes": t.excludes + t.excludes_programs,
            "info_url": t.url or r.urls.info,
            "sources": [s.model_dump(mode="json", exclude_none=True) for s in r.sources],
        }


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _conditions(rid: str, r: Rebate, t: RebateTerm, where: Place, answers: Answers) -> list[tuple[Condition, bool | None]]:
    """Each condition of the term here with the household's answer: owner or renter (the `owner` answer:
    a renter's offer is met by a household that says it does not own), the rebate's and the term's own."""
    out: list[tuple[Condition, bool | None]] = []
    owner = answers.met(rid, "owner")
    if "renter" not in t.owner_status:
        out.append((_OWNER, owner))
    elif "homeowner" not in t.owner_status:
        out.append((_RENTER, None if owner is None else not owner))
    for c in [*term_conditions(r, where), *term_conditions(t, where)]:
        out.append((c, answers.met(rid, c.kind)))
    return out


def judge_term(rid: str, r: Rebate, t: RebateTerm, device: Any, where: Place, today: date,
               answers: Answers = NO_ANSWERS, ceiling: bool = False) -> Offer | None:
    """The offer of one term for such a device here (None: not offered anywhere near the place).
    `ceiling`: the device's requirements taken as met (what a group of devices of one size could get)."""
    offered = applies(r.markets, where)
    if offered is False:
        return None
    conds = _conditions(rid, r, t, where, answers)
    unmet, unknown = ([], []) if ceiling else requirements.check(t.requires, device)
    typical, high = value(t.amount, device)
    if t.ends_on is not None and t.ends_on < today:
        status = "expired"
    elif t.starts_on is not None and t.starts_on > today:
        status = "upcoming"
    elif t.paused:
        status = "paused"
    elif offered is None:
        status = "needs-utility"
    elif unmet or any(met is False for _, met in conds):
        status = "nearly"
    elif unknown or any(met is None for _, met in conds):
        status = "conditional"
    else:
        status = COUNTED
    return Offer(rid, r, t, status, conds, unmet, unknown, typical, high)


def offers(cat: Any, device: Any, category: str, where: Place, today: date | None = None,
           answers: Answers = NO_ANSWERS, current: bool = True, ceiling: bool = False) -> list[Offer]:
    """The rebate terms for such a device here, best first; `current`: leave out expired ones. Those that
    count are marked (`counted`): available, of known value, and -- of terms that cannot be combined --
    the combination worth the most. `ceiling`: see `judge_term`."""
    today = today or date.today()
    found = [o for rid, t in _by_category(cat).get(category, ())
             if (o := judge_term(rid, cat.rebates[rid], t, device, where, today, answers, ceiling)) is not None
             and not (current and o.status == "expired")]
    worth = {o.term.id: o.typical for o in found if o.status == COUNTED and o.typical}
    best = best_combination(cat, worth, set())  # type: ignore[arg-type]
    for o in found:
        if o.term.id in best:
            o.counted = True
        elif o.term.id in worth:
            o.not_counted_because = "cannot be combined with " + ", ".join(clashes(cat, o.term.id, best)) + ", worth more"
    found.sort(key=lambda o: (not o.counted, o.status != COUNTED, -(o.typical or o.high or 0.0), o.term.id))
    return found


def reads(cat: Any, category: str) -> tuple[str, ...]:
    """The device facts the category's rebate terms depend on (their requirements, and the size a per-kW or
    per-kWh amount reads): offers are the same for devices alike in these."""
    key = f"rebates.reads.{category}"
    if key not in cat.derived:
        names = {n for _, t in _by_category(cat).get(category, ()) for n in requirements.reads(t.requires)}
        names |= {_PER_UNIT[t.amount.unit] for _, t in _by_category(cat).get(category, ()) if t.amount.unit in _PER_UNIT}
        cat.derived[key] = tuple(sorted(n for n in names if n != "hub"))
    return cat.derived[key]


def counted_total(found: Iterable[Offer]) -> float:
    """Dollars of the offers that count."""
    return sum(o.typical or 0.0 for o in found if o.counted)


def for_device(cat: Any, device: Any, where: Place, today: date | None = None, answers: Answers = NO_ANSWERS) -> dict[str, Any]:
    """A product answer's `rebates` part: the current offers here and what those that count add up to."""
    found = offers(cat, device, device.category, where, today, answers)
    return {"offers": [o.as_dict() for o in found], "counted_total": {"USD": round(counted_total(found), 2)}}


def stale(r: Rebate, today: date) -> list[int]:
    """Indexes of the terms past their end date (the audit warns: the recipe needs a look)."""
    return [i for i, t in enumerate(r.terms) if t.ends_on is not None and t.ends_on < today]
