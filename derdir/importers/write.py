"""Merge imported recipes into `catalog/devices/<category>/<id>.yaml`, safely and repeatably.

Rules, so an importer can be re-run any time:
- a file is the importer's only if its `imported.source` names the same package and `imported.key`
  matches; hand-written files (no `imported:`) are never modified, and an upstream record that a
  hand-written recipe already covers (same maker and model) is skipped;
- in its own files the importer rewrites only the paths in `imported.owned_fields`; a person takes a
  field over by removing it from that list (the importer then leaves it alone for good);
- a file whose content would only change in its dates is left as it is, so a re-run on another day
  with the same package version reports "unchanged";
- ids are proposed by the importer, kept once assigned, and never equal (after `id_key`) any other
  device id in the catalog; output is deterministic and files are replaced atomically.
"""

from __future__ import annotations

import copy
import os
import tempfile
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel

from ..normalize import id_key, key, maker_key
from ..recipes.device import Device
from ..recipes.yamlio import YamlError, dump_yaml, load_yaml
from .common import KEYED_LISTS, entry_identity

HEADER = "# yaml-language-server: $schema=../../../schema/device.schema.json\n"
TOP_ORDER = [
    "category", "manufacturer", "brand", "product_name", "model_numbers", "hardware_revision", "family",
    "description", "product_url", "firmware", "power", "connectivity", "control", "integrations", "security",
    "identifiers", "former_ids", "notes", "verified_on", "sources", "imported",
]
DATE_KEYS = ("seen", "verified_on")


@dataclass
class WriteReport:
    """What a run did, for the CLI summary and for tests."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # covered by a hand-written recipe
    gone: list[str] = field(default_factory=list)  # our files whose upstream record disappeared (left in place)
    covered: list[str] = field(default_factory=list)  # our files a hand-written recipe now also describes
    categories: dict[str, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {k: len(getattr(self, k)) for k in ("created", "updated", "unchanged", "skipped", "gone", "covered")}


@dataclass
class _Existing:
    path: Path
    data: dict[str, Any]


@dataclass
class _Catalog:
    """The device files on disk, indexed the ways the writer needs."""

    taken: dict[str, Path] = field(default_factory=dict)  # id_key -> file
    ours: dict[str, _Existing] = field(default_factory=dict)  # imported.key -> file, for this package
    hand: set[tuple[str, str]] = field(default_factory=set)  # (maker_key, model key) of hand-written recipes
    hand_zwave: set[tuple[Any, Any, Any]] = field(default_factory=set)  # their Z-Wave ids
    broken: list[Path] = field(default_factory=list)  # files that do not parse


def package_of(source: str) -> str:
    """'@zwave-js/config@15.29.0' -> '@zwave-js/config'."""
    return source.rsplit("@", 1)[0] if source.count("@") > (1 if source.startswith("@") else 0) else source


def _scan(devices: Path, package: str) -> _Catalog:
    cat = _Catalog()
    if not devices.is_dir():
        return cat
    for path in sorted(devices.rglob("*.yaml")):
        cat.taken.setdefault(id_key(path.stem), path)
        try:
            data = load_yaml(path.read_bytes()).data
        except (YamlError, OSError):
            cat.broken.append(path)
            continue
        imp = data.get("imported")
        if isinstance(imp, dict):
            if package_of(str(imp.get("source", ""))) == package and isinstance(imp.get("key"), str):
                cat.ours.setdefault(imp["key"], _Existing(path, data))
            continue
        ids = data.get("identifiers") if isinstance(data.get("identifiers"), dict) else {}
        models = _strings(data.get("model_numbers")) + _strings(ids.get("model_strings"))
        for mk in _maker_keys(data):
            cat.hand.update((mk, key(m)) for m in models if key(m))
        for z in ids.get("zwave") or []:
            if isinstance(z, dict):
                cat.hand_zwave.add((z.get("manufacturer_id"), z.get("product_type"), z.get("product_id")))
    return cat


# --- paths inside a recipe -------------------------------------------------------------------

def _split(path: str) -> tuple[list[str], str | None]:
    if path.endswith("]") and "[" in path:
        name, ident = path[:-1].split("[", 1)
        return [name], ident
    return path.split("."), None


def _get(data: dict[str, Any], path: str) -> tuple[bool, Any]:
    parts, ident = _split(path)
    node: Any = data
    for p in parts:
        if not isinstance(node, dict) or p not in node:
            return False, None
        node = node[p]
    if ident is None:
        return True, node
    if isinstance(node, list):
        for entry in node:
            if entry_identity(parts[0], entry) == ident:
                return True, entry
    return False, None


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    parts, ident = _split(path)
    node = data
    for p in parts[:-1]:
        if not isinstance(node.get(p), dict):
            node[p] = {}
        node = node[p]
    last = parts[-1]
    if ident is None:
        node[last] = copy.deepcopy(value)
        return
    if not isinstance(node.get(last), list):
        node[last] = []
    entries = node[last]
    for i, entry in enumerate(entries):
        if entry_identity(last, entry) == ident:
            entries[i] = copy.deepcopy(value)
            return
    entries.append(copy.deepcopy(value))


def _delete(data: dict[str, Any], path: str) -> None:
    parts, ident = _split(path)
    node: Any = data
    for p in parts[:-1]:
        if not isinstance(node, dict) or not isinstance(node.get(p), dict):
            return
        node = node[p]
    last = parts[-1]
    if not isinstance(node, dict) or last not in node:
        return
    if ident is None:
        del node[last]
    elif isinstance(node[last], list):
        node[last] = [e for e in node[last] if entry_identity(last, e) != ident]
    if len(parts) > 1 and not node:
        _delete(data, ".".join(parts[:-1]))


def merge(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """The file content after an import: `new` for the importer's paths, `old` for everything else."""
    new_imp = new["imported"]
    new_owned: list[str] = list(new_imp.get("owned_fields", []))
    if old is None:
        return canonical(new)
    old_imp = old.get("imported") if isinstance(old.get("imported"), dict) else {}
    old_owned = set(old_imp.get("owned_fields") or [])
    result = copy.deepcopy({k: v for k, v in old.items() if k != "imported"})
    for path in sorted(old_owned - set(new_owned)):
        _delete(result, path)  # the importer wrote it before and no longer does
    owned: list[str] = []
    for path in new_owned:
        present, _ = _get(old, path)
        if present and path not in old_owned:
            continue  # a person wrote or took over this path: theirs
        found, value = _get(new, path)
        if found:
            _set(result, path, value)
            owned.append(path)
    for name in KEYED_LISTS:
        if result.get(name) == [] and name != "sources":
            del result[name]
    result["imported"] = {**new_imp, "owned_fields": owned}
    return canonical(result)


# --- canonical order -------------------------------------------------------------------------

def _submodel(annotation: Any) -> type[BaseModel] | None:
    """The recipe model inside an annotation such as `Power`, `list[Source]` or `WiFi | bool | None`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        sub = _submodel(arg)
        if sub is not None:
            return sub
    return None


def _order(value: Any, model: type[BaseModel] | None) -> Any:
    if isinstance(value, list):
        return [_order(v, model) for v in value]
    if not isinstance(value, dict) or model is None:
        return value
    fields = model.model_fields
    keys = [k for k in fields if k in value] + [k for k in value if k not in fields]
    return {k: _order(value[k], _submodel(fields[k].annotation) if k in fields else None) for k in keys}


def canonical(data: dict[str, Any]) -> dict[str, Any]:
    """Keys in the catalog's usual order at the top, model field order below; unknown keys last."""
    top = [k for k in TOP_ORDER if k in data] + [k for k in data if k not in TOP_ORDER]
    fields = Device.model_fields
    return {k: _order(data[k], _submodel(fields[k].annotation) if k in fields else None) for k in top}


def _undated(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _undated(v) for k, v in value.items() if k not in DATE_KEYS}
    if isinstance(value, list):
        return [_undated(v) for v in value]
    return value


def render(data: dict[str, Any]) -> str:
    """File text for a recipe (no `id:` key: the file name is the id)."""
    return HEADER + dump_yaml(data)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, _FILE_MODE)  # mkstemp makes 0600; recipes are ordinary shared files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- the writer ------------------------------------------------------------------------------

def write_recipes(
    recipes: list[dict[str, Any]],
    catalog: Path,
    progress: Callable[[], None] | None = None,
    dry_run: bool = False,
) -> WriteReport:
    """Create or update the importer's recipe files under `catalog/devices/`.

    `recipes` come from one importer (one package): each has a proposed `id`, a `category` and an
    `imported` block. Returns what happened to each id.
    """
    report = WriteReport()
    if not recipes:
        return report
    package = package_of(recipes[0]["imported"]["source"])
    devices = Path(catalog) / "devices"
    cat = _scan(devices, package)
    if cat.broken:
        # one of them may be ours: writing now could duplicate it under a new id
        names = ", ".join(str(p) for p in cat.broken[:5])
        raise ValueError(f"{len(cat.broken)} device file(s) do not parse ({names}); fix them first (derdir audit)")
    seen_keys: set[str] = set()
    plan: list[tuple[dict[str, Any], Any, str]] = []
    final: dict[str, str] = {}  # proposed id -> the id the file has (existing files keep theirs)
    for recipe in sorted(recipes, key=lambda r: r["imported"]["key"]):
        rkey = recipe["imported"]["key"]
        if rkey in seen_keys:
            raise ValueError(f"duplicate upstream key {rkey!r} from one importer")
        seen_keys.add(rkey)
        new = {k: v for k, v in recipe.items() if k != "id"}
        existing = cat.ours.get(rkey)
        if existing is None and _covered(new, cat):
            report.skipped.append(recipe["id"])
            if progress:
                progress()
            continue
        if existing is not None:
            if _covered(new, cat):
                report.covered.append(existing.path.stem)  # still updated; a person decides which to keep
            rid = existing.path.stem
        else:
            rid = _free_id(recipe["id"], cat)
        cat.taken[id_key(rid)] = devices / str(new["category"]) / f"{rid}.yaml"
        final[recipe["id"]] = rid
        plan.append((new, existing, rid))
    for new, existing, rid in plan:
        parent = new.get("white_label_of")
        if parent is not None:  # importers name the parent by its proposed id
            if parent in final:
                new["white_label_of"] = final[parent]
            else:
                del new["white_label_of"]
                new["imported"] = {**new["imported"], "owned_fields": [
                    f for f in new["imported"]["owned_fields"] if f != "white_label_of"]}
        merged = merge(existing.data if existing is not None else None, new)
        target = devices / str(merged["category"]) / f"{rid}.yaml"
        report.categories[str(merged["category"])] = report.categories.get(str(merged["category"]), 0) + 1
        if existing is not None and existing.path == target and _undated(merged) == _undated(existing.data):
            report.unchanged.append(rid)
        else:
            if not dry_run:
                _atomic_write(target, render(merged))
                if existing is not None and existing.path != target:
                    existing.path.unlink(missing_ok=True)  # category changed: the file moves
            (report.updated if existing is not None else report.created).append(rid)
        if progress:
            progress()
    report.gone = sorted(e.path.stem for k, e in cat.ours.items() if k not in seen_keys)
    return report


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _maker_keys(data: dict[str, Any]) -> set[str]:
    """Every name the recipe gives its maker: manufacturer, brand and the names hubs report."""
    ids = data.get("identifiers") if isinstance(data.get("identifiers"), dict) else {}
    names = [data.get("manufacturer"), data.get("brand")] + _strings(ids.get("manufacturer_names"))
    return {maker_key(n) for n in names if isinstance(n, str) and maker_key(n)}


def _covered(recipe: dict[str, Any], cat: _Catalog) -> bool:
    """True if a hand-written recipe already describes this product: same maker (by any of its
    names) and model, or one of the same Z-Wave ids."""
    ids = recipe.get("identifiers") or {}
    for z in ids.get("zwave") or []:
        if (z["manufacturer_id"], z["product_type"], z["product_id"]) in cat.hand_zwave:
            return True
    models = [key(m) for m in _strings(recipe.get("model_numbers")) if key(m)]
    return any((mk, m) in cat.hand for mk in _maker_keys(recipe) for m in models)


def _free_id(proposed: str, cat: _Catalog) -> str:
    """`proposed`, or `proposed-2`, `-3`… : the first that no other device id resembles."""
    cand, n = proposed, 2
    while id_key(cand) in cat.taken:
        cand = f"{proposed}-{n}"
        n += 1
    return cand
