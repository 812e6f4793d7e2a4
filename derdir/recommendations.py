"""Recommend additions: devices a home lacks that work with its hub and would earn in its market.

Candidates come best bound first (`candidates.walk`: what the programs naming a device would add to
this home if they all accepted it) and are checked (facts, hub, verdicts) until no device left can rank
above the last recommendation (`candidates.best_first`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from .candidates import Rank, best_first, walk
from .catalog.index import Catalog
from .compat import verdict as compat_verdict
from .eligibility import verdict
from .errors import InvalidInput
from .facts import DeviceFacts
from .household import evaluate
from .exclusivity import best_combination, clashes
from .incentives import Estimate, Sizing, estimate, size_reads
from .judge import Answers, account_estimate, condition_json, gates, parse_answers, split_terms
from .lookup import find_in_memory
from .markets import resolve_location
from . import rebates
from .recipes.program import Condition
from .scope import Place, applies, place, program_conditions, standing
from .support import program_summary


class _Earnings:
    """What the market's programs would add to this home for a kind of device, remembered per
    (program, category, size): thousands of candidates share each. A program with a condition the
    household has not confirmed adds nothing (it is shown, not counted)."""

    def __init__(self, cat: Catalog, where: Place, enrolled: set[str], answers: Answers, today: date | None = None):
        self.cat, self.where, self.enrolled, self.answers = cat, where, enrolled, answers
        self.today = today or date.today()
        self._rebates: dict[tuple, list[rebates.Offer]] = {}
        self._offers: dict[tuple, Estimate | None] = {}
        self._accounts: dict[tuple[str, str], Estimate | None] = {}
        self._reads: dict[tuple[str, str], tuple[bool, bool]] = {}
        self._open: dict[tuple[str, str], list[tuple[Condition, bool | None]]] = {}

    def unconfirmed(self, pid: str, category: str) -> list[tuple[Condition, bool | None]]:
        """The conditions the household has not confirmed that stand between it and the program's money here
        for such a device: joining the program's, and its terms' when no term is paid without one."""
        key = (pid, category)
        if key not in self._open:
            program = self.cat.programs[pid]
            terms, pending, denied = split_terms(program, category, self.where, pid, self.answers)
            joining = [(c, self.answers.met(pid, c.kind)) for c in program_conditions(program, self.where)]
            self._open[key] = [(c, met) for c, met in gates(joining, terms, pending) if met is not True] + (
                [(Condition(kind="other", text="a condition of its payments is not met"), False)] if denied else [])
        return self._open[key]

    def of(self, pid: str, category: str, size: Sizing) -> tuple[Estimate | None, list[Estimate]]:
        """The program's estimate for such a device, and the gains it adds to this home (with the
        program's per-account terms when the home is not enrolled yet)."""
        reads = self._reads.get((pid, category))
        if reads is None:
            reads = self._reads[(pid, category)] = size_reads(self.cat.programs[pid], category, [self.where])
        key = (pid, category, size.controllable_kw if reads[0] else None, size.battery_kwh if reads[1] else None)
        if key not in self._offers:
            program = self.cat.programs[pid]
            terms = split_terms(program, category, self.where, pid, self.answers)[0]
            self._offers[key] = estimate(program, terms, size, category)
        est = self._offers[key]
        gains = [est] if est and est.typical is not None and not self.unconfirmed(pid, category) else []
        if gains and pid not in self.enrolled:
            if (pid, category) not in self._accounts:
                self._accounts[(pid, category)] = account_estimate(self.cat.programs[pid], pid, self.where,
                                                                   self.answers, {category})
            acct = self._accounts[(pid, category)]
            if acct and acct.typical is not None:
                gains.append(acct)
        return est, gains

    def rebates(self, device: Any, category: str, ceiling: bool = False) -> list[rebates.Offer]:
        """The current rebate offers here for such a device, remembered per category and the facts they read
        (`ceiling`: the device's requirements taken as met, for a bound)."""
        key = (category, ceiling, tuple(getattr(device, n, None) for n in rebates.reads(self.cat, category)))
        if key not in self._rebates:
            self._rebates[key] = rebates.offers(self.cat, device, category, self.where, self.today, self.answers,
                                                ceiling=ceiling)
        return self._rebates[key]

    def bound(self, pids: tuple[str, ...], category: str, size: Sizing) -> Rank:
        """The rank such a device would have if every program naming it accepted it (and every rebate for
        its kind whose requirements it might meet)."""
        found = [o.estimate() for o in self.rebates(size, category, ceiling=True) if o.counted]
        return rank(*totals([g for pid in pids for g in self.of(pid, category, size)[1]] + found))


def totals(gains: list[Estimate]) -> tuple[dict[str, float], dict[str, float]]:
    """(recurring per year, recurring plus one-time payments in the first year), per currency."""
    added: dict[str, float] = {}
    first_year: dict[str, float] = {}
    for g in gains:
        added[g.currency] = added.get(g.currency, 0.0) + g.typical - g.first_year_only  # type: ignore[operator]
        first_year[g.currency] = first_year.get(g.currency, 0.0) + g.typical  # type: ignore[operator]
    return added, first_year


def rank(added: dict[str, float], first_year: dict[str, float]) -> Rank:
    return (max(added.values(), default=0.0), max(first_year.values(), default=0.0))


def joinable(cat: Catalog, where: Place, pids: Any = None) -> list[str]:
    """The programs a new customer here can join (offered here, open or with a waitlist), sorted."""
    found = cat.programs_in_market(where.utility, where.region) if pids is None else pids
    return sorted(p for p in found if applies(cat.programs[p].markets, where) is True
                  and standing(cat.programs[p], where).joinable)


def recommend(cat: Catalog, location: Any, hub: str | None = None, devices: list[Any] | None = None,
              limit: int = 10, conditions: Any = None, enrolled: Any = None, today: date | None = None) -> dict[str, Any]:
    """Devices the home lacks that work with its hub and would earn in its market, best first. Only
    programs a new customer can join here count; `conditions` and `enrolled` as for `household.evaluate`.
    Each shows its purchase rebates here (current on `today`) beside its program earnings: the first-year
    total adds the rebates that count (`rebates`), the yearly total is program earnings alone."""
    if not 1 <= limit <= 50:
        raise InvalidInput("limit", "must be between 1 and 50")
    market = resolve_location(cat, location)
    hub_id = find_in_memory(cat, "hub", hub, "hub") if hub else None
    answers = parse_answers(cat.programs, conditions, enrolled)
    have = evaluate(cat, location, devices or [], hub_id, conditions, enrolled) if devices else None
    owned = {d["match"]["id"] for d in (have["devices"] if have else []) if d.get("match") and d["match"].get("id")}
    joined = {p["id"] for p in (have["programs"] if have else []) if p.get("counted")} | set(answers.enrolled)
    where = place(cat, market.utility, market.region)
    pids = joinable(cat, where)
    answer: dict[str, Any] = {"market": market.as_dict(), "hub": hub_id, "recommendations": [], "catalog_version": cat.version}
    if market.utility is None:
        answer["needs_utility"] = "only programs offered to the whole region are counted: give your utility for the rest"
    if not pids:
        return answer
    earn = _Earnings(cat, where, joined, answers, today)

    def judge(device: DeviceFacts | None, named: tuple[str, ...]) -> tuple[Rank, tuple] | None:
        found = _check(cat, earn, device, named, hub_id, joined)
        return None if found is None else (found[0], found)

    scored = best_first(cat, walk(cat, pids, owned, earn.bound), limit, judge)
    # Most added yearly money first (then first-year money, with one-time payments); then more
    # programs; hand-curated recipes before bulk-imported ones.
    scored.sort(key=lambda t: (-t[0][0], -t[0][1], -t[1], t[2], t[3]))
    for _rank, _n, _imported, did, device, unlocks, added, first_year, fit, offers in scored[:limit]:
        why = f"qualifies for {len(unlocks)} program(s) in this market"
        if fit:
            why += f"; works with your hub: {fit}"
        rebate_total = rebates.counted_total(offers)
        answer["recommendations"].append({
            "id": did, "category": device.category, "manufacturer": device.manufacturer, "brand": device.brand,
            "product_name": device.product_name, "added_yearly": {c: round(v, 2) for c, v in added.items()},
            "added_first_year": {c: round(v, 2) for c, v in first_year.items()},
            "first_year_parts": {"programs": {c: round(v - (rebate_total if c == "USD" else 0.0), 2)
                                              for c, v in first_year.items()},
                                 "rebates": {"USD": round(rebate_total, 2)}},
            "programs": unlocks, "rebates": [o.as_dict() for o in offers], "why": why})
    return answer


def _check(cat: Catalog, earn: _Earnings, device: Any, named: tuple[str, ...], hub_id: str | None,
           enrolled: set[str]) -> tuple | None:
    """A candidate as it really is: works with the hub, and the programs that accept it with what they add."""
    if device is None:
        return None
    fit = None
    if hub_id:
        ok, why = compat_verdict(device, cat.hubs[hub_id])
        if ok is not True:
            return None
        fit = why
    unlocks, gains = [], {}
    for pid in named:
        program = cat.programs[pid]
        v = verdict(program, device, hub_id)
        if v.supported is not True:
            continue
        unconfirmed = earn.unconfirmed(pid, device.category)
        if any(met is False for _, met in unconfirmed):
            continue
        est, more = earn.of(pid, device.category, device)
        entry = {**program_summary(pid, program), "estimate": est.as_dict() if est else None,
                 "already_enrolled": pid in enrolled, "reason": v.reason, "counted": not unconfirmed,
                 "conditions": [condition_json(c, met) for c, met in unconfirmed]}
        if entry["counted"] and (clash := clashes(cat, pid, enrolled)):
            entry["counted"] = False
            entry["not_counted_because"] = f"cannot be combined with {', '.join(clash)}, which the home is in"
        if entry["counted"]:
            gains[pid] = more
        unlocks.append(entry)
    offers = earn.rebates(device, device.category)
    for o in offers:  # the rebates that count stand beside the programs: a rebate may exclude a program
        if o.counted:
            gains[o.term.id] = [o.estimate()]
    # of the programs (and rebates) that exclude one another, the combination that adds the most
    best = best_combination(cat, {pid: sum(g.typical or 0.0 for g in more) for pid, more in gains.items()}, set())
    for entry in unlocks:
        if entry["counted"] and entry["id"] not in best:
            entry["counted"] = False
            entry["not_counted_because"] = ("cannot be combined with " + ", ".join(clashes(cat, entry["id"], best))
                                            + ", which adds more")
    offers = [replace(o, counted=False, not_counted_because="cannot be combined with "
                      + ", ".join(clashes(cat, o.term.id, best)) + ", which adds more")
              if o.counted and o.term.id not in best else o for o in offers]
    if not any(u["counted"] for u in unlocks):
        return None
    added, first_year = totals([g for pid in best for g in gains[pid]])
    return (rank(added, first_year), len(unlocks), device.imported, device.id, device, unlocks, added, first_year, fit,
            offers)
