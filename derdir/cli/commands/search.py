"""`derdir search`: find products by text and filters."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Column, Table

from ...search import search_all, search_products
from ..app import app
from ..common import BuildOption, CatalogOption, JsonOption, console, handle_errors, open_cli_catalog, print_json


@app.command()
def search(
    q: Optional[str] = typer.Argument(None, help="Words to look for (name, model, maker)."),
    category: Optional[str] = typer.Option(None, "--category"),
    manufacturer: Optional[str] = typer.Option(None, "--manufacturer"),
    protocol: Optional[str] = typer.Option(None, "--protocol", help="zigbee, zwave, matter, thread, wifi, openadr-2.0b…"),
    program: Optional[str] = typer.Option(None, "--program"),
    market: Optional[str] = typer.Option(None, "--market", help="Utility, state or ZIP code."),
    hub: Optional[str] = typer.Option(None, "--hub"),
    page: int = typer.Option(1, "--page"),
    per_page: int = typer.Option(20, "--per-page"),
    catalog: Optional[Path] = CatalogOption,
    build_dir: Optional[Path] = BuildOption,
    as_json: bool = JsonOption,
) -> None:
    """Search products.

    Example: derdir search plug --protocol matter --market pge
    """
    cat = open_cli_catalog(catalog, build_dir)
    with handle_errors():
        data = search_products(cat, q, category=category, manufacturer=manufacturer, protocol=protocol,
                               program=program, market=market, hub=hub, page=page, per_page=per_page)
    if as_json:
        print_json(data)
        return
    table = Table(Column("id", overflow="fold"), "category", "maker", "product", "model", title=f"{data['total']} products")
    for item in data["items"]:
        table.add_row(item["id"], item["category"], item["manufacturer"], item["product_name"], item["model"])
    if data["items"]:
        console.print(table)
    elif not q:
        console.print("No products match these filters.", highlight=False)
    others = [hit for hit in search_all(cat, q, 20) if hit["kind"] != "device"] if q else []
    for hit in others:  # hubs, programs and utilities are not products: say where they are
        entity = cat.hubs.get(hit["id"]) if hit["kind"] == "hub" else None
        name = f"{entity.manufacturer} {entity.product_name}" if entity else hit["title"].strip()
        console.print(f"{hit['kind']} {hit['id']}: {name}  (derdir info {hit['id']})", highlight=False)
    if q and not data["items"]:
        console.print(f"No products match {q!r}" + ("; the matches above are not products." if others else
                      "; try fewer words, or `derdir hubs`, `derdir programs`."), highlight=False)
