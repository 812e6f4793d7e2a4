"""Audit rules about sources: where a recipe's pages are hosted, and how well its money and status are sourced.

- `source-raw-ip` (error): a source URL whose host is a raw IP address (copies of manuals on bare servers).
- `source-http` (warning): a source URL with `http://`; nearly every site has https.
- `source-mirror` (error): a source on a known mirror or scraper domain, listed as catalog data in
  `catalog/audit/mirror-domains.yaml` (each entry with its reason and a source). An entry may name recipes
  that still cite it until their own editor replaces the page (`allowed_in`): those are not reported, and an
  exception no longer needed -- the recipe cites the domain no more, or no longer exists -- is reported
  (`mirror-list`, warning), as Homebrew reports an allowlist entry that nothing needs.
- `secondary-money` (warning): an incentive with an amount resting only on secondary sources
  (`provenance.confidence`: no official or manufacturer source of its own, nor of its program's).
- `stale-fact` (warning): an enrollment status, or an incentive amount, whose newest source was seen more than
  180 days ago (programs that ended aside).
- `model-number-name` (warning): a hub's or hand-written device's `model_numbers` entry that is the product's
  name or a plain word phrase ("Powerwall 2", "PWRcell") rather than a model number (see `looks_like_name`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterator

from pydantic import Field, ValidationError

from ..catalog.source import CatalogFiles
from ..problem import Problem
from ..provenance import host, is_ip, is_secondary, newest_seen, on_domain, recipe_sources
from ..recipes.common import Id, Model, Source, Text
from ..recipes.load import Loaded
from ..recipes.yamlio import YamlError, load_yaml
from .catalog_rules import _at

STALE_FACT_AFTER = timedelta(days=180)
MIRROR_LIST = Path("audit") / "mirror-domains.yaml"


class MirrorDomain(Model):
    """A domain that republishes other sites' pages (a mirror, a scraper, a copied article): never a source."""

    domain: str = Field(pattern=r"^[a-z0-9.:-]+$", description="Host name (its subdomains too) or raw IP address.")
    reason: Text = Field(description="What the site copies, and from where.")
    sources: list[Source] = Field(min_length=1, description="A page showing the copying (the copy, the original).")
    allowed_in: list[Id] = Field(default_factory=list, description=(
        "Recipes that may still cite it until their editor replaces the page; reported once they no longer do."))


class MirrorList(Model):
    domains: list[MirrorDomain] = Field(default_factory=list)


@dataclass
class Mirrors:
    entries: list[MirrorDomain] = field(default_factory=list)
    path: str = ""
    doc: object | None = None
    problems: list[Problem] = field(default_factory=list)

    def match(self, name: str) -> tuple[int, MirrorDomain] | None:
        for i, e in enumerate(self.entries):
            if on_domain(name, e.domain):
                return i, e
        return None

    def position(self, *path: str | int) -> tuple[int, int]:
        return self.doc.position(tuple(path)) if self.doc is not None else (1, 1)  # type: ignore[attr-defined]


def load_mirrors(root: Path) -> Mirrors:
    """The catalog's mirror list (empty when it has none); a broken file is an error, not an exception."""
    file = Path(root) / MIRROR_LIST
    rel = f"{Path(root).name}/{MIRROR_LIST.as_posix()}"
    out = Mirrors(path=rel)
    if not file.is_file():
        return out
    try:
        out.doc = load_yaml(file.read_bytes())
        out.entries = MirrorList.model_validate(out.doc.data).domains  # type: ignore[attr-defined]
    except YamlError as exc:
        out.problems.append(Problem(rel, exc.line, exc.column, exc.field, str(exc), "mirror-list"))
    except ValidationError as exc:
        for e in exc.errors():
            loc = tuple(e["loc"])
            line, col = out.position(*loc)
            out.problems.append(Problem(rel, line, col, ".".join(map(str, loc)), e["msg"], "mirror-list"))
    return out


def _sources(rec: Loaded) -> Iterator[tuple[tuple, Source, str]]:
    for path, s in recipe_sources(rec.model):
        yield path, s, host(s.url)


def hosts(files: CatalogFiles) -> Iterator[Problem]:
    """`source-raw-ip`, `source-http` and `source-mirror` (see the module doc)."""
    mirrors = load_mirrors(files.root)
    for rec in files.checked():
        if rec.kind == "device" and rec.model.imported:
            continue  # an importer's sources are its package's pages
        for path, s, name in _sources(rec):
            if s.url[:7].lower() == "http://":
                yield _at(rec, "source-http", (*path, "url"), "http:// source; use the https:// address", "warning")
            found = mirrors.match(name)
            if found and rec.id in found[1].allowed_in:
                continue
            if is_ip(name):
                yield _at(rec, "source-raw-ip", (*path, "url"),
                          f"source hosted on a raw IP address ({name}); cite the publisher's own page")
            elif found:
                yield _at(rec, "source-mirror", (*path, "url"),
                          f"{name} is a known mirror or scraper ({found[1].reason}); cite the original page")


def mirror_list(files: CatalogFiles) -> Iterator[Problem]:
    """The mirror list itself: readable, and no exception (`allowed_in`) that nothing needs any more."""
    if files.focus is not None:
        return  # a delta build changed recipes, not the list
    mirrors = load_mirrors(files.root)
    yield from mirrors.problems
    by_id = {rid: rec for by in files.recipes.values() for rid, rec in by.items()}
    for i, e in enumerate(mirrors.entries):
        for j, rid in enumerate(e.allowed_in):
            rec = by_id.get(rid)
            if rec is not None and any(on_domain(name, e.domain) for _, _, name in _sources(rec)):
                continue
            line, col = mirrors.position("domains", i, "allowed_in", j)
            why = "no recipe has this id" if rec is None else f"{rec.path} no longer cites {e.domain}"
            yield Problem(mirrors.path, line, col, f"domains[{i}].allowed_in[{j}]",
                          f"exception no longer needed: {why}; remove it", "mirror-list", "warning")


def weak_facts(p: Any, today: date) -> Iterator[tuple[str, tuple, str]]:
    """(rule, path, message) of a program's amounts resting only on secondary sources (`secondary-money`) and
    of its amounts and enrollment statuses whose newest source is older than 180 days (`stale-fact`; programs
    that ended aside). The audit reports them; `derdir stats` counts them."""
    for i, t in enumerate(p.incentives):
        if t.amount is None:
            continue
        if is_secondary(t.sources, p.sources):
            yield ("secondary-money", ("incentives", i, "amount"),
                   "amount rests only on secondary sources (no official or manufacturer page); "
                   "cite the program's page or say in the description that none states it")
        seen = newest_seen(t.sources, p.sources)
        if p.status != "ended" and seen and today - seen > STALE_FACT_AFTER:
            yield ("stale-fact", ("incentives", i, "amount"),
                   f"amount last seen in a source on {seen}, over {STALE_FACT_AFTER.days} days ago")
    if p.status == "ended":
        return
    for i, e in enumerate(p.enrollment):
        seen = newest_seen(e.sources)
        if seen and today - seen > STALE_FACT_AFTER:
            yield ("stale-fact", ("enrollment", i, "status"),
                   f"enrollment status {e.status!r} last seen in a source on {seen}, over {STALE_FACT_AFTER.days} days ago")


def money_and_status(files: CatalogFiles) -> Iterator[Problem]:
    """`secondary-money` and `stale-fact` (see `weak_facts`)."""
    today = date.today()
    for rec in files.checked("program"):
        for rule, path, message in weak_facts(rec.model, today):
            yield _at(rec, rule, path, message, "warning")


# --- model numbers ---------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+(?:[-_./][^\W_]+)*")
_SMALL_NUMBER = re.compile(r"^\d{1,2}$|^\d+(?:st|nd|rd|th)$", re.IGNORECASE)  # a generation: 2, 4th
# Words that name what a product is: a phrase of plain words with one of them is a name ("Emporia EV Charger").
GENERIC = frozenset("""battery bridge charger controller gateway heater hub inverter meter monitor plug station
    switch system thermostat wallbox smart home energy speaker assistant""".split())


def _squash(text: str) -> str:
    return re.sub(r"[\W_]", "", text.casefold())


def _plain(word: str) -> bool:
    """A word of letters only ("Gateway", "EV"), or a small number ("2", "4th"): nothing code-like."""
    return word.isalpha() or bool(_SMALL_NUMBER.match(word))


def _code_like(word: str) -> bool:
    """Letters and digits together (KP125M, RESU10H), three digits or more (91510), or parts joined by
    - _ . / (C-8, YELLOW-KIT-POE)."""
    if _SMALL_NUMBER.match(word):
        return False
    digits = sum(c.isdigit() for c in word)
    return bool(re.search(r"[-_./]", word)) or 0 < digits < len(word) or digits >= 3


def looks_like_name(model: str, names: list[str]) -> str | None:
    """Why `model` reads as a product name rather than a model number, or None. Deliberately careful (many
    makers publish no model number and name the product in the field; a hub's string such as ecobee's
    'nikeSmart' is a real model code):

    - it equals the product name, with or without the brand or maker (ignoring case, spaces and
      punctuation): "Powerwall 2" of the Powerwall 2, "PWRcell" of the PWRcell, "HomePod mini";
    - it is two or more plain words (letters, or a generation such as 2 or 4th) one of which says what the
      product is (`GENERIC`): "IQ Gateway", "Emporia EV Charger", "Backup Gateway 2".

    Kept: anything with a code-like word (`_code_like`: "KP125M(US)", "RESU10H", "Hub M2", "C-8 Pro"), and
    "nikeSmart", "Vue 2"."""
    squashed = _squash(model)
    words = _WORD.findall(model)
    if any(_code_like(w) for w in words):
        return None  # "RESU10H" may be both the name and the model number
    if squashed and squashed in {_squash(n) for n in names if n}:
        return "is the product's name"
    if len(words) >= 2 and all(_plain(w) for w in words) and any(w.casefold() in GENERIC for w in words):
        return "is a plain word phrase naming the product, not a model number"
    return None


def model_numbers(files: CatalogFiles) -> Iterator[Problem]:
    """`model-number-name` (see the module doc): hubs and hand-written devices only."""
    for kind in ("hub", "device"):
        for rec in files.checked(kind):
            m = rec.model
            if kind == "device" and m.imported:
                continue
            names = [m.product_name, f"{m.brand or ''} {m.product_name}", f"{m.manufacturer} {m.product_name}"]
            for i, number in enumerate(m.model_numbers):
                why = looks_like_name(number, names)
                if why:
                    yield _at(rec, "model-number-name", ("model_numbers", i),
                              f"{number!r} {why}; model_numbers holds model numbers (the name is product_name; "
                              "hub strings go in identifiers)", "warning")


RULES = {
    "source-hosts": hosts,
    "mirror-list": mirror_list,
    "source-money-status": money_and_status,
    "model-number-name": model_numbers,
}
