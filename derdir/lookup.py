"""Find an entity from what a person types: id, former id, or a name/model string."""

from __future__ import annotations

import difflib
import re
from typing import Any

from .catalog.index import Catalog
from .errors import Ambiguous, InvalidInput, NotFound, OtherKind
from .normalize import key

MAX_REF = 300


def fts_query(text: str, kind: str | None = None) -> str | None:
    """A safe FTS5 query over titles and bodies: each word quoted, prefix-matched, all required; only
    recipes of `kind` if given (matched in the index, not checked row by row)."""
    words = re.findall(r"[\w]+", text.lower())[:12]
    if not words:
        return None
    text_match = "{title body} : (" + " ".join(f'"{w}"*' for w in words) + ")"
    return f"kind : {kind} AND {text_match}" if kind else text_match


def device_summary(cat: Catalog, rid: str) -> dict[str, Any]:
    row = cat.sql("SELECT id, category, manufacturer, brand, product_name, model FROM device WHERE id = ?", (rid,))
    if not row:
        return {"id": rid}
    rid, category, manufacturer, brand, name, model = row[0]
    return {"id": rid, "category": category, "manufacturer": manufacturer, "brand": brand, "product_name": name, "model": model}


def find_device(cat: Catalog, ref: str, field: str = "product") -> str:
    """Device id for an id, former id or name such as 'Kasa KP125M'; Ambiguous lists candidates."""
    ref = (ref or "").strip()
    if not ref or len(ref) > MAX_REF:
        raise InvalidInput(field, f"must be 1-{MAX_REF} characters")
    rid = cat.canonical_id("device", ref.lower())
    if rid:
        return rid
    # a model number anywhere in the string (hubs have model numbers too: they are named, not answered, here)
    hits: set[str] = set(cat.ident("model", key(ref)))
    if not hits:
        for word in re.findall(r"[\w()+-]+", ref):
            if len(key(word)) >= 3:
                hits |= set(cat.ident("model", key(word)))
    if hits - set(cat.hubs):
        hits -= set(cat.hubs)
    elif not hits:
        other = other_kind(cat, ref)
        if other:
            raise OtherKind("product", ref, *other, field=field)
    else:
        raise OtherKind("product", ref, "hub", sorted(hits)[0], field=field)
    if len(hits) == 1:
        return hits.pop()
    if not hits:
        q = fts_query(ref, "device")
        rows = cat.sql("SELECT id FROM search WHERE search MATCH ? ORDER BY rank LIMIT 10", (q,)) if q else []
        hits = {r[0] for r in rows}
        if len(hits) == 1:
            return hits.pop()
    if hits:
        raise Ambiguous("product", ref, [device_summary(cat, h) for h in sorted(hits)[:20]])
    raise NotFound("product", ref, _similar_ids(cat, "device", ref), field=field)


def other_kind(cat: Catalog, ref: str) -> tuple[str, str] | None:
    """(kind, id) of the hub, program or utility `ref` names by id, former id or exact name, else None."""
    for kind in ("hub", "program", "utility"):
        try:
            return kind, find_in_memory(cat, kind, ref, "ref")
        except NotFound:
            continue
    named = [uid for uid, u in cat.utilities.items()
             if key(ref) in {key(n) for n in (u.short_name, *u.aliases) if n}]  # what a bill or people call it
    return ("utility", named[0]) if len(named) == 1 else None


def find_in_memory(cat: Catalog, kind: str, ref: str, field: str) -> str:
    """Id of a program/hub/utility from its id, former id or exact name."""
    ref = (ref or "").strip()
    if not ref or len(ref) > MAX_REF:
        raise InvalidInput(field, f"must be 1-{MAX_REF} characters")
    rid = cat.canonical_id(kind, ref.lower())
    if rid:
        return rid
    items = cat._memory(kind)
    by_name = [i for i, m in items.items() if key(getattr(m, "name", None) or getattr(m, "product_name", "")) == key(ref)]
    if len(by_name) == 1:
        return by_name[0]
    if kind == "hub":
        hits = set(cat.ident("model", key(ref))) & set(items)
        if len(hits) == 1:
            return hits.pop()
        hits = _hubs_named(items, ref)
        if len(hits) == 1:  # 'hubitat', 'Hubitat Elevation', 'hue': the one hub a person means
            return hits[0]
        if hits:
            raise NotFound(kind, ref, hits, field=field)
    raise NotFound(kind, ref, _similar_ids(cat, kind, ref), field=field)


def _hubs_named(hubs: dict[str, Any], ref: str) -> list[str]:
    """Hubs whose id starts with `ref` (as an id would be written), whose ecosystem is `ref`, or whose maker and
    name hold every word of `ref`."""
    slug = re.sub(r"[^a-z0-9]+", "-", ref.lower()).strip("-")
    words = [key(w) for w in re.findall(r"\w+", ref)]
    out = []
    for hid, h in sorted(hubs.items()):
        text = key(" ".join(filter(None, [h.manufacturer, h.brand, h.product_name, h.family])))
        if (slug and hid.startswith(slug)) or slug == h.ecosystem or (words and all(w in text for w in words)):
            out.append(hid)
    return out


def _similar_ids(cat: Catalog, kind: str, ref: str) -> list[str]:
    if kind == "device":
        q = fts_query(ref, "device")
        rows = cat.sql("SELECT id FROM search WHERE search MATCH ? ORDER BY rank LIMIT 5", (q,)) if q else []
        if rows:
            return [r[0] for r in rows]
        like = ref.lower().replace(" ", "-")[:20]
        rows = cat.sql("SELECT id FROM device WHERE id >= ? ORDER BY id LIMIT 200", (like[:3],))
        return difflib.get_close_matches(ref.lower(), [r[0] for r in rows], n=5, cutoff=0.5)
    return difflib.get_close_matches(ref.lower(), list(cat._memory(kind)), n=5, cutoff=0.5)
