"""Generated documentation of the recipe format: JSON Schema files and commented templates.

Both are derived from the pydantic models, so they cannot drift from what `derdir audit`
checks; `derdir schema --check` (and a test) fails when the committed copies are stale.
"""

from __future__ import annotations

import json
from datetime import date
from enum import Enum
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from .common import Recipe
from .load import KINDS

SCHEMA_BASE = "https://derdirectory.org/schema"


def json_schema(kind: str) -> str:
    schema = KINDS[kind].model_json_schema(mode="validation")
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{SCHEMA_BASE}/{kind}.schema.json",
              **schema}
    props = schema.setdefault("properties", {})
    props["id"] = {"type": "string", "description": "Optional; must equal the file name when given."}
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def _model_of(annotation: Any) -> type[BaseModel] | None:
    for arg in (annotation, *get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
        if get_origin(arg) is list:
            inner = _model_of(get_args(arg)[0])
            if inner:
                return inner
    return None


def _is_list(annotation: Any) -> bool:
    return get_origin(annotation) is list or any(get_origin(a) is list for a in get_args(annotation))


def _type_name(annotation: Any) -> str:
    """Readable type: 'text', 'list of Source', 'one of: a, b', 'Matter | yes/no'."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _type_name(args[0])
    if origin is Literal:
        return "one of: " + ", ".join(str(a) for a in args)
    if origin is list:
        return "list of " + _type_name(args[0])
    if origin in (Union, UnionType):
        parts = [_type_name(a) for a in args if a is not type(None)]
        return " | ".join(parts) + (" (optional)" if type(None) in args else "")
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "one of: " + ", ".join(str(m.value) for m in annotation)
    names = {str: "text", int: "integer", float: "number", bool: "yes/no (true/false)", date: "date YYYY-MM-DD"}
    if annotation in names:
        return names[annotation]
    return getattr(annotation, "__name__", str(annotation))


def _lines(model: type[BaseModel], indent: int) -> list[str]:
    out: list[str] = []
    pad = "  " * indent
    fields = list(model.model_fields.items())
    if indent == 0:  # provenance last, as recipes are written
        fields.sort(key=lambda item: item[0] in Recipe.model_fields)
    for name, info in fields:
        info: FieldInfo
        doc = info.description or ""
        required = info.is_required()
        head = f"{pad}# {name}: {'REQUIRED ' if required else ''}{_type_name(info.annotation)}"
        out.append(head + (f" — {doc}" if doc else ""))
        sub = _model_of(info.annotation)
        if sub is not None and indent < 4:
            out.extend(_lines(sub, indent + 1 + (1 if _is_list(info.annotation) else 0)))
    return out


def template(kind: str) -> str:
    """Every field of a kind, one comment line each, nested as in a recipe."""
    header = [f"# Template for a {kind} recipe: every field the format has, as generated from the models.",
              "# Copy the fields you need into your recipe (or run `derdir new " + kind + "`), then `derdir audit`.",
              "# null or a missing key means unknown; false means a source says no.", ""]
    return "\n".join(header + _lines(KINDS[kind], 0)) + "\n"
