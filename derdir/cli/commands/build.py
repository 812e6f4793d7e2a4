"""`derdir build`: compile the catalog into build/ (SQLite index + static JSON API)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from ...catalog.build import build as build_catalog
from ..app import app
from ..common import (BuildOption, CatalogOption, JsonOption, build_root, catalog_root, console, handle_errors,
                      print_json, progress_bar)


@app.command()
def build(
    catalog: Optional[Path] = CatalogOption,
    build_dir: Optional[Path] = BuildOption,
    force: bool = typer.Option(False, "--force", help="Rebuild even if the catalog has not changed."),
    as_json: bool = JsonOption,
) -> None:
    """Audit the catalog and compile it; a catalog with errors never replaces the last good build.

    After a small change (recipes edited or added) the previous build is updated in a copy, in seconds;
    --force builds everything again.

    Example: derdir build && ls build/current/api/v1/products | head
    """
    root = catalog_root(catalog)
    out = build_root(build_dir, root)
    with handle_errors(), progress_bar("building", disable=as_json) as step:
        info = build_catalog(root, out, step, force=force)
    if as_json:
        print_json({"version": info.version, "built_at": info.built_at, "path": str(info.path),
                    "counts": info.counts, "reused": info.reused, "delta": info.delta})
    else:
        state = "up to date" if info.reused else "updated" if info.delta else "built"
        plural = {"utility": "utilities"}
        counts = ", ".join(f"{n} {plural.get(k, k + 's')}" for k, n in info.counts.items())
        console.print(f"[green]{state}[/green] {info.version} ({counts}) -> {info.path}", highlight=False)
