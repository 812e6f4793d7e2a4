"""Audit rules for security facts (devices, hubs and makers' inherited policies):

- `security-certification-source`: a certification claimed (`certified: true`) needs a source of kind official or
  manufacturer (the registry's or the maker's own page), not a news item or a forum;
- `security-no-statement-date`: "no statement found" says when it was looked for (`looked_on`); a stated policy
  says what it states (a period, an end date or the statement) and where (a source);
- `security-dates`: no date in the future (looked on, certified on, advisory published), an end of updates that
  is not before the product could be looked at, a period counted from something when a period is given;
- `security-fact-source`: a local-control or cloud fact that is not derived has a source; a derived one says why.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Iterator

from ..catalog.source import CatalogFiles
from ..problem import Problem
from ..recipes.load import Loaded
from .catalog_rules import _at

CERT_KINDS = frozenset({"official", "manufacturer"})
CERTS = ("cyber_trust_mark", "psa_certified", "matter_certified")


def _parts(rec: Loaded) -> Iterator[tuple[tuple, Any]]:
    """(path, security section) of a recipe: a product's `security`, a maker's `security` and its per-category facts."""
    sec = rec.model.security
    if sec is None:
        return
    yield ("security",), sec
    for i, d in enumerate(getattr(sec, "devices", ()) or ()):
        yield ("security", "devices", i), d


def _recipes(files: CatalogFiles) -> Iterator[Loaded]:
    for kind in ("device", "hub", "manufacturer"):
        yield from files.checked(kind)


def certification_sources(files: CatalogFiles) -> Iterator[Problem]:
    """A certification claim without an official or manufacturer source."""
    for rec in _recipes(files):
        for path, sec in _parts(rec):
            for name in CERTS:
                cert = getattr(sec, name, None)
                if cert is None or cert.certified is not True:
                    continue
                if not any(s.kind in CERT_KINDS for s in cert.sources):
                    yield _at(rec, "security-certification-source", (*path, name),
                              f"{name.replace('_', ' ')} claimed without a source of kind official or manufacturer "
                              "(the registry's or the maker's page)")


def update_policies(files: CatalogFiles) -> Iterator[Problem]:
    """`no-statement-found` without `looked_on`; a stated policy with nothing stated or no source."""
    for rec in _recipes(files):
        for path, sec in _parts(rec):
            p = getattr(sec, "update_policy", None)
            if p is None:
                continue
            where = (*path, "update_policy")
            if p.status == "no-statement-found":
                if p.looked_on is None:
                    yield _at(rec, "security-no-statement-date", where,
                              "'no statement found' needs looked_on: the date the maker's pages were searched")
                if p.period_years is not None or p.until is not None:
                    yield _at(rec, "security-no-statement-date", where,
                              "'no statement found' cannot also give a period or an end date")
            else:
                if p.period_years is None and p.until is None and not p.statement:
                    yield _at(rec, "security-no-statement-date", where,
                              "a stated update policy needs period_years, until or the statement")
                if not p.sources:
                    yield _at(rec, "security-no-statement-date", where, "a stated update policy needs a source")


def _future(rec: Loaded, path: tuple, value: date | None, what: str, today: date) -> Iterator[Problem]:
    if value is not None and value > today:
        yield _at(rec, "security-dates", path, f"{what} {value} is in the future")


def dates(files: CatalogFiles) -> Iterator[Problem]:
    """Dates that cannot be right."""
    today = date.today()
    for rec in _recipes(files):
        for path, sec in _parts(rec):
            p = getattr(sec, "update_policy", None)
            if p is not None:
                where = (*path, "update_policy")
                yield from _future(rec, (*where, "looked_on"), p.looked_on, "looked_on", today)
                if p.until is not None and p.until.year < 2000:
                    yield _at(rec, "security-dates", (*where, "until"), f"updates until {p.until}: not a plausible date")
                if p.period_years is not None and p.counted_from is None:
                    yield _at(rec, "security-dates", (*where, "counted_from"),
                              "a period needs counted_from (release, purchase, end-of-sale or other)", "warning")
            for name in CERTS:
                cert = getattr(sec, name, None)
                if cert is not None:
                    yield from _future(rec, (*path, name, "certified_on"), cert.certified_on, "certified_on", today)
            for i, a in enumerate(getattr(sec, "advisories", ()) or ()):
                yield from _future(rec, (*path, "advisories", i, "published"), a.published, "published", today)
                yield from _future(rec, (*path, "advisories", i, "seen"), a.seen, "seen", today)
                if a.published is not None and a.published > a.seen:
                    yield _at(rec, "security-dates", (*path, "advisories", i, "published"),
                              f"published {a.published} after it was seen ({a.seen})")


def fact_sources(files: CatalogFiles) -> Iterator[Problem]:
    """Local-control and cloud facts: sourced when stated, explained when derived."""
    for rec in _recipes(files):
        for path, sec in _parts(rec):
            for name in ("local_control", "cloud"):
                fact = getattr(sec, name, None)
                if fact is None:
                    continue
                values = ([fact.available] if name == "local_control"
                          else [fact.account_required, fact.internet_required])
                if all(v is None for v in values):
                    continue
                if fact.derived and not fact.reason:
                    yield _at(rec, "security-fact-source", (*path, name), f"derived {name.replace('_', ' ')} needs a reason")
                elif not fact.derived and not fact.sources:
                    yield _at(rec, "security-fact-source", (*path, name),
                              f"{name.replace('_', ' ')} needs a source (or derived: true with a reason)")


RULES = {
    "security-certification-source": certification_sources,
    "security-no-statement-date": update_policies,
    "security-dates": dates,
    "security-fact-source": fact_sources,
}
