"""Propose a recipe without touching the catalog: scaffold it from a few fields, then audit it.

The text is what `derdir new` would write; it is loaded from a temporary file with the same loader
`derdir audit` uses, and references to utilities are checked against the catalog being served.
Nothing is written to the catalog.
"""

from __future__ import annotations

import difflib
import re
import tempfile
from pathlib import Path
from typing import Any

from .catalog.index import Catalog
from .problem import Problem
from .recipes.load import Loaded, load_recipe
from .recipes.scaffold import recipe_path, scaffold, slug

KINDS = ("device", "hub", "program", "utility")
MAX_FIELD = 2000

# The fields a person fills in for each kind (the required fields of `derdir new`), with labels.
FIELDS: dict[str, list[tuple[str, str, bool]]] = {
    "device": [("category", "Category", True), ("manufacturer", "Manufacturer", True), ("brand", "Brand", False),
               ("product_name", "Product name", True), ("model", "Model number", True),
               ("source", "Source URL (the page your facts come from)", True), ("id", "Id (optional)", False)],
    "hub": [("ecosystem", "Ecosystem", True), ("manufacturer", "Manufacturer", True),
            ("product_name", "Product name", True), ("model", "Model number", True), ("source", "Source URL", True),
            ("id", "Id (optional)", False)],
    "program": [("name", "Program name", True), ("operator", "Operator", True),
                ("utilities", "Utility ids, separated by spaces or commas", False),
                ("regions", "Statewide regions such as US-MA, separated by spaces or commas", False),
                ("source", "Official program page (URL)", True), ("id", "Id (optional)", False)],
    "utility": [("name", "Name", True), ("country", "Country", True),
                ("regions", "Regions such as US-CA, separated by spaces or commas", True),
                ("source", "Source URL", True), ("id", "Id (optional)", False)],
}


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s,]+", text.strip()) if w]


def recipe_fields(kind: str, form: dict[str, str]) -> tuple[str, dict[str, Any], str | None]:
    """(id, recipe fields, device category) from the form, as `derdir new` builds them."""
    f = {k: (v or "").strip()[:MAX_FIELD] for k, v in form.items()}
    if kind == "device":
        rid = f.get("id") or slug(f.get("manufacturer"), f.get("brand"), f.get("model"))
        fields = {"category": f.get("category"), "manufacturer": f.get("manufacturer"), "brand": f.get("brand"),
                  "product_name": f.get("product_name"), "model_numbers": [f["model"]] if f.get("model") else []}
        return rid, fields, f.get("category") or None
    if kind == "hub":
        rid = f.get("id") or slug(f.get("manufacturer"), f.get("product_name"))
        return rid, {"manufacturer": f.get("manufacturer"), "product_name": f.get("product_name"),
                     "model_numbers": [f["model"]] if f.get("model") else [], "ecosystem": f.get("ecosystem")}, None
    if kind == "program":
        rid = f.get("id") or slug(f.get("operator"), f.get("name"))
        markets = {k: v for k, v in (("utilities", _words(f.get("utilities", ""))),
                                     ("regions", _words(f.get("regions", "")))) if v}
        return rid, {"name": f.get("name"), "operator": f.get("operator"), "urls": {"info": f.get("source")},
                     "markets": markets}, None
    rid = f.get("id") or slug(f.get("name"))
    return rid, {"name": f.get("name"), "country": f.get("country"), "regions": _words(f.get("regions", ""))}, None


def _references(cat: Catalog, loaded: Loaded, rel: str) -> list[Problem]:
    """Utilities a proposed program names must be in the catalog (as `derdir audit` checks)."""
    out = []
    if loaded.kind == "program":
        for i, u in enumerate(loaded.model.markets.utilities):
            if u not in cat.utilities and not cat.canonical_id("utility", u):
                close = difflib.get_close_matches(u, list(cat.utilities), n=3, cutoff=0.6)
                hint = f"; did you mean {', '.join(close)}?" if close else "; add its utility recipe first"
                line, col = loaded.position("markets", "utilities", i)
                out.append(Problem(rel, line, col, f"markets.utilities.{i}", f"no utility {u!r} in the catalog{hint}",
                                   "reference"))
    return out


def propose(cat: Catalog, kind: str, form: dict[str, str]) -> dict[str, Any]:
    """Recipe text for `kind` from the form, its path in the catalog, and every problem found."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    rid, fields, category = recipe_fields(kind, form)
    source = (form.get("source") or "").strip()[:MAX_FIELD]
    text = scaffold(kind, fields, source)
    with tempfile.TemporaryDirectory(prefix="derdir-propose-") as tmp:
        root = Path(tmp) / "catalog"
        safe_id = rid if re.fullmatch(r"[a-z0-9-]{1,120}", rid or "") else "recipe"
        safe_cat = category if category and re.fullmatch(r"[a-z-]{1,40}", category) else "other"
        path = recipe_path(root, kind, safe_id, safe_cat)
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
        loaded, problems = load_recipe(path, root)
        rel = str(path.relative_to(Path(tmp)))
    if rid != safe_id:
        problems.insert(0, Problem(rel, 1, 1, "id", f"id {rid!r} is not a lowercase kebab-case id", "id-format"))
    if loaded is not None:
        problems += _references(cat, loaded, rel)
        if cat.canonical_id(kind, rid):
            problems.append(Problem(rel, 1, 1, "id", f"a {kind} with id {rid!r} is already in the catalog; "
                                    "edit that recipe instead, or choose another id", "duplicate-id"))
    problems.sort(key=lambda p: (p.line, p.column))
    return {"kind": kind, "id": rid, "path": rel, "text": text,
            "problems": [p.as_dict() | {"text": p.render()} for p in problems],
            "valid": not any(p.severity == "error" for p in problems)}
