"""`derdir check`: evaluate a whole home — what qualifies, for what, and what it would earn."""

from __future__ import annotations

from ... import jsonsafe as json
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
        data = data["devices"] if "devices" in data else fail(f'{devices}: expected a list of devices or {{"devices": [...]}}')
    if not isinstance(data, list):
        fail(f"{devices}: expected a list of devices")
    return data


def answers_options(confirm: list[str], deny: list[str]) -> dict[str, bool]:
    """--confirm/--deny values as the core's `conditions` mapping."""
    return {**{c: True for c in confirm}, **{d: False for d in deny}}


ConfirmOption = typer.Option([], "--confirm", help="A condition the home meets: a kind (solar, owner...) or "
                             "PROGRAM:KIND (e.g. tesla-virtual-power-plant:retail-plan). Repeatable.")
DenyOption = typer.Option([], "--deny", help="A condition the home does not meet (as --confirm). Repeatable.")
EnrolledOption = typer.Option([], "--enrolled", help="A program the home is already enrolled in. Repeatable.")


@app.command()
def check(
    location: str = typer.Option(..., "--location", "-l", help="Utility, state or ZIP code."),
    devices: Optional[Path] = typer.Option(None, "--devices", help="JSON list (or JSON lines) of devices as the hub reports them."),
    ha_registry: Optional[Path] = typer.Option(None, "--ha-registry", help="Home Assistant .storage/core.device_registry file."),
    ha_entities: Optional[Path] = typer.Option(None, "--ha-entities",
                                               help="Home Assistant .storage/core.entity_registry file, beside --ha-registry: "
                                                    "entities tell what a device the catalog does not know is."),
    hub: Optional[str] = typer.Option(None, "--hub", help="Hub id, e.g. home-assistant-yellow."),
    confirm: list[str] = ConfirmOption,
    deny: list[str] = DenyOption,
    enrolled: list[str] = EnrolledOption,
    catalog: Optional[Path] = CatalogOption,
    build_dir: Optional[Path] = BuildOption,
    as_json: bool = JsonOption,
) -> None:
    """Which devices qualify for which programs in this market, and the yearly earnings.

    Example: derdir check --location 94105 --ha-registry ~/.homeassistant/.storage/core.device_registry \
    --ha-entities ~/.homeassistant/.storage/core.entity_registry --confirm solar --enrolled pge-wattersaver
    """
    reports = read_devices(devices, ha_registry, ha_entities)
    data = query(catalog, build_dir, evaluate, location, reports, hub, answers_options(confirm, deny), enrolled)
    if as_json:
        print_json(data)
        return
    print_home(data)


def _names(programs: list[dict[str, Any]], note: bool = False) -> str:
    return ", ".join(p["id"] + (f" ({p['status']})" if note else "") for p in programs)


def print_home(data: dict[str, Any]) -> None:
    """The household answer as tables: devices, programs (counted or why not), totals, what to confirm."""
    table = Table("#", Column("device", overflow="fold"), "status", Column("programs", overflow="fold"),
                  Column("also", overflow="fold"), *(["hub"] if data["hub"] else []))
    for d in data["devices"]:
        inp = d["input"]
        name = (d["match"] or {}).get("product_name") or f"{inp.get('manufacturer', '?')} {inp.get('model', '?')}"
        also = "; ".join(f"{label}: {_names(d[key])}" for key, label in
                         (("conditional", "conditional"), ("needs_utility", "needs utility"), ("closed", "closed"),
                          ("nearly", "nearly")) if d.get(key))
        hub = [] if not data["hub"] else [{True: "yes", False: "no", None: "unknown"}[d["compat"]["compatible"]]
                                         if d.get("compat") else "-"]
        table.add_row(str(d["index"]), name, d["status"], _names(d["programs"], note=True) or "-", also or "-", *hub)
    console.print(table)
    if data["programs"]:
        progs = Table(Column("program", overflow="fold"), "status", "devices", "yearly (typical)",
                      Column("note", overflow="fold"))
        for p in data["programs"]:
            money = ", ".join(f"{c} {v['typical']:,.0f}" for c, v in p["estimate"].items()) or "-"
            status = "counted" if p["counted"] else ("left out" if p["status"] in ("qualifies", "enrolled") else p["status"])
            progs.add_row(p["id"], status, ", ".join(map(str, p["devices"])), money, p.get("not_counted_because") or "")
        console.print(progs)
    for currency, t in data["totals"].items():
        console.print(f"Estimated yearly earnings: {currency} {_range(t)} (typical {t['typical']:,.0f}, "
                      f"of which {t['includes_first_year_only']:,.0f} first year only)", highlight=False)
    if not data["totals"]:
        console.print("No earnings counted: " + _why_no_total(data), highlight=False)
    if data.get("needs_utility"):
        n = data["needs_utility"]
        console.print(f"Give your utility: {len(n['programs'])} program(s) here depend on it; candidates: "
                      + (", ".join(c if isinstance(c, str) else c.get("id", "") for c in n["candidates"]) or "none known"),
                      highlight=False)
    questions = sorted({f"--confirm {p['id']}:{c['kind']}  ({c['text']})" for p in data["programs"]
                        for c in p["conditions"] if c["met"] is None and p["status"] == "conditional"})
    if questions:
        console.print("To count conditional programs, confirm what applies:\n  " + "\n  ".join(questions), highlight=False)
    lines = data.get("security", {}).get("plain", [])
    if lines:
        console.print("Security:\n  " + "\n  ".join(lines), highlight=False)


def _range(t: dict[str, Any]) -> str:
    return f"{t['low']:,.0f}" if round(t["low"]) == round(t["high"]) else f"{t['low']:,.0f}-{t['high']:,.0f}"


def _why_no_total(data: dict[str, Any]) -> str:
    """Why nothing was added up, from what the answer lists."""
    rows = data["programs"]
    counted = [p for p in rows if p["counted"]]
    if counted:
        return "the programs counted publish no amount (" + ", ".join(p["id"] for p in counted) + ")"
    reasons = sorted({p["status"] for p in rows})
    if not rows:
        return "no device qualifies for a program here."
    return "no program is counted: " + "; ".join(f"{s}: {_names([p for p in rows if p['status'] == s])}"
                                                 for s in reasons) + "."
