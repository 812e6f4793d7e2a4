"""Where is the home? Turn a utility id/name/EIA id, a state, a ZIP code or a Canadian postal code into a market.

A market is a utility (the unit programs are offered in) and/or a region (ISO 3166-2). A ZIP code is
looked up in the build's `zip_territory` table (electric territories of the Rewiring America data, with
the catalog's corrections; see `catalog/territories.py`): where one utility clearly serves it, that is
the answer; otherwise the candidates come ranked and `utility` stays null. A Canadian postal code's first
letter gives the province. When only a region is known and several utilities serve it, the answer lists
them for the user to pick.

Lookup tables built from a catalog (names, EIA ids, territories) are kept in that catalog's `derived`
dict, so they go when the build goes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .catalog.index import Catalog
from .errors import InvalidInput, NotFound
from .normalize import fold
from .recipes.common import REGIONS

_STATE_NAMES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA", "colorado": "CO",
    "connecticut": "CT", "delaware": "DE", "district of columbia": "DC", "florida": "FL", "georgia": "GA",
    "hawaii": "HI", "idaho": "ID", "illinois": "IL", "indiana": "IN", "iowa": "IA", "kansas": "KS",
    "kentucky": "KY", "louisiana": "LA", "maine": "ME", "maryland": "MD", "massachusetts": "MA", "michigan": "MI",
    "minnesota": "MN", "mississippi": "MS", "missouri": "MO", "montana": "MT", "nebraska": "NE", "nevada": "NV",
    "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM", "new york": "NY", "north carolina": "NC",
    "north dakota": "ND", "ohio": "OH", "oklahoma": "OK", "oregon": "OR", "pennsylvania": "PA",
    "rhode island": "RI", "south carolina": "SC", "south dakota": "SD", "tennessee": "TN", "texas": "TX",
    "utah": "UT", "vermont": "VT", "virginia": "VA", "washington": "WA", "west virginia": "WV",
    "wisconsin": "WI", "wyoming": "WY", "puerto rico": "PR", "guam": "GU",
}
_PROVINCE_NAMES = {
    "alberta": "AB", "british columbia": "BC", "manitoba": "MB", "new brunswick": "NB",
    "newfoundland and labrador": "NL", "nova scotia": "NS", "northwest territories": "NT", "nunavut": "NU",
    "ontario": "ON", "prince edward island": "PE", "quebec": "QC", "saskatchewan": "SK", "yukon": "YT",
}
_NAME_NOISE = re.compile(r"\b(the|co|company|corp|corporation|inc|incorporated|llc|ltd|electric company)\b")
_ZIP = re.compile(r"[0-9]{5}(-[0-9]{4})?")
_POSTAL = re.compile(r"([A-Za-z][0-9][A-Za-z])(?:\s?[0-9][A-Za-z][0-9])?")
# Canada Post: the first letter of a postal code is the province or territory ('X': Nunavut for X0A-X0C).
_FSA_PROVINCE = {"A": "NL", "B": "NS", "C": "PE", "E": "NB", "G": "QC", "H": "QC", "J": "QC", "K": "ON", "L": "ON",
                 "M": "ON", "N": "ON", "P": "ON", "R": "MB", "S": "SK", "T": "AB", "V": "BC", "Y": "YT"}
_NUNAVUT_FSA = {"X0A", "X0B", "X0C"}
_NWT_FSA = {"X0E", "X0G", "X1A"}


@dataclass
class Candidate:
    """A utility that may serve the home, with how it was found (`share` where the data gives one)."""

    id: str
    name: str
    share: float | None = None
    basis: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "share": self.share, "basis": self.basis}


@dataclass
class Market:
    utility: str | None = None
    region: str | None = None
    candidates: list[str] = field(default_factory=list)  # ids, best first (the same as `ranked`)
    how: str = ""
    ranked: list[Candidate] = field(default_factory=list)
    within: list[str] = field(default_factory=list)  # distribution utilities of a CCA / retail provider

    def as_dict(self) -> dict[str, Any]:
        ranked = self.ranked or [Candidate(u, u) for u in self.candidates]
        return {"utility": self.utility, "region": self.region, "utility_candidates": [c.as_dict() for c in ranked],
                "resolved_by": self.how, "distribution_utilities": self.within}


def name_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", _NAME_NOISE.sub(" ", fold(text)))


def _derived(cat: Catalog, key: str, make: Any) -> Any:
    """A lookup table of this build, made on first use and kept with the catalog (not in a module cache)."""
    found = cat.derived.get(key)
    if found is None:
        found = cat.derived[key] = make(cat)
    return found


def _make_names(cat: Catalog) -> dict[str, set[str]]:
    names: dict[str, set[str]] = {}
    for uid, u in cat.utilities.items():
        for n in [uid, u.name, u.short_name or "", *u.aliases]:
            if n and name_key(n):
                names.setdefault(name_key(n), set()).add(uid)
    return names


def _make_eia(cat: Catalog) -> dict[int, str]:
    out: dict[int, str] = {}
    for uid, u in sorted(cat.utilities.items(), key=lambda kv: (kv[1].imported is not None, kv[0])):
        if u.eia_id:
            out.setdefault(u.eia_id, uid)  # a hand-written recipe first, then the first id
    return out


def _make_territories(cat: Catalog) -> dict[str, str]:
    return {t: uid for uid, u in sorted(cat.utilities.items()) for t in u.territories}


def _make_regions(cat: Catalog) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for uid, u in sorted(cat.utilities.items()):
        for r in u.regions:
            out.setdefault(r, []).append(uid)
    return out


def _utility_names(cat: Catalog) -> dict[str, set[str]]:
    return _derived(cat, "markets.names", _make_names)


def _eia(cat: Catalog) -> dict[int, str]:
    return _derived(cat, "markets.eia", _make_eia)


def parse_region(text: str) -> str | None:
    """'CA', 'US-CA', 'California', 'ON', 'Ontario' -> ISO 3166-2 code, else None."""
    t = text.strip()
    up = t.upper()
    if up in REGIONS:
        return up
    if len(up) == 2 and f"US-{up}" in REGIONS:
        return f"US-{up}"
    if len(up) == 2 and f"CA-{up}" in REGIONS:
        return f"CA-{up}"
    name = fold(t).strip()
    if name in _STATE_NAMES:
        return f"US-{_STATE_NAMES[name]}"
    if name in _PROVINCE_NAMES:
        return f"CA-{_PROVINCE_NAMES[name]}"
    return None


def utilities_in(cat: Catalog, region: str) -> list[str]:
    return list(_derived(cat, "markets.regions", _make_regions).get(region, []))


def _lookup(cat: Catalog, text: str, field_name: str) -> set[str]:
    """Utility ids `text` names: its id, former id, EIA id or a name people write (several when ambiguous)."""
    t = text.strip()
    if not t:
        raise InvalidInput(field_name, "is empty")
    uid = cat.canonical_id("utility", t.lower())
    if uid:
        return {uid}
    eia = re.fullmatch(r"(?:eia[:\s-]?)?(\d{1,6})", t.lower())
    if eia and int(eia.group(1)) in _eia(cat):
        return {_eia(cat)[int(eia.group(1))]}
    hits = _utility_names(cat).get(name_key(t), set())
    if hits:
        return set(hits)
    import difflib

    close = difflib.get_close_matches(name_key(t), list(_utility_names(cat)), n=3, cutoff=0.75)
    raise NotFound("utility", t, sorted({u for c in close for u in _utility_names(cat)[c]}), field=field_name)


def find_utility(cat: Catalog, text: str, field_name: str = "location.utility") -> str:
    """A utility id from its id, former id, EIA id or any name people write."""
    hits = _lookup(cat, text, field_name)
    if len(hits) > 1:
        raise InvalidInput(field_name, f"{text.strip()!r} names several utilities: {', '.join(sorted(hits))}")
    return next(iter(hits))


def postal_region(code: str, field_name: str = "location.zip") -> str:
    """Canadian postal code (or its first three characters) -> province (ISO 3166-2)."""
    m = _POSTAL.fullmatch(code.strip())
    if not m:
        raise InvalidInput(field_name, f"{code.strip()!r} is not a Canadian postal code (A1A or A1A 1A1)")
    fsa = m.group(1).upper()
    if fsa[0] == "X":
        if fsa in _NUNAVUT_FSA:
            return "CA-NU"
        if fsa in _NWT_FSA:
            return "CA-NT"
        raise NotFound("postal code", code.strip(), field=field_name)
    if fsa[0] not in _FSA_PROVINCE:
        raise InvalidInput(field_name, f"{code.strip()!r}: no Canadian postal code starts with {fsa[0]!r}")
    return f"CA-{_FSA_PROVINCE[fsa[0]]}"


def zip_region(cat: Catalog, zip_code: str, field_name: str = "location.zip") -> str:
    """US ZIP code -> region, offline: the build stores the ZIP table (`zipcodes` package and territory data)."""
    z = zip_code.strip()
    if _POSTAL.fullmatch(z):
        return postal_region(z, field_name)
    if not _ZIP.fullmatch(z):
        raise InvalidInput(field_name, f"{z!r} is not a US ZIP code (5 digits) or Canadian postal code")
    row = cat.sql("SELECT region FROM zip WHERE zip = ?", (z[:5],))
    if not row:
        raise NotFound("ZIP code", z, field=field_name)
    return row[0][0]


_BASIS = {True: "serves most of this ZIP code (Rewiring America territory data)",
          False: "serves part of this ZIP code (Rewiring America territory data)"}


def zip_market(cat: Catalog, zip_code: str, field_name: str = "location.zip") -> Market:
    """A ZIP code's utilities, ranked: the one clearly serving it becomes `utility`."""
    region = zip_region(cat, zip_code, field_name)
    if region.startswith("CA-"):
        return _from_region(cat, region, "postal-code")
    territory = _derived(cat, "markets.territories", _make_territories)
    rows = cat.sql("SELECT territory, predominant, correction FROM zip_territory WHERE zip = ?", (zip_code.strip()[:5],))
    found: dict[str, tuple[bool, str | None]] = {}
    for t, pred, corr in rows:
        uid = territory.get(t)
        if uid and (uid not in found or (pred and not found[uid][0])):
            found[uid] = (bool(pred), corr)
    if not found:
        return _from_region(cat, region, "zip")
    order = sorted(found, key=lambda u: (not found[u][0], not cat.programs_by_utility.get(u), cat.utilities[u].name, u))
    ranked = [Candidate(u, cat.utilities[u].name, None,
                        _BASIS[found[u][0]] + (" as corrected in catalog/territories/corrections.yaml" if found[u][1] else ""))
              for u in order]
    main = [u for u in order if found[u][0]]
    clear = main[0] if len(main) == 1 else (order[0] if len(order) == 1 else None)
    return Market(utility=clear, region=region, candidates=order, how="zip", ranked=ranked,
                  within=list(cat.utilities[clear].serves_within) if clear else [])


def _utility_market(cat: Catalog, text: str, field_name: str, region: str | None = None) -> Market:
    hits = sorted(_lookup(cat, text, field_name))
    if region:
        inside = [u for u in hits if region in cat.utilities[u].regions]
        if not inside:
            raise InvalidInput(field_name, f"{hits[0] if len(hits) == 1 else text.strip()!r} does not serve {region}")
        hits = inside
    if len(hits) == 1:
        u = cat.utilities[hits[0]]
        return Market(utility=hits[0], region=region or _single_region(cat, hits[0]), how="utility",
                      within=list(u.serves_within))
    regions = {r for u in hits for r in cat.utilities[u].regions}
    ranked = [Candidate(u, cat.utilities[u].name, None, f"named {text.strip()!r} ({', '.join(cat.utilities[u].regions)})")
              for u in hits]
    return Market(region=region or (regions.pop() if len(regions) == 1 else None), candidates=hits,
                  how="utility-name", ranked=ranked)


def resolve_location(cat: Catalog, location: str | dict[str, Any] | None) -> Market:
    """Accept 'pge', 'Pacific Gas & Electric Co', 'eia:14328', 'CA', 'California', '94105', 'M5V 3L9', or a
    dict with any of utility / state / zip. Errors name the field that is wrong."""
    if location is None or location == "" or location == {}:
        raise InvalidInput("location", "is required: a utility, state/province, ZIP or postal code")
    if isinstance(location, str):
        t = location.strip()
        if _ZIP.fullmatch(t) or (_POSTAL.fullmatch(t) and not cat.canonical_id("utility", t.lower())):
            return zip_market(cat, t, "location")
        region = parse_region(t)
        if region and not cat.canonical_id("utility", t.lower()):
            return _from_region(cat, region, "region")
        return _utility_market(cat, t, "location")
    if not isinstance(location, dict):
        raise InvalidInput("location", "must be a string or an object with utility, state or zip")
    unknown = set(location) - {"utility", "state", "region", "zip"}
    if unknown:
        raise InvalidInput(f"location.{sorted(unknown)[0]}", "unknown field; use utility, state or zip")
    region = None
    if location.get("zip"):
        region = zip_region(cat, str(location["zip"]))
    st = location.get("state") or location.get("region")
    if st:
        fld = "location.state" if location.get("state") else "location.region"
        parsed = parse_region(str(st))
        if not parsed:
            raise InvalidInput(fld, f"{st!r} is not a US state or Canadian province")
        if region and parsed != region:
            raise InvalidInput(fld, f"{st!r} does not contain ZIP {location['zip']}")
        region = parsed
    if location.get("utility"):
        return _utility_market(cat, str(location["utility"]), "location.utility", region)
    if location.get("zip"):
        return zip_market(cat, str(location["zip"]))
    if region:
        return _from_region(cat, region, "region")
    raise InvalidInput("location", "give a utility, state or zip")


def _single_region(cat: Catalog, uid: str) -> str | None:
    regions = cat.utilities[uid].regions
    return regions[0] if len(regions) == 1 else None


def _from_region(cat: Catalog, region: str, how: str) -> Market:
    utilities = utilities_in(cat, region)
    if len(utilities) == 1:
        return Market(utility=utilities[0], region=region, how=how, within=list(cat.utilities[utilities[0]].serves_within))
    # utilities that run programs first: they are the ones an answer can differ by
    order = sorted(utilities, key=lambda u: (not cat.programs_by_utility.get(u), u))
    ranked = [Candidate(u, cat.utilities[u].name, None, f"serves {region}") for u in order]
    return Market(region=region, candidates=order, how=how, ranked=ranked)


def market_answer(cat: Catalog, location: str | dict[str, Any] | None) -> dict[str, Any]:
    """`GET /v1/markets` and `derdir market`: the market, and the programs known there."""
    m = resolve_location(cat, location)
    programs = sorted(cat.programs_in_market(m.utility, m.region)) if (m.utility or m.region) else []
    out = {**m.as_dict(), "programs": programs, "catalog_version": cat.version}
    if m.utility and not cat.programs_in_market(m.utility):
        out["note"] = ("No program is known for this utility yet" + (" (only statewide ones)" if programs else "")
                       + "; you can contribute one: /contribute")
    return out


def _make_suggest(cat: Catalog) -> list[tuple[str, str, str]]:
    """(folded name, id, name) for every name people write, programs' utilities first."""
    rows = []
    for uid, u in sorted(cat.utilities.items(), key=lambda kv: (not cat.programs_by_utility.get(kv[0]), kv[0])):
        for n in dict.fromkeys([u.short_name or "", u.name, *u.aliases]):
            if n:
                rows.append((fold(n), uid, n))
    return rows


def suggest_utilities(cat: Catalog, q: str, limit: int = 10) -> list[dict[str, Any]]:
    """Utilities whose name (as bills write it) starts with, then contains, `q`: for the location box."""
    f = fold(q).strip()
    if len(f) < 2:
        return []
    rows = _derived(cat, "markets.suggest", _make_suggest)
    seen: dict[str, dict[str, Any]] = {}
    for test in (lambda n: n.startswith(f), lambda n: f in n):
        for folded, uid, name in rows:
            if len(seen) >= limit:
                break
            if uid not in seen and test(folded):
                seen[uid] = {"id": uid, "name": name, "regions": cat.utilities[uid].regions}
    return list(seen.values())
