"""`derdir schema`: regenerate schema/*.schema.json and templates/*.yaml from the models."""

from __future__ import annotations

from pathlib import Path

import typer

from ...recipes.docs import json_schema, template
from ...recipes.load import KINDS
from ..app import app
from ..common import console, fail

ROOT = Path(__file__).resolve().parents[3]


def generated(root: Path) -> dict[Path, str]:
    out: dict[Path, str] = {}
    for kind in KINDS:
        out[root / "schema" / f"{kind}.schema.json"] = json_schema(kind)
        out[root / "templates" / f"{kind}.yaml"] = template(kind)
    out[root / "schema" / "territory-corrections.schema.json"] = corrections_schema()
    out[root / "schema" / "mirror-domains.schema.json"] = mirrors_schema()
    out[root / "schema" / "source-kinds.schema.json"] = source_kinds_schema()
    return out


def corrections_schema() -> str:
    """The schema of catalog/territories/corrections.yaml (not a recipe kind: one file of the build's data)."""
    from ...catalog.territories import Corrections

    return _data_schema("territory-corrections", Corrections)


def mirrors_schema() -> str:
    """The schema of catalog/audit/mirror-domains.yaml (the audit's list of mirror and scraper hosts)."""
    from ...audit.source_rules import MirrorList

    return _data_schema("mirror-domains", MirrorList)


def source_kinds_schema() -> str:
    """The schema of catalog/audit/source-kinds.yaml (address prefixes of one source kind)."""
    from ...importers.source_kinds import PrefixList

    return _data_schema("source-kinds", PrefixList)


def _data_schema(name: str, model: type) -> str:
    import json

    from ...recipes.docs import SCHEMA_BASE

    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "$id": f"{SCHEMA_BASE}/{name}.schema.json", **model.model_json_schema(mode="validation")}  # type: ignore[attr-defined]
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


@app.command()
def schema(
    check: bool = typer.Option(False, "--check", help="Only report stale files (exit 1), write nothing."),
    root: Path = typer.Option(ROOT, "--root", help="Project folder holding schema/ and templates/."),
) -> None:
    """Write the JSON Schema and the commented template of every recipe kind.

    Example: derdir schema --check
    """
    stale = [p for p, text in generated(root).items() if not p.is_file() or p.read_text() != text]
    if check:
        if stale:
            fail("stale generated files: " + ", ".join(str(p.relative_to(root)) for p in stale) + "; run `derdir schema`")
        console.print("schema and templates are up to date")
        return
    for path, text in generated(root).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    console.print(f"wrote {len(stale)} changed file(s)")
