"""What a client rebuilds a `Catalog` from: the recipes as data and the territory rows, whole or one region.

A bundle is one JSON document (gzipped on disk): the recipe files (their catalog paths and their JSON, which
is YAML too), the catalog's audit allowlists, and the ZIP territory table with its corrections. The client
writes it out as a catalog folder and runs the project's own `build` on it, so a local answer comes from the
same code as the server's.

A region's shard (`US-CA`) holds every program a home there can be offered, the utilities those programs and
the region's ZIP codes name, every device a claim or rule of those programs names, all hubs and makers, and
the region's ZIP rows. A device no program of the region names is left out: a home reporting one gets it back
as not in the catalog, where the server says it earns nothing there.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path
from typing import Any

from ..catalog import territories as terr
from ..catalog.build import CURRENT, build
from ..catalog.index import Catalog
from ..recipes.common import REGIONS
from ..errors import CatalogInvalid
from .errors import SnapshotError

FORMAT = 1
ALLOWLISTS = "audit"  # catalog/audit/: exceptions to audit rules, data the build reads


def regions(cat: Catalog) -> list[str]:
    """The regions a shard can be made for: every region a program or utility names."""
    named = set(cat.programs_near) | {r for u in cat.utilities.values() for r in u.regions}
    return sorted(r for r in named if r in REGIONS)


def bundle(cat: Catalog, root: Path, region: str | None = None) -> dict[str, Any]:
    """The bundle of the whole catalog (`region` None) or of one region. `root`: the catalog folder `cat` was
    built from, for its territory table and allowlists (checked to be the ones the build read)."""
    info = json.loads((cat.path / "build-info.json").read_text())
    if info.get("territories", "") != terr.digest(root):
        raise SnapshotError(str(terr.folder(root)), f"is not the territory table build {cat.version} was made from")
    table = terr.load(root)
    rows = table.rows
    if region is None:
        recipes = cat.sql("SELECT kind, id, path, json FROM entity ORDER BY kind, id")
    else:
        if region not in REGIONS:
            raise SnapshotError(region, f"is not a region (one of {', '.join(regions(cat))})")
        recipes = _region_recipes(cat, region)
        state = region.removeprefix("US-") if region.startswith("US-") else None
        rows = [r for r in rows if r[1] == state]
    allow = sorted(p for p in (Path(root) / ALLOWLISTS).glob("*.yaml") if p.is_file())
    corrections = terr.folder(root) / terr.CORRECTIONS
    return {
        "format": FORMAT, "catalog_version": cat.version, "built_at": cat.meta["built_at"], "region": region,
        "recipes": [[_rel(path), _recipe(text)] for _kind, _id, path, text in recipes],
        "files": {f"{ALLOWLISTS}/{p.name}": p.read_text(encoding="utf-8") for p in allow},
        "territories": {"rows": [[z, s, t, int(p)] for z, s, t, p in rows],
                        "corrections": corrections.read_text(encoding="utf-8") if corrections.is_file() else None},
    }


def _recipe(text: str) -> str:
    """A recipe's JSON as its file would hold it: the kind is its folder's, not a field."""
    data = json.loads(text)
    data.pop("kind", None)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _rel(path: str) -> str:
    """An entity's stored path (`catalog/devices/...`) relative to its catalog folder."""
    return "/".join(Path(path).parts[1:])


def _region_recipes(cat: Catalog, region: str) -> list[tuple]:
    programs = set(cat.programs_near.get(region, ())) | set(cat.programs_by_region.get(region, ()))
    todo = list(programs)
    while todo:  # a program names those it cannot be combined with: they come along (never offered here)
        named = {x for pid in todo for x in cat.programs[pid].excludes_programs if x in cat.programs}
        todo = sorted(named - programs)
        programs |= named
    utilities = {uid for uid, u in cat.utilities.items() if region in u.regions}
    for pid in programs:
        utilities |= set(cat.programs[pid].markets.utilities)
    for uid in list(utilities):
        u = cat.utilities.get(uid)
        utilities |= set(u.serves_within) if u else set()
    utilities &= set(cat.utilities)
    devices = {r[0] for r in cat.sql_in("SELECT DISTINCT device_id FROM candidate WHERE program_id IN ({})",
                                          sorted(programs))}
    todo = list(devices)
    while todo:  # a white-label device names the one it is made from
        for (text,) in cat.sql_in("SELECT json FROM entity WHERE kind = 'device' AND id IN ({})", todo):
            todo = []
            other = json.loads(text).get("white_label_of")
            if other and other not in devices:
                devices.add(other)
                todo.append(other)
    wanted = {"program": programs, "utility": utilities, "device": devices}
    rows = cat.sql("SELECT kind, id, path, json FROM entity WHERE kind IN ('hub', 'manufacturer') ORDER BY kind, id")
    for kind, ids in sorted(wanted.items()):
        rows += cat.sql_in(f"SELECT kind, id, path, json FROM entity WHERE kind = '{kind}' AND id IN ({{}}) ORDER BY id",
                           sorted(ids))
    return rows


def dump(data: dict[str, Any]) -> bytes:
    """A bundle's file bytes: gzip with no timestamp, so the same bundle is the same bytes."""
    return gzip.compress(json.dumps(data, sort_keys=True, separators=(",", ":")).encode(), compresslevel=9, mtime=0)


def materialize(data: bytes, name: str, where: Path) -> Catalog:
    """Write a verified bundle out as a catalog folder and build it into `where` (once: a finished build
    there is reused), returning the `Catalog`. The work is done aside and renamed into place, so a build
    that stops half way is never taken for a finished one."""
    where = Path(where)
    if (where / "build" / CURRENT).exists():
        return Catalog((where / "build" / CURRENT).resolve())
    work = where.with_name(f"{where.name}.tmp-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    try:
        _unpack(data, name, work / "catalog")
        try:
            build(work / "catalog", work / "build")
        except CatalogInvalid as exc:
            first = exc.problems[0].render() if exc.problems else str(exc)
            raise SnapshotError(name, f"does not build into a catalog: {first}") from None
        shutil.rmtree(where, ignore_errors=True)
        os.replace(work, where)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return Catalog((where / "build" / CURRENT).resolve())


def _unpack(data: bytes, name: str, root: Path) -> None:
    try:
        doc = json.loads(gzip.decompress(data))
        if doc.get("format") != FORMAT:
            raise SnapshotError(name, f"bundle format {doc.get('format')!r}; this derdir reads {FORMAT}")
        for rel, text in doc["recipes"]:
            _write(root, rel, text)
        for rel, text in doc["files"].items():
            _write(root, rel, text)
        t = doc["territories"]
        table = terr.folder(root) / terr.TABLE
        table.parent.mkdir(parents=True, exist_ok=True)
        table.write_bytes(terr.write_table(table, [(z, s, k, bool(p)) for z, s, k, p in t["rows"]]))
        if t.get("corrections") is not None:
            (terr.folder(root) / terr.CORRECTIONS).write_text(t["corrections"], encoding="utf-8")
    except (ValueError, KeyError, TypeError, OSError, EOFError) as exc:
        raise SnapshotError(name, f"cannot be read as a bundle ({exc})") from None


def _write(root: Path, rel: str, text: str) -> None:
    target = (root / rel).resolve()
    if not target.is_relative_to(root.resolve()) or not rel.endswith(".yaml"):
        raise ValueError(f"recipe path {rel!r} is outside the catalog")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
