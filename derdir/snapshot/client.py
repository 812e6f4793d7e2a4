"""`SnapshotClient`: a signed snapshot (whole catalog or one region's shard) from a URL or a folder, verified
against a pinned key, cached, and turned into a local `Catalog` the household evaluation and recommendations run on.

What it does on `load`:
1. fetches `manifest.json` (revalidated with its ETag: an unchanged one costs a 304) and its signature;
2. verifies the signature by the pinned key, the expiry, and that it is not older than the last manifest it
   accepted (kept in the cache: rollback refused);
3. fetches the bundle the manifest lists (unless the cache holds those exact bytes) and checks its sha256 and size;
4. builds a local catalog from the bundle with the project's own build, once per bundle hash.

When the source cannot be reached, or what it serves is refused, the last verified copy in the cache is used
(`offline` True, with `warnings` saying why and how old it is); with none, `SnapshotError` names the file.
Nothing unverified is ever used: the cache holds only bytes that passed the checks, and is checked again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from ..catalog.index import Catalog
from . import manifest as mf
from . import shards
from .errors import SnapshotError
from .verify import verify_manifest

log = logging.getLogger(__name__)
TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class _Unreachable(Exception):
    """The source could not be read (network down, host gone, folder missing): the cache may answer."""


@dataclass
class Snapshot:
    """A verified snapshot, ready to answer: `catalog` is a local build of it."""

    catalog: Catalog
    manifest: dict[str, Any]
    region: str | None
    age: timedelta  # since the manifest was created
    offline: bool  # the source could not be used: this is the last verified copy in the cache
    stale: bool  # older than the client's max_age
    warnings: list[str] = field(default_factory=list)


class SnapshotClient:
    """Loads verified snapshots from `source` (an http(s) URL of a published tree, or its folder)."""

    def __init__(self, source: str | Path, public_key: Path | bytes, cache_dir: Path, max_age_days: int = 7,
                 allow_network: bool = True, transport: httpx.BaseTransport | None = None):
        self.source = str(source).rstrip("/")
        self.remote = self.source.startswith(("http://", "https://"))
        self.public_key = public_key
        self.cache = Path(cache_dir)
        self.max_age = timedelta(days=max_age_days)
        self.allow_network = allow_network
        self._transport = transport
        self._catalogs: dict[str, Catalog] = {}

    # --- the source -------------------------------------------------------------------------------
    def _get(self, name: str, etag: str | None = None) -> tuple[bytes | None, str | None, bool]:
        """(bytes or None when absent, ETag, not modified)."""
        if not self.remote:
            path = Path(self.source) / name
            if not Path(self.source).is_dir():
                raise _Unreachable(f"{self.source} is not a folder")
            try:
                return path.read_bytes(), None, False
            except (FileNotFoundError, IsADirectoryError):
                return None, None, False
            except OSError as exc:
                raise _Unreachable(f"{path}: {exc.strerror}") from None
        if not self.allow_network:
            raise _Unreachable("network use is off (allow_network=False)")
        headers = {"If-None-Match": etag} if etag else {}
        try:
            with httpx.Client(timeout=TIMEOUT, transport=self._transport, follow_redirects=True) as http:
                r = http.get(f"{self.source}/{name}", headers=headers)
        except httpx.HTTPError as exc:
            raise _Unreachable(f"{self.source}/{name}: {exc}") from None
        if r.status_code == 304:
            return None, etag, True
        if r.status_code == 404:
            return None, None, False
        if r.status_code >= 400:
            raise _Unreachable(f"{self.source}/{name}: HTTP {r.status_code}")
        return r.content, r.headers.get("etag"), False

    # --- the cache --------------------------------------------------------------------------------
    def _cached(self, name: str) -> bytes | None:
        try:
            return (self.cache / name).read_bytes()
        except OSError:
            return None

    def _store(self, name: str, data: bytes) -> None:
        path = self.cache / name
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)

    def _blob(self, sha256: str) -> str:
        return f"files/{sha256}"

    # --- loading ----------------------------------------------------------------------------------
    def load(self, region: str | None = None) -> Snapshot:
        """The whole catalog (`region` None) or one region's shard ('US-CA'), verified; see the module docstring."""
        try:
            return self._fresh(region)
        except (_Unreachable, SnapshotError) as exc:
            why = str(exc)
            refused = isinstance(exc, SnapshotError)
        try:
            snap = self._from_cache(region)
        except SnapshotError as cached:
            if refused:
                raise SnapshotError(why.partition(": ")[0], why.partition(": ")[2]) from None
            raise SnapshotError(cached.file, f"{cached} (and the source cannot be used: {why})") from None
        hours = snap.age.total_seconds() / 3600
        snap.warnings.insert(0, f"{'refused' if refused else 'offline'}: {why}; using the last verified copy, "
                                f"created {snap.manifest['created']} ({hours:.1f} hours old)")
        for w in snap.warnings:
            log.warning(w)
        return snap

    def _fresh(self, region: str | None) -> Snapshot:
        etags = self._etags()
        data, etag, same = self._get(mf.MANIFEST, etags.get(self.source))
        if same:
            data = self._cached(mf.MANIFEST)
            sig = self._cached(mf.SIGNATURE)
            if data is None:  # the cache lost it: ask again in full
                data, etag, _ = self._get(mf.MANIFEST)
                sig, _, _ = self._get(mf.SIGNATURE)
        else:
            sig, _, _ = self._get(mf.SIGNATURE)
        doc = verify_manifest(data, sig, self.public_key, mf.read_state(self.cache / mf.STATE))
        name = self._file_of(doc, region)
        want = doc["files"][name]["sha256"]
        body = self._cached(self._blob(want))
        if body is None or hashlib.sha256(body).hexdigest() != want:
            body, _, _ = self._get(name)
        mf.check_file(doc, name, body)
        assert data is not None and sig is not None and body is not None
        self._store(self._blob(want), body)
        self._store(mf.SIGNATURE, sig)
        self._store(mf.MANIFEST, data)
        mf.write_state(self.cache / mf.STATE, doc, data)
        if etag:
            self._store("etags.json", json.dumps({**etags, self.source: etag}).encode())
        return self._snapshot(doc, region, name, body, offline=False)

    def _from_cache(self, region: str | None) -> Snapshot:
        """The last verified copy, checked again (signature, expiry, hash): the cache is never trusted as such."""
        data, sig = self._cached(mf.MANIFEST), self._cached(mf.SIGNATURE)
        if data is None:
            raise SnapshotError(str(self.cache / mf.MANIFEST), "no verified copy in the cache")
        doc = verify_manifest(data, sig, self.public_key, mf.read_state(self.cache / mf.STATE))
        name = self._file_of(doc, region)
        body = self._cached(self._blob(doc["files"][name]["sha256"]))
        if body is None:
            raise SnapshotError(name, f"no verified copy in the cache ({self.cache})")
        mf.check_file(doc, name, body)
        return self._snapshot(doc, region, name, body, offline=True)

    def _file_of(self, doc: dict[str, Any], region: str | None) -> str:
        if region is None:
            return str(doc["catalog"])
        name = doc.get("shards", {}).get(region)
        if not name:
            raise SnapshotError(mf.MANIFEST, f"has no shard for {region!r} (it has {', '.join(sorted(doc.get('shards', {}))) or 'none'})")
        return str(name)

    def _snapshot(self, doc: dict[str, Any], region: str | None, name: str, body: bytes, offline: bool) -> Snapshot:
        sha = doc["files"][name]["sha256"]
        cat = self._catalogs.get(sha)
        if cat is None:
            cat = self._catalogs[sha] = shards.materialize(body, name, self.cache / "catalogs" / sha[:32])
        age = mf.now() - doc["_created"]
        stale = age > self.max_age
        warnings = [f"stale: the snapshot was created {doc['created']}, {age.days} days ago "
                    f"(more than {self.max_age.days})"] if stale else []
        for w in warnings:
            log.warning(w)
        return Snapshot(cat, doc, region, age, offline, stale, warnings)

    def _etags(self) -> dict[str, str]:
        raw = self._cached("etags.json")
        try:
            return dict(json.loads(raw)) if raw else {}
        except ValueError:
            return {}
