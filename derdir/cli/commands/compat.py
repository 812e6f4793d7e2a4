"""`derdir compat`: does a product work with a hub, and how?"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ...compat import compat as compat_query
from ..app import app
from ..common import BuildOption, CatalogOption, JsonOption, console, print_json, query


@app.command()
def compat(
    product: str = typer.Argument(..., help="Product id or name."),
    hub: str = typer.Argument(..., help="Hub id."),
    catalog: Optional[Path] = CatalogOption,
    build_dir: Optional[Path] = BuildOption,
    as_json: bool = JsonOption,
) -> None:
    """Compatible true/false/unknown, through which integration or protocol.

    Example: derdir compat tp-link-kasa-kp125m home-assistant-yellow
    """
    data = query(catalog, build_dir, compat_query, product, hub)
    if as_json:
        print_json(data)
        return
    word = {True: "[green]compatible[/green]", False: "[red]not compatible[/red]", None: "[yellow]unknown[/yellow]"}
    console.print(f"{data['product']} + {data['hub']}: {word[data['compatible']]} — {data['reason']}", highlight=False)
    for path in data["paths"]:
        console.print(f"  • {path['type']}: {path.get('name') or path.get('protocol')} "
                      f"({path.get('connection') or 'connection unknown'}) {path.get('url') or ''}", highlight=False)
