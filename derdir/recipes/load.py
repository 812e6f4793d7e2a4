"""Read one recipe file into its model, turning every failure into located Problems."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..problem import Problem
from .common import ID_PATTERN, Recipe
from .device import Device
from .hub import Hub
from .manufacturer import Manufacturer
from .program import Program
from .rebate import Rebate
from .utility import Utility
from .yamlio import MAX_BYTES, Document, YamlError, dotted, load_yaml

KINDS: dict[str, type[Recipe]] = {"device": Device, "hub": Hub, "program": Program, "utility": Utility,
                                  "manufacturer": Manufacturer, "rebate": Rebate}
FOLDERS = {"devices": "device", "hubs": "hub", "programs": "program", "utilities": "utility",
           "manufacturers": "manufacturer", "rebates": "rebate"}
_ID = re.compile(ID_PATTERN)


@dataclass
class Loaded:
    """A recipe file that parsed and validated.

    `doc` (the line map) may be dropped to save memory and inter-process copying; it is read
    again from `file` the first time a position is asked for (only when there is a problem).
    """

    kind: str
    id: str
    path: str
    model: Any
    doc: Document | None = field(default=None, repr=False)
    file: str = ""

    @property
    def former_ids(self) -> list[str]:
        return self.model.former_ids

    def position(self, *path: str | int) -> tuple[int, int]:
        if self.doc is None:
            try:
                self.doc = load_yaml(Path(self.file).read_bytes())
            except (OSError, YamlError):
                return (1, 1)
        return self.doc.position(tuple(path))


def kind_of(path: Path, root: Path) -> tuple[str | None, str | None]:
    """(kind, device category folder) from where a file sits under the catalog root."""
    return _kind_at(path.parent.resolve() / path.name, root.resolve(), path)


def _kind_at(where: Path, base: Path, path: Path) -> tuple[str | None, str | None]:
    """`kind_of` for a file whose real location (`where`) and real catalog root (`base`) are known."""
    try:
        parts = where.relative_to(base).parts
    except ValueError:
        parts = path.parts[-3:]
    for i, part in enumerate(parts[:-1]):
        if part in FOLDERS:
            kind = FOLDERS[part]
            category = parts[i + 1] if kind == "device" and len(parts) > i + 2 else None
            return kind, category
    return None, None


def _problem(rel: str, line: int, col: int, fld: str, msg: str, rule: str) -> Problem:
    return Problem(rel, line, col, fld, msg, rule)


_FIELD = re.compile(r"^[a-z_][a-z0-9_]*$")
_TYPE_NAMES = {"bool", "str", "int", "float", "list"}


def _clean_loc(loc: tuple[Any, ...]) -> tuple[str | int, ...]:
    """Drop the union-member labels pydantic puts in error locations (`WiFi`, `bool`, …)."""
    return tuple(p for p in loc if isinstance(p, int) or (_FIELD.match(p) and p not in _TYPE_NAMES))


def _describe(err: dict[str, Any]) -> tuple[str, str]:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown-field", "unknown field (misspelt? see the template for this kind)"
    if kind == "missing":
        return "required-field", "required field is missing"
    msg = err["msg"].removeprefix("Value error, ")
    return ("url-scheme" if "URL scheme" in msg else "type"), msg



def load_recipe(path: Path, root: Path, raw: bytes | None = None) -> tuple[Loaded | None, list[Problem]]:
    """Parse and validate one file. Never raises for bad content: returns problems instead."""
    where, base = path.parent.resolve() / path.name, root.resolve()  # each resolve lstat()s every folder above
    try:
        rel = str(where.relative_to(base.parent))
    except ValueError:
        rel = str(path)
    kind, category = _kind_at(where, base, path)
    if kind is None:
        return None, [_problem(rel, 1, 1, "", "not under devices/, hubs/, programs/, utilities/ or manufacturers/", "layout")]
    rid = path.stem
    problems: list[Problem] = []
    if path.suffix != ".yaml":
        return None, [_problem(rel, 1, 1, "", "recipe files end in .yaml", "layout")]
    if not _ID.match(rid) or len(rid) > 120:
        problems.append(_problem(rel, 1, 1, "id", f"file name {rid!r} is not a lowercase kebab-case id", "id-format"))
    try:
        if raw is None:
            if path.is_symlink():  # a link could pull in any file on the machine that builds the catalog
                return None, problems + [_problem(rel, 1, 1, "", "recipes must be regular files, not symlinks",
                                                  "layout")]
            size = path.stat().st_size
            if size > MAX_BYTES:  # refuse before reading it into memory
                raise YamlError(f"file is {size} bytes; recipes are limited to {MAX_BYTES}")
            raw = path.read_bytes()
        doc = load_yaml(raw, positions=False)  # where each value sits is only needed to report a problem
    except YamlError as exc:
        return None, problems + [_problem(rel, exc.line, exc.column, exc.field, exc.message, "yaml")]
    except OSError as exc:
        return None, problems + [_problem(rel, 1, 1, "", f"cannot read file: {exc.strerror}", "yaml")]
    data = dict(doc.data)
    located: list[Document] = []

    def at(loc: tuple[Any, ...]) -> tuple[int, int]:
        if not located:
            located.append(load_yaml(raw))
        return located[0].position(loc)

    if "id" in data and data.pop("id") != rid:
        line, col = at(("id",))
        problems.append(_problem(rel, line, col, "id", f"id must match the file name ({rid!r})", "id-format"))
    try:
        model = KINDS[kind].model_validate(data)
    except ValidationError as exc:
        seen: set[tuple[Any, ...]] = set()
        for err in exc.errors(include_url=False):
            loc = _clean_loc(err["loc"])
            if loc in seen:
                continue
            seen.add(loc)
            rule, msg = _describe(err)
            line, col = at(loc)
            problems.append(_problem(rel, line, col, dotted(loc), msg, rule))
        return None, problems
    if kind == "device" and category != model.category:
        line, col = at(("category",))
        problems.append(
            _problem(rel, line, col, "category", f"category {model.category!r} does not match folder {category!r}", "layout")
        )
    return Loaded(kind, rid, rel, model, located[0] if located else None, str(path)), problems
