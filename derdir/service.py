"""Open the current build for queries, building first when it is missing or stale.

Shared by the CLI and the HTTP service so that both answer from the same compiled catalog.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from .catalog.build import build, catalog_version, current_build, version_of
from .catalog.index import Catalog
from .errors import BuildMissing, CatalogInvalid

log = logging.getLogger(__name__)


def open_catalog(catalog_root: Path, build_dir: Path, rebuild: bool = True, progress=None) -> Catalog:
    """The catalog to answer from. Rebuilds when recipes changed; on audit errors, keeps serving
    the last good build if there is one (and re-raises if there is none)."""
    current = current_build(build_dir)
    if rebuild and catalog_root.is_dir():
        stale = current is None or version_of(current) != catalog_version(catalog_root)
        if stale:
            try:
                build(catalog_root, build_dir, progress)
            except CatalogInvalid:
                if current_build(build_dir) is None:
                    raise
            except Exception:  # noqa: BLE001 - a build that fails in any other way must not stop a good one serving
                if current_build(build_dir) is None:
                    raise
                log.exception("the catalog at %s could not be built; answering from the last good build", catalog_root)
    path = current_build(build_dir)
    if path is None:
        raise BuildMissing(f"no build in {build_dir}; run `derdir build`")
    return Catalog(path)


class LiveCatalog:
    """Hands out the current build; picks up a newly published build without dropping requests.

    A request takes one `Catalog` at its start and keeps it, so every answer comes whole from
    one version. Checking costs one readlink per `check_every` seconds. A new build is opened
    and settled in a thread of its own (~0.5 s at 100k devices) while requests go on with the
    current one; it is handed out once ready. One that cannot be opened is logged and skipped,
    and the current build stays.
    """

    def __init__(self, build_dir: Path, check_every: float = 1.0):
        import time

        self.build_dir = build_dir
        self.check_every = check_every
        self._time = time.monotonic
        self._lock = threading.Lock()
        path = current_build(build_dir)
        if path is None:
            raise BuildMissing(f"no build in {build_dir}")
        self._catalog = settled(Catalog(path))
        self._checked = self._time()
        self._opening: threading.Thread | None = None
        self._refused: Path | None = None  # a published build that could not be opened

    def get(self) -> Catalog:
        now = self._time()
        if now - self._checked >= self.check_every and self._opening is None:
            with self._lock:
                if now - self._checked >= self.check_every and self._opening is None:
                    self._checked = now
                    path = current_build(self.build_dir)
                    if path is not None and path not in (self._catalog.path, self._refused):
                        self._opening = threading.Thread(target=self._open, args=(path,), name="derdir-open-build",
                                                         daemon=True)
                        self._opening.start()
        return self._catalog

    def settle(self, timeout: float = 30.0) -> Catalog:
        """The build served once any build being opened is ready (tests and tools that just published one)."""
        self.get()
        opening = self._opening
        if opening is not None:
            opening.join(timeout)
        return self._catalog

    def _open(self, path: Path) -> None:
        try:
            self._catalog = settled(Catalog(path))
        except Exception:  # noqa: BLE001 - a thread of its own: nothing above it would report the error
            log.exception("could not open the build published at %s; still serving %s", path, self._catalog.path)
            self._refused = path
        finally:
            self._opening = None


def settled(cat: Catalog) -> Catalog:
    """Move the catalog's long-lived objects (programs, utilities, hubs: ~200k objects at 2k programs and
    3k utilities) out of the cyclic garbage collector's reach. A full collection otherwise walks them
    all -- measured 100-185 ms per gen-2 pass at 100k devices -- and every request waiting meanwhile
    gets that much added to its latency (the p99). They are still freed by reference counting when a
    newer build replaces this one. Programs' lookup structures are made first, so that they go too;
    what requests cache later is kept in forms the collector does not walk (see `eligibility._packed`).

    What an earlier call froze is unfrozen first: frozen objects are never collected, so the garbage in
    cycles of each replaced build (and of the requests answered meanwhile) stayed for good, ~1 MB per hot
    reload at the bundled size. Now it lives until the next reload at most."""
    import gc

    for program in cat.programs.values():
        program.eligibility.compile()
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    return cat
