"""A rebuild after a small change: the previous build, updated in a copy, instead of a build from scratch.

At 100,000 devices a full build reads, audits and indexes every recipe (about a minute); after a pull
request that edits one recipe almost all of that work would be repeated to the same result. When only
a few recipes were edited, added or removed (no manufacturer recipe touched: its aliases reach every
device of the maker; same build code), the build instead:

1. parses the changed files and audits them against the rest of the catalog as the previous build
   holds it (`CatalogFiles.focus`: each rule checks what the changed recipes, and the recipes naming a
   removed one, could break);
2. copies the previous SQLite file and replaces the changed recipes' rows, their candidate pairs and
   the `programs` column of every device whose pairs moved (the same row functions as a full build);
3. hard-links the unchanged per-recipe JSON files and recompresses only the changed chunks of
   catalog.json.gz.

Anything else -- a problem in a changed file included -- returns None and the caller builds in full,
so every error is reported exactly as a full build reports it. tests/test_delta_build.py holds delta
builds equal, table by table and file by file, to full builds of the same catalog.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterable

from ..audit import audit_files
from ..facts import DeviceFacts
from ..recipes.load import FOLDERS, Loaded, load_recipe
from .index import Catalog, in_chunks
from .rows import (Pool, insert_recipes, maker_aliases, make_meta, memory_pool, program_candidates,
                   recipe_text)
from .source import CatalogFiles, relative
from .static import rewrite_whole, write_entities

LIMIT = 200  # changed recipes beyond which a full build is as quick


class Stored(Loaded):
    """A recipe the previous build holds, loaded from its index only if a rule reads it."""

    def __init__(self, kind: str, rid: str, path: str, file: str, load: Callable[[str], Any], former: list[str]):
        self.kind, self.id, self.path, self.file, self.doc = kind, rid, path, file, None
        self._load, self._former = load, former

    @cached_property
    def model(self) -> Any:  # type: ignore[override]
        return self._load(self.id)

    @property
    def former_ids(self) -> list[str]:
        return self._former


@dataclass
class Changes:
    """What differs from the previous build: files edited or added, and recipes removed."""

    edited: list[Path]
    removed: list[tuple[str, str, str]]  # (kind, id, path relative to the catalog)

    def keys(self, root: Path) -> set[tuple[str, str]]:
        """(kind, id) of every recipe the change touches."""
        return {(k, i) for k, i, _ in self.removed} | {_key(rel) for rel in relative(root, self.edited)}


def _key(rel: str) -> tuple[str, str]:
    return FOLDERS[rel.split(os.sep, 1)[0]], Path(rel).stem


def changed_files(root: Path, paths: list[Path], digests: dict[str, bytes], previous: Path,
                  code: str) -> Changes | None:
    """Recipe files edited, added or removed since `previous` (`digests`: path relative to `root` -> hash of
    the file's bytes), or None when only a full build will do."""
    try:
        if json.loads((previous / "build-info.json").read_text()).get("code") != code:
            return None
        with closing(sqlite3.connect(f"file:{previous / 'catalog.sqlite'}?mode=ro", uri=True)) as db:
            before = dict(db.execute("SELECT path, digest FROM source"))
    except (OSError, ValueError, sqlite3.Error):
        return None
    edited = [(p, rel) for p, rel in zip(paths, relative(root, paths)) if before.get(rel) != digests[rel].hex()]
    removed = sorted(before.keys() - digests.keys())
    touched = [rel for _, rel in edited] + removed
    if not touched or len(touched) > LIMIT or any(rel.split(os.sep, 1)[0] == "manufacturers" for rel in touched):
        return None
    return Changes([p for p, _ in edited], [(*_key(rel), rel) for rel in removed])


def build_delta(root: Path, changes: Changes, digests: dict[str, bytes], previous: Path, out: Path,
                version: str, built_at: str) -> dict[str, Any] | None:
    """Write into `out` the build of `root` made by updating `previous` with the `changes`.
    Returns the build's meta, or None (`out` then holds nothing usable) when a full build must decide."""
    # Linking 100k unchanged JSON files is kernel time (~15 us a link here): it starts first, in a thread.
    with ThreadPoolExecutor(max_workers=1) as beside:
        touched = changes.keys(root)
        linking = beside.submit(write_entities, out, {}, previous, lambda kind, rid: (kind, rid) not in touched)
        meta = _update(root, changes, touched, digests, previous, out, version, built_at)
        linking.result()
    return meta


def _update(root: Path, changes: Changes, touched: set[tuple[str, str]], digests: dict[str, bytes], previous: Path,
            out: Path, version: str, built_at: str) -> dict[str, Any] | None:
    loaded: list[Loaded] = []
    for path in changes.edited:
        rec, problems = load_recipe(path, root)
        if rec is None or problems:
            return None
        loaded.append(rec)
    prev = Catalog(previous)
    try:
        files = _with_previous(root, prev, loaded, changes.removed)
        if files is None or any(p.severity == "error" for p in audit_files(files, blocking=True)):
            return None
        meta = make_meta(version, built_at, {kind: len(by_id) for kind, by_id in files.recipes.items()})
        texts: dict[str, dict[str, str]] = defaultdict(dict)
        for rec in loaded:
            texts[rec.kind][rec.id] = recipe_text(rec.kind, rec.id, rec.model)
        write_entities(out, texts)
        shutil.copyfile(previous / "catalog.sqlite", out / "catalog.sqlite")
        with closing(sqlite3.connect(out / "catalog.sqlite")) as db:
            db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")
            _update_index(db, files, loaded, changes.removed, texts, prev)
            db.execute("DELETE FROM meta")
            db.executemany("INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()])
            db.executemany("DELETE FROM source WHERE path = ?", [(rel,) for _, _, rel in changes.removed])
            db.executemany("INSERT OR REPLACE INTO source VALUES (?, ?)",
                           [(rel, digests[rel].hex()) for rel in relative(root, changes.edited)])
            db.commit()

            def between(kind: str, first: str, upto: str | None) -> list[str]:
                query = "SELECT json FROM entity WHERE kind = ? AND id >= ?" + (" AND id < ?" if upto else "")
                return [r[0] for r in db.execute(query + " ORDER BY id", (kind, first, upto) if upto else (kind, first))]
            return meta if rewrite_whole(out, previous, meta, touched, between) else None
    finally:
        prev.close()


def _with_previous(root: Path, prev: Catalog, loaded: list[Loaded],
                   removed: list[tuple[str, str, str]]) -> CatalogFiles | None:
    """The catalog as the audit sees it: the previous build's recipes (loaded only if read), without the
    removed ones, with the edited ones in their place. In focus: the edited recipes, and the recipes that
    name a removed one (they must still resolve every id they name)."""
    files = CatalogFiles(root, focus={(r.kind, r.id) for r in loaded} | _naming(prev, removed))
    former: dict[tuple[str, str], list[str]] = defaultdict(list)
    for (kind, old), rid in sorted(prev.former.items()):
        former[(kind, rid)].append(old)
    load = {"device": prev.device, "program": prev.programs.__getitem__, "hub": prev.hubs.__getitem__,
            "utility": prev.utilities.__getitem__, "manufacturer": prev.manufacturers.__getitem__,
            "rebate": prev.rebates.__getitem__}
    base = str(root.resolve().parent) + os.sep
    for kind, rid, path in prev.sql("SELECT kind, id, path FROM entity ORDER BY kind, id"):
        files.recipes[kind][rid] = Stored(kind, rid, path, base + path, load[kind], former.get((kind, rid), []))
    for kind, rid, _ in removed:
        files.recipes[kind].pop(rid, None)
    for kind, rid in [(r.kind, r.id) for r in loaded] + [(k, i) for k, i, _ in removed]:
        if kind in ("device", "hub") and rid in files.recipes["hub" if kind == "device" else "device"]:
            return None  # a device and a hub sharing an id share identifier rows: rebuild them all
    for rec in loaded:
        before = files.recipes[rec.kind].get(rec.id)
        if before is not None and before.path == rec.path:
            files.recipes[rec.kind][rec.id] = rec
        else:
            files.add(rec)
    return files


def _naming(prev: Catalog, removed: list[tuple[str, str, str]]) -> set[tuple[str, str]]:
    """Recipes that may name a removed recipe: programs whose text holds its id as a JSON string (a
    superset: they are only re-checked), and devices that are its white label."""
    if not removed:
        return set()
    names = [json.dumps(rid) for _, rid, _ in removed]
    out = {("program", pid) for pid, text in prev.sql("SELECT id, json FROM entity WHERE kind = 'program'")
           if any(n in text for n in names)}
    devices = [rid for kind, rid, _ in removed if kind == "device"]
    out |= {("device", r[0]) for r in prev.sql_in("SELECT id FROM device WHERE white_label_of IN ({})", devices)}
    return out - {(k, i) for k, i, _ in removed}


def _update_index(db: sqlite3.Connection, files: CatalogFiles, loaded: list[Loaded], removed: list[tuple[str, str, str]],
                  texts: dict[str, dict[str, str]], prev: Catalog) -> None:
    """Replace the rows of the edited recipes and delete those of the removed ones, then redo their
    candidate pairs and what those pairs feed."""
    by_kind: dict[str, dict[str, Loaded]] = defaultdict(dict)
    for rec in loaded:
        by_kind[rec.kind][rec.id] = rec
    gone: dict[str, list[str]] = defaultdict(list)
    for kind, rid, _ in removed:
        gone[kind].append(rid)
    for kind in {*by_kind, *gone}:
        for table in ("entity", "former_id", "search"):
            _delete_in(db, f"DELETE FROM {table} WHERE kind = ? AND id IN ({{}})", [*by_kind[kind], *gone[kind]], (kind,))
    products = [*by_kind.get("device", {}), *by_kind.get("hub", {}), *gone["device"], *gone["hub"]]
    for table in ("device", "device_facet", "maker_device", "ident"):
        _delete_in(db, f"DELETE FROM {table} WHERE id IN ({{}})", products)
    aliases = maker_aliases(files.recipes["manufacturer"].values())
    facts = {rid: DeviceFacts.of(rid, rec.model, aliases) for rid, rec in by_kind.get("device", {}).items()}
    insert_recipes(db, dict(by_kind), texts, facts, {})

    programs = by_kind.get("program", {})
    redone = [*programs, *gone["program"]]
    moved: set[str] = set(facts)
    _delete_in(db, "DELETE FROM candidate_pair WHERE device_id IN ({})", [*facts, *gone["device"]])
    if facts:  # the edited devices against every other program (edited programs are redone below)
        pool = memory_pool(facts.values())
        pairs = {pair for pid, p in prev.programs.items() if pid not in redone
                 for pair in program_candidates(pid, p, pool, facts.get)[0] if pair[0] in facts}
        db.executemany("INSERT INTO candidate_pair VALUES (?, ?)", sorted(pairs))
    if redone:
        moved |= {r[0] for r in _select_in(db, "SELECT device_id FROM candidate_pair WHERE program_id IN ({})", redone)}
        _delete_in(db, "DELETE FROM candidate_pair WHERE program_id IN ({})", redone)
        _delete_in(db, "DELETE FROM open_rule WHERE program_id IN ({})", redone)
        pool, fact = _index_pool(db)
        for pid, rec in programs.items():
            pairs, whole = program_candidates(pid, rec.model, pool, fact)
            db.executemany("INSERT INTO candidate_pair VALUES (?, ?)", sorted(pairs))
            db.executemany("INSERT INTO open_rule VALUES (?, ?)", sorted(whole))
            moved |= {d for d, _ in pairs}
    named: dict[str, list[str]] = defaultdict(list)
    for did, pid in _select_in(db, "SELECT device_id, program_id FROM candidate_pair WHERE device_id IN ({})", sorted(moved)):
        named[did].append(pid)
    db.executemany("UPDATE device SET programs = ? WHERE id = ?", [(" ".join(sorted(named[d])), d) for d in sorted(moved)])


def _index_pool(db: sqlite3.Connection) -> tuple[Pool, Callable[[str], DeviceFacts | None]]:
    """A `Pool` and a facts lookup over the devices in the index being updated."""
    def pool(category: str, makers: list[str] | None) -> Iterable[DeviceFacts]:
        if makers is None:
            rows = db.execute("SELECT facts FROM device WHERE category = ?", (category,))
        else:
            rows = db.execute("SELECT facts FROM device WHERE category = ? AND id IN (SELECT id FROM device_facet "
                              f"WHERE facet = 'maker' AND value IN ({','.join('?' * len(makers))}))", (category, *makers))
        return [DeviceFacts.loads(r[0]) for r in rows]

    def fact(rid: str) -> DeviceFacts | None:
        row = db.execute("SELECT facts FROM device WHERE id = ?", (rid,)).fetchone()
        return DeviceFacts.loads(row[0]) if row else None
    return pool, fact


def _select_in(db: sqlite3.Connection, query: str, values: list[Any], head: tuple = ()) -> list[tuple]:
    return in_chunks(lambda q, params: db.execute(q, params).fetchall(), query, values, head)


def _delete_in(db: sqlite3.Connection, query: str, values: list[Any], head: tuple = ()) -> None:
    _select_in(db, query, values, head)
