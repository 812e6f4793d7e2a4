"""`derdir import zigbee|zwave|kasa|cec-inverters FILE`, `derdir import vehicles DIR`: generate device recipes from upstream device databases.

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
VersionOption = typer.Option(None, "--package-version",
                             help="Upstream package version or dataset commit (default: from the file or folder name).")
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


# One command per upstream database: (command, what the argument is, a folder or a file, help, example)
COMMANDS = [
    ("zigbee", "zigbee-herdsman-converters definitions as JSON.", False,
     "Zigbee plugs, relays, meters, thermostats and climate controllers (and their white labels).",
     "derdir import zigbee zigbee-herdsman-converters-26.112.0.devices.json -H homeassistant-2026.2.3.integrations.json"),
    ("zwave", "@zwave-js/config device files as JSON.", False,
     "Z-Wave plugs, meters, thermostats, relays and load controllers.",
     "derdir import zwave zwave-js-config-15.29.0.devices.json -H homeassistant-2026.2.3.integrations.json"),
    ("kasa", "python-kasa model facts as JSON.", False,
     "TP-Link Kasa and Tapo plugs, switches and bulbs, one recipe per model.",
     "derdir import kasa python-kasa-0.12.0.models.json -H homeassistant-2026.2.3.integrations.json"),
    ("vehicles", "open-ev-data-dataset checkout (the folder with src/), e.g. open-ev-data-dataset-8edb266.", True,
     "Electric cars, SUVs, pickups and vans from open-ev-data (CDLA-Permissive-2.0), one recipe per make and model.",
     "derdir import vehicles open-ev-data-dataset-8edb266 -H homeassistant-2026.2.3.integrations.json"),
    ("cec-inverters", "sam-library-cec-inverters-2019-03-05.csv from the pvlib wheel (or the unpacked wheel folder).", None,
     "Residential grid-tied solar inverters (at most 15 kW AC) from the CEC list in pvlib (BSD-3-Clause).",
     "derdir import cec-inverters pvlib-0.16.1/pvlib/data/sam-library-cec-inverters-2019-03-05.csv --package-version 0.16.1"),
]


def _command(kind: str, what: str, folder: bool | None, summary: str, example: str) -> None:
    """Register `derdir import <kind>` (`folder`: the argument is a folder; False: a file; None: either)."""
    place = {} if folder is None else {"file_okay": not folder, "dir_okay": folder}

    def command(
        path: Path = typer.Argument(..., exists=True, help=what, **place),  # type: ignore[arg-type]
        catalog: Optional[Path] = CatalogOption,
        homeassistant: Optional[Path] = HAOption,
        version: Optional[str] = VersionOption,
        when: Optional[str] = DateOption,
        dry_run: bool = DryRunOption,
        as_json: bool = JsonOption,
    ) -> None:
        _run(kind, path, catalog, homeassistant, version, when, dry_run, as_json)

    command.__doc__ = f"{summary}\n\n    Example: {example}\n    "
    import_app.command(kind)(command)


for _spec in COMMANDS:
    _command(*_spec)


@import_app.command("utilities")
def utilities_cmd(
    folder: Path = typer.Argument(..., exists=True, file_okay=False,
                                  help="The Rewiring America API repository's scripts/data folder."),
    eia: Optional[Path] = typer.Option(None, "--eia", exists=True, dir_okay=False,
                                       help="PUDL's EIA utilities CSV (pudl-<version>.eia-utilities.csv): EIA ids by name."),
    catalog: Optional[Path] = CatalogOption,
    version: Optional[str] = typer.Option(None, "--package-version", help="Upstream commit (default: from the folder name)."),
    when: Optional[str] = DateOption,
    dry_run: bool = DryRunOption,
    as_json: bool = JsonOption,
) -> None:
    """One utility recipe per electric territory, and the ZIP -> territory table (catalog/territories/).

    Example: derdir import utilities rewiringamerica-api-16ad9bf/scripts/data --eia pudl-2025.12.1.eia-utilities.csv
    """
    from ...catalog.territories import CorrectionsInvalid
    from ...importers.utilities import import_utilities

    root = catalog_root(catalog)
    try:
        seen = date.fromisoformat(when) if when else date.today()
    except ValueError:
        fail(f"--date must be YYYY-MM-DD, got {when!r}")
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True, disable=as_json) as progress:
        task = progress.add_task("utilities", total=None)
        try:
            report = import_utilities(folder, root, eia, seen, version, dry_run, progress=lambda: progress.advance(task))
        except CorrectionsInvalid as exc:
            fail("; ".join(p.render() for p in exc.problems))
        except (OSError, ValueError) as exc:
            fail(str(exc))
    counts = report.counts()
    if as_json:
        print_json({"dry_run": dry_run, "counts": counts, "created": report.created, "updated": report.updated,
                    "merged": report.merged, "gone": report.gone, "skipped": report.skipped,
                    "corrections_unnecessary": report.unnecessary})
        return
    table = Table(title=f"utilities{' (dry run)' if dry_run else ''} -> {root / 'utilities'}")
    table.add_column("result")
    table.add_column("count", justify="right")
    for name in ("created", "updated", "unchanged", "merged", "gone", "skipped", "territories",
                 "territories_with_eia_id", "eia_match_rate", "zips"):
        table.add_row(name.replace("_", " "), str(counts[name]))
    console.print(table)
    for line in report.unnecessary:
        console.print(f"[yellow]correction no longer needed:[/yellow] {line}", highlight=False)
    if report.gone:
        console.print(f"gone (no longer upstream; left in place): {', '.join(report.gone)}", highlight=False)


@import_app.command("source-kinds")
def source_kinds_cmd(
    only: Optional[list[str]] = typer.Option(None, "--only", help="hub or device (repeatable; default both)."),
    catalog: Optional[Path] = CatalogOption,
    dry_run: bool = DryRunOption,
    as_json: bool = JsonOption,
) -> None:
    """Fill the missing kind of hub and hand-written device sources where the catalog's data decides it.

    manufacturer: the page is on the website of the recipe's manufacturer; upstream-data: under a dataset an
    importer reads; else a prefix listed in catalog/audit/source-kinds.yaml. Other sources stay empty and are
    listed. Re-runnable: a source that has a kind is never changed.

    Example: derdir import source-kinds --only hub --dry-run
    """
    from ...importers.source_kinds import KINDS, SourceKindsInvalid, fill_source_kinds

    kinds = tuple(only or KINDS)
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        fail(f"--only takes {' or '.join(KINDS)}, got {', '.join(unknown)}")
    root = catalog_root(catalog)
    try:
        report = fill_source_kinds(root, kinds, dry_run)
    except SourceKindsInvalid as exc:
        fail(str(exc))
    except (OSError, ValueError) as exc:
        fail(str(exc))
    if as_json:
        print_json({"dry_run": dry_run, "counts": report.counts(), "files": report.files,
                    "not_placed": report.not_placed,
                    "filled": [vars(f) for f in report.filled],
                    "left_empty": [{"recipe": r, "field": f, "url": u} for r, f, u in report.left]})
        return
    table = Table(title=f"source kinds{' (dry run)' if dry_run else ''} -> {root}")
    table.add_column("result")
    table.add_column("sources", justify="right")
    counts = report.counts()
    for kind, n in counts["by_kind"].items():
        table.add_row(f"filled: {kind}", str(n))
    table.add_row("left empty (no rule decides)", str(counts["left_empty"]))
    table.add_row("files changed", str(counts["files"]))
    table.add_row("imported recipes left to their importer", str(counts["imported_skipped"]))
    console.print(table)
    for rid, where, url in report.left:
        console.print(f"left empty: {rid} {where}: {url}", highlight=False)
    if report.not_placed:
        console.print(f"[yellow]not changed (the edit did not check out):[/yellow] {', '.join(report.not_placed)}",
                      highlight=False)
