"""Everything about one product, and the programs that support it (in one market if given)."""

from __future__ import annotations

from typing import Any

from .catalog.index import Catalog
from .lookup import find_device
from .markets import resolve_location
from .security import effective, maker_index
from .support import programs_for


def product(cat: Catalog, ref: str, market: str | None = None, hub: str | None = None) -> dict[str, Any]:
    """Product details plus supporting programs; `market` is any location `resolve_location` takes."""
    did = find_device(cat, ref)
    device = cat.facts(did)
    assert device is not None
    where = resolve_location(cat, market) if market else None
    data = cat.entity_json("device", did)
    recipe = cat.device(did)
    assert recipe is not None
    index = cat.derived.get("security.maker_index")
    if index is None:
        index = cat.derived["security.maker_index"] = maker_index(cat.manufacturers)
    return {
        "id": did,
        "product": data,
        "market": where.as_dict() if where else None,
        "programs": programs_for(cat, device, where, hub),
        "security": effective(recipe, recipe.category, cat.manufacturers, index),
        "catalog_version": cat.version,
    }
