"""One program for one device in one place: the judgement every answer that lists a program is made of.

It joins what the other modules decide -- whether the device qualifies (`eligibility.verdict`), whether
the program is offered here and takes new customers (`scope`), what the household must still confirm
(`kinds.conditions`), and what it pays here (`split_terms`) -- into one status:

- `qualifies`: the device is eligible, the program is open here, nothing left to confirm;
- `enrolled`: the household says it is in the program (counted even if it is closed to new customers);
- `conditional`: eligible and open, but a condition (installer, retail plan, solar...) is not confirmed;
- `maybe`: the device's eligibility is unknown or disputed;
- `closed` / `ended`: eligible, but the program takes no new customers here / no longer runs;
- `needs-utility`: the program is offered by some utilities in the home's region; which one serves it decides;
- `outside`: offered elsewhere in the region, not here;
- `nearly`: a requirement of the device (or a condition the household denied) is not met;
- `no`: not eligible.

Only `qualifies` and `enrolled` are added to a household's totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from .eligibility import Verdict
from .errors import InvalidInput, NotFound
from .incentives import Estimate, Sizing, applicable, estimate, incentive_json
from .kinds.conditions import CONDITIONS
from .recipes.program import Condition, Incentive, Program
from .scope import Place, Standing, applies, program_conditions, standing, term_conditions

COUNTED = ("qualifies", "enrolled")


@dataclass(frozen=True)
class Answers:
    """What a household has said about itself: conditions confirmed or denied (a condition kind for every
    program, or 'program-id:kind' for one), and the programs it is already enrolled in."""

    yes: frozenset[str] = frozenset()
    no: frozenset[str] = frozenset()
    enrolled: frozenset[str] = frozenset()

    def met(self, pid: str, kind: str) -> bool | None:
        for key in (f"{pid}:{kind}", kind):
            if key in self.no:
                return False
            if key in self.yes:
                return True
        return None


NO_ANSWERS = Answers()


def parse_answers(programs: Mapping[str, Any], conditions: Any = None, enrolled: Any = None,
                  field_name: str = "") -> Answers:
    """From a request: `conditions` {"solar": true, "tesla-virtual-power-plant:retail-plan": false} and
    `enrolled` [program ids]. Errors name the field."""
    pre = f"{field_name}." if field_name else ""
    yes: set[str] = set()
    no: set[str] = set()
    if conditions is not None and not isinstance(conditions, Mapping):
        raise InvalidInput(f"{pre}conditions", "must be an object of condition -> true/false")
    for raw, value in (conditions or {}).items():
        where = f"{pre}conditions.{raw}"
        pid, _, kind = str(raw).rpartition(":")
        if kind not in CONDITIONS:
            raise InvalidInput(where, f"unknown condition kind {kind!r}; use one of: {', '.join(CONDITIONS)}")
        if pid and pid not in programs:
            raise NotFound("program", pid, field=where)
        if not isinstance(value, bool):
            raise InvalidInput(where, "must be true (confirmed) or false (not met)")
        (yes if value else no).add(str(raw))
    if enrolled is not None and (isinstance(enrolled, (str, bytes)) or not isinstance(enrolled, Iterable)):
        raise InvalidInput(f"{pre}enrolled", "must be a list of program ids")
    ids: set[str] = set()
    for i, pid in enumerate(enrolled or ()):
        if not isinstance(pid, str):
            raise InvalidInput(f"{pre}enrolled[{i}]", "must be a program id")
        if pid not in programs:
            raise NotFound("program", pid, field=f"{pre}enrolled[{i}]")
        ids.add(pid)
    return Answers(frozenset(yes), frozenset(no), frozenset(ids))



@dataclass
class Judgement:
    """One program for one device here, with everything an answer shows about it."""

    program_id: str
    program: Program
    verdict: Verdict
    offered: bool | None  # the program is offered here (None: depends on the home's utility)
    standing: Standing
    conditions: list[tuple[Condition, bool | None]]  # each condition of joining and whether the household met it
    terms: list[Incentive]  # the terms counted: paid here, and any condition of their own met
    estimate: Estimate | None
    pending: list[tuple[Incentive, Condition]]  # terms paid here once the household confirms a condition of theirs
    enrolled: bool
    by_utility: list[tuple[str, Estimate | None]] = field(default_factory=list)  # for `needs-utility`
    sizing: Sizing | None = None
    category: str | None = None
    denied: bool = False  # every term paid here needs a condition the household said it does not meet

    @property
    def status(self) -> str:
        v = self.verdict
        if v.supported is False:
            return "nearly" if v.basis == "requirements" else "no"
        if self.offered is False:
            return "outside"
        if self.enrolled:
            return "ended" if self.standing.status == "ended" else "enrolled"
        if self.offered is None or self.standing.status == "depends":
            return "needs-utility"
        if self.standing.status in ("closed", "ended"):
            return self.standing.status
        if any(met is False for _, met in self.conditions) or self.denied:
            return "nearly"
        if any(met is None for _, met in self.conditions) or (self.pending and not self.terms):
            return "conditional"
        if v.supported is None or self.standing.status == "unknown":
            return "maybe"
        return "qualifies"

    def gating(self) -> list[tuple[Condition, bool | None]]:
        """The conditions that decide whether the program counts (see `gates`)."""
        return gates(self.conditions, self.terms, self.pending)

    @property
    def counted(self) -> bool:
        return self.status in COUNTED and self.verdict.supported is True

    def why_not(self) -> list[str]:
        """Why it is not counted, in plain words."""
        status = self.status
        if status == "nearly":
            return (self.verdict.unmet + self.verdict.unknown + [c.text for c, met in self.conditions if met is False]
                    + (["a condition of its payments is not met"] if self.denied else []))
        if status == "outside":
            return ["outside the program's territory"]
        if status == "needs-utility":
            return ["offered only by some utilities in this region: give your utility"]
        if status in ("closed", "ended"):
            return [self.standing.words()]
        if status == "conditional":
            return ["to confirm: " + c.text for c, met in self.gating() if met is None]
        if status == "maybe":
            return [self.verdict.reason]
        return []

    def as_dict(self, utilities: Mapping[str, Any] | None = None) -> dict[str, Any]:
        v, p = self.verdict, self.program
        out: dict[str, Any] = {
            "id": self.program_id, "name": p.name, "operator": p.operator, "status": self.status,
            "program_status": p.status, "enrollment": standing_json(self.standing),
            "enroll_url": (p.urls.enroll or p.urls.info) if self.standing.joinable or self.enrolled else None,
            "info_url": p.urls.info,
            "supported": v.supported, "basis": v.basis, "reason": v.reason, "unmet": v.unmet, "unknown": v.unknown,
            "conditions": [condition_json(c, met) for c, met in self.conditions]
                          + [condition_json(c, None, t) for t, c in self.pending],
            "counted": self.counted, "why_not": self.why_not(),
            "incentives": [incentive_json(t, p) for t in self.terms]
                          + [incentive_json(t, p) for i, (t, _) in enumerate(self.pending)
                             if all(t is not u for u, _ in self.pending[:i])],
            "estimate": self.estimate.as_dict() if self.estimate else None,
            "evidence": [e.as_dict() for e in v.evidence],
        }
        if self.pending:  # what it would pay once the conditions of its terms are confirmed
            extra = [t for i, (t, _) in enumerate(self.pending) if all(t is not u for u, _ in self.pending[:i])]
            more = estimate(p, self.terms + extra, self.sizing, self.category)
            out["estimate_if_confirmed"] = more.as_dict() if more else None
        if self.status == "outside":
            out["markets"] = p.markets.utilities + p.markets.regions
        if self.by_utility:
            out["by_utility"] = [{"utility": u, "name": utilities[u].name if utilities and u in utilities else u,
                                  "estimate": est.as_dict() if est else None} for u, est in self.by_utility]
        return out


def standing_json(s: Standing) -> dict[str, Any]:
    return {"status": s.status, "since": s.since.isoformat() if s.since else None, "words": s.words(),
            "note": s.note, "sources": [src.model_dump(mode="json") for src in s.sources]}


def condition_json(c: Condition, met: bool | None, term: Incentive | None = None) -> dict[str, Any]:
    """A condition as answers show it; `term`: the payment term it alone gates (counted once confirmed)."""
    return {"kind": c.kind, "text": c.text, "met": met, "question": CONDITIONS[c.kind].question,
            "term": term.type if term is not None else None}


def gates(conditions: list[tuple[Condition, bool | None]], terms: list[Incentive],
          pending: list[tuple[Incentive, Condition]]) -> list[tuple[Condition, bool | None]]:
    """The conditions that decide whether a program counts: those of joining it, and its terms' own when no
    term is paid without one (then confirming one of them is what makes it pay)."""
    return conditions + ([(c, None) for _, c in pending] if not terms else [])


def split_terms(program: Program, category: str | None, where: Place, pid: str,
                answers: Answers) -> tuple[list[Incentive], list[tuple[Incentive, Condition]], bool]:
    """The terms paid here for such a device: (counted -- every condition of their own met; pending -- a
    condition of theirs to confirm; denied -- some term was dropped for a condition not met, and none is left)."""
    counted, pending, dropped = [], [], False
    for t in applicable(program, category, where):
        mets = [(c, answers.met(pid, c.kind)) for c in term_conditions(t, where)]
        if any(m is False for _, m in mets):
            dropped = True
        elif any(m is None for _, m in mets):
            pending += [(t, c) for c, m in mets if m is None]
        else:
            counted.append(t)
    return counted, pending, dropped and not counted and not pending


@dataclass(frozen=True)
class Size:
    """A home's devices in one program taken together, for per-account terms paid per kW or kWh."""

    controllable_kw: float | None
    battery_kwh: float | None

    @classmethod
    def of(cls, devices: Iterable[Sizing | None]) -> "Size":
        found = [d for d in devices if d is not None]
        kw = [d.controllable_kw for d in found if d.controllable_kw]
        kwh = [d.battery_kwh for d in found if d.battery_kwh]
        return cls(sum(kw) if kw else None, sum(kwh) if kwh else None)


def account_estimate(program: Program, pid: str, where: Place, answers: Answers, categories: Iterable[str],
                     size: Sizing | None = None) -> Estimate | None:
    """Yearly value of the program's per-account terms here, counted once per home: only terms for a
    category among the home's devices in the program, whose own conditions are met, sized by those devices
    together (a per-kWh upfront payment for all the home's batteries)."""
    kinds = set(categories)
    terms = [t for t in split_terms(program, None, where, pid, answers)[0]
             if t.per == "account" and (not t.categories or kinds & set(t.categories))]
    category = next(iter(kinds)) if len(kinds) == 1 else None
    return estimate(program, terms, size, category, per="account")


def judge(cat: Any, pid: str, v: Verdict, device: Sizing, category: str, where: Place,
          answers: Answers = NO_ANSWERS) -> Judgement:
    """The judgement of program `pid` for a device (its verdict already made) in this place."""
    program = cat.programs[pid]
    offered = applies(program.markets, where)
    terms, pending, denied = split_terms(program, category, where, pid, answers)
    est = estimate(program, terms, device, category)
    conds = [(c, answers.met(pid, c.kind)) for c in program_conditions(program, where)]
    j = Judgement(pid, program, v, offered, standing(program, where), conds, terms, est, pending,
                  pid in answers.enrolled, sizing=device, category=category, denied=denied)
    if j.status == "needs-utility" and where.region:
        for u in program.markets.utilities:
            if where.region in where.regions_of(u):
                there = Place(u, where.region, where.regions_of)
                j.by_utility.append((u, estimate(program, split_terms(program, category, there, pid, answers)[0],
                                                 device, category)))
    return j
