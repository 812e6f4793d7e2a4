"""Coverage figures for maintainers: how much the catalog holds, how well it is sourced, how fresh."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from .audit.catalog_rules import STALE_AFTER
from .catalog.source import CatalogFiles



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
        "stale_after_days": STALE_AFTER.days,
        "stale": {kind: len(ids) for kind, ids in stale.items()},
        "stale_ids": stale,
    }
