"""`publish`: a build as a static API tree any static host or object store can serve.

    manifest.json, manifest.json.sig      what the tree holds and its signature
    v1/catalog.json.gz                    the whole catalog as a bundle (see `shards.py`)
    v1/shards/<region>.json.gz            one region's bundle
    v1/version.json, v1/programs.json, v1/hubs.json, v1/utilities.json
    v1/products/<id>.json                 the answer of GET /v1/products/<id>
    v1/products/<id>/programs/<pid>.json  the answer of GET /v1/products/<id>/programs/<pid>, for every pair
                                          a program's claim or rule names
    v1/programs|hubs|utilities/<id>.json  the recipe, as GET /v1/<kind>/<id> gives it

Every answer file is the core function the API route calls, serialised as the route serialises it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import orjson

from .. import search
from ..catalog.build import current_build
from ..catalog.index import Catalog
from ..product import product
from ..support import support
from . import manifest as mf
from . import shards
from .errors import SnapshotError
from .sign import key_id, load_private, signature

EXPIRES_DAYS = 30


def _open(source: Path | Catalog) -> Catalog:
    if isinstance(source, Catalog):
        return source
    path = Path(source)
    built = current_build(path) if (path / "current").exists() else path
    if built is None or not (built / "catalog.sqlite").is_file():
        raise SnapshotError(str(path), "is not a build folder (run `derdir build`)")
    return Catalog(built)


def answers(cat: Catalog) -> dict[str, bytes]:
    """Every answer file of the tree: path -> bytes, as the API would send them."""
    out: dict[str, bytes] = {
        "v1/version.json": orjson.dumps({"version": cat.version, "built_at": cat.meta["built_at"],
                                         "counts": cat.meta["counts"]}),
        "v1/programs.json": orjson.dumps(search.list_programs(cat, None, None)),
        "v1/hubs.json": orjson.dumps(search.list_hubs(cat)),
        "v1/utilities.json": orjson.dumps(search.list_utilities(cat, None)),
    }
    for kind, folder in (("program", "programs"), ("hub", "hubs"), ("utility", "utilities")):
        for rid, text in cat.sql("SELECT id, json FROM entity WHERE kind = ? ORDER BY id", (kind,)):
            out[f"v1/{folder}/{rid}.json"] = orjson.dumps(orjson.loads(text))
    for (rid,) in cat.sql("SELECT id FROM device ORDER BY id"):
        out[f"v1/products/{rid}.json"] = orjson.dumps(product(cat, rid))
    for rid, pid in cat.sql("SELECT DISTINCT device_id, program_id FROM candidate ORDER BY 1, 2"):
        out[f"v1/products/{rid}/programs/{pid}.json"] = orjson.dumps(support(cat, rid, pid))
    return out


def publish(source: Path | Catalog, out_dir: Path, key: Path | None, catalog_root: Path | None = None,
            regions: list[str] | None = None, expires_days: float = EXPIRES_DAYS,
            entities: bool = True) -> dict[str, Any]:
    """Write the static tree of the build `source` (a build folder or an open `Catalog`) into `out_dir` and
    return its manifest, signed with `key` (unsigned when None: a verifier refuses it). `catalog_root`: the
    catalog folder built (default: `catalog/` beside the build folder), for the territory table; `regions`:
    the shards to write (default every region a program or utility names)."""
    cat = _open(source)
    root = Path(catalog_root) if catalog_root else cat.path.parent.parent / "catalog"
    private = load_private(key) if key else None
    chosen = shards.regions(cat) if regions is None else regions
    files: dict[str, bytes] = {"v1/catalog.json.gz": shards.dump(shards.bundle(cat, root))}
    shard_files = {r: f"v1/shards/{r}.json.gz" for r in chosen}
    for region, name in shard_files.items():
        files[name] = shards.dump(shards.bundle(cat, root, region))
    if entities:
        files.update(answers(cat))
    data = mf.make(cat.version, cat.meta["built_at"], files, expires_days,
                   key_id(private.public_key()) if private else None, "v1/catalog.json.gz", shard_files)
    out = Path(out_dir)
    if (out / "v1").is_dir():
        shutil.rmtree(out / "v1")  # a file of an older tree must not linger beside the new one
    for name, body in files.items():
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
    sig = out / mf.SIGNATURE
    if private:
        _replace(sig, signature(private, data))
    elif sig.exists():
        sig.unlink()
    _replace(out / mf.MANIFEST, data)  # last: a reader sees the new manifest once every file is in place
    return mf.parse(data)


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}-{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
