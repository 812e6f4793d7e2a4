"""One program for one device in one place: the judgement every answer that lists a program is made of.

It joins what the other modules decide -- whether the device qualifies (`eligibility.verdict`), whether
the program is offered here and takes new customers (`scope`), what the household must still confirm
(`kinds.conditions`), and what it pays here (`incentives.offer`) -- into one status:

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
from .incentives import Estimate, Sizing, incentive_json, offer
from .kinds.conditions import CONDITIONS
from .recipes.program import Condition, Incentive, Program
from .scope import Place, Standing, applies, standing
from .scope import conditions as conditions_here

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
    conditions: list[tuple[Condition, bool | None]]  # each condition and whether the household met it
    terms: list[Incentive]
    estimate: Estimate | None
    enrolled: bool
    by_utility: list[tuple[str, Estimate | None]] = field(default_factory=list)  # for `needs-utility`

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
        if any(met is False for _, met in self.conditions):
            return "nearly"
        if any(met is None for _, met in self.conditions):
            return "conditional"
        if v.supported is None or self.standing.status == "unknown":
            return "maybe"
        return "qualifies"

    @property
    def counted(self) -> bool:
        return self.status in COUNTED and self.verdict.supported is True

    def why_not(self) -> list[str]:
        """Why it is not counted, in plain words."""
        status = self.status
        if status == "nearly":
            return self.verdict.unmet + self.verdict.unknown + [c.text for c, met in self.conditions if met is False]
        if status == "outside":
            return ["outside the program's territory"]
        if status == "needs-utility":
            return ["offered only by some utilities in this region: give your utility"]
        if status in ("closed", "ended"):
            return [self.standing.words()]
        if status == "conditional":
            return ["to confirm: " + c.text for c, met in self.conditions if met is None]
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
            "conditions": [condition_json(c, met) for c, met in self.conditions],
            "counted": self.counted, "why_not": self.why_not(),
            "incentives": [incentive_json(t) for t in self.terms],
            "estimate": self.estimate.as_dict() if self.estimate else None,
            "evidence": [e.as_dict() for e in v.evidence],
        }
        if self.status == "outside":
            out["markets"] = p.markets.utilities + p.markets.regions
        if self.by_utility:
            out["by_utility"] = [{"utility": u, "name": utilities[u].name if utilities and u in utilities else u,
                                  "estimate": est.as_dict() if est else None} for u, est in self.by_utility]
        return out


def standing_json(s: Standing) -> dict[str, Any]:
    return {"status": s.status, "since": s.since.isoformat() if s.since else None, "words": s.words(),
            "note": s.note, "sources": [src.model_dump(mode="json") for src in s.sources]}


def condition_json(c: Condition, met: bool | None) -> dict[str, Any]:
    return {"kind": c.kind, "text": c.text, "met": met, "question": CONDITIONS[c.kind].question}


def judge(cat: Any, pid: str, v: Verdict, device: Sizing, category: str, where: Place,
          answers: Answers = NO_ANSWERS) -> Judgement:
    """The judgement of program `pid` for a device (its verdict already made) in this place."""
    program = cat.programs[pid]
    offered = applies(program.markets, where)
    terms, est = offer(program, category, where, device)
    conds = [(c, answers.met(pid, c.kind)) for c in conditions_here(program, terms, where)]
    j = Judgement(pid, program, v, offered, standing(program, where), conds, terms, est, pid in answers.enrolled)
    if j.status == "needs-utility" and where.region:
        for u in program.markets.utilities:
            if where.region in where.regions_of(u):
                j.by_utility.append((u, offer(program, category, Place(u, where.region, where.regions_of), device)[1]))
    return j
