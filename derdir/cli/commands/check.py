"""`derdir check`: evaluate a whole home — what qualifies, for what, and what it would earn."""

from __future__ import annotations

from ... import jsonsafe as json
from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Column, Table

from ...household import evaluate
from ...importers.ha_registry import parse_device_registry
from ..app import app
from ..common import BuildOption, CatalogOption, JsonOption, console, fail, handle_errors, print_json, query


def read_devices(devices: Optional[Path], ha_registry: Optional[Path]) -> list[dict[str, Any]]:
    """Devices from a JSON/JSONL file or a Home Assistant core.device_registry file."""
    if bool(devices) == bool(ha_registry):
        fail("give exactly one of --devices FILE or --ha-registry PATH")
    if ha_registry:
        with handle_errors():
            return parse_device_registry(ha_registry.read_bytes())
    text = devices.read_text(encoding="utf-8")  # type: ignore[union-attr]
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        try:
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            fail(f"{devices}: line {exc.lineno}: not JSON or JSON lines ({exc.msg})")
    if isinstance(data, dict):
        data = data["devices"] if "devices" in data else fail(f'{devices}: expected a list of devices or {{"devices": [...]}}')
    if not isinstance(data, list):
        fail(f"{devices}: expected a list of devices")
    return data


@app.command()
def check(
    location: str = typer.Option(..., "--location", "-l", help="Utility, state or ZIP code."),
    devices: Optional[Path] = typer.Option(None, "--devices", help="JSON list (or JSON lines) of devices as the hub reports them."),
    ha_registry: Optional[Path] = typer.Option(None, "--ha-registry", help="Home Assistant .storage/core.device_registry file."),
    hub: Optional[str] = typer.Option(None, "--hub", help="Hub id, e.g. home-assistant-yellow."),
    catalog: Optional[Path] = CatalogOption,
    build_dir: Optional[Path] = BuildOption,
    as_json: bool = JsonOption,
) -> None:
    """Which devices qualify for which programs in this market, and the yearly earnings.

    Example: derdir check --location 94105 --ha-registry ~/.homeassistant/.storage/core.device_registry
    """
    reports = read_devices(devices, ha_registry)
    data = query(catalog, build_dir, evaluate, location, reports, hub)
    if as_json:
        print_json(data)
        return
    table = Table("#", Column("device", overflow="fold"), "status", Column("programs", overflow="fold"))
    for d in data["devices"]:
        inp = d["input"]
        name = (d["match"] or {}).get("product_name") or f"{inp.get('manufacturer', '?')} {inp.get('model', '?')}"
        progs = ", ".join(f"{p['id']}{'' if p['supported'] else ' (maybe)'}" for p in d["programs"]) or "-"
        table.add_row(str(d["index"]), name, d["status"], progs)
    console.print(table)
    for currency, t in data["totals"].items():
        console.print(f"Estimated yearly earnings: {currency} {t['low']:.0f}-{t['high']:.0f} (typical {t['typical']:.0f}, "
                      f"of which {t['includes_first_year_only']:.0f} first year only)", highlight=False)
    if not data["totals"]:
        console.print("No earnings estimate: no qualifying program publishes an amount.", highlight=False)
