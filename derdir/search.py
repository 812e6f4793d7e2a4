"""Search and list: products with filters, plus programs, hubs and utilities."""

from __future__ import annotations

from typing import Any

from .catalog.index import Catalog
from .compat import hub_facets
from .errors import InvalidInput
from .lookup import device_summary, find_in_memory, fts_query
from .markets import resolve_location
from .normalize import maker_key
from .recipes.common import Category
from .incentives import describe
from .judge import standing_json
from .scope import place, standing
from .support import program_summary

MAX_PER_PAGE = 100


def search_products(cat: Catalog, q: str | None = None, *, category: str | None = None,
                    manufacturer: str | None = None, protocol: str | None = None, program: str | None = None,
                    market: str | None = None, hub: str | None = None, page: int = 1,
                    per_page: int = 20) -> dict[str, Any]:
    """Products matching all the filters given, ranked by text relevance when `q` is given."""
    if page < 1 or page > 10_000:
        raise InvalidInput("page", "must be between 1 and 10000")
    if per_page < 1 or per_page > MAX_PER_PAGE:
        raise InvalidInput("per_page", f"must be between 1 and {MAX_PER_PAGE}")
    where, params, order = [], [], "d.id"
    source = "device d"
    if q:
        fq = fts_query(q, "device")
        if fq:
            source = "search s JOIN device d ON d.id = s.id"
            where.append("s.search MATCH ?")
            params.append(fq)
            order = "s.rank, d.id"
    if category:
        if category not in {c.value for c in Category}:
            raise InvalidInput("category", f"unknown category {category!r}")
        where.append("d.category = ?")
        params.append(category)
    if manufacturer:
        where.append("d.id IN (SELECT id FROM device_facet WHERE facet = 'maker' AND value = ?)")
        params.append(maker_key(manufacturer))
    if protocol:
        where.append("d.id IN (SELECT id FROM device_facet WHERE facet = 'protocol' AND value = ?)")
        params.append(protocol.lower())
    if program:
        _named_by(cat, [find_in_memory(cat, "program", program, "program")], where, params)
    if market:
        m = resolve_location(cat, market)
        _named_by(cat, sorted(cat.programs_in_market(m.utility, m.region)), where, params)
    if hub:
        h = cat.hubs[find_in_memory(cat, "hub", hub, "hub")]
        ors = " OR ".join("(facet = ? AND value = ?)" for _ in hub_facets(h))
        where.append(f"d.id IN (SELECT id FROM device_facet WHERE {ors})")
        params.extend(v for pair in hub_facets(h) for v in pair)
    clause = " WHERE " + " AND ".join(where) if where else ""
    column = "d.id"
    if source != "device d" and len(where) == 1:  # words alone: the index answers, no device row is read
        source, column, order = "search s", "s.id", "s.rank, s.id"
    # Counting a market's products without text search: through the narrow category index, not the wide
    # device rows (a state-wide market matches ~95k devices at 100k: 97 ms instead of 570 ms).
    counted = source + (" INDEXED BY device_category" if source == "device d" and market else "")
    total = cat.sql(f"SELECT count(*) FROM {counted}{clause}", params)[0][0]
    rows = cat.sql(f"SELECT {column} FROM {source}{clause} ORDER BY {order} LIMIT ? OFFSET ?",
                   [*params, per_page, (page - 1) * per_page])
    return {"total": total, "page": page, "per_page": per_page,
            "items": [device_summary(cat, r[0]) for r in rows], "catalog_version": cat.version}


def _named_by(cat: Catalog, pids: list[str], where: list[str], params: list[Any]) -> None:
    """Filter to devices one of `pids` names: by category where a rule opens it all, else by stored pair.
    (Not through the `candidate` view: that would list every device of an open category first, ~95k
    rows for a state-wide market at 100k devices.)"""
    cats = sorted(cat.opened_by(pids))
    pairs = f"d.id IN (SELECT device_id FROM candidate_pair WHERE program_id IN ({','.join('?' * len(pids)) or 'NULL'}))"
    # `+` keeps SQLite from answering the OR with two index searches, which gathers every match before
    # the first page can be cut: scanned in id order, a page needs only the rows before it
    where.append(f"(+d.category IN ({','.join('?' * len(cats))}) OR {pairs})" if cats else pairs)
    params.extend([*cats, *pids])


def search_all(cat: Catalog, q: str, limit: int = 20) -> list[dict[str, Any]]:
    """Quick search across every kind, for the search box."""
    fq = fts_query(q)
    if not fq:
        return []
    rows = cat.sql("SELECT kind, id, title FROM search WHERE search MATCH ? ORDER BY rank, kind, id LIMIT ?", (fq, min(limit, 50)))
    return [{"kind": k, "id": i, "title": t} for k, i, t in rows]


def list_programs(cat: Catalog, market: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
    allowed = None
    where = None
    if market:
        m = resolve_location(cat, market)
        allowed = cat.programs_in_market(m.utility, m.region)
        where = place(cat, m.utility, m.region)
    out = []
    for pid, p in sorted(cat.programs.items()):
        if (allowed is not None and pid not in allowed) or (status and p.status != status):
            continue
        entry = {**program_summary(pid, p), "utilities": p.markets.utilities, "regions": p.markets.regions,
                 "categories": sorted({r.category for r in p.eligibility.rules}),
                 "has_amounts": any(i.amount is not None for i in p.incentives),
                 "incentives": [describe(t) for t in p.incentives]}
        if where is not None:
            here = standing(p, where)
            entry["enrollment"] = standing_json(here)
            if not here.joinable:
                entry["enroll_url"] = None
        elif p.status in ("ended", "paused"):
            entry["enroll_url"] = None
        out.append(entry)
    return out


def list_hubs(cat: Catalog) -> list[dict[str, Any]]:
    return [{"id": hid, "manufacturer": h.manufacturer, "product_name": h.product_name, "ecosystem": h.ecosystem,
             "roles": h.roles.model_dump(exclude_none=True)} for hid, h in sorted(cat.hubs.items())]


def list_utilities(cat: Catalog, region: str | None = None) -> list[dict[str, Any]]:
    return [{"id": uid, "name": u.name, "short_name": u.short_name, "eia_id": u.eia_id, "regions": u.regions,
             "programs": sorted(cat.programs_in_market(uid))}
            for uid, u in sorted(cat.utilities.items()) if not region or region in u.regions]

