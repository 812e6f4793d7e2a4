"""Where the catalog comes from: the one function the rest of the integration asks (`load_catalog`).

The bundled catalog ships with the integration (`bundled/`): it is what Home Assistant starts on when nothing
was downloaded yet, when downloads are off, and when a download fails or does not verify. A published snapshot,
when the owner chose one, is fetched at most once a day in the background (start-up never waits on the
network), verified against its pinned public key and cached in `.storage/der_directory/`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from derdir.catalog.index import Catalog

from .const import CONF_DOWNLOADS, CONF_PUBLIC_KEY, CONF_SNAPSHOT_URL, CONF_SOURCE, SOURCE_SNAPSHOT

log = logging.getLogger(__name__)

BUNDLED = Path(__file__).parent / "bundled"  # the catalog build shipped with the integration
MAX_AGE_DAYS = 1


@dataclass
class Loaded:
    """A catalog and how it was obtained (shown in diagnostics and on the sensors)."""

    catalog: Catalog
    origin: str  # bundled | cache | download
    version: str
    age_days: float | None = None
    error: str | None = None  # why a download or the cache was not used


def bundled_catalog(bundled: Path = BUNDLED) -> Catalog:
    """The catalog build shipped with the integration."""
    current = bundled / "current"
    return Catalog(current.resolve() if current.exists() else bundled)


def load_catalog(options: dict[str, Any], cache_dir: Path, allow_network: bool,
                 bundled: Path = BUNDLED) -> Loaded:
    """The catalog to evaluate on. Without network (start-up), the cached snapshot if it verifies, else the
    bundled one; with network (the daily refresh), a fresh snapshot when the cached one is older than a day
    and downloads are on. Never raises for a download or verification problem: the reason is in `error`."""
    if options.get(CONF_SOURCE) != SOURCE_SNAPSHOT or not options.get(CONF_SNAPSHOT_URL):
        cat = bundled_catalog(bundled)
        return Loaded(cat, "bundled", cat.version)
    try:
        from derdir.snapshot import SnapshotClient, SnapshotError  # the signed-snapshot client (issue 20)
    except ImportError:
        cat = bundled_catalog(bundled)
        return Loaded(cat, "bundled", cat.version, error="this version of derdir has no snapshot client")
    client = SnapshotClient(options[CONF_SNAPSHOT_URL], options[CONF_PUBLIC_KEY], cache_dir,
                            max_age_days=MAX_AGE_DAYS,
                            allow_network=allow_network and bool(options.get(CONF_DOWNLOADS, True)))
    started = time.monotonic()
    try:
        snap = client.load()
    except SnapshotError as exc:
        log.warning("DER Directory snapshot not used (%s); evaluating on the bundled catalog", exc)
        cat = bundled_catalog(bundled)
        return Loaded(cat, "bundled", cat.version, error=str(exc))
    log.debug("snapshot loaded in %.2f s", time.monotonic() - started)
    age = snap.age.total_seconds() / 86400 if hasattr(snap.age, "total_seconds") else snap.age
    return Loaded(snap.catalog, "cache" if snap.offline else "download", snap.catalog.version, age)
