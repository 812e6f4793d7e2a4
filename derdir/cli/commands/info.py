"""`derdir info`: everything about a product and the programs that support it."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Column, Table

from ...plain import product_title
from ...product import product
from ..app import app
from ..common import BuildOption, CatalogOption, JsonOption, console, print_json, query


def _yes(v: object) -> str:
    return {True: "yes", False: "no", None: "unknown"}.get(v, str(v))  # type: ignore[arg-type]


@app.command()
def info(
    ref: str = typer.Argument(..., help="Product id, former id, or a name/model such as 'Kasa KP125M'."),
    market: Optional[str] = typer.Option(None, "--market", "-m", help="Utility, state or ZIP code."),
    hub: Optional[str] = typer.Option(None, "--hub", help="Hub the device is connected through."),
    catalog: Optional[Path] = CatalogOption,
    build_dir: Optional[Path] = BuildOption,
    as_json: bool = JsonOption,
) -> None:
    """Show a product and the programs that support it.

    Example: derdir info "Kasa KP125M" --market pge
    """
    data = query(catalog, build_dir, product, ref, market, hub)
    if as_json:
        print_json(data)
        return
    p = data["product"]
    console.print(f"[bold]{product_title(p['manufacturer'], p.get('brand'), p['product_name'])}[/bold]  ({data['id']})",
                  highlight=False)
    console.print(f"{p['category']} · models {', '.join(p['model_numbers'])} · energy monitoring "
                  f"{_yes(p.get('power', {}).get('energy_monitoring'))}", highlight=False)
    table = Table(Column("program", overflow="fold"), "supported", Column("status", overflow="fold"),
                  Column("why", overflow="fold"), Column("incentives", overflow="fold"),
                  title="Programs" + (f" in {market}" if market else ""))
    for prog in data["programs"]:
        table.add_row(prog["id"], _yes(prog["supported"]), _status(prog), prog["reason"],
                      "; ".join(i["summary"] for i in prog.get("incentives", [])) or "-")
    console.print(table)
    if data.get("security"):
        console.print("Security:\n  " + "\n  ".join(data["security"]["plain"]), highlight=False)


def _status(prog: dict) -> str:
    """In a market: the judgement ('closed to new customers since April 2024', 'conditional: ...'); without
    one: where the program is closed or ended."""
    if "why_not" in prog:
        return prog["status"] + ("" if prog["status"] in ("qualifies", "enrolled") else ": " + "; ".join(prog["why_not"]))
    shut = {m: s for m, s in prog.get("enrollment", {}).items() if s not in ("open", "waitlist", "unknown")}
    if not shut:
        return "open"
    if len(shut) == len(prog.get("enrollment", {})):
        return " / ".join(sorted(set(shut.values())))
    return "; ".join(f"{s} in {m}" for m, s in sorted(shut.items()))
