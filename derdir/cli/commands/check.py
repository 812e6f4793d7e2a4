"""`derdir check`: evaluate a whole home — what qualifies, for what, and what it would earn."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Column, Table

from ...household import evaluate
from ...errors import InvalidInput
from ...importers.ha_registry import read_registries
from ..app import app
from ..common import BuildOption, CatalogOption, JsonOption, console, fail, print_json, query


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        fail(f"{path}: {exc.strerror or exc}")


def read_devices(devices: Optional[Path], ha_registry: Optional[Path],
                 ha_entities: Optional[Path] = None) -> list[dict[str, Any]]:
    """Devices from a JSON/JSONL file or a Home Assistant core.device_registry file (with, optionally,
    its core.entity_registry beside it)."""
    if bool(devices) == bool(ha_registry):
        fail("give exactly one of --devices FILE or --ha-registry PATH")
    if ha_entities and not ha_registry:
        fail("--ha-entities goes with --ha-registry (the entity registry describes that file's devices)")
    if ha_registry:
        raw = _read_bytes(ha_registry)
        extra = _read_bytes(ha_entities) if ha_entities else None
        try:
            return read_registries(raw, extra)
        except InvalidInput as exc:  # name the file as well as the field
            file = ha_entities if exc.field.startswith("entities") else ha_registry
            fail(f"{file}: {exc}")
    text = devices.read_text(encoding="utf-8")  # type: ignore[union-attr]
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        try:
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            fail(f"{devices}: line {exc.lineno}: not JSON or JSON lines ({exc.msg})")
    if isinstance(data, dict):
        data = data.get("devices", [])
    if not isinstance(data, list):
        fail(f"{devices}: expected a list of devices")
    return data


@app.command()
def check(
    location: str = typer.Option(..., "--location", "-l", help="Utility, state or ZIP code."),
    devices: Optional[Path] = typer.Option(None, "--devices", help="JSON list (or JSON lines) of devices as the hub reports them."),
    ha_registry: Optional[Path] = typer.Option(None, "--ha-registry", help="Home Assistant .storage/core.device_registry file."),
    ha_entities: Optional[Path] = typer.Option(None, "--ha-entities",
                                               help="Home Assistant .storage/core.entity_registry file, beside --ha-registry: "
                                                    "entities tell what a device the catalog does not know is."),
    hub: Optional[str] = typer.Option(None, "--hub", help="Hub id, e.g. home-assistant-yellow."),
    catalog: Optional[Path] = CatalogOption,
    build_dir: Optional[Path] = BuildOption,
    as_json: bool = JsonOption,
) -> None:
    """Which devices qualify for which programs in this market, and the yearly earnings.

    Example: derdir check --location 94105 --ha-registry ~/.homeassistant/.storage/core.device_registry \
    --ha-entities ~/.homeassistant/.storage/core.entity_registry
    """
    reports = read_devices(devices, ha_registry, ha_entities)
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
