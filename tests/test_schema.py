"""The JSON Schema and templates are generated from the models and must not drift."""

from __future__ import annotations

import json

from derdir.cli.commands.schema import ROOT, generated
from derdir.recipes.load import KINDS


def test_committed_schema_and_templates_are_current() -> None:
    stale = [str(p.relative_to(ROOT)) for p, text in generated(ROOT).items() if not p.is_file() or p.read_text() != text]
    assert stale == [], "run `derdir schema` and commit the result"


def test_schema_rejects_unknown_fields_like_the_models() -> None:
    for kind in KINDS:
        schema = json.loads((ROOT / "schema" / f"{kind}.schema.json").read_text())
        assert schema["additionalProperties"] is False
        assert "sources" in schema["required"] and "verified_on" in schema["required"]


def test_every_recipe_points_editors_at_its_schema() -> None:
    for path in (ROOT / "catalog").rglob("*.yaml"):
        first = path.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        target = (path.parent / first.split("=", 1)[1]).resolve()
        assert target.is_file(), f"{path}: schema link {target} does not exist"
