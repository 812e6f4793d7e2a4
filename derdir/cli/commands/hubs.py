"""`derdir hubs`: list the smart-home hubs the catalog knows, with their ids (for `compat`, `check --hub`)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from rich.table import Table

from ...search import list_hubs
from ..app import app
from ..common import BuildOption, CatalogOption, JsonOption, console, print_json, query


@app.command()
def hubs(
    catalog: Optional[Path] = CatalogOption,
    build_dir: Optional[Path] = BuildOption,
    as_json: bool = JsonOption,
) -> None:
    """List hubs: id, maker, product, ecosystem and roles.

    Example: derdir hubs && derdir compat tp-link-kasa-kp125m hubitat
    """
    data = query(catalog, build_dir, list_hubs)
    if as_json:
        print_json(data)
        return
    table = Table("id", "maker", "product", "ecosystem", "roles", title=f"{len(data)} hubs")
    for h in data:
        roles = ", ".join(k.replace("_", " ") for k, v in h["roles"].items() if v is True)
        table.add_row(h["id"], h["manufacturer"], h["product_name"], h["ecosystem"] or "-", roles or "-")
    console.print(table)
    console.print("A hub works with a device? derdir compat <product> <hub>  (a unique part of a hub's name will do)",
                  highlight=False)
