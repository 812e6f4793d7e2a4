"""Catalog-wide audit rules: ids, cross-references, eligibility claims, staleness.

Each rule is a small function `(files) -> Iterator[Problem]` with a stable id; rules never
print, raise or exit. Per-file problems (syntax, fields, types) come from `recipes.load`.
"""

from __future__ import annotations

import difflib
import re
from datetime import date, timedelta
from typing import Any, Callable, Iterator

from ..catalog.source import CatalogFiles
from ..eligibility import check_requirements, rule_matches
from ..facts import DeviceFacts
from ..normalize import id_key
from ..recipes.load import Loaded
from ..problem import Problem

Rule = Callable[[CatalogFiles], Iterator[Problem]]
STALE_AFTER = timedelta(days=365)


def _at(rec: Loaded, rule: str, path: tuple, message: str, severity: str = "error") -> Problem:
    line, col = rec.position(*path)
    fld = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in path).replace(".[", "[")
    return Problem(rec.path, line, col, fld, message, rule, severity)  # type: ignore[arg-type]


def _suggest(name: str, choices: dict[str, Loaded]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def duplicate_ids(files: CatalogFiles) -> Iterator[Problem]:
    """Two files of one kind with the same id (e.g. in two category folders)."""
    for first, second in files.duplicates:
        yield Problem(second.path, 1, 1, "id", f"id {second.id!r} is already used by {first.path}", "duplicate-id")


def id_collisions(files: CatalogFiles) -> Iterator[Problem]:
    """Former ids must not shadow live ids, and ids must not collide once normalised."""
    for kind, by_id in files.recipes.items():
        owners: dict[str, Loaded] = {}
        for rid, rec in sorted(by_id.items()):
            k = id_key(rid)
            if k not in owners:
                owners[k] = rec
            elif files.concerns(rec, owners[k]):
                yield _at(rec, "id-collision", (), f"id {rid!r} is too similar to {owners[k].id!r} ({owners[k].path})")
        former: dict[str, Loaded] = {}
        for rid, rec in sorted(by_id.items()):
            for i, old in enumerate(rec.former_ids):
                if old in by_id:
                    if files.concerns(rec, by_id[old]):
                        yield _at(rec, "duplicate-alias", ("former_ids", i), f"former id {old!r} is a live {kind} id")
                elif old in former:
                    if files.concerns(rec, former[old]):
                        yield _at(rec, "duplicate-alias", ("former_ids", i), f"former id {old!r} is also claimed by {former[old].path}")
                else:
                    former[old] = rec


def _ref(rec: Loaded, path: tuple, ref: str, targets: dict[str, Loaded], what: str) -> Iterator[Problem]:
    if ref not in targets:
        yield _at(rec, "unknown-reference", path, f"no {what} with id {ref!r}{_suggest(ref, targets)}")


def references(files: CatalogFiles) -> Iterator[Problem]:
    """Every id a program names exists (utilities, devices, hubs, other programs)."""
    utilities, devices = files.recipes["utility"], files.recipes["device"]
    hubs, programs = files.recipes["hub"], files.recipes["program"]
    for rec in files.checked("utility"):
        for i, u in enumerate(rec.model.serves_within):
            yield from _ref(rec, ("serves_within", i), u, utilities, "utility")
    for rec in files.checked("device"):
        parent = rec.model.white_label_of
        if parent:
            if parent == rec.id:
                yield _at(rec, "unknown-reference", ("white_label_of",), "a device cannot be a white label of itself")
            else:
                yield from _ref(rec, ("white_label_of",), parent, devices, "device")
    for rec in files.checked("program"):
        p = rec.model
        for i, u in enumerate(p.markets.utilities):
            yield from _ref(rec, ("markets", "utilities", i), u, utilities, "utility")
        for i, c in enumerate(p.eligibility.devices):
            yield from _ref(rec, ("eligibility", "devices", i, "device"), c.device, devices, "device")
        for i, d in enumerate(p.eligibility.exclude_devices):
            yield from _ref(rec, ("eligibility", "exclude_devices", i), d, devices, "device")
        for i, r in enumerate(p.eligibility.rules):
            for j, h in enumerate(r.requires.hubs):
                yield from _ref(rec, ("eligibility", "rules", i, "requires", "hubs", j), h, hubs, "hub")
        for i, other in enumerate(p.excludes_programs):
            if other == rec.id:
                yield _at(rec, "unknown-reference", ("excludes_programs", i), "a program cannot exclude itself")
            else:
                yield from _ref(rec, ("excludes_programs", i), other, programs, "program")


def _scoped(p: Any) -> Iterator[tuple[tuple, Any]]:
    """(path, scope) of every part of a program that has a scope: terms, conditions, enrollment entries."""
    for i, inc in enumerate(p.incentives):
        yield ("incentives", i), inc
        for j, c in enumerate(inc.conditions):
            yield ("incentives", i, "conditions", j), c
    for i, c in enumerate(p.conditions):
        yield ("conditions", i), c
    for i, e in enumerate(p.enrollment):
        yield ("enrollment", i), e


def scopes(files: CatalogFiles) -> Iterator[Problem]:
    """A term, condition or enrollment status scoped to a market the program does not serve: a utility
    not among its utilities (nor serving one of its regions), a region neither its own nor its utilities'."""
    utilities = files.recipes["utility"]
    regions_of = {uid: set(u.model.regions) for uid, u in utilities.items() if u.model is not None}
    for rec in files.checked("program"):
        p = rec.model
        served_regions = set(p.markets.regions).union(*(regions_of.get(u, set()) for u in p.markets.utilities))
        for path, scope in _scoped(p):
            for j, u in enumerate(scope.utilities):
                if u in p.markets.utilities or (u in regions_of and regions_of[u] & set(p.markets.regions)):
                    continue
                yield _at(rec, "out-of-market", (*path, "utilities", j),
                          f"{path[0].rstrip('s')} scoped to utility {u!r}, which the program's markets do not include")
            for j, r in enumerate(scope.regions):
                if r not in served_regions:
                    yield _at(rec, "out-of-market", (*path, "regions", j),
                              f"{path[0].rstrip('s')} scoped to region {r!r}, where the program is not offered")


def open_rules(files: CatalogFiles) -> Iterator[Problem]:
    """A rule with no maker, model or requirement admits a whole category: it must say why."""
    for rec in files.checked("program"):
        elig = rec.model.eligibility
        for name, rules in (("rules", elig.rules), ("exclude_rules", elig.exclude_rules)):
            for i, r in enumerate(rules):
                if not r.manufacturers and not r.models and r.requires == type(r.requires)() and not r.note:
                    yield _at(rec, "open-rule", ("eligibility", name, i),
                              f"rule admits every {r.category}; list manufacturers/models or add a note saying the program does")


def claims(files: CatalogFiles) -> Iterator[Problem]:
    """Program claims that contradict the device's own recipe, or each other."""
    devices = files.recipes["device"]
    for rec in files.recipes["program"].values():
        p = rec.model
        if not files.concerns(rec, *(devices[c.device] for c in p.eligibility.devices if c.device in devices)):
            continue
        seen: dict[str, bool] = {}
        for i, c in enumerate(p.eligibility.devices):
            if c.device in seen and seen[c.device] != c.supported:
                yield _at(rec, "disputed-claim", ("eligibility", "devices", i),
                          f"sources disagree on {c.device!r}; answers will show it as disputed", "warning")
            seen.setdefault(c.device, c.supported)
            dev = devices.get(c.device)
            if dev is None or not c.supported:
                continue
            facts = DeviceFacts.of(c.device, dev.model)
            if c.device in p.eligibility.exclude_devices:
                yield _at(rec, "claim-conflict", ("eligibility", "devices", i),
                          f"{c.device!r} is both claimed as supported and excluded")
            for r in p.eligibility.rules:
                if rule_matches(r, facts):
                    unmet, _ = check_requirements(r.requires, facts)
                    unmet = [u for u in unmet if not u.startswith("needs to be connected")]
                    if unmet:
                        yield _at(rec, "claim-conflict", ("eligibility", "devices", i),
                                  f"program lists {c.device!r} as supported but its recipe ({dev.path}) conflicts: "
                                  + "; ".join(unmet))


def staleness(files: CatalogFiles) -> Iterator[Problem]:
    """Recipes not verified for over a year, programs past their end date still marked active, and rebate
    terms past their end date."""
    today = date.today()
    for rec in files.checked():
        if today - rec.model.verified_on > STALE_AFTER:
            yield _at(rec, "stale", ("verified_on",), f"last verified {rec.model.verified_on}; re-check the sources", "warning")
        if rec.model.verified_on > today:
            yield _at(rec, "future-date", ("verified_on",), "verified_on is in the future")
        if _latest_seen(rec.model) <= today:
            continue
        for path, seen in _seen_dates(rec.model.model_dump(exclude_none=True), ()):
            if seen > today:
                yield _at(rec, "future-date", path, f"a source cannot have been seen on {seen}, a date in the future")
    for rec in files.checked("program"):
        p = rec.model
        if p.status == "active" and p.ended_on and p.ended_on < today:
            yield _at(rec, "stale", ("status",), f"status is active but the program ended on {p.ended_on}", "warning")
    for rec in files.checked("rebate"):
        for i, t in enumerate(rec.model.terms):
            if t.ends_on and t.ends_on < today:
                yield _at(rec, "stale", ("terms", i, "ends_on"), f"ended on {t.ends_on}: answers show it as expired; "
                          "remove the term or record its successor", "warning")


_SEEN = re.compile(r'"seen":"(\d{4}-\d{2}-\d{2})"')


def _latest_seen(model: Any) -> date:
    """Latest `seen` date anywhere in a recipe (a quick scan of its JSON; most recipes need no more)."""
    found = _SEEN.findall(model.model_dump_json())
    return date.fromisoformat(max(found)) if found else date.min


def _seen_dates(data: object, path: tuple) -> Iterator[tuple[tuple, date]]:
    """(path, date) of every `seen:` in a recipe, however deeply its sources are nested."""
    if isinstance(data, dict):
        for k, v in data.items():
            if k == "seen" and isinstance(v, date):
                yield path + (k,), v
            else:
                yield from _seen_dates(v, path + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _seen_dates(v, path + (i,))


RULES: dict[str, Rule] = {
    "duplicate-id": duplicate_ids,
    "id-collision": id_collisions,
    "unknown-reference": references,
    "open-rule": open_rules,
    "claim-conflict": claims,
    "out-of-market": scopes,
    "stale": staleness,
}


# Rules that only ever warn: `derdir audit` runs them, a build (which stops on errors alone) does not
ADVISORY: set[str] = set()


def _register() -> None:
    from .rule_coverage import RULE, rule_coverage

    RULES[RULE] = rule_coverage
    ADVISORY.add(RULE)
    from .source_rules import RULES as SOURCE_RULES

    RULES.update(SOURCE_RULES)
    ADVISORY.update({"source-money-status", "model-number-name"})  # warnings only
    from .security_rules import RULES as SECURITY_RULES

    RULES.update(SECURITY_RULES)


_register()
