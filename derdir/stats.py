"""Coverage figures for maintainers: how much the catalog holds, how well it is sourced, how fresh."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from .audit.catalog_rules import STALE_AFTER
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
