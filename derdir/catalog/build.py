"""`derdir build`: compile the catalog into an SQLite index and a static JSON API tree.

A build is written into a fresh folder and published by swapping the `current` symlink,
so readers see either the old build or the new one, never half of one; a catalog with
audit errors raises `CatalogInvalid` and leaves the last good build in place.
"""

from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing
import os
import pickle
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from ..audit import audit_files
from ..errors import CatalogInvalid
from ..facts import DeviceFacts
from ..problem import Problem
from ..recipes.load import KINDS
from ..recipes.yamlio import MAX_BYTES
from .delta import build_delta, changed_files
from .index import FORMAT
from .rows import candidates, insert_recipes, maker_aliases, make_meta, named_programs, recipe_text, zip_regions
from .source import PARALLEL_THRESHOLD, CatalogFiles, ParseCache, read_catalog, recipe_paths, relative
from .static import write_entities, write_whole
from . import territories as terr
CURRENT = "current"
KEEP_BUILDS = 2
PRUNE_GRACE_S = 300
TRASH = ".trash-"  # old builds on their way out


@dataclass
class BuildInfo:
    version: str
    built_at: str
    path: Path
    counts: dict[str, int]
    reused: bool = False  # the catalog had not changed: the current build stands
    delta: bool = False  # made by updating the previous build with the changed recipes (`delta.py`)


# file -> (mtime_ns, ctime_ns, size, inode, sha256 of its bytes). The ctime and inode change with every write
# and rename, and no tool can set them back: a same-size edit copied in with its mtime kept (`cp -p`,
# `rsync -a`) is hashed again. The parse cache is keyed on the hash itself.
DigestCache = dict[str, tuple[int, int, int, int, bytes]]
DIGESTS_STAMP = f"{FORMAT}-content"


def catalog_version(root: Path, paths: list[Path] | None = None, digests: DigestCache | None = None) -> str:
    """Content hash of every recipe file (path and bytes), plus the build format. With `digests`, a file
    whose stat is unchanged since it was hashed (same mtime, ctime, size and inode) is not read again."""
    digest = hashlib.sha256(f"derdir-build-{FORMAT}".encode())
    paths = paths if paths is not None else recipe_paths(root)
    for path, rel in zip(paths, relative(root, paths)):
        digest.update(rel.encode() + b"\0")
        if digests is None:
            digest.update(_file_digest(path))
            continue
        name = str(path)
        st = os.lstat(name)
        stamp = (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)
        hit = digests.get(name)
        if not hit or hit[:4] != stamp:
            hit = digests[name] = (*stamp, _file_digest(path))
        digest.update(hit[4])
    digest.update(f"territories\0{terr.digest(root)}".encode())  # catalog/territories/ is data of the build too
    return digest.hexdigest()[:16]


def _file_digest(path: Path) -> bytes:
    """Hash of one file's bytes. A symlink, an oversize or an unreadable file (all audit errors) is
    hashed by what it is, never read: a link to a huge or private file must not be loaded to hash it."""
    try:
        if path.is_symlink():
            return hashlib.sha256(b"symlink\0" + os.fsencode(os.readlink(path))).digest()
        st = path.stat()
        if st.st_size > MAX_BYTES:
            return hashlib.sha256(f"oversize\0{st.st_size}\0{st.st_mtime_ns}".encode()).digest()
        return hashlib.sha256(path.read_bytes()).digest()
    except OSError as exc:
        return hashlib.sha256(f"unreadable\0{exc.errno}".encode()).digest()


def current_build(build_dir: Path) -> Path | None:
    link = build_dir / CURRENT
    return link.resolve() if link.exists() else None


REPUBLISHED = "+"  # `<version>+<n>`: the same catalog built again (--force) beside the folder being served


def version_of(build_path: Path) -> str:
    """The catalog version a build folder holds (a rebuilt one is named `<version>+<n>`)."""
    return build_path.name.partition(REPUBLISHED)[0]


def _fresh_folder(build_dir: Path, version: str) -> Path:
    """Where to publish: `<version>`, or beside it when that folder exists -- it may be the one being served,
    and a server reading it must never see it deleted or replaced (1 error 500, 3 truncated answers and a
    read error in 3,899 requests when --force replaced it in place)."""
    final = build_dir / version
    n = 1
    while final.exists() or final.is_symlink():
        final = build_dir / f"{version}{REPUBLISHED}{time.time_ns()}{n}"
        n += 1
    return final


CACHE_FILE = ".parse-cache.pickle"
DIGESTS_FILE = ".digests.pickle"


def _load_pickle(path: Path, stamp: str, empty: Any) -> Any:
    """What `_save_pickle` stored with the same `stamp`, else `empty`."""
    try:
        with open(path, "rb") as fh:
            saved, value = pickle.load(fh)
        return value if saved == stamp else empty
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError):
        return empty


def _save_pickle(path: Path, stamp: str, value: Any) -> None:
    tmp = path.with_name(f"{path.name}-{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        pickle.dump((stamp, value), fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


@lru_cache(maxsize=1)
def _models_stamp() -> str:
    """Changes whenever the recipe models or their checks (hence what a valid parse means) change."""
    schemas = json.dumps([m.model_json_schema() for m in KINDS.values()], sort_keys=True)
    return hashlib.sha256(f"{FORMAT}|{schemas}".encode() + _code_of("recipes/*.py")).hexdigest()


@lru_cache(maxsize=1)
def _code_stamp() -> str:
    """Changes whenever the code deciding what a build holds changes: a build made by other code is
    never updated in place (a delta build), only replaced."""
    code = _code_of("recipes/*.py", "catalog/*.py", "catalog/schema.sql", "audit/*.py", "facts.py", "normalize.py",
                    "eligibility.py")
    data = f"zipcodes {metadata.version('zipcodes')}"  # the ZIP table comes from that package
    return hashlib.sha256(_models_stamp().encode() + code + data.encode()).hexdigest()


def _code_of(*patterns: str) -> bytes:
    package = Path(__file__).parents[1]
    return b"".join(p.read_bytes() for pattern in patterns for p in sorted(package.glob(pattern)))


def _beside(recipes: int) -> Executor:
    """Where to run work beside the SQLite index: a process for a large catalog on several cores
    (started fresh, not forked), a thread otherwise."""
    if recipes >= PARALLEL_THRESHOLD and (os.cpu_count() or 1) > 1:
        return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    return ThreadPoolExecutor(max_workers=1)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """A build holds every recipe as a model (millions of objects at 100k devices) and allocates millions
    of rows; the cyclic garbage collector would walk them all again and again, and they form no cycles
    to collect (reference counting frees them)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


# progress(message, total): a phase begins (total: its steps, when counted); progress(None): one step done.
Progress = Callable[..., None]


def build(root: Path, build_dir: Path, progress: Progress | None = None, force: bool = False) -> BuildInfo:
    """Audit, compile and atomically publish the catalog at `root` into `build_dir`, telling `progress`
    each phase and each recipe read."""
    with _collector_paused():
        return _build(root, build_dir, progress, force)


def _build(root: Path, build_dir: Path, progress: Progress | None, force: bool) -> BuildInfo:
    root, build_dir = Path(root), Path(build_dir)
    say: Progress = progress or (lambda *_: None)
    paths = recipe_paths(root)
    digests: DigestCache = {} if force else _load_pickle(build_dir / DIGESTS_FILE, DIGESTS_STAMP, {})
    version = catalog_version(root, paths, digests)
    existing = current_build(build_dir)
    if existing and version_of(existing) == version and not force:
        info = json.loads((existing / "build-info.json").read_text())
        return BuildInfo(version, info["built_at"], existing, info["counts"], reused=True)
    hashes = {rel: digests[str(p)][4] for p, rel in zip(paths, relative(root, paths))}  # what `source` rows hold
    changed = (changed_files(root, paths, hashes, existing, _code_stamp())
               if existing and not force and _territories_of(existing) == terr.digest(root) else None)
    build_dir.mkdir(parents=True, exist_ok=True)
    _sweep_leftovers(build_dir)
    _save_pickle(build_dir / DIGESTS_FILE, DIGESTS_STAMP, {str(p): digests[str(p)] for p in paths})
    tmp = build_dir / f".tmp-{version}-{os.getpid()}-{time.monotonic_ns()}"
    tmp.mkdir()
    try:
        built_at = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        meta: dict[str, Any] | None = None
        if changed:
            say(f"updating the previous build: {len(changed.edited)} recipes edited or added, {len(changed.removed)} removed")
            meta = build_delta(root, changed, hashes, existing, tmp, version, built_at)  # type: ignore[arg-type]
            if meta is None:  # start again from an empty folder; the links made so far go with the old builds
                os.rename(tmp, build_dir / f"{TRASH}{tmp.name[1:]}")
                tmp.mkdir()
        delta = meta is not None
        if meta is None:
            meta = _build_full(root, build_dir, paths, hashes, existing, tmp, version, built_at, say)
        (tmp / "build-info.json").write_text(
            json.dumps({**meta, "models": _models_stamp(), "code": _code_stamp(), "territories": terr.digest(root)},
                       indent=2, sort_keys=True) + "\n")
        final = _fresh_folder(build_dir, version)
        os.rename(tmp, final)
        _publish(build_dir, final.name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _prune(build_dir, {final.name, existing.name if existing else ""}, sum(meta["counts"].values()))
    return BuildInfo(version, built_at, final, meta["counts"], delta=delta)


def _build_full(root: Path, build_dir: Path, paths: list[Path], hashes: dict[str, bytes], existing: Path | None,
                tmp: Path, version: str, built_at: str, say: Progress) -> dict[str, Any]:
    """Read, audit and index every recipe into `tmp`; returns the build's meta."""
    say(f"reading {len(paths)} recipes", len(paths))
    cache: ParseCache = _load_pickle(build_dir / CACHE_FILE, _models_stamp(), {})
    files = read_catalog(root, cache=cache, contents=dict(zip(map(str, paths), hashes.values())), progress=say)
    say("auditing")
    try:
        zips = terr.load(root)
    except terr.CorrectionsInvalid as exc:
        raise CatalogInvalid(exc.problems) from None
    except (OSError, ValueError) as exc:
        raise CatalogInvalid([Problem(f"{terr.FOLDER}/{terr.TABLE}", 1, 1, "", str(exc), "territories")]) from None
    errors = [p for p in audit_files(files, blocking=True) if p.severity == "error"]
    if errors:
        raise CatalogInvalid(errors)
    _save_pickle(build_dir / CACHE_FILE, _models_stamp(), cache)
    meta = make_meta(version, built_at, {kind: len(by_id) for kind, by_id in files.recipes.items()})
    texts = {kind: {rid: recipe_text(kind, rid, rec.model) for rid, rec in sorted(by_id.items())}
             for kind, by_id in files.recipes.items()}
    sources = [(rel, digest.hex()) for rel, digest in hashes.items()]
    say("writing the SQLite index and the static JSON API")
    same = files.unchanged if existing and _models_stamp_of(existing) == _models_stamp() else set()
    # Side by side: the static tree (100k small files and a gzip) and the SQLite index. A large
    # catalog's static tree is written by another process, so the two do not take turns on one GIL.
    with _beside(len(texts.get("device", {}))) as pool:  # devices are what make the static tree large
        static = pool.submit(_write_static, tmp, texts, meta, existing, same)
        _write_sqlite(tmp / "catalog.sqlite", files, meta, texts, sources, zips)
        static.result()
    return meta


def _publish(build_dir: Path, folder: str) -> None:
    """Point `current` at the new build with one atomic rename."""
    tmp_link = build_dir / f".current-{os.getpid()}-{time.monotonic_ns()}"
    os.symlink(folder, tmp_link)
    os.replace(tmp_link, build_dir / CURRENT)


# What a build writes before it renames it into place, named by its process id: a folder being filled,
# a pickle being saved, a link about to become `current`.
_LEFTOVER = re.compile(r"^(?:\.tmp-[0-9a-f]+-(\d+)-\d+|.+\.pickle-(\d+)\.tmp|\.current-(\d+)-\d+)$")
LEFTOVER_MAX_AGE_S = 24 * 3600  # past this, even a live process id is another process's


def _sweep_leftovers(build_dir: Path) -> None:
    """Remove what killed builds left: their temporary folders, pickles and links. Only those of processes
    that are gone (a build running beside this one keeps its own), or older than a day."""
    try:
        entries = list(os.scandir(build_dir))
    except OSError:
        return
    now = time.time()
    for entry in entries:
        m = _LEFTOVER.match(entry.name)
        if not m:
            continue
        pid = int(next(g for g in m.groups() if g))
        try:
            old = now - entry.stat(follow_symlinks=False).st_mtime > LEFTOVER_MAX_AGE_S
        except OSError:
            continue
        if pid == os.getpid() or (_alive(pid) and not old):
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            try:
                os.unlink(entry.path)
            except OSError:
                pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _prune(build_dir: Path, keep: set[str], recipes: int) -> None:
    """Remove old builds, keeping the newest few and any published in the last minutes
    (a server may still be answering a request from one). A large build (100k files) takes seconds to
    delete: it is renamed out of the way at once and deleted by a process of its own, so a rebuild
    returns as soon as it is published."""
    builds = sorted((p for p in build_dir.iterdir() if p.is_dir() and not p.name.startswith(".") and not p.is_symlink()),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    now = time.time()
    doomed = [p for p in build_dir.iterdir() if p.name.startswith(TRASH)]  # left by a prune or a delta that gave way
    for old in builds[KEEP_BUILDS:]:
        if old.name not in keep and now - old.stat().st_mtime > PRUNE_GRACE_S:
            trash = build_dir / f"{TRASH}{old.name}-{os.getpid()}-{time.monotonic_ns()}"
            try:
                os.rename(old, trash)
                doomed.append(trash)
            except OSError:
                pass
    if not doomed:
        return
    if recipes >= PARALLEL_THRESHOLD:
        try:
            subprocess.Popen([sys.executable, "-c", "import shutil, sys\nfor p in sys.argv[1:]: shutil.rmtree(p, True)",
                              *map(str, doomed)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
            return
        except OSError:
            pass
    for path in doomed:
        shutil.rmtree(path, ignore_errors=True)


def _models_stamp_of(build_path: Path) -> str | None:
    return _build_info(build_path).get("models")


def _territories_of(build_path: Path) -> str | None:
    """Digest of the territory data a build was made from (a delta build keeps the previous tables)."""
    return _build_info(build_path).get("territories")


def _build_info(build_path: Path) -> dict[str, Any]:
    try:
        return json.loads((build_path / "build-info.json").read_text())
    except (OSError, ValueError):
        return {}


def _write_sqlite(path: Path, files: CatalogFiles, meta: dict[str, Any], texts: dict[str, dict[str, str]],
                  sources: list[tuple[str, str]], zips: terr.Territories | None = None) -> None:
    db = sqlite3.connect(path)
    try:
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")
        db.executescript((Path(__file__).parent / "schema.sql").read_text())
        db.executemany("INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()])
        aliases = maker_aliases(files.recipes["manufacturer"].values())
        facts = {rid: DeviceFacts.of(rid, rec.model, aliases) for rid, rec in sorted(files.recipes["device"].items())}
        pairs, open_rules = candidates(files.recipes["program"], facts)
        insert_recipes(db, files.recipes, texts, facts, named_programs(pairs))
        db.executemany("INSERT INTO candidate_pair VALUES (?, ?)", sorted(pairs))
        db.executemany("INSERT INTO open_rule VALUES (?, ?)", sorted(open_rules))
        zips = zips or terr.Territories()
        db.executemany("INSERT OR IGNORE INTO zip VALUES (?, ?)", zip_regions(zips.states()))
        db.executemany("INSERT OR IGNORE INTO zip_territory VALUES (?, ?, ?, ?)", zips.applied())
        db.executemany("INSERT INTO source VALUES (?, ?)", sources)
        db.execute("INSERT INTO search(search) VALUES ('optimize')")
        db.commit()
    finally:
        db.close()


def _write_static(out: Path, texts: dict[str, dict[str, str]], meta: dict[str, Any],
                  previous: Path | None = None, unchanged: set[tuple[str, str]] = frozenset()) -> None:  # type: ignore[assignment]
    """The static JSON API tree. A recipe whose file did not change since the previous build (same
    models) is hard-linked from that build instead of written again."""
    fresh = {kind: {rid: t for rid, t in by_id.items() if (kind, rid) not in unchanged} for kind, by_id in texts.items()}
    write_entities(out, fresh, previous, lambda kind, rid: (kind, rid) in unchanged)
    write_whole(out, meta, texts)
