"""`derdir new`: scaffold a valid recipe in the right folder."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ...recipes.common import Category
from ...recipes.load import load_recipe
from ...recipes.scaffold import recipe_path, scaffold, slug
from ..app import app
from ..common import CatalogOption, catalog_root, console, fail

new_app = typer.Typer(help="Scaffold a new recipe (device, hub, program or utility).", no_args_is_help=True)
app.add_typer(new_app, name="new")

SourceOpt = typer.Option(..., "--source", help="URL of the page your facts come from.")
IdOpt = typer.Option(None, "--id", help="Recipe id (default: derived from the names).")


def _write(kind: str, rid: str, fields: dict, source: str, catalog: Path | None, category: str | None = None) -> None:
    root = catalog_root(catalog)
    path = recipe_path(root, kind, rid, category)
    if path.exists():
        fail(f"{path} already exists")
    text = scaffold(kind, fields, source)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    _, problems = load_recipe(path, root)
    if problems:
        path.unlink()
        fail("the scaffold would not be valid: " + "; ".join(p.render() for p in problems))
    console.print(f"created {path} — edit it, then run `derdir audit {path}`", highlight=False)


@new_app.command("device")
def new_device(
    category: Category = typer.Option(..., "--category"),
    manufacturer: str = typer.Option(..., "--manufacturer"),
    name: str = typer.Option(..., "--name", help="Product name as the maker sells it."),
    model: str = typer.Option(..., "--model", help="Canonical model number."),
    brand: Optional[str] = typer.Option(None, "--brand"),
    source: str = SourceOpt,
    rid: Optional[str] = IdOpt,
    catalog: Optional[Path] = CatalogOption,
) -> None:
    """Example: derdir new device --category smart-plug --manufacturer TP-Link --brand Kasa --name "Smart Plug" --model EP25 --source https://www.tp-link.com/..."""
    rid = rid or slug(manufacturer, brand, model)
    fields = {"category": category.value, "manufacturer": manufacturer, "brand": brand, "product_name": name,
              "model_numbers": [model]}
    _write("device", rid, fields, source, catalog, category.value)


@new_app.command("hub")
def new_hub(
    ecosystem: str = typer.Option(..., "--ecosystem", help="home-assistant, smartthings, hubitat, …"),
    manufacturer: str = typer.Option(..., "--manufacturer"),
    name: str = typer.Option(..., "--name"),
    model: str = typer.Option(..., "--model"),
    source: str = SourceOpt,
    rid: Optional[str] = IdOpt,
    catalog: Optional[Path] = CatalogOption,
) -> None:
    """Example: derdir new hub --ecosystem hubitat --manufacturer Hubitat --name "Hubitat Elevation C-8" --model C-8 --source https://hubitat.com/"""
    rid = rid or slug(manufacturer, name)
    _write("hub", rid, {"manufacturer": manufacturer, "product_name": name, "model_numbers": [model],
                        "ecosystem": ecosystem}, source, catalog)


@new_app.command("program")
def new_program(
    name: str = typer.Option(..., "--name"),
    operator: str = typer.Option(..., "--operator"),
    utility: list[str] = typer.Option([], "--utility", help="Utility id (repeat)."),
    region: list[str] = typer.Option([], "--region", help="Statewide region such as US-MA (repeat)."),
    url: str = typer.Option(..., "--url", help="Official program page."),
    rid: Optional[str] = IdOpt,
    catalog: Optional[Path] = CatalogOption,
) -> None:
    """Example: derdir new program --name "Smart Savers" --operator "DTE Energy" --utility dte-energy --url https://…"""
    rid = rid or slug(operator, name)
    fields = {"name": name, "operator": operator, "urls": {"info": url},
              "markets": {"utilities": list(utility), "regions": list(region)}}
    _write("program", rid, fields, url, catalog)


@new_app.command("utility")
def new_utility(
    name: str = typer.Option(..., "--name"),
    country: str = typer.Option("US", "--country"),
    region: list[str] = typer.Option(..., "--region", help="ISO 3166-2 code such as US-CA (repeat)."),
    source: str = SourceOpt,
    rid: Optional[str] = IdOpt,
    catalog: Optional[Path] = CatalogOption,
) -> None:
    """Example: derdir new utility --name "Omaha Public Power District" --region US-NE --source https://www.oppd.com/"""
    rid = rid or slug(name)
    _write("utility", rid, {"name": name, "country": country, "regions": list(region)}, source, catalog)
