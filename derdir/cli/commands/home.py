"""`derdir home …`: the household ledger from the command line, over the same `derdir.ledger.Ledger`.

Every command but `create` needs the home's token: `--token` or DERDIR_HOME_TOKEN. The store is
`--db URL` (or DERDIR_HOMES_DB), by default homes.sqlite3 in the build folder (what `derdir serve` uses).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Callable, Optional

import typer

from ... import jsonsafe as json
from ..app import app
from ..common import BuildOption, CatalogOption, build_root, catalog_root, console, fail, handle_errors, \
    open_cli_catalog, print_json
from .check import read_devices

home_app = typer.Typer(help="A household ledger: enrollments, events, readings and credits.", no_args_is_help=True)
app.add_typer(home_app, name="home")

DbOption = typer.Option(None, "--db", envvar="DERDIR_HOMES_DB",
                        help="The ledger's store (SQLAlchemy URL); default: homes.sqlite3 in the build folder.")
TokenOption = typer.Option(..., "--token", envvar="DERDIR_HOME_TOKEN", help="The home's token (from `home create`).")


def default_homes_db(build_dir: Path) -> str:
    """The SQLite file beside the catalog's builds."""
    build_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(build_dir / 'homes.sqlite3').resolve()}"


def _run(db: Optional[str], catalog: Optional[Path], build_dir: Optional[Path], call: Callable[..., Any],
         needs_catalog: bool = True) -> Any:
    from ...ledger import Ledger

    out = build_root(build_dir, catalog_root(catalog))
    cat = open_cli_catalog(catalog, build_dir) if needs_catalog else None
    with handle_errors():
        ledger = Ledger(db or default_homes_db(out))
        try:
            return call(ledger, cat)
        finally:
            ledger.close()


@home_app.command("create")
def create(location: str = typer.Option(..., "--location", help="Utility, state, ZIP or postal code."),
           hub: Optional[str] = typer.Option(None, "--hub", help="The home's hub (id or unique part)."),
           devices: Optional[Path] = typer.Option(None, "--devices", help="JSON list of devices (each may have a `key`)."),
           db: Optional[str] = DbOption, catalog: Optional[Path] = CatalogOption,
           build_dir: Optional[Path] = BuildOption) -> None:
    """Save a home; prints its id and token (shown once: keep it).

    Example: derdir home create --location pge --hub home-assistant-yellow --devices home.json
    """
    listed = read_devices(devices, None) if devices else []
    home_id, token = _run(db, catalog, build_dir, lambda lg, cat: lg.create_home(cat, location, hub, listed))
    print_json({"id": home_id, "token": token})


@home_app.command("show")
def show(home: str, token: str = TokenOption, db: Optional[str] = DbOption,
         catalog: Optional[Path] = CatalogOption, build_dir: Optional[Path] = BuildOption) -> None:
    """The saved home: devices (reported and resolved) and enrollments.

    Example: derdir home show 3f2a… --token …
    """
    print_json(_run(db, catalog, build_dir, lambda lg, _: lg.home(home, token), needs_catalog=False))


@home_app.command("enroll")
def enroll(home: str, program: str, device: Optional[str] = typer.Option(None, "--device", help="Device key; none: the account."),
           status: str = typer.Option("enrolled", "--status", help="applied, enrolled, paused or ended."),
           since: Optional[str] = typer.Option(None, "--since", help="Date, e.g. 2026-05-01."),
           until: Optional[str] = typer.Option(None, "--until"),
           known_by: str = typer.Option("user", "--known-by", help="hub, user, program or bill."),
           token: str = TokenOption, db: Optional[str] = DbOption, catalog: Optional[Path] = CatalogOption,
           build_dir: Optional[Path] = BuildOption) -> None:
    """Record a device's (or the account's) enrollment in a program.

    Example: derdir home enroll 3f2a… pge-wattersaver --device wh --since 2026-05-01 --token …
    """
    print_json(_run(db, catalog, build_dir,
                    lambda lg, cat: lg.enroll(cat, home, token, program, device, status, since, until, known_by)))


@home_app.command("event")
def event(home: str, program: str, start: str = typer.Option(..., "--start", help="ISO date-time with offset."),
          end: str = typer.Option(..., "--end"), kind: str = typer.Option("shed", "--kind", help="shed, shift, export, price, alert."),
          source: str = typer.Option("manual", "--source", help="hub, manual or openadr."),
          external_id: Optional[str] = typer.Option(None, "--id", help="The event's id where it came from."),
          token: str = TokenOption, db: Optional[str] = DbOption, catalog: Optional[Path] = CatalogOption,
          build_dir: Optional[Path] = BuildOption) -> None:
    """Record a program event.

    Example: derdir home event 3f2a… pge-wattersaver --start 2026-07-01T17:00-07:00 --end 2026-07-01T20:00-07:00 --token …
    """
    print_json(_run(db, catalog, build_dir,
                    lambda lg, cat: lg.post_event(cat, home, token, program, start, end, kind, source, external_id)))


@home_app.command("respond")
def respond(home: str, event_id: int, response: str,
            device: Optional[str] = typer.Option(None, "--device", help="Device key; none: the account."),
            token: str = TokenOption, db: Optional[str] = DbOption, catalog: Optional[Path] = CatalogOption,
            build_dir: Optional[Path] = BuildOption) -> None:
    """A response to an event (IEEE 2030.5 words: received, started, completed, opted-out, partial-opt-out…).

    Example: derdir home respond 3f2a… 1 opted-out --device wh --token …
    """
    print_json(_run(db, catalog, build_dir, lambda lg, _: lg.respond(home, token, event_id, response, device),
                    needs_catalog=False))


def read_readings(path: Path) -> list[dict[str, Any]]:
    """Readings from a JSON list of {start, minutes, kwh} or a CSV with those columns."""
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            fail(f"{path}: line {exc.lineno}: not JSON ({exc.msg})")
    rows = []
    for n, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        try:
            rows.append({"start": row["start"], "minutes": int(row.get("minutes") or 15), "kwh": float(row["kwh"])})
        except (KeyError, TypeError, ValueError):
            fail(f"{path}:{n}: expected columns start, minutes, kwh (numbers for minutes and kwh)")
    return rows


@home_app.command("readings")
def readings(home: str, device: str, file: Path = typer.Argument(..., help="JSON list or CSV (start, minutes, kwh)."),
             token: str = TokenOption, db: Optional[str] = DbOption, catalog: Optional[Path] = CatalogOption,
             build_dir: Optional[Path] = BuildOption) -> None:
    """Store a device's interval readings (kWh from the grid; negative exported).

    Example: derdir home readings 3f2a… wh readings.csv --token …
    """
    rows = read_readings(file)
    print_json(_run(db, catalog, build_dir, lambda lg, _: lg.post_readings(home, token, device, rows), needs_catalog=False))


@home_app.command("credits")
def credits(home: str, season: Optional[str] = typer.Option(None, "--season", help="A year (default: this one)."),
            as_json: bool = typer.Option(False, "--json", help="The whole answer as JSON."),
            token: str = TokenOption, db: Optional[str] = DbOption, catalog: Optional[Path] = CatalogOption,
            build_dir: Optional[Path] = BuildOption) -> None:
    """A season's credits: per event the estimate so far, what was posted, the difference; totals.

    Example: derdir home credits 3f2a… --season 2026 --token …
    """
    answer = _run(db, catalog, build_dir, lambda lg, cat: lg.credits(cat, home, token, season))
    if as_json:
        print_json(answer)
        return
    for ev in answer["events"]:
        est = ", ".join(f"{v:.2f} {c}" for c, v in ev["estimate"]["amounts"].items()) or "nothing"
        got = ", ".join(f"{p['amount']:.2f} {p['currency']} {p['status']}" for p in ev["posted"]) or "nothing posted"
        console.print(f"event {ev['id']} {ev['program']} {ev['start']} ({ev['state']}): estimated {est}; {got}",
                      highlight=False)
    for row in answer["programs"]:
        for line in row["lines"]:
            console.print(f"{row['program']}: {line['amount']:.2f} {line['currency']} {line['type']} ({line['why']})",
                          highlight=False)
    t = answer["totals"]
    console.print(f"season {answer['season']}: estimated {t['estimated'] or 'nothing'}, posted {t['posted'] or 'nothing'}"
                  + (f", difference {t['difference']}" if t["difference"] else ""), highlight=False)
    console.print(answer["baseline"]["assumption"], highlight=False, style="dim")


@home_app.command("credit")
def credit(home: str, program: str, amount: float,
           currency: str = typer.Option("USD", "--currency"),
           event_id: Optional[int] = typer.Option(None, "--event", help="The event it pays for."),
           kind: str = typer.Option("other", "--kind", help="An incentive kind (per-kwh, per-event…) or other."),
           status: str = typer.Option("posted", "--status", help="pending, posted or paid."),
           source: str = typer.Option("program", "--source", help="program or bill."),
           note: Optional[str] = typer.Option(None, "--note"),
           token: str = TokenOption, db: Optional[str] = DbOption, catalog: Optional[Path] = CatalogOption,
           build_dir: Optional[Path] = BuildOption) -> None:
    """Record a credit the program (or a bill) posted, kept beside the estimate.

    Example: derdir home credit 3f2a… pge-wattersaver 4.10 --event 1 --kind per-event --token …
    """
    print_json(_run(db, catalog, build_dir, lambda lg, cat: lg.post_actual_credit(
        cat, home, token, program, amount, currency, event_id, kind, status, source, note=note)))


@home_app.command("check")
def check(home: str, token: str = TokenOption, db: Optional[str] = DbOption, catalog: Optional[Path] = CatalogOption,
          build_dir: Optional[Path] = BuildOption) -> None:
    """The household answer for the saved home, its enrolled programs shown as enrolled (JSON).

    Example: derdir home check 3f2a… --token …
    """
    print_json(_run(db, catalog, build_dir, lambda lg, cat: lg.evaluate(cat, home, token)))


@home_app.command("export")
def export(home: str, token: str = TokenOption, db: Optional[str] = DbOption, catalog: Optional[Path] = CatalogOption,
           build_dir: Optional[Path] = BuildOption) -> None:
    """Everything recorded for the home, as JSON.

    Example: derdir home export 3f2a… --token … > home.json
    """
    print_json(_run(db, catalog, build_dir, lambda lg, _: lg.export(home, token), needs_catalog=False))


@home_app.command("delete")
def delete(home: str, token: str = TokenOption, db: Optional[str] = DbOption, catalog: Optional[Path] = CatalogOption,
           build_dir: Optional[Path] = BuildOption) -> None:
    """Delete the home and everything recorded for it.

    Example: derdir home delete 3f2a… --token …
    """
    _run(db, catalog, build_dir, lambda lg, _: lg.delete(home, token), needs_catalog=False)
    console.print(f"deleted home {home}", highlight=False)
