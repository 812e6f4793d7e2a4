"""What a recipe becomes in the SQLite index: its rows in every table, and its candidate pairs.

A full build inserts these rows for every recipe; a delta build (`delta.py`) deletes and inserts
them for the recipes that changed. Both call the functions here, so the two cannot drift apart.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from typing import Any, Callable, Iterable

from ..plain import product_title
from ..eligibility import rule_matches
from ..facts import DeviceFacts, maker_names, model_names
from ..normalize import key, maker_key
from ..recipes.device import Device, ProductBase
from ..recipes.load import Loaded
from ..recipes.program import Program
from ..recipes.common import REGIONS
from .index import FORMAT

Pair = tuple[str, str]  # (device id, program id)
# (category, maker keys or None for every maker) -> the devices of that category answering to one of them
Pool = Callable[[str, list[str] | None], Iterable[DeviceFacts]]


def recipe_text(kind: str, rid: str, model: Any) -> str:
    """The one JSON form of a recipe used by the index, the static tree and the API:
    `id` and `kind`, then the model's fields in their declared order, unknowns left out."""
    body = model.model_dump_json(exclude_none=True)
    return '{"id":' + json.dumps(rid) + ',"kind":"' + kind + '"' + ("," + body[1:] if body != "{}" else "}")


def make_meta(version: str, built_at: str, counts: dict[str, int]) -> dict[str, Any]:
    """The build's `meta` table (and the head of catalog.json)."""
    return {"version": version, "built_at": built_at, "format": FORMAT, "counts": counts}


def maker_aliases(manufacturers: Iterable[Loaded]) -> dict[str, set[str]]:
    """Maker key -> every key of the same manufacturer (its name, aliases and brands)."""
    out: dict[str, set[str]] = {}
    for rec in manufacturers:
        m = rec.model
        keys = {maker_key(n) for n in [m.name, *m.aliases, *m.brands] if maker_key(n)}
        for k in keys:
            out.setdefault(k, set()).update(keys)
    return out


def identifiers(rid: str, p: ProductBase, aliases: dict[str, set[str]] | None = None) -> Iterable[tuple[str, str, str]]:
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


def search_text(kind: str, rid: str, m: Any) -> tuple[str, str]:
    if kind in ("device", "hub"):
        title = " ".join(filter(None, [product_title(m.manufacturer, m.brand, m.product_name), m.model_numbers[0]]))
        body = " ".join([rid, m.manufacturer, m.brand or "", m.family or "", *m.model_numbers,
                         *m.identifiers.model_strings, *m.identifiers.manufacturer_names,
                         getattr(m, "category", "hub")])
    elif kind == "program":
        title = f"{m.name} {m.operator}"
        body = " ".join([rid, m.description or "", *m.markets.utilities, *m.markets.regions])
    elif kind == "rebate":
        title = f"{m.name} {m.operator}"
        body = " ".join([rid, *m.markets.utilities, *m.markets.regions, *(c for t in m.terms for c in t.categories)])
    else:
        title = f"{m.name} {m.short_name or ''}"
        body = " ".join([rid, *m.aliases, *m.regions])
    return title, body


def zip_regions(extra: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(ZIP code, region) for every US ZIP code the `zipcodes` package knows (its data ships inside it), and
    the ZIP -> state pairs of `extra` (the territory table) for ZIPs it does not know."""
    import zipcodes

    out = {z["zip_code"]: f"US-{z['state']}" for z in zipcodes.list_all() if f"US-{z['state']}" in REGIONS}
    for z, state in (extra or {}).items():
        if z not in out and f"US-{state}" in REGIONS:
            out[z] = f"US-{state}"
    return sorted(out.items())


def insert_recipes(db: sqlite3.Connection, recipes: dict[str, dict[str, Loaded]], texts: dict[str, dict[str, str]],
                   facts: dict[str, DeviceFacts], named: dict[str, list[str]]) -> None:
    """Insert every row of the given recipes except their candidate pairs. `facts`: of the devices among
    them; `named`: device -> the programs its candidate pairs name (the `device.programs` column)."""
    for kind, by_id in recipes.items():
        ordered = sorted(by_id.items())
        db.executemany("INSERT INTO entity VALUES (?, ?, ?, ?)", [(kind, rid, rec.path, texts[kind][rid]) for rid, rec in ordered])
        db.executemany("INSERT OR IGNORE INTO former_id VALUES (?, ?, ?)",
                       [(kind, old, rid) for rid, rec in ordered for old in rec.model.former_ids])
        if kind != "manufacturer":
            db.executemany("INSERT INTO search VALUES (?, ?, ?, ?)",
                           [(kind, rid, *search_text(kind, rid, rec.model)) for rid, rec in ordered])
    rows, facets, idents, by_maker = [], [], [], []
    for rid, rec in sorted(recipes.get("device", {}).items()):
        d: Device = rec.model
        f = facts[rid]
        rows.append((rid, d.category, d.manufacturer, maker_key(d.manufacturer), d.brand, d.product_name,
                     d.model_numbers[0], d.family, d.power.energy_monitoring, d.control.local_api,
                     d.white_label_of, d.power.controllable_kw, d.power.battery_kwh, f.dumps(), " ".join(named.get(rid, ()))))
        facets += [("protocol", p, rid) for p in protocols(d)]
        facets += [("ecosystem", i.ecosystem, rid) for i in d.integrations]
        facets += [("maker", m, rid) for m in f.makers]
        by_maker += [(m, f.category, rid) for m in f.known_as]
        idents += list(identifiers(rid, d, _aliases_of(f)))
    for rid, rec in recipes.get("hub", {}).items():
        idents += [(k, v, rid) for k, v, _ in identifiers(rid, rec.model) if k in ("model", "maker")]
    db.executemany("INSERT INTO device VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    db.executemany("INSERT OR IGNORE INTO device_facet VALUES (?,?,?)", facets)
    db.executemany("INSERT INTO maker_device VALUES (?,?,?)", by_maker)
    db.executemany("INSERT OR IGNORE INTO ident VALUES (?,?,?)", idents)


def _aliases_of(f: DeviceFacts) -> dict[str, set[str]]:
    """The alias map `identifiers` needs, restricted to one device: its facts already hold its makers'
    aliases (`known_as`), so a delta build needs no manufacturer recipes to list its maker identifiers."""
    return {m: set(f.known_as) for m in f.makers}


def program_candidates(pid: str, p: Program, pool: Pool, fact: Callable[[str], DeviceFacts | None]) -> tuple[set[Pair], set[tuple[str, str]]]:
    """(pairs, whole-category rules) of one program. Pairs: every (device, program) a claim or a maker/model
    rule names, found through `pool`. A rule with no maker and no model pattern names every device of its
    category: it is kept as one (category, program) row instead of one row per device (the `candidate`
    view joins it with the devices at query time), and pairs it already implies are not stored."""
    whole = {r.category for r in p.eligibility.rules if not r.manufacturers and not r.models}
    pairs: set[Pair] = set()
    for c in p.eligibility.devices:
        dev = fact(c.device)
        if dev is None or dev.category not in whole:
            pairs.add((c.device, pid))
    for rule in p.eligibility.rules:
        if rule.category in whole:
            continue
        makers = [maker_key(m) for m in rule.manufacturers] if rule.manufacturers else None
        pairs.update((f.id, pid) for f in pool(rule.category, makers) if rule_matches(rule, f))
    return pairs, {(c, pid) for c in whole}


def memory_pool(facts: Iterable[DeviceFacts]) -> Pool:
    """A `Pool` over devices held in memory."""
    by_cat_maker: dict[tuple[str, str], list[DeviceFacts]] = defaultdict(list)
    by_cat: dict[str, list[DeviceFacts]] = defaultdict(list)
    for f in facts:
        by_cat[f.category].append(f)
        for m in f.makers:
            by_cat_maker[(f.category, m)].append(f)

    def pool(category: str, makers: list[str] | None) -> Iterable[DeviceFacts]:
        if makers is None:
            return by_cat.get(category, ())
        return {f.id: f for m in makers for f in by_cat_maker.get((category, m), ())}.values()
    return pool


def candidates(programs: dict[str, Loaded], facts: dict[str, DeviceFacts]) -> tuple[set[Pair], set[tuple[str, str]]]:
    """(pairs, whole-category rules) of every program over every device."""
    pool = memory_pool(facts.values())
    pairs: set[Pair] = set()
    open_rules: set[tuple[str, str]] = set()
    for pid, rec in programs.items():
        more, whole = program_candidates(pid, rec.model, pool, facts.get)
        pairs |= more
        open_rules |= whole
    return pairs, open_rules


def named_programs(pairs: Iterable[Pair]) -> dict[str, list[str]]:
    """Device -> the programs its pairs name, sorted (the `device.programs` column)."""
    named: dict[str, list[str]] = defaultdict(list)
    for did, pid in sorted(pairs):
        named[did].append(pid)
    return named
