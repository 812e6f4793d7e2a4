"""Programs for a product: per-market support with incentives and evidence."""

from __future__ import annotations

from typing import Any

from .catalog.index import Catalog
from .eligibility import Verdict, verdict
from .incentives import incentive_json, offer
from .lookup import find_device, find_in_memory
from .markets import Market
from .facts import DeviceFacts
from .recipes.program import Program


def market_keys(cat: Catalog, program: Program) -> list[str]:
    """The markets a program serves: its utilities, and regions it serves statewide."""
    return sorted(program.markets.utilities) + sorted(program.markets.regions)


def verdict_json(v: Verdict) -> dict[str, Any]:
    return {"supported": v.supported, "basis": v.basis, "reason": v.reason, "unmet": v.unmet, "unknown": v.unknown,
            "evidence": [e.as_dict() for e in v.evidence]}


def program_summary(pid: str, p: Program) -> dict[str, Any]:
    return {"id": pid, "name": p.name, "operator": p.operator, "status": p.status,
            "enroll_url": p.urls.enroll or p.urls.info, "info_url": p.urls.info}


def _priced(program: Program, v: Verdict, device: DeviceFacts, utility: str | None) -> dict[str, Any]:
    """The program's terms for this device in this market, what they would earn, and the evidence."""
    terms, est = offer(program, device.category, utility, device)
    return {"incentives": [incentive_json(t) for t in terms], "estimate": est.as_dict() if est else None,
            "evidence": [e.as_dict() for e in v.evidence]}


def _market_entry(program: Program, v: Verdict, device: DeviceFacts, market: str) -> dict[str, Any]:
    active = program.status == "active"
    return {
        "supported": False if not active and v.supported else v.supported,
        "program_status": program.status,
        **_priced(program, v, device, None if market in program.markets.regions else market),
        "verified_on": program.verified_on.isoformat(),
    }


def support(cat: Catalog, product_ref: str, program_ref: str, hub: str | None = None) -> dict[str, Any]:
    """(product, program) -> for every market the program serves: supported, incentives, evidence."""
    did = find_device(cat, product_ref)
    pid = find_in_memory(cat, "program", program_ref, "program")
    device, program = cat.facts(did), cat.programs[pid]
    assert device is not None
    v = verdict(program, device, hub)
    return {
        "product": did,
        "program": program_summary(pid, program),
        "verdict": verdict_json(v),
        "markets": {m: _market_entry(program, v, device, m) for m in market_keys(cat, program)},
        "catalog_version": cat.version,
    }


def programs_for(cat: Catalog, device: DeviceFacts, market: Market | None = None,
                 hub: str | None = None) -> list[dict[str, Any]]:
    """Programs whose claims or rules name this device, with verdicts. In a market: the programs there,
    each with its incentives, earnings estimate and evidence. Without one: every such program, listed
    briefly (verdict and where it is offered); what a program pays and its sources are per market, and
    a product can be named by hundreds of programs across the country."""
    out = []
    allowed = cat.programs_in_market(market.utility, market.region) if market else None
    briefs: dict[str, tuple[dict[str, Any], list[str]]] = cat.derived.setdefault("program_briefs", {})
    for pid in cat.candidates_of([device], among=allowed)[device.id]:
        program = cat.programs[pid]
        v = verdict(program, device, hub)
        if v.supported is False and v.basis != "requirements":
            continue
        brief = briefs.get(pid)
        if brief is None:  # the same in every product's answer: made once per build
            brief = briefs[pid] = (program_summary(pid, program), market_keys(cat, program))
        entry = {**brief[0], "supported": v.supported, "basis": v.basis, "reason": v.reason,
                 "unmet": v.unmet, "unknown": v.unknown, "markets": brief[1]}
        if market is not None:
            entry.update(_priced(program, v, device, market.utility))
        out.append(entry)
    out.sort(key=lambda p: (p["supported"] is not True, p["supported"] is False, p["id"]))
    return out
