"""`derdir info`: everything about a product and the programs that support it; a hub, program or utility too."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Column, Table

from ...plain import product_title
from ...catalog.index import Catalog
from ...errors import OtherKind
from ...product import product
from ..app import app
from ..common import BuildOption, CatalogOption, JsonOption, console, handle_errors, open_cli_catalog, print_json


def _yes(v: object) -> str:
    return {True: "yes", False: "no", None: "unknown"}.get(v, str(v))  # type: ignore[arg-type]


@app.command()
def info(
    ref: str = typer.Argument(..., help="Product id, former id, or a name/model such as 'Kasa KP125M'; "
                                        "or a hub, program or utility id or name."),
    market: Optional[str] = typer.Option(None, "--market", "-m", help="Utility, state or ZIP code."),
    hub: Optional[str] = typer.Option(None, "--hub", help="Hub the device is connected through."),
    catalog: Optional[Path] = CatalogOption,
    build_dir: Optional[Path] = BuildOption,
    as_json: bool = JsonOption,
) -> None:
    """Show a product and the programs that support it (or a hub, a program, a utility).

    Example: derdir info "Kasa KP125M" --market pge; derdir info home-assistant-yellow
    """
    cat = open_cli_catalog(catalog, build_dir)
    with handle_errors():
        try:
            data = product(cat, ref, market, hub)
        except OtherKind as other:
            _entity(cat, other.actual, other.rid, as_json)
            return
    if as_json:
        print_json(data)
        return
    p = data["product"]
    console.print(f"[bold]{product_title(p['manufacturer'], p.get('brand'), p['product_name'])}[/bold]  ({data['id']})",
                  highlight=False)
    console.print(f"{p['category']} · models {', '.join(p['model_numbers'])} · energy monitoring "
                  f"{_yes(p.get('power', {}).get('energy_monitoring'))}", highlight=False)
    table = Table(Column("program", overflow="fold"), "supported", Column("status", overflow="fold"),
                  Column("why", overflow="fold"), Column("incentives" if market else "markets", overflow="fold"),
                  title="Programs" + (f" in {market}" if market else ""))
    for prog in data["programs"]:
        last = ("; ".join(i["summary"] for i in prog.get("incentives", [])) if market
                else ", ".join(prog.get("markets", [])))
        table.add_row(prog["id"], _yes(prog["supported"]), _status(prog), prog["reason"], last or "-")
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


def _entity(cat: Catalog, kind: str, rid: str, as_json: bool) -> None:
    """A hub, program or utility: its recipe as JSON, or its main facts for people."""
    data: dict[str, Any] = cat.entity_json(kind, rid) or {"id": rid}
    if as_json:
        print_json(data)
        return
    name = data.get("name") or " ".join(filter(None, [data.get("manufacturer"), data.get("product_name")]))
    console.print(f"[bold]{name}[/bold]  ({kind} {rid})", highlight=False)
    if data.get("description"):
        console.print(data["description"], highlight=False)
    if kind == "hub":
        ways = sorted({i["ecosystem"] for i in data.get("integrations", [])})
        console.print(f"ecosystem {data.get('ecosystem') or 'unknown'} · models {', '.join(data.get('model_numbers', []))}"
                      f" · works with {', '.join(ways) or 'unknown'}", highlight=False)
        console.print(f"Which devices work with it: derdir compat <product> {rid}", highlight=False)
    elif kind == "program":
        markets = data.get("markets", {})
        console.print(f"operator {data.get('operator')} · status {data.get('status', 'unknown')} · markets "
                      f"{', '.join(markets.get('utilities', []) + markets.get('regions', [])) or 'unknown'}", highlight=False)
        console.print(f"Whether a device qualifies: derdir support <product> {rid}", highlight=False)
    else:
        console.print(f"{data.get('country')} · regions {', '.join(data.get('regions', []))}"
                      + (f" · also known as {', '.join(data['aliases'])}" if data.get("aliases") else ""), highlight=False)
        console.print(f"Programs there: derdir programs --market {rid}", highlight=False)
    for source in data.get("sources", [])[:5]:
        console.print(f"source: {source['url']}", highlight=False)
