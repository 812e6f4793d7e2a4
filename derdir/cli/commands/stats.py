"""`derdir stats`: a coverage report for maintainers."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from rich.table import Table

from ...catalog.source import read_catalog
from ...stats import catalog_stats
from ..app import app
from ..common import CatalogOption, JsonOption, catalog_root, console, print_json


@app.command()
def stats(catalog: Optional[Path] = CatalogOption, as_json: bool = JsonOption) -> None:
    """How much the catalog holds, how much is sourced and priced, and what is stale.

    Example: derdir stats --json
    """
    data = catalog_stats(read_catalog(catalog_root(catalog)))
    if as_json:
        print_json(data)
        return
    table = Table("figure", "value", title="Catalog coverage")
    for k, v in data.items():
        if k in ("region_list", "stale_ids", "secondary_money_claim_ids", "stale_fact_ids", "programs_by_region",
                 "us_states_with_active_paying_program_list"):
            continue
        text = (", ".join(f"{a}: {b}" for a, b in v.items()) if isinstance(v, dict)
                else ", ".join(map(str, v)) if isinstance(v, list) else str(v))
        table.add_row(k, text)
    console.print(table)
