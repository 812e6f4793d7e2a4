"""Does a device qualify for a program? Claims first, then rules, with the reasons.

A verdict is `True`, `False`, or `None` (unknown or disputed), never a guess. Unmet
requirements are kept so that callers can say what a device *nearly* qualifies for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from operator import attrgetter
from typing import Any, Callable, Literal

from .facts import DeviceFacts
from .kinds.requirements import check
from .provenance import backing, confidence
from .recipes.program import DeviceClaim, DeviceRule, Program, Requirements


@dataclass(frozen=True)
class Evidence:
    """One source behind an answer."""

    url: str
    title: str | None
    seen: str
    says: str | None = None
    supported: bool | None = None
    kind: str | None = None  # the source's kind (official, news...)
    confidence: str = "secondary"  # of the claim or rule it backs (`provenance.confidence`)

    def as_dict(self) -> dict[str, Any]:
        return {"url": self.url, "title": self.title, "seen": self.seen, "says": self.says, "supported": self.supported,
                "kind": self.kind, "confidence": self.confidence}


@dataclass
class Verdict:
    """An answer with its reasons. Evidence (source records) is built only when asked for."""

    supported: bool | None
    basis: Literal["claim", "rule", "excluded", "disputed", "not-listed", "requirements"]
    reason: str
    unmet: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    rule_index: int | None = None
    _evidence: Callable[[], list[Evidence]] | list[Evidence] = field(default_factory=list, repr=False)

    @property
    def evidence(self) -> list[Evidence]:
        if callable(self._evidence):
            self._evidence = self._evidence()
        return self._evidence


def rule_matches(rule: DeviceRule, device: DeviceFacts) -> bool:
    """Category, maker and model patterns all match (requirements are checked separately)."""
    if rule.category != device.category:
        return False
    if rule.manufacturers and rule.maker_keys.isdisjoint(device.makers):
        return False
    if rule.models:
        return any(p.match(m) for p in rule.model_patterns for m in device.models)
    return True


def check_requirements(req: Requirements, device: DeviceFacts, hub_id: str | None = None) -> tuple[list[str], list[str]]:
    """(unmet, unknown) requirement descriptions for this device (`kinds.requirements`)."""
    return check(req, device, hub_id)


def claim_evidence(claim: DeviceClaim, program: Program) -> list[Evidence]:
    sources, conf = backing(claim.sources, program.sources), confidence(claim.sources, program.sources)
    return [Evidence(s.url, s.title, s.seen.isoformat(), s.supports or claim.note, claim.supported, s.kind, conf)
            for s in sources]


def program_evidence(program: Program, rule: DeviceRule | None = None) -> list[Evidence]:
    own = rule.sources if rule else []
    sources, conf = backing(own, program.sources), confidence(own, program.sources)
    return [Evidence(s.url, s.title, s.seen.isoformat(), s.supports, None, s.kind, conf) for s in sources]


MEMO = 256  # rule verdicts remembered per program (devices share the few facts a program's rules read)


def verdict(program: Program, device: DeviceFacts, hub_id: str | None = None) -> Verdict:
    """Decide whether `device` is eligible for `program` (market aside)."""
    elig = program.eligibility
    if device.id in elig.excluded:
        return Verdict(False, "excluded", "the program excludes this device",
                       _evidence=lambda: program_evidence(program))
    # Rules see a device only through the few facts they read (its makers, its energy monitoring...),
    # which thousands of devices share: the verdict is computed once per distinct set of them. Rules
    # on model numbers read what is nearly unique to each device, and are not remembered.
    reads = elig.reads.get(device.category, ())
    if "models" in reads:
        by_rules = _by_rules(program, device, hub_id)
    else:
        key = (device.category, hub_id if "hub" in reads else None, _reader(reads)(device))
        packed = elig.verdicts.get(key)
        if packed is None:
            by_rules = _by_rules(program, device, hub_id)
            if len(elig.verdicts) >= MEMO:
                elig.verdicts.clear()
            elig.verdicts[key] = _packed(by_rules)
        else:
            by_rules = _unpacked(program, packed)
    if by_rules.basis == "excluded":
        return by_rules
    claims = elig.claims_by_device.get(device.id)
    if claims:
        evidence = lambda: [e for c in claims for e in claim_evidence(c, program)]  # noqa: E731
        values = {c.supported for c in claims}
        if len(values) > 1:
            return Verdict(None, "disputed", "sources disagree about this device; see evidence", _evidence=evidence)
        value = values.pop()
        return Verdict(value, "claim", "listed by the program" if value else "listed as not supported",
                       _evidence=evidence)
    return by_rules  # type: ignore[return-value]


@cache
def _reader(names: tuple[str, ...]) -> Callable[[DeviceFacts], Any]:
    """The device facts named (a `reads` entry), as one hashable value."""
    facts = [n for n in names if n != "hub"]  # the hub is not a device fact: `verdict` keys it apart
    if not facts:
        return lambda device: ()
    return attrgetter(*facts)


def _packed(v: Verdict) -> tuple:
    """A rules-only verdict as a tuple of strings and numbers. Memos hold hundreds of thousands of
    them in a long-running service: as Verdicts (with their lists and evidence closures) each would
    be five objects for every full garbage collection to walk -- 200 ms pauses, measured -- while a
    tuple of plain values is dropped from the collector's view."""
    return (v.supported, v.basis, v.reason, tuple(v.unmet), tuple(v.unknown), v.rule_index)


def _unpacked(program: Program, packed: tuple) -> Verdict:
    supported, basis, reason, unmet, unknown, i = packed
    rule = program.eligibility.rules[i] if i is not None else None
    return Verdict(supported, basis, reason, list(unmet), list(unknown), i,
                   lambda: program_evidence(program, rule))


def _by_rules(program: Program, device: DeviceFacts, hub_id: str | None) -> Verdict:
    """The verdict of the program's exclusion rules and rules alone (claims aside)."""
    elig = program.eligibility
    if elig.exclude_rules and any(rule_matches(r, device) for r in elig.exclude_rules):
        return Verdict(False, "excluded", "the program excludes this device",
                       _evidence=lambda: program_evidence(program))
    best: Verdict | None = None
    for i, rule in elig.rules_by_category.get(device.category, ()):
        if not rule_matches(rule, device):
            continue
        unmet, unknown = check_requirements(rule.requires, device, hub_id)
        why = rule.note or f"matches the program's {rule.category} rule"
        ev = (lambda r=rule: program_evidence(program, r))
        if not unmet and not unknown:
            return Verdict(True, "rule", why, rule_index=i, _evidence=ev)
        cand = Verdict(None if not unmet else False, "requirements", "; ".join(unmet + unknown), unmet, unknown, i, ev)
        if best is None or (best.supported is False and cand.supported is None):
            best = cand
    if best:
        return best
    return Verdict(False, "not-listed", "not among the devices this program lists",
                   _evidence=lambda: program_evidence(program))
