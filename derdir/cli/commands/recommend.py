"""`derdir recommend`: devices a home could add that work with its hub and earn in its market."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Column, Table

from ...recommendations import recommend as recommend_query
from ..app import app
from ..common import BuildOption, CatalogOption, JsonOption, console, print_json, query
from .check import ConfirmOption, DenyOption, EnrolledOption, answers_options, read_devices


@app.command()
def recommend(
    location: str = typer.Option(..., "--location", "-l", help="Utility, state or ZIP code."),
    hub: Optional[str] = typer.Option(None, "--hub", help="Hub id; only devices that work with it are suggested."),
    devices: Optional[Path] = typer.Option(None, "--devices", help="Devices the home already has (JSON)."),
    ha_registry: Optional[Path] = typer.Option(None, "--ha-registry", help="Home Assistant core.device_registry file."),
    limit: int = typer.Option(10, "--limit"),
    confirm: list[str] = ConfirmOption,
    deny: list[str] = DenyOption,
    enrolled: list[str] = EnrolledOption,
    catalog: Optional[Path] = CatalogOption,
    build_dir: Optional[Path] = BuildOption,
    as_json: bool = JsonOption,
) -> None:
    """Rank devices by the yearly earnings they would add.

    Example: derdir recommend --location pge --hub home-assistant-yellow
    """
    owned = read_devices(devices, ha_registry) if (devices or ha_registry) else []
    data = query(catalog, build_dir, recommend_query, location, hub, owned, limit, answers_options(confirm, deny), enrolled)
    if as_json:
        print_json(data)
        return
    table = Table(Column("id", overflow="fold"), "category", "adds / year", Column("programs", overflow="fold"))
    for r in data["recommendations"]:
        adds = ", ".join(f"{c} {v:.0f}" for c, v in r["added_yearly"].items()) or "amount unknown"
        table.add_row(r["id"], r["category"], adds,
                      ", ".join(p["id"] + _not_counted(p) for p in r["programs"]))
    console.print(table)
    if data.get("needs_utility"):
        console.print(data["needs_utility"], highlight=False)
    if not data["recommendations"]:
        console.print("Nothing to recommend: no program a new customer can join here pays for a device in the catalog"
                      + (" that works with this hub" if hub else "") + ".", highlight=False)


def _not_counted(p: dict) -> str:
    """' (if you confirm: ...)' or ' (not counted: ...)' after a program that adds nothing yet."""
    if p["counted"]:
        return ""
    if p.get("not_counted_because"):
        return f" (not counted: {p['not_counted_because']})"
    return " (if you confirm: " + "; ".join(c["text"] for c in p["conditions"]) + ")"
