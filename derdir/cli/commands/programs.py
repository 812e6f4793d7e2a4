"""`derdir programs`: list programs, optionally in one market."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Column, Table

from ...search import list_programs
from ..app import app
from ..common import BuildOption, CatalogOption, JsonOption, console, print_json, query


@app.command()
def programs(
    market: Optional[str] = typer.Option(None, "--market", "-m", help="Utility, state or ZIP code."),
    status: Optional[str] = typer.Option(None, "--status", help="active, paused, ended or unknown."),
    catalog: Optional[Path] = CatalogOption,
    build_dir: Optional[Path] = BuildOption,
    as_json: bool = JsonOption,
) -> None:
    """List programs.

    Example: derdir programs --market "Pacific Gas & Electric Co"
    """
    data = query(catalog, build_dir, list_programs, market, status)
    if as_json:
        print_json(data)
        return
    if not data:
        console.print("No programs" + (f" in {market} in the catalog yet" if market else " match")
                      + (f" with status {status}" if status else "") + ". Contribute one: derdir new program", highlight=False)
        return
    table = Table(Column("id", overflow="fold"), Column("name", overflow="fold"), Column("operator", overflow="fold"),
                  Column("markets", overflow="fold"), Column("devices", overflow="fold"), Column("pays", overflow="fold"),
                  Column("status", overflow="fold"), title=f"{len(data)} programs")
    for p in data:
        where = p["utilities"] + p["regions"]
        table.add_row(p["id"], p["name"], p["operator"], ", ".join(where) if len(where) <= 6 else f"{len(where)} markets",
                      ", ".join(p["categories"]) or "listed devices", "; ".join(p["incentives"]) or "-",
                      p["enrollment"]["words"] if p.get("enrollment") else p["status"])
    console.print(table)
