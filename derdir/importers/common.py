"""Helpers the importers share: ids, package versions, short factual text, source entries.

Importers are pure: they turn upstream data into recipe dicts. Everything that depends on the
catalog on disk (final ids, merging with human edits, writing) lives in `write.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from ..normalize import fold

_SUFFIX = re.compile(
    r"\b(incorporated|inc|llc|ltd|limited|co|corp|corporation|company|gmbh|ag|s\.?a|b\.?v|oy|ab|as|plc|pty|srl|"
    r"s\.?l\.?u|kg|sas)\b\.?"
)
MAX_ID = 100


@dataclass(frozen=True)
class ImportContext:
    """What every generated recipe is stamped with: the package read and the day it was read."""

    package: str
    version: str
    seen: date

    @property
    def source(self) -> str:
        return f"{self.package}@{self.version}"


def slug(text: str) -> str:
    """Lowercase kebab-case ASCII ('Smart Plug+ (EU)' -> 'smart-plug-plus-eu')."""
    text = fold(text).replace("+", " plus ")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def maker_slug(name: str) -> str:
    """Manufacturer part of an id, without legal-entity suffixes ('Aeotec Ltd.' -> 'aeotec')."""
    folded = fold(name.replace("&", " ")).replace(",", " ")
    stripped = _SUFFIX.sub(" ", folded)
    return slug(stripped) or slug(folded) or "unknown"


def device_id(manufacturer: str, model: str) -> str:
    """Proposed recipe id `<manufacturer>-<model>`; the writer makes it unique in the catalog."""
    maker = maker_slug(manufacturer)
    part = slug(model) or "device"
    if part == maker or part.startswith(maker + "-"):
        rid = part
    else:
        rid = f"{maker}-{part}"
    if len(rid) > MAX_ID:
        rid = rid[:MAX_ID].rsplit("-", 1)[0]
    if len(rid) < 2:
        rid = f"{rid}-device"
    return rid


def unique_ids(proposals: Iterable[tuple[str, str]], alt: dict[str, str] | None = None) -> dict[str, str]:
    """Map record key -> id, unique within one import (including look-alike ids, see `id_key`).

    Keys are processed in sorted order so the outcome does not depend on upstream file order;
    a clash first tries the record's `alt` suffix (e.g. its Z-Wave product ids), then -2, -3…
    """
    from ..normalize import id_key

    taken: set[str] = set()
    out: dict[str, str] = {}
    for key, rid in sorted(proposals):
        cand = rid
        if id_key(cand) in taken and alt and alt.get(key):
            cand = f"{rid}-{alt[key]}"
        n = 2
        while id_key(cand) in taken:
            cand = f"{rid}-{n}"
            n += 1
        taken.add(id_key(cand))
        out[key] = cand
    return out


def version_from_filename(path: Path) -> str | None:
    """'zigbee-herdsman-converters-26.112.0.devices.json' -> '26.112.0'."""
    m = re.search(r"-(\d+\.\d+\.\d+)(?:\.|$)", path.name)
    return m.group(1) if m else None


def short_text(value: Any, limit: int = 200, name: bool = False) -> str | None:
    """A short upstream string fit for a recipe Name: one line, no markup, no stray spaces.

    Product descriptions lose a final full stop and get a capital; a `name` (a maker such as
    'smarli.' or 'Aeotec Ltd.') is kept as spelt.
    """
    if not isinstance(value, str):
        return None
    text = re.sub(r"[\x00-\x1f\x7f]", " ", value)
    text = re.sub(r"<[^>]*>", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    if not name:
        text = text.rstrip(".").strip()
    if not text:
        return None
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0]
    return text if name else text[0].upper() + text[1:]


def clean_model(value: Any) -> str | None:
    """A model or model-id string: NULs and control characters removed, whitespace collapsed."""
    if not isinstance(value, str):
        return None
    text = re.sub(r"[\x00-\x1f\x7f]", "", value)
    text = re.sub(r"\s+", " ", text).strip()
    return text[:200] or None


def dedupe(values: Iterable[str | None]) -> list[str]:
    """Drop empties and repeats, keep first-seen order."""
    out: list[str] = []
    for v in values:
        if v and v not in out:
            out.append(v)
    return out


def source(url: str, title: str, supports: str, seen: date) -> dict[str, Any]:
    return {"url": url, "title": title[:200], "supports": supports, "seen": seen}


# --- ownership -------------------------------------------------------------------------------
# `imported.owned_fields` lists what the importer wrote, as paths: `product_name`, `power.energy_monitoring`
# (a key inside a nested mapping), `integrations[zigbee2mqtt]` / `sources[<url>]` (one entry of a list of
# records, by identity). Everything else in the file belongs to people and is never touched.

NESTED = ("firmware", "power", "connectivity", "control", "security", "identifiers")
KEYED_LISTS = ("integrations", "sources")


def entry_identity(list_name: str, entry: Any) -> str | None:
    """How an entry of `integrations` or `sources` is recognised across runs."""
    if not isinstance(entry, dict):
        return None
    if list_name == "sources":
        url = entry.get("url")
        return url if isinstance(url, str) else None
    eco, name = entry.get("ecosystem"), entry.get("name")
    if not isinstance(eco, str):
        return None
    return f"{eco}/{name}" if isinstance(name, str) and name else eco


def owned_paths(recipe: dict[str, Any]) -> list[str]:
    """Every path the importer sets in `recipe` (the `imported` block itself is always the importer's)."""
    out: list[str] = []
    for key, value in recipe.items():
        if key in ("imported", "id"):
            continue
        if key in NESTED and isinstance(value, dict):
            out.extend(f"{key}.{sub}" for sub in value)
        elif key in KEYED_LISTS and isinstance(value, list):
            for entry in value:
                ident = entry_identity(key, entry)
                if ident:
                    out.append(f"{key}[{ident}]")
        else:
            out.append(key)
    return out
