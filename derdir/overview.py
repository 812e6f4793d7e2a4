"""Catalog-wide figures for browsing: counts, and the states/provinces the catalog serves."""

from __future__ import annotations

from typing import Any

from .catalog.index import Catalog
from .markets import _PROVINCE_NAMES, _STATE_NAMES

_NAMES = {**{f"US-{c}": n for n, c in _STATE_NAMES.items()}, **{f"CA-{c}": n for n, c in _PROVINCE_NAMES.items()}}
_SMALL = {"of", "and"}


def region_name(code: str) -> str:
    """'US-CA' -> 'California'; an unnamed code is returned as it is."""
    name = _NAMES.get(code)
    if not name:
        return code
    return " ".join(w if w in _SMALL else w.capitalize() for w in name.split())


def regions(cat: Catalog) -> list[dict[str, Any]]:
    """Every region a utility or a statewide program serves, with its program and utility counts."""
    codes = {r for u in cat.utilities.values() for r in u.regions} | set(cat.programs_by_region)
    return [{"code": c, "name": region_name(c), "programs": len(cat.programs_in_market(None, c)),
             "utilities": sum(1 for u in cat.utilities.values() if c in u.regions)} for c in sorted(codes)]


def counts(cat: Catalog) -> dict[str, int]:
    """How many products, programs, utilities, hubs and regions the catalog holds."""
    return {"products": cat.count("device"), "programs": len(cat.programs), "utilities": len(cat.utilities),
            "hubs": len(cat.hubs), "regions": len(regions(cat))}
