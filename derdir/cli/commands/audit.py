"""`derdir audit`: check recipes like `brew audit`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ...audit import audit_catalog
from ..app import app
from ..common import CatalogOption, catalog_root, console, print_json


def _expand(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        out.extend(sorted(q for q in p.rglob("*.yaml")) if p.is_dir() else [p])
    return out


@app.command()
def audit(
    paths: Optional[list[Path]] = typer.Argument(None, help="Recipe files or folders (default: the whole catalog)."),
    catalog: Optional[Path] = CatalogOption,
    fmt: str = typer.Option("text", "--format", help="text or json."),
    strict: bool = typer.Option(False, "--strict", help="Fail on warnings too."),
) -> None:
    """Check recipes: syntax, fields, types, ids, references and conflicting claims.

    Prints one line per problem, `path:line:column: field: message [rule]`, and exits 1 on errors.

    Example: derdir audit catalog/programs/pge-wattersaver.yaml
    """
    root = catalog_root(catalog)
    problems = audit_catalog(root, _expand(paths) if paths else None)
    errors = sum(1 for p in problems if p.severity == "error")
    warnings = len(problems) - errors
    if fmt == "json":
        print_json({"errors": errors, "warnings": warnings, "problems": [p.as_dict() for p in problems]})
    else:
        for p in problems:
            print(p.render())
        style = "red" if errors else ("yellow" if warnings else "green")
        console.print(f"[{style}]{errors} error(s), {warnings} warning(s)[/{style}]", highlight=False)
    if errors or (strict and warnings):
        raise typer.Exit(1)
