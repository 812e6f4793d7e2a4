"""Programs for a product: per-market support with enrollment status, conditions, incentives and evidence."""

from __future__ import annotations

from typing import Any

from .catalog.index import Catalog
from .eligibility import Verdict, verdict
from .facts import DeviceFacts
from .judge import judge
from .lookup import find_device, find_in_memory
from .markets import Market
from .recipes.program import Program
from .scope import Place, place, standing


def market_keys(cat: Catalog, program: Program) -> list[str]:
    """The markets a program serves: its utilities, and regions it serves statewide."""
    return sorted(program.markets.utilities) + sorted(program.markets.regions)


def place_of_key(cat: Catalog, key: str) -> Place:
    """A market key of `market_keys` (a utility id or a region) as a place."""
    return place(cat, key, None) if key in cat.utilities else place(cat, None, key)


def verdict_json(v: Verdict) -> dict[str, Any]:
    return {"supported": v.supported, "basis": v.basis, "reason": v.reason, "unmet": v.unmet, "unknown": v.unknown,
            "evidence": [e.as_dict() for e in v.evidence]}


def program_summary(pid: str, p: Program) -> dict[str, Any]:
    return {"id": pid, "name": p.name, "operator": p.operator, "status": p.status,
            "enroll_url": p.urls.enroll or p.urls.info, "info_url": p.urls.info}


def _market_entry(cat: Catalog, pid: str, v: Verdict, device: DeviceFacts, key: str) -> dict[str, Any]:
    j = judge(cat, pid, v, device, device.category, place_of_key(cat, key))
    entry = j.as_dict()
    return {"supported": v.supported, "status": entry["status"], "program_status": j.program.status,
            "enrollment": entry["enrollment"], "enroll_url": entry["enroll_url"], "conditions": entry["conditions"],
            "incentives": entry["incentives"], "estimate": entry["estimate"],
            **({"estimate_if_confirmed": entry["estimate_if_confirmed"]} if "estimate_if_confirmed" in entry else {}),
            "evidence": entry["evidence"],
            "verified_on": j.program.verified_on.isoformat()}


def support(cat: Catalog, product_ref: str, program_ref: str, hub: str | None = None) -> dict[str, Any]:
    """(product, program) -> for every market the program serves: supported, enrollment, conditions,
    incentives paid there, evidence."""
    did = find_device(cat, product_ref)
    pid = find_in_memory(cat, "program", program_ref, "program")
    device, program = cat.facts(did), cat.programs[pid]
    assert device is not None
    v = verdict(program, device, hub)
    return {
        "product": did,
        "program": program_summary(pid, program),
        "verdict": verdict_json(v),
        "markets": {m: _market_entry(cat, pid, v, device, m) for m in market_keys(cat, program)},
        "catalog_version": cat.version,
    }


def programs_for(cat: Catalog, device: DeviceFacts, market: Market | None = None,
                 hub: str | None = None) -> list[dict[str, Any]]:
    """Programs whose claims or rules name this device, with verdicts. In a market: the programs there,
    each judged there (status, enrollment, conditions, incentives, estimate, evidence). Without one: every
    such program, listed briefly (verdict and where it is offered); what a program pays and its sources
    are per market, and a product can be named by hundreds of programs across the country."""
    out = []
    allowed = cat.programs_in_market(market.utility, market.region) if market else None
    where = place(cat, market.utility, market.region) if market else None
    briefs: dict[str, tuple[dict[str, Any], list[str]]] = cat.derived.setdefault("program_briefs", {})
    for pid in cat.candidates_of([device], among=allowed)[device.id]:
        program = cat.programs[pid]
        v = verdict(program, device, hub)
        if v.supported is False and v.basis != "requirements":
            continue
        if where is not None:
            entry = judge(cat, pid, v, device, device.category, where).as_dict(cat.utilities)
            entry["markets"] = market_keys(cat, program)
            out.append(entry)
            continue
        brief = briefs.get(pid)
        if brief is None:  # the same in every product's answer: made once per build
            brief = briefs[pid] = (program_summary(pid, program), market_keys(cat, program))
        enrollment = _enrollment_by_market(cat, program, brief[1])
        out.append({**brief[0], "supported": v.supported, "basis": v.basis, "reason": v.reason,
                    "unmet": v.unmet, "unknown": v.unknown, "markets": brief[1], "enrollment": enrollment,
                    **({} if any(s in ("open", "waitlist") for s in enrollment.values()) else {"enroll_url": None})})
    out.sort(key=lambda p: (p["supported"] is not True, p["supported"] is False, p["id"]))
    return out


def _enrollment_by_market(cat: Catalog, program: Program, keys: list[str]) -> dict[str, str]:
    """Market -> enrollment status ('open', 'closed'...), so a brief answer never shows a closed program as open."""
    return {k: standing(program, place_of_key(cat, k)).status for k in keys}
