"""`derdir support`: is a product supported by a program, market by market?"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Column, Table

from ...support import support as support_query
from ..app import app
from ..common import BuildOption, CatalogOption, JsonOption, console, print_json, query


@app.command()
def support(
    product: str = typer.Argument(..., help="Product id or name."),
    program: str = typer.Argument(..., help="Program id."),
    hub: Optional[str] = typer.Option(None, "--hub", help="Hub the device is connected through."),
    catalog: Optional[Path] = CatalogOption,
    build_dir: Optional[Path] = BuildOption,
    as_json: bool = JsonOption,
) -> None:
    """Per market: supported (true/false/unknown), incentives and the evidence.

    Example: derdir support tp-link-kasa-kp125m renew-home-ohmconnect --json
    """
    data = query(catalog, build_dir, support_query, product, program, hub)
    if as_json:
        print_json(data)
        return
    v = data["verdict"]
    console.print(f"[bold]{data['product']}[/bold] in [bold]{data['program']['name']}[/bold]: {v['reason']}", highlight=False)
    table = Table(Column("market", overflow="fold"), "supported", Column("status", overflow="fold"),
                  Column("incentives here", overflow="fold"), "estimate / year", Column("evidence", overflow="fold"))
    for market, entry in data["markets"].items():
        est = entry["estimate"]
        status = entry["enrollment"]["words"] + "".join(f"; if {c['text']}" for c in entry["conditions"])
        table.add_row(market, {True: "yes", False: "no", None: "unknown"}[entry["supported"]], status,
                      "; ".join(i["summary"] for i in entry["incentives"]) or "-",
                      f"{est['currency']} {est['typical']:,.0f}" if est and est["typical"] is not None else "-",
                      "\n".join(f"{e['url']} ({e['seen']})" for e in entry["evidence"]))
    console.print(table)
