"""Coverage figures for maintainers: how much the catalog holds, how well it is sourced, how fresh."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from .audit.catalog_rules import STALE_AFTER
from .audit.source_rules import STALE_FACT_AFTER, weak_facts
from .provenance import recipe_sources
from .recipes.common import US_STATES
from .scope import Place, applies, standing
from .catalog import territories as terr
from .catalog.source import CatalogFiles
from .security import COVERAGE_CATEGORIES, coverage



def catalog_stats(files: CatalogFiles, today: date | None = None) -> dict[str, Any]:
    """Counts, sourcing and staleness of a loaded catalog (see `derdir stats`)."""
    today = today or date.today()
    rec = files.recipes
    utilities = {uid: r.model for uid, r in rec["utility"].items()}
    programs = [r.model for r in rec["program"].values()]
    active = [p for p in programs if p.status == "active"]
    def served(group: list[Any]) -> set[str]:
        out: set[str] = set()
        for p in group:
            out |= set(p.markets.regions)
            out |= {r for u in p.markets.utilities if u in utilities for r in utilities[u].regions}
        return out

    regions = served(active)
    paying = served([p for p in active if p.incentives])
    devices = [r.model for r in rec["device"].values()]
    with_amounts = [p for p in active if any(i.amount is not None for i in p.incentives)]
    stale = {kind: sorted(rid for rid, r in by_id.items() if today - r.model.verified_on > STALE_AFTER)
             for kind, by_id in rec.items()}
    return {
        "devices": len(devices),
        "hubs": len(rec["hub"]),
        "programs": len(programs),
        "active_programs": len(active),
        "utilities": len(utilities),
        "regions": len(regions),
        "region_list": sorted(regions),
        "regions_with_incentives": len(paying),
        "programs_with_sources": sum(1 for p in programs if p.sources),
        "programs_with_amounts": len(with_amounts),
        "programs_with_amounts_pct": round(100 * len(with_amounts) / len(active), 1) if active else 0.0,
        "programs_with_event_rules": sum(1 for p in active if p.events),
        "devices_with_sources": sum(1 for d in devices if d.sources),
        "devices_imported": sum(1 for d in devices if d.imported),
        "devices_with_hub_identifiers": sum(1 for d in devices if d.identifiers.model_strings or d.identifiers.zigbee
                                            or d.identifiers.zwave or d.identifiers.matter),
        "devices_by_category": dict(sorted(Counter(d.category for d in devices).items())),
        **utility_coverage(files, utilities),
        "security_coverage": security_coverage(files),
        "stale_after_days": STALE_AFTER.days,
        "stale": {kind: len(ids) for kind, ids in stale.items()},
        "stale_ids": stale,
        **source_figures(files, today),
        **program_geography(files),
        **rebate_figures(files, utilities, today),
    }


def rebate_figures(files: CatalogFiles, utilities: dict[str, Any], today: date) -> dict[str, Any]:
    """Purchase rebates: recipes, terms current today (not past their end date), and current terms by state
    (the rebate's regions, or its utilities' regions) and by device category."""
    by_state: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    terms = current = 0
    rebates = files.recipes.get("rebate", {})
    for r in rebates.values():
        m = r.model
        states = set(m.markets.regions) | {g for u in m.markets.utilities if u in utilities for g in utilities[u].regions}
        for t in m.terms:
            terms += 1
            if t.ends_on is not None and t.ends_on < today:
                continue
            current += 1
            by_state.update(states)
            by_category.update(t.categories)
    return {"rebates": len(rebates), "rebate_terms": terms, "rebate_terms_current": current,
            "rebate_terms_by_state": dict(sorted(by_state.items())),
            "rebate_terms_by_category": dict(sorted(by_category.items()))}


def source_figures(files: CatalogFiles, today: date) -> dict[str, Any]:
    """Sources per kind (programs; and hubs and hand-written devices), money resting only on secondary sources,
    and enrollment statuses and amounts whose newest source is older than 180 days (`derdir.provenance`)."""
    rec = files.recipes
    def kinds(models: list[Any]) -> dict[str, int]:
        c = Counter((s.kind or "unrecorded") for m in models for _, s in recipe_sources(m))
        return dict(sorted(c.items()))
    programs = [r.model for r in rec["program"].values()]
    found: dict[str, list[str]] = {"secondary-money": [], "stale-fact": []}
    for pid, r in sorted(rec["program"].items()):
        for rule, path, _ in weak_facts(r.model, today):
            found[rule].append(f"{pid}:{path[0]}[{path[1]}]")
    secondary, stale = found["secondary-money"], found["stale-fact"]
    hand = [r.model for r in rec["hub"].values()] + [r.model for r in rec["device"].values() if not r.model.imported]
    return {
        "source_kinds": kinds(programs),
        "source_kinds_hubs_and_hand_written_devices": kinds(hand),
        "amounts": sum(1 for p in programs for t in p.incentives if t.amount is not None),
        "amounts_with_own_sources": sum(1 for p in programs for t in p.incentives if t.amount is not None and t.sources),
        "amounts_without_source": sum(1 for p in programs for t in p.incentives
                                      if t.amount is not None and not (t.sources or p.sources)),
        "secondary_money_claims": len(secondary),
        "secondary_money_claim_ids": secondary,
        "stale_fact_after_days": STALE_FACT_AFTER.days,
        "stale_facts": len(stale),
        "stale_fact_ids": stale,
    }


def paying_regions(program: Any, regions_of: dict[str, list[str]]) -> set[str]:
    """Regions where an active program pays (a term with or without a published amount applies there) and
    takes new customers (its enrollment status there is open or waitlist) for some home."""
    if program.status != "active" or not program.incentives:
        return set()
    out: set[str] = set()
    places = [Place(None, r) for r in program.markets.regions]
    places += [Place(u, r) for u in program.markets.utilities for r in regions_of.get(u, ())]
    for where in places:
        if where.region in out:
            continue
        if any(applies(t, where) is True for t in program.incentives) and standing(program, where).joinable:
            out.add(where.region)  # type: ignore[arg-type]
    return out


def program_geography(files: CatalogFiles) -> dict[str, Any]:
    """Programs per country and per state/province, and the US states (and DC) with an active program that pays
    and takes new customers."""
    rec = files.recipes
    regions_of = {uid: list(r.model.regions) for uid, r in rec["utility"].items()}
    by_region: Counter[str] = Counter()
    by_country: Counter[str] = Counter()
    paying: set[str] = set()
    for r in rec["program"].values():
        p = r.model
        regions = set(p.markets.regions) | {g for u in p.markets.utilities for g in regions_of.get(u, ())}
        by_region.update(regions)
        by_country.update({g.split("-")[0] for g in regions})
        paying |= paying_regions(p, regions_of)
    states = [f"US-{s}" for s in US_STATES[:51]]  # the 50 states and DC (territories aside)
    with_paying = sorted(s for s in states if s in paying)
    return {
        "programs_by_country": dict(sorted(by_country.items())),
        "programs_by_region": dict(sorted(by_region.items())),
        "us_states_with_active_paying_program": len(with_paying),
        "us_states_with_active_paying_program_list": with_paying,
        "us_states_without_active_paying_program": sorted(set(states) - paying),
        "provinces_with_active_paying_program": sorted(g for g in paying if g.startswith("CA-")),
    }


def utility_coverage(files: CatalogFiles, utilities: dict[str, Any]) -> dict[str, Any]:
    """Utilities with EIA ids and territories, and the US ZIP codes of the territory table that resolve to
    at least one utility recipe (and to exactly one clear utility)."""
    try:
        table = terr.load(files.root)
    except (OSError, ValueError):
        table = terr.Territories()
    owner = {t: uid for uid, u in utilities.items() for t in u.territories}
    zips: dict[str, list[bool]] = {}
    for z, t, pred, _why in table.applied():
        if t in owner:
            zips.setdefault(z, []).append(pred)
    return {
        "utilities_with_eia_id": sum(1 for u in utilities.values() if u.eia_id),
        "utilities_with_territories": sum(1 for u in utilities.values() if u.territories),
        "zips_in_territory_data": len({z for z, *_ in table.rows}),
        "zips_covered": len(zips),
        "zips_with_one_clear_utility": sum(1 for preds in zips.values() if preds.count(True) == 1 or len(preds) == 1),
        "territory_corrections": len(table.corrections.not_electric) + len(table.corrections.prefer),
    }


def security_coverage(files: CatalogFiles) -> dict[str, Any]:
    """Per category of the issue-19 target (and hubs): the share of products with local-control, cloud-requirement
    and update-policy facts, own, inherited from the maker or derived from the protocol (`without_derived` counts
    those whose local and cloud facts are stated or inherited)."""
    rec = files.recipes
    makers = {mid: r.model for mid, r in rec["manufacturer"].items() if r.model is not None}
    products = [(r.model, r.model.category) for r in rec["device"].values()
                if r.model is not None and r.model.category in COVERAGE_CATEGORIES]
    products += [(r.model, None) for r in rec["hub"].values() if r.model is not None]
    return coverage(products, makers)
