"""Read side of a build: the `Catalog` object every query function takes.

Programs, hubs and utilities (thousands at most) live in memory as models; devices (up to
hundreds of thousands) stay in SQLite and are parsed on demand through a small cache.
All lookups go through indexes.
"""

from __future__ import annotations

import json
import sqlite3
import queue
import threading
from collections import OrderedDict, defaultdict
from pathlib import Path
from typing import Any, Callable, Iterable

import orjson

from ..errors import BuildMissing
from ..facts import DeviceFacts
from ..recipes.device import Device
from ..recipes.hub import Hub
from ..recipes.manufacturer import Manufacturer
from ..recipes.program import Program
from ..recipes.rebate import Rebate
from ..recipes.utility import Utility

FORMAT = "7"  # of a build (its tables and columns): part of the build's version, checked when one is opened

KIND_MODELS: dict[str, type] = {"device": Device, "hub": Hub, "program": Program, "utility": Utility,
                                "manufacturer": Manufacturer, "rebate": Rebate}


class Catalog:
    """One immutable build, opened read-only."""

    POOL = 8
    FACTS_CACHE = 8192  # devices' facts kept parsed (~1 KB each)
    DEVICES = 1024  # device recipes kept validated

    def __init__(self, build_path: Path):
        self.path = Path(build_path)
        self.db_path = self.path / "catalog.sqlite"
        if not self.db_path.is_file():
            raise FileNotFoundError(self.db_path)
        # Connections are opened now, not lazily: a build that is pruned while requests still
        # use it stays readable through its open file handles.
        # Last in, first out: with few requests at a time the same connection, whose page cache is warm,
        # serves them all (a FIFO queue would spread them over every connection's cold cache).
        self._pool: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        for _ in range(self.POOL):
            self._pool.put(sqlite3.connect(f"file:{self.db_path}?mode=ro&immutable=1", uri=True, check_same_thread=False))
        meta = dict(self.sql("SELECT key, value FROM meta"))
        self.meta: dict[str, Any] = {k: json.loads(v) for k, v in meta.items()}
        if self.meta.get("format") != FORMAT:
            raise BuildMissing(f"{self.path} was built by another version of derdir (format {self.meta.get('format')}, "
                             f"this one reads {FORMAT}); run `derdir build`")
        self.version: str = self.meta["version"]
        self.programs: dict[str, Program] = self._load_all("program")
        self.hubs: dict[str, Hub] = self._load_all("hub")
        self.utilities: dict[str, Utility] = self._load_all("utility")
        self.manufacturers: dict[str, Manufacturer] = self._load_all("manufacturer")
        self.rebates: dict[str, Rebate] = self._load_all("rebate")
        # Rebate term id -> (rebate id, term): what `exclusivity` and `rebates` look terms up by.
        self.rebate_terms: dict[str, tuple[str, Any]] = {t.id: (rid, t) for rid, r in self.rebates.items() for t in r.terms}
        self.former: dict[tuple[str, str], str] = {(k, o): i for k, o, i in self.sql("SELECT kind, old, id FROM former_id")}
        self.programs_by_utility: dict[str, set[str]] = defaultdict(set)
        self.programs_by_region: dict[str, set[str]] = defaultdict(set)
        for pid, p in self.programs.items():
            for u in p.markets.utilities:
                self.programs_by_utility[u].add(pid)
            for r in p.markets.regions:
                self.programs_by_region[r].add(pid)
        self.programs_near: dict[str, set[str]] = defaultdict(set)  # region -> programs offered anywhere in it
        for pid, p in self.programs.items():
            for r in _regions_of(self, p):
                self.programs_near[r].add(pid)
        self._devices: OrderedDict[str, Device | None] = OrderedDict()  # recipes read lately (with _facts_lock)
        self.open_rules: dict[str, list[str]] = defaultdict(list)  # category -> programs with a rule open to all of it
        for category, pid in self.sql("SELECT category, program_id FROM open_rule ORDER BY program_id"):
            self.open_rules[category].append(pid)
        self._facts: OrderedDict[str, tuple[DeviceFacts, tuple[str, ...]]] = OrderedDict()
        self._facts_lock = threading.Lock()
        self.resolved: dict[tuple, bytes] = {}  # report -> resolution, packed (derdir.resolve keeps it)
        self.derived: dict[str, Any] = {}  # parts of answers that depend only on this build, made on first use
        # Maker keys, and their 4-character prefixes, of every product: "is this maker in the catalog?"
        # is asked for every reported device and answered here without a query.
        self.maker_keys: frozenset[str] = frozenset(r[0] for r in self.sql("SELECT DISTINCT value FROM ident WHERE kind = 'maker'"))
        self.maker_prefixes: frozenset[str] = frozenset(k[:4] for k in self.maker_keys if len(k) >= 4)
        # Model families reported with varying suffixes ('PLP1*'): few, so the resolver's last resort
        # (every prefix of an unmatched model string) is checked here before any query.
        self.model_prefixes: frozenset[str] = frozenset(
            r[0] for r in self.sql("SELECT value FROM ident WHERE kind = 'model-prefix'"))

    def close(self) -> None:
        """Close the connections (a served build is never closed: requests may still read it)."""
        while not self._pool.empty():
            self._pool.get_nowait().close()

    # --- storage -----------------------------------------------------------------------------
    def sql(self, query: str, params: Iterable[Any] = ()) -> list[tuple]:
        conn = self._pool.get()
        try:
            return conn.execute(query, tuple(params)).fetchall()
        finally:
            self._pool.put(conn)

    def sql_in(self, query: str, values: list[Any], head: tuple[Any, ...] = ()) -> list[tuple]:
        return in_chunks(self.sql, query, values, head)

    def _load_all(self, kind: str) -> dict[str, Any]:
        model = KIND_MODELS[kind]
        return {rid: model.model_validate(_strip(json.loads(js))) for rid, js in
                self.sql("SELECT id, json FROM entity WHERE kind = ? ORDER BY id", (kind,))}

    def device(self, rid: str) -> Device | None:
        """A device's recipe, validated; the last DEVICES read are kept. (Not an lru_cache of a bound
        method: that would tie the catalog into a reference cycle, see `service.settled`.)"""
        with self._facts_lock:
            if rid in self._devices:
                self._devices.move_to_end(rid)
                return self._devices[rid]
        row = self.sql("SELECT json FROM entity WHERE kind = 'device' AND id = ?", (rid,))
        found = Device.model_validate(_strip(json.loads(row[0][0]))) if row else None
        with self._facts_lock:
            self._devices[rid] = found
            while len(self._devices) > self.DEVICES:
                self._devices.popitem(last=False)
        return found

    def _rows(self, ids: Iterable[str]) -> dict[str, tuple[DeviceFacts, tuple[str, ...]]]:
        """id -> (facts, programs the stored pairs name) for the devices among `ids`, one query for cache misses."""
        out: dict[str, tuple[DeviceFacts, tuple[str, ...]]] = {}
        missing: list[str] = []
        with self._facts_lock:
            for i in ids:
                row = self._facts.get(i)
                if row is None:
                    missing.append(i)
                else:
                    self._facts.move_to_end(i)
                    out[i] = row
        if not missing:
            return out
        loaded = {rid: (DeviceFacts.loads(text), tuple(programs.split()))
                  for rid, text, programs in self.sql_in("SELECT id, facts, programs FROM device WHERE id IN ({})", missing)}
        with self._facts_lock:
            self._facts.update(loaded)
            while len(self._facts) > self.FACTS_CACHE:
                self._facts.popitem(last=False)
        out.update(loaded)
        return out

    def facts_of(self, ids: Iterable[str]) -> dict[str, DeviceFacts]:
        """id -> facts for the devices among `ids` (hubs and unknown ids are left out)."""
        return {i: row[0] for i, row in self._rows(ids).items()}

    def forget(self) -> None:
        """Empty the per-build caches of device facts and resolutions (benchmarks compare cold answers)."""
        with self._facts_lock:
            self._facts.clear()
            self._devices.clear()
        self.resolved.clear()

    def facts(self, rid: str) -> DeviceFacts | None:
        return self.facts_of((rid,)).get(rid)

    def entity_json(self, kind: str, rid: str) -> dict[str, Any] | None:
        row = self.sql("SELECT json FROM entity WHERE kind = ? AND id = ?", (kind, rid))
        return orjson.loads(row[0][0]) if row else None

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
                "manufacturer": self.manufacturers, "rebate": self.rebates}[kind]

    def ident(self, kind: str, value: str) -> list[str]:
        return [r[0] for r in self.sql("SELECT id FROM ident WHERE kind = ? AND value = ?", (kind, value))]

    def idents(self, kind: str, values: list[str]) -> dict[str, list[str]]:
        """Several values of one identifier kind in one query: value -> ids."""
        out: dict[str, list[str]] = {}
        for value, rid in self.sql_in("SELECT value, id FROM ident WHERE kind = ? AND value IN ({})", values, (kind,)):
            out.setdefault(value, []).append(rid)
        return out

    def candidates_of(self, devices: Iterable[DeviceFacts], among: set[str] | None = None) -> dict[str, list[str]]:
        """device id -> programs whose claims or rules name it (sorted), only those `among` if given: the
        pairs stored with the device, plus the programs with a rule open to its whole category."""
        devices = list(devices)
        rows = self._rows(d.id for d in devices)
        out = {}
        for d in devices:
            pids = {*self.open_rules.get(d.category, ()), *rows[d.id][1]}
            out[d.id] = sorted(pids if among is None else pids & among)
        return out

    def opened_by(self, pids: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """Category -> those of `pids` with a rule open to the whole category (categories with none left out)."""
        chosen = set(pids)
        opened = {c: tuple(p for p in ps if p in chosen) for c, ps in self.open_rules.items()}
        return {c: ps for c, ps in opened.items() if ps}

    def count(self, kind: str) -> int:
        return self.sql("SELECT count(*) FROM entity WHERE kind = ?", (kind,))[0][0]

    def programs_in_market(self, utility_id: str | None = None, region: str | None = None) -> set[str]:
        """Programs a customer of this utility (or anywhere in this region) can join. A supplier's customers
        (`serves_within`: a CCA, a Texas retail provider) can also join the distribution utility's."""
        out: set[str] = set()
        regions: list[str] = []
        if utility_id:
            out |= self.programs_by_utility.get(utility_id, set())
            u = self.utilities.get(utility_id)
            regions = list(u.regions) if u else []
            for wires in (u.serves_within if u else ()):  # a CCA's or retail provider's customers are the wires utility's too
                out |= self.programs_by_utility.get(wires, set())
        if region:
            regions.append(region)
            if not utility_id:
                out |= self.programs_near.get(region, set())
        for r in regions:
            out |= self.programs_by_region.get(r, set())
        return out


def in_chunks(run: Callable[[str, tuple], list[tuple]], query: str, values: list[Any],
              head: tuple[Any, ...] = ()) -> list[tuple]:
    """`query` with its `IN ({})` filled by `values`, run in chunks that stay under SQLite's parameter
    limit; `head` binds the parameters before the list."""
    rows: list[tuple] = []
    for start in range(0, len(values), 500):
        chunk = values[start:start + 500]
        rows += run(query.format(",".join("?" * len(chunk))), (*head, *chunk))
    return rows


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
