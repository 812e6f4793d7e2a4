"""`derdir build`: compile the catalog into an SQLite index and a static JSON API tree.

A build is written into a fresh folder and published by swapping the `current` symlink,
so readers see either the old build or the new one, never half of one; a catalog with
audit errors raises `CatalogInvalid` and leaves the last good build in place.
"""

from __future__ import annotations

import gc
import gzip
import hashlib
import json
import multiprocessing
import os
import pickle
import shutil
import sqlite3
import time
from collections import defaultdict
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ..audit import audit_files
from ..eligibility import rule_matches
from ..errors import CatalogInvalid
from ..facts import DeviceFacts, maker_names, model_names
from ..normalize import key, maker_key
from ..recipes.device import Device, ProductBase
from ..recipes.load import KINDS
from ..recipes.program import Program
from ..recipes.common import REGIONS
from ..recipes.yamlio import MAX_BYTES
from .index import FORMAT
from .source import PARALLEL_THRESHOLD, CatalogFiles, ParseCache, read_catalog, recipe_paths
CURRENT = "current"
KEEP_BUILDS = 2
PRUNE_GRACE_S = 300


@dataclass
class BuildInfo:
    version: str
    built_at: str
    path: Path
    counts: dict[str, int]
    reused: bool = False


DigestCache = dict[str, tuple[int, int, bytes]]


def catalog_version(root: Path, paths: list[Path] | None = None, digests: DigestCache | None = None) -> str:
    """Content hash of every recipe file (path and bytes), plus the build format. With `digests`,
    a file whose mtime and size are unchanged is not read again."""
    digest = hashlib.sha256(f"derdir-build-{FORMAT}".encode())
    for path in paths if paths is not None else recipe_paths(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        if digests is None:
            digest.update(_file_digest(path))
            continue
        st = path.lstat()
        hit = digests.get(str(path))
        if not hit or hit[:2] != (st.st_mtime_ns, st.st_size):
            hit = digests[str(path)] = (st.st_mtime_ns, st.st_size, _file_digest(path))
        digest.update(hit[2])
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


def recipe_text(kind: str, rid: str, model: Any) -> str:
    """The one JSON form of a recipe used by the index, the static tree and the API:
    `id` and `kind`, then the model's fields in their declared order, unknowns left out."""
    body = model.model_dump_json(exclude_none=True)
    return '{"id":' + json.dumps(rid) + ',"kind":"' + kind + '"' + ("," + body[1:] if body != "{}" else "}")


CACHE_FILE = ".parse-cache.pickle"


def _load_cache(build_dir: Path) -> tuple[ParseCache, DigestCache]:
    """Parsed recipes and file digests from the last build, if made by these recipe models."""
    try:
        with open(build_dir / CACHE_FILE, "rb") as fh:
            stamp, cache, digests = pickle.load(fh)
        return (cache, digests) if stamp == _models_stamp() else ({}, {})
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError):
        return {}, {}


def _save_cache(build_dir: Path, cache: ParseCache, digests: DigestCache) -> None:
    tmp = build_dir / f".parse-cache-{os.getpid()}.tmp"
    with open(tmp, "wb") as fh:
        pickle.dump((_models_stamp(), cache, digests), fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, build_dir / CACHE_FILE)


@lru_cache(maxsize=1)
def _models_stamp() -> str:
    """Changes whenever the recipe models or their checks (hence what a valid parse means) change."""
    schemas = json.dumps([m.model_json_schema() for m in KINDS.values()], sort_keys=True)
    code = b"".join(p.read_bytes() for p in sorted((Path(__file__).parents[1] / "recipes").glob("*.py")))
    return hashlib.sha256(f"{FORMAT}|{schemas}".encode() + code).hexdigest()


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


def build(root: Path, build_dir: Path, progress: Callable[[str], None] | None = None, force: bool = False) -> BuildInfo:
    """Audit, compile and atomically publish the catalog at `root` into `build_dir`."""
    with _collector_paused():
        return _build(root, build_dir, progress, force)


def _build(root: Path, build_dir: Path, progress: Callable[[str], None] | None, force: bool) -> BuildInfo:
    root, build_dir = Path(root), Path(build_dir)
    say = progress or (lambda _msg: None)
    paths = recipe_paths(root)
    cache, digests = _load_cache(build_dir)
    version = catalog_version(root, paths, digests)
    existing = current_build(build_dir)
    if existing and existing.name == version and not force:
        info = json.loads((existing / "build-info.json").read_text())
        return BuildInfo(version, info["built_at"], existing, info["counts"], reused=True)
    say(f"reading {len(paths)} recipes")
    files = read_catalog(root, cache=cache)
    say("auditing")
    errors = [p for p in audit_files(files) if p.severity == "error"]
    if errors:
        raise CatalogInvalid(errors)
    build_dir.mkdir(parents=True, exist_ok=True)
    _save_cache(build_dir, cache, {k: v for k, v in digests.items() if k in cache})
    tmp = build_dir / f".tmp-{version}-{os.getpid()}-{time.monotonic_ns()}"
    tmp.mkdir()
    try:
        built_at = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        counts = {kind: len(by_id) for kind, by_id in files.recipes.items()}
        meta = {"version": version, "built_at": built_at, "format": FORMAT, "counts": counts}
        texts = {kind: {rid: recipe_text(kind, rid, rec.model) for rid, rec in sorted(by_id.items())}
                 for kind, by_id in files.recipes.items()}
        say("writing the SQLite index and the static JSON API")
        same = files.unchanged if existing and _models_stamp_of(existing) == _models_stamp() else set()
        # Side by side: the static tree (100k small files and a gzip) and the SQLite index. A large
        # catalog's static tree is written by another process, so the two do not take turns on one GIL.
        with _beside(sum(len(by_id) for by_id in texts.values())) as pool:
            static = pool.submit(_write_static, tmp, texts, meta, existing, same)
            _write_sqlite(tmp / "catalog.sqlite", files, meta, texts)
            static.result()
        (tmp / "build-info.json").write_text(json.dumps({**meta, "models": _models_stamp()}, indent=2, sort_keys=True) + "\n")
        final = build_dir / version
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
        _publish(build_dir, version)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _prune(build_dir, keep={version, existing.name if existing else ""})
    return BuildInfo(version, built_at, final, counts)


def _publish(build_dir: Path, version: str) -> None:
    """Point `current` at the new build with one atomic rename."""
    tmp_link = build_dir / f".current-{os.getpid()}-{time.monotonic_ns()}"
    os.symlink(version, tmp_link)
    os.replace(tmp_link, build_dir / CURRENT)


def _prune(build_dir: Path, keep: set[str]) -> None:
    """Remove old builds, keeping the newest few and any published in the last minutes
    (a server may still be answering a request from one)."""
    builds = sorted((p for p in build_dir.iterdir() if p.is_dir() and not p.name.startswith(".") and not p.is_symlink()),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    now = time.time()
    for old in builds[KEEP_BUILDS:]:
        if old.name not in keep and now - old.stat().st_mtime > PRUNE_GRACE_S:
            shutil.rmtree(old, ignore_errors=True)


def maker_aliases(files: CatalogFiles) -> dict[str, set[str]]:
    """Maker key -> every key of the same manufacturer (its name, aliases and brands)."""
    out: dict[str, set[str]] = {}
    for rec in files.recipes["manufacturer"].values():
        m = rec.model
        keys = {maker_key(n) for n in [m.name, *m.aliases, *m.brands] if maker_key(n)}
        for k in keys:
            out.setdefault(k, set()).update(keys)
    return out


def _identifiers(rid: str, p: ProductBase, aliases: dict[str, set[str]] | None = None) -> Iterable[tuple[str, str, str]]:
    models, makers = model_names(p), maker_names(p)
    for m in models:
        yield ("model", m, rid)
    for m in {a for k in makers for a in (aliases or {}).get(k, ())}:
        yield ("maker", m, rid)
    for s in p.identifiers.model_strings:
        if s.endswith("*") and len(key(s)) >= 3:  # a model family reported with varying suffixes, e.g. PLP1*
            yield ("model-prefix", key(s), rid)
    for m in makers:
        yield ("maker", m, rid)
    if p.family:
        yield ("family", key(p.family), rid)
    for i in p.integrations:
        if i.ecosystem == "home-assistant" and i.name:
            yield ("ha-integration", i.name.lower(), rid)
    for z in p.identifiers.zigbee:
        zk = key(z.model_id)
        yield ("zigbee", zk, rid)
        for m in models:  # a shared Zigbee model id (Tuya's TS0601) pinned down by a model number
            yield ("zigbee-model", f"{zk}|{m}", rid)
        for name in z.manufacturer_names:
            yield ("zigbee-maker", f"{key(name)}|{zk}", rid)
    for z in p.identifiers.zwave:
        yield ("zwave", f"{z.manufacturer_id}:{z.product_type}:{z.product_id}", rid)
    matter = p.identifiers.matter
    for m in matter:
        yield ("matter", f"{m.vendor_id}:{m.product_id if m.product_id is not None else '*'}", rid)
    mc = p.connectivity.matter
    if mc and not isinstance(mc, bool) and mc.vendor_id is not None:
        for pid in mc.product_ids:
            yield ("matter", f"{mc.vendor_id}:{pid}", rid)


def protocols(p: ProductBase) -> list[str]:
    """Radios/protocols a product has, as facet values."""
    c = p.connectivity
    out = [name for name, v in (("wifi", c.wifi), ("ethernet", c.ethernet), ("bluetooth", c.bluetooth),
                                ("thread", c.thread), ("zigbee", c.zigbee), ("zwave", c.zwave), ("matter", c.matter),
                                ("cellular", c.cellular), ("lora", c.lora)) if v not in (None, False)]
    return out + list(p.control.standards)


def candidates(files: CatalogFiles, facts: dict[str, DeviceFacts]) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(pairs, whole-category rules). Pairs: every (device, program) a claim or a maker/model rule names,
    found through an index. A rule with no maker and no model pattern names every device of its category:
    it is kept as one (category, program) row instead of one row per device (the `candidate` view joins
    it with the devices at query time), and pairs it already implies are not stored."""
    by_cat_maker: dict[tuple[str, str], set[str]] = defaultdict(set)
    by_cat: dict[str, set[str]] = defaultdict(set)
    for rid, f in facts.items():
        by_cat[f.category].add(rid)
        for m in f.makers:
            by_cat_maker[(f.category, m)].add(rid)
    out: set[tuple[str, str]] = set()
    open_rules: set[tuple[str, str]] = set()
    for pid, rec in files.recipes["program"].items():
        p: Program = rec.model
        whole = {r.category for r in p.eligibility.rules if not r.manufacturers and not r.models}
        open_rules.update((c, pid) for c in whole)
        for c in p.eligibility.devices:
            dev = facts.get(c.device)
            if dev is None or dev.category not in whole:
                out.add((c.device, pid))
        for rule in p.eligibility.rules:
            if rule.category in whole:
                continue
            if rule.manufacturers:
                pool = set().union(*(by_cat_maker.get((rule.category, maker_key(m)), set()) for m in rule.manufacturers))
            else:
                pool = by_cat.get(rule.category, set())
            out.update((d, pid) for d in pool if rule_matches(rule, facts[d]))
    return out, open_rules


def _search_text(kind: str, rid: str, m: Any) -> tuple[str, str]:
    if kind in ("device", "hub"):
        title = " ".join(filter(None, [m.brand or m.manufacturer, m.product_name, m.model_numbers[0]]))
        body = " ".join([rid, m.manufacturer, m.brand or "", m.family or "", *m.model_numbers,
                         *m.identifiers.model_strings, *m.identifiers.manufacturer_names,
                         getattr(m, "category", "hub")])
    elif kind == "program":
        title = f"{m.name} {m.operator}"
        body = " ".join([rid, m.description or "", *m.markets.utilities, *m.markets.regions])
    else:
        title = f"{m.name} {m.short_name or ''}"
        body = " ".join([rid, *m.aliases, *m.regions])
    return title, body


def zip_regions() -> list[tuple[str, str]]:
    """(ZIP code, region) for every US ZIP code the `zipcodes` package knows (its data ships inside it)."""
    import zipcodes

    return sorted((z["zip_code"], f"US-{z['state']}") for z in zipcodes.list_all() if f"US-{z['state']}" in REGIONS)


def _write_sqlite(path: Path, files: CatalogFiles, meta: dict[str, Any], texts: dict[str, dict[str, str]]) -> None:
    db = sqlite3.connect(path)
    try:
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")
        db.executescript((Path(__file__).parent / "schema.sql").read_text())
        db.executemany("INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()])
        for kind, by_id in files.recipes.items():
            db.executemany("INSERT INTO entity VALUES (?, ?, ?, ?)",
                           [(kind, rid, rec.path, texts[kind][rid]) for rid, rec in sorted(by_id.items())])
            db.executemany("INSERT OR IGNORE INTO former_id VALUES (?, ?, ?)",
                           [(kind, old, rid) for rid, rec in by_id.items() for old in rec.model.former_ids])
            if kind != "manufacturer":
                db.executemany("INSERT INTO search VALUES (?, ?, ?, ?)",
                               [(kind, rid, *_search_text(kind, rid, rec.model)) for rid, rec in sorted(by_id.items())])
        rows, facets, idents, by_maker = [], [], [], []
        aliases = maker_aliases(files)
        devices = sorted(files.recipes["device"].items())
        facts = {rid: DeviceFacts.of(rid, rec.model, aliases) for rid, rec in devices}
        pairs, open_rules = candidates(files, facts)
        named: dict[str, list[str]] = defaultdict(list)
        for did, pid in sorted(pairs):
            named[did].append(pid)
        for rid, rec in devices:
            d: Device = rec.model
            f = facts[rid]
            rows.append((rid, d.category, d.manufacturer, maker_key(d.manufacturer), d.brand, d.product_name,
                         d.model_numbers[0], d.family, d.power.energy_monitoring, d.control.local_api,
                         d.white_label_of, d.power.controllable_kw, d.power.battery_kwh, f.dumps(), " ".join(named[rid])))
            facets += [("protocol", p, rid) for p in protocols(d)]
            facets += [("ecosystem", i.ecosystem, rid) for i in d.integrations]
            facets += [("maker", m, rid) for m in f.makers]
            by_maker += [(m, f.category, rid) for m in f.known_as]
            idents += list(_identifiers(rid, d, aliases))
        for rid, rec in files.recipes["hub"].items():
            idents += [(k, v, rid) for k, v, _ in _identifiers(rid, rec.model) if k in ("model", "maker")]
        db.executemany("INSERT INTO device VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        db.executemany("INSERT OR IGNORE INTO device_facet VALUES (?,?,?)", facets)
        db.executemany("INSERT INTO maker_device VALUES (?,?,?)", by_maker)
        db.executemany("INSERT OR IGNORE INTO ident VALUES (?,?,?)", idents)
        db.executemany("INSERT INTO candidate_pair VALUES (?, ?)", sorted(pairs))
        db.executemany("INSERT INTO open_rule VALUES (?, ?)", sorted(open_rules))
        db.executemany("INSERT OR IGNORE INTO zip VALUES (?, ?)", zip_regions())
        db.execute("INSERT INTO search(search) VALUES ('optimize')")
        db.commit()
    finally:
        db.close()


def _models_stamp_of(build_path: Path) -> str | None:
    try:
        return json.loads((build_path / "build-info.json").read_text()).get("models")
    except (OSError, ValueError):
        return None


def _write_static(out: Path, texts: dict[str, dict[str, str]], meta: dict[str, Any],
                  previous: Path | None = None, unchanged: set[tuple[str, str]] = frozenset()) -> None:  # type: ignore[assignment]
    """One JSON file per entity under api/v1/, plus the whole catalog (plain and gzipped).

    A recipe whose file did not change since the previous build (same models) is hard-linked from
    that build instead of written again: rebuilds after a small change stay fast."""
    folders = {"device": "products", "hub": "hubs", "program": "programs", "utility": "utilities",
               "manufacturer": "manufacturers"}
    parts = [json.dumps({"generated_by": "derdir build", **meta}, sort_keys=True, separators=(",", ":"))[:-1]]
    for kind, by_id in texts.items():
        folder = out / "api" / "v1" / folders[kind]
        folder.mkdir(parents=True, exist_ok=True)
        for rid, text in by_id.items():
            target = folder / f"{rid}.json"
            if previous is not None and (kind, rid) in unchanged:
                try:
                    os.link(previous / "api" / "v1" / folders[kind] / f"{rid}.json", target)
                    continue
                except OSError:
                    pass
            target.write_text(text, encoding="utf-8")
        parts.append(f'"{folders[kind]}":[' + ",".join(by_id.values()) + "]")
    body = (",".join(parts) + "}").encode()
    (out / "catalog.json").write_bytes(body)
    with gzip.GzipFile(out / "catalog.json.gz", "wb", mtime=0, compresslevel=6) as gz:
        gz.write(body)
