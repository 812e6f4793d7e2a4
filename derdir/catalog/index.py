"""Read side of a build: the `Catalog` object every query function takes.

Programs, hubs and utilities (thousands at most) live in memory as models; devices (up to
hundreds of thousands) stay in SQLite and are parsed on demand through a small cache.
All lookups go through indexes.
"""

from __future__ import annotations

import json
import sqlite3
import queue
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from ..recipes.device import Device
from ..recipes.hub import Hub
from ..recipes.manufacturer import Manufacturer
from ..recipes.program import Program
from ..recipes.utility import Utility

KIND_MODELS: dict[str, type] = {"device": Device, "hub": Hub, "program": Program, "utility": Utility,
                                "manufacturer": Manufacturer}


class Catalog:
    """One immutable build, opened read-only."""

    POOL = 8

    def __init__(self, build_path: Path):
        self.path = Path(build_path)
        self.db_path = self.path / "catalog.sqlite"
        if not self.db_path.is_file():
            raise FileNotFoundError(self.db_path)
        # Connections are opened now, not lazily: a build that is pruned while requests still
        # use it stays readable through its open file handles.
        self._pool: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        for _ in range(self.POOL):
            self._pool.put(sqlite3.connect(f"file:{self.db_path}?mode=ro&immutable=1", uri=True, check_same_thread=False))
        meta = dict(self.sql("SELECT key, value FROM meta"))
        self.meta: dict[str, Any] = {k: json.loads(v) for k, v in meta.items()}
        self.version: str = self.meta["version"]
        self.programs: dict[str, Program] = self._load_all("program")
        self.hubs: dict[str, Hub] = self._load_all("hub")
        self.utilities: dict[str, Utility] = self._load_all("utility")
        self.manufacturers: dict[str, Manufacturer] = self._load_all("manufacturer")
        self.former: dict[tuple[str, str], str] = {(k, o): i for k, o, i in self.sql("SELECT kind, old, id FROM former_id")}
        self.programs_by_utility: dict[str, set[str]] = defaultdict(set)
        self.programs_by_region: dict[str, set[str]] = defaultdict(set)
        for pid, p in self.programs.items():
            for u in p.markets.utilities:
                self.programs_by_utility[u].add(pid)
            for r in p.markets.regions:
                self.programs_by_region[r].add(pid)
        self.device = lru_cache(maxsize=1024)(self._device)

    # --- storage -----------------------------------------------------------------------------
    def sql(self, query: str, params: Iterable[Any] = ()) -> list[tuple]:
        conn = self._pool.get()
        try:
            return conn.execute(query, tuple(params)).fetchall()
        finally:
            self._pool.put(conn)

    def _load_all(self, kind: str) -> dict[str, Any]:
        model = KIND_MODELS[kind]
        return {rid: model.model_validate(_strip(json.loads(js))) for rid, js in
                self.sql("SELECT id, json FROM entity WHERE kind = ? ORDER BY id", (kind,))}

    def _device(self, rid: str) -> Device | None:
        row = self.sql("SELECT json FROM entity WHERE kind = 'device' AND id = ?", (rid,))
        return Device.model_validate(_strip(json.loads(row[0][0]))) if row else None

    def entity_json(self, kind: str, rid: str) -> dict[str, Any] | None:
        row = self.sql("SELECT json FROM entity WHERE kind = ? AND id = ?", (kind, rid))
        return json.loads(row[0][0]) if row else None

    # --- lookups -------------------------------------------------------------------------------
    def canonical_id(self, kind: str, ref: str) -> str | None:
        """The live id for an id or a former id."""
        if kind == "device":
            if self.sql("SELECT 1 FROM device WHERE id = ?", (ref,)):
                return ref
        elif ref in self._memory(kind):
            return ref
        return self.former.get((kind, ref))

    def _memory(self, kind: str) -> dict[str, Any]:
        return {"program": self.programs, "hub": self.hubs, "utility": self.utilities,
                "manufacturer": self.manufacturers}[kind]

    def candidate_programs(self, device_id: str) -> list[str]:
        return [r[0] for r in self.sql("SELECT program_id FROM candidate WHERE device_id = ? ORDER BY program_id", (device_id,))]

    def ident(self, kind: str, value: str) -> list[str]:
        return [r[0] for r in self.sql("SELECT id FROM ident WHERE kind = ? AND value = ?", (kind, value))]

    def idents(self, kind: str, values: list[str]) -> dict[str, list[str]]:
        """Several values of one identifier kind in one query: value -> ids."""
        out: dict[str, list[str]] = {}
        if values:
            marks = ",".join("?" * len(values))
            for value, rid in self.sql(f"SELECT value, id FROM ident WHERE kind = ? AND value IN ({marks})", (kind, *values)):
                out.setdefault(value, []).append(rid)
        return out

    def candidate_programs_of(self, device_ids: list[str]) -> list[str]:
        """Programs naming any of these devices, in one query."""
        marks = ",".join("?" * len(device_ids))
        return [r[0] for r in self.sql(f"SELECT DISTINCT program_id FROM candidate WHERE device_id IN ({marks}) "
                                       "ORDER BY program_id", device_ids)] if device_ids else []

    def device_rows(self, ids: list[str]) -> dict[str, tuple[str, str, str | None]]:
        """id -> (category, manufacturer, white_label_of) for several devices, without parsing recipes."""
        out: dict[str, tuple[str, str, str | None]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for rid, category, maker, parent in self.sql(
                    f"SELECT id, category, manufacturer, white_label_of FROM device WHERE id IN ({','.join('?' * len(chunk))})",
                    chunk):
                out[rid] = (category, maker, parent)
        return out

    def count(self, kind: str) -> int:
        return self.sql("SELECT count(*) FROM entity WHERE kind = ?", (kind,))[0][0]

    def programs_in_market(self, utility_id: str | None = None, region: str | None = None) -> set[str]:
        """Programs a customer of this utility (or anywhere in this region) can join."""
        out: set[str] = set()
        regions: list[str] = []
        if utility_id:
            out |= self.programs_by_utility.get(utility_id, set())
            u = self.utilities.get(utility_id)
            regions = list(u.regions) if u else []
        if region:
            regions.append(region)
            if not utility_id:
                out |= {pid for pid, p in self.programs.items() if region in _regions_of(self, p)}
        for r in regions:
            out |= self.programs_by_region.get(r, set())
        return out


def _regions_of(cat: Catalog, p: Program) -> set[str]:
    regs = set(p.markets.regions)
    for u in p.markets.utilities:
        if u in cat.utilities:
            regs |= set(cat.utilities[u].regions)
    return regs


def _strip(data: dict[str, Any]) -> dict[str, Any]:
    data.pop("id", None)
    data.pop("kind", None)
    return data
