"""`derdir market LOCATION`: which utility serves a ZIP code, a utility name as a bill writes it, an EIA id or a state."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from ...markets import market_answer
from ..app import app
from ..common import BuildOption, CatalogOption, JsonOption, console, print_json, query


@app.command()
def market(
    location: str = typer.Argument(..., help="ZIP code, Canadian postal code, utility (id, name or EIA id) or state."),
    catalog: Optional[Path] = CatalogOption,
    build_dir: Optional[Path] = BuildOption,
    as_json: bool = JsonOption,
) -> None:
    """The utility (or ranked candidates) and region of a location, and the programs known there.

    Example: derdir market 95814 --json
    """
    data = query(catalog, build_dir, market_answer, location)
    if as_json:
        print_json(data)
        return
    where = data["utility"] or "(not decided: see the candidates)"
    console.print(f"utility: [bold]{where}[/bold]   region: {data['region'] or '-'}   resolved by: {data['resolved_by']}",
                  highlight=False)
    if data["distribution_utilities"]:
        console.print(f"over the wires of: {', '.join(data['distribution_utilities'])}", highlight=False)
    if data["utility_candidates"]:
        table = Table("id", "name", "share", "how it was found", title="utility candidates, best first")
        for c in data["utility_candidates"][:30]:
            table.add_row(c["id"], c["name"], "-" if c["share"] is None else f"{c['share']:.0%}", c["basis"])
        console.print(table)
        if len(data["utility_candidates"]) > 30:
            console.print(f"... and {len(data['utility_candidates']) - 30} more (--json lists them all)")
    console.print(f"programs: {', '.join(data['programs']) or 'none known'}", highlight=False)
    if data.get("note"):
        console.print(data["note"], highlight=False)
