"""`derdir import zigbee|zwave|kasa FILE`: generate device recipes from upstream device databases.

Re-running is safe: files the importer wrote are updated only in the fields it owns
(`imported.owned_fields`), hand-written recipes are never touched, and unchanged records stay
byte-for-byte as they are.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from ...importers import SOURCES, HAIndex, build, write_recipes
from ..app import app
from ..common import CatalogOption, JsonOption, catalog_root, console, err_console, fail, print_json, progress_bar

import_app = typer.Typer(
    name="import",
    help="Generate device recipes from upstream device databases (re-runnable).",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")

HAOption = typer.Option(
    None, "--homeassistant", "-H", envvar="DERDIR_HA_INTEGRATIONS", exists=True, dir_okay=False,
    help="Home Assistant integrations JSON (homeassistant-<version>.integrations.json): sets each device's "
         "Home Assistant integration. Without it, no Home Assistant entries are written.",
)
VersionOption = typer.Option(None, "--package-version", help="Upstream package version (default: from the file name).")
DateOption = typer.Option(None, "--date", help="Date the upstream data was read, YYYY-MM-DD (default: today).")
DryRunOption = typer.Option(False, "--dry-run", help="Report what would change without writing files.")


def _run(kind: str, file: Path, catalog: Optional[Path], homeassistant: Optional[Path], version: Optional[str],
         when: Optional[str], dry_run: bool, as_json: bool) -> None:
    root = catalog_root(catalog)
    try:
        seen = date.fromisoformat(when) if when else date.today()
    except ValueError:
        fail(f"--date must be YYYY-MM-DD, got {when!r}")
    with progress_bar(f"reading {file.name}", disable=as_json) as step:
        try:
            ha = HAIndex.load(homeassistant, seen=seen) if homeassistant else None
            recipes = build(kind, file, seen, version, ha)
            step(f"writing {SOURCES[kind].package} recipes", len(recipes))
            report = write_recipes(recipes, root, progress=step, dry_run=dry_run)
        except (OSError, ValueError) as exc:  # json.JSONDecodeError included: nesting and numbers are bounded
            fail(f"{file}: {exc}" if str(file) not in str(exc) else str(exc))
        except RecursionError:
            fail(f"{file}: JSON nested too deeply")
    if ha is None and not as_json:
        err_console.print("[yellow]note:[/yellow] no --homeassistant file given: Home Assistant integrations are left out")
    counts = report.counts()
    if as_json:
        print_json({"source": recipes[0]["imported"]["source"] if recipes else SOURCES[kind].package,
                    "dry_run": dry_run, "counts": counts, "categories": report.categories,
                    "created": report.created, "updated": report.updated, "skipped": report.skipped,
                    "gone": report.gone, "covered": report.covered})
        return
    table = Table(title=f"{recipes[0]['imported']['source'] if recipes else kind}"
                        f"{' (dry run)' if dry_run else ''} -> {root / 'devices'}")
    table.add_column("result")
    table.add_column("recipes", justify="right")
    for name, help_ in (("created", "new files"), ("updated", "owned fields changed"), ("unchanged", ""),
                        ("skipped", "a hand-written recipe covers it"), ("gone", "no longer upstream; left in place"),
                        ("covered", "imported earlier, now also hand-written")):
        table.add_row(f"{name}" + (f" ({help_})" if help_ else ""), str(counts[name]))
    for category, n in sorted(report.categories.items()):
        table.add_row(f"  category {category}", str(n))
    console.print(table)
    if report.skipped:
        console.print(f"skipped (hand-written): {', '.join(sorted(report.skipped))}", highlight=False)
    for name in ("gone", "covered"):
        if getattr(report, name):
            console.print(f"{name}: {', '.join(getattr(report, name))}", highlight=False)


@import_app.command("zigbee")
def zigbee_cmd(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="zigbee-herdsman-converters definitions as JSON."),
    catalog: Optional[Path] = CatalogOption,
    homeassistant: Optional[Path] = HAOption,
    version: Optional[str] = VersionOption,
    when: Optional[str] = DateOption,
    dry_run: bool = DryRunOption,
    as_json: bool = JsonOption,
) -> None:
    """Zigbee plugs, relays, meters, thermostats and climate controllers (and their white labels).

    Example: derdir import zigbee zigbee-herdsman-converters-26.112.0.devices.json -H homeassistant-2026.2.3.integrations.json
    """
    _run("zigbee", file, catalog, homeassistant, version, when, dry_run, as_json)


@import_app.command("zwave")
def zwave_cmd(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="@zwave-js/config device files as JSON."),
    catalog: Optional[Path] = CatalogOption,
    homeassistant: Optional[Path] = HAOption,
    version: Optional[str] = VersionOption,
    when: Optional[str] = DateOption,
    dry_run: bool = DryRunOption,
    as_json: bool = JsonOption,
) -> None:
    """Z-Wave plugs, meters, thermostats, relays and load controllers.

    Example: derdir import zwave zwave-js-config-15.29.0.devices.json -H homeassistant-2026.2.3.integrations.json
    """
    _run("zwave", file, catalog, homeassistant, version, when, dry_run, as_json)


@import_app.command("kasa")
def kasa_cmd(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="python-kasa model facts as JSON."),
    catalog: Optional[Path] = CatalogOption,
    homeassistant: Optional[Path] = HAOption,
    version: Optional[str] = VersionOption,
    when: Optional[str] = DateOption,
    dry_run: bool = DryRunOption,
    as_json: bool = JsonOption,
) -> None:
    """TP-Link Kasa and Tapo plugs, switches and bulbs, one recipe per model.

    Example: derdir import kasa python-kasa-0.12.0.models.json -H homeassistant-2026.2.3.integrations.json
    """
    _run("kasa", file, catalog, homeassistant, version, when, dry_run, as_json)
