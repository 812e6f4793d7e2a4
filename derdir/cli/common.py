"""Helpers every command uses: the catalog location, JSON output, error exits."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, NoReturn

import typer
from rich.console import Console

PIPED_WIDTH = 10_000  # wide enough that no id, name or URL is ever wrapped or cut


def _console(stderr: bool = False) -> Console:
    """On a terminal, rich's layout at the terminal's width; piped or redirected (a script, `| grep`, a file),
    every value in full: lines are not wrapped and table cells are not folded or cut at 80 columns."""
    if (sys.stderr if stderr else sys.stdout).isatty():
        return Console(stderr=stderr)
    return Console(stderr=stderr, width=PIPED_WIDTH, soft_wrap=True)


console = _console()
err_console = _console(stderr=True)

CatalogOption = typer.Option(
    None, "--catalog", envvar="DERDIR_CATALOG", help="Catalog folder (default: ./catalog, else the bundled one)."
)
BuildOption = typer.Option(None, "--build-dir", envvar="DERDIR_BUILD", help="Build folder (default: next to the catalog).")
JsonOption = typer.Option(False, "--json", help="Print JSON for machines instead of tables.")


def catalog_root(given: Path | None) -> Path:
    """The catalog to use: --catalog, ./catalog, or the one next to this package (a checkout)."""
    if given:
        return given
    here = Path.cwd() / "catalog"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[2] / "catalog"


def build_root(given: Path | None, catalog: Path) -> Path:
    """The build folder: --build-dir / DERDIR_BUILD, else `build/` beside the catalog."""
    return given if given else catalog.resolve().parent / "build"


@contextmanager
def progress_bar(description: str, disable: bool = False) -> Iterator[Callable[..., None]]:
    """A rich progress bar on stderr (stdout stays the answer) for long work, as a callback:
    `step(message, total)` starts a phase (a bar when its steps are counted, else a spinner),
    `step(None)` advances it by one. Drawn only on a terminal."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err_console, transient=True,
                  disable=disable or not err_console.is_terminal) as bar:
        task = bar.add_task(description, total=None)

        def step(message: str | None = None, total: int | None = None) -> None:
            nonlocal task
            if message is None:
                bar.advance(task)
                done = bar.tasks[-1]
                if done.total is not None and done.completed >= done.total:
                    bar.refresh()  # a counted phase is drawn finished, however fast it went
                return
            bar.update(task, visible=False)
            task = bar.add_task(message, total=total)
            bar.refresh()

        yield step


def open_cli_catalog(catalog: Path | None, build_dir: Path | None):
    """Open (building first if needed, with a progress bar) the catalog for a query command, with friendly errors."""
    from ..service import open_catalog

    root = catalog_root(catalog)
    with handle_errors(), progress_bar("opening the catalog") as step:
        return open_catalog(root, build_root(build_dir, root), progress=step)


def query(catalog: Path | None, build_dir: Path | None, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Open the catalog and run one core query, turning its errors into CLI messages."""
    cat = open_cli_catalog(catalog, build_dir)
    with handle_errors():
        return fn(cat, *args, **kwargs)


@contextmanager
def handle_errors() -> Iterator[None]:
    """Turn core exceptions into one-line messages and exit codes (1 = error, 2 = not found/ambiguous)."""
    from ..errors import Ambiguous, CatalogInvalid, DerdirError, NotFound

    try:
        yield
    except CatalogInvalid as exc:
        for p in exc.problems[:50]:
            print(p.render(), file=sys.stderr)
        fail(str(exc))
    except Ambiguous as exc:
        for c in exc.candidates:
            err_console.print(f"  {c['id']}  {c.get('manufacturer', '')} {c.get('product_name', '')}", highlight=False)
        fail(str(exc), 2)
    except NotFound as exc:
        fail(str(exc), 2)
    except DerdirError as exc:
        fail(str(exc))


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[red]error:[/red] {message}", highlight=False, markup=True)
    raise typer.Exit(code)
