"""Importers: generate device recipes from upstream device databases.

Each source module is pure (upstream data -> list of recipe dicts with a proposed `id`);
`write.py` merges those into `catalog/devices/` so re-runs only touch what the importer owns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable

from . import cec, kasa, vehicles, zigbee, zwave
from .common import ImportContext, version_from_filename
from .homeassistant import HAIndex, ha_integration_for
from .write import WriteReport, write_recipes


@dataclass(frozen=True)
class Source:
    """One upstream database: its package name, reader and recipe builder."""

    package: str
    load: Callable[[Path], list[dict[str, Any]]]
    build: Callable[[list[dict[str, Any]], ImportContext, HAIndex | None], list[dict[str, Any]]]
    version_of: Callable[[Path], str | None] = version_from_filename


SOURCES: dict[str, Source] = {
    "zigbee": Source(zigbee.PACKAGE, zigbee.load, zigbee.import_zigbee),
    "zwave": Source(zwave.PACKAGE, zwave.load, zwave.import_zwave),
    "kasa": Source(kasa.PACKAGE, kasa.load, kasa.import_kasa),
    "vehicles": Source(vehicles.PACKAGE, vehicles.load, vehicles.import_vehicles, vehicles.version_of),
    "cec-inverters": Source(cec.PACKAGE, cec.load, cec.import_cec, cec.version_of),
}


def build(kind: str, path: Path, seen: date, version: str | None = None, ha: HAIndex | None = None) -> list[dict[str, Any]]:
    """Read one upstream file and return its recipes (nothing is written)."""
    src = SOURCES[kind]
    version = version or src.version_of(Path(path))
    if not version:
        raise ValueError(f"cannot tell the {src.package} version from {Path(path).name}; pass it explicitly")
    return src.build(src.load(Path(path)), ImportContext(src.package, version, seen), ha)


__all__ = [
    "HAIndex", "ImportContext", "SOURCES", "Source", "WriteReport", "build", "ha_integration_for", "write_recipes",
]
