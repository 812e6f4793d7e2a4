"""Where is the home? Turn a utility id/name/EIA id, a state or a ZIP code into a market.

ZIP codes are looked up in the build's `zip` table, which `derdir build` fills from the `zipcodes`
package. A market is a utility (the unit programs are offered in) and/or a region (ISO 3166-2). When only
a region is known and several utilities serve it, the answer lists them for the user to pick.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
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


@dataclass
class Market:
    utility: str | None = None
    region: str | None = None
    candidates: list[str] = field(default_factory=list)
    how: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"utility": self.utility, "region": self.region, "utility_candidates": self.candidates, "resolved_by": self.how}


def name_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", _NAME_NOISE.sub(" ", fold(text)))


@lru_cache(maxsize=8)
def _utility_names(cat: Catalog) -> dict[str, set[str]]:
    names: dict[str, set[str]] = {}
    for uid, u in cat.utilities.items():
        for n in [uid, u.name, u.short_name or "", *u.aliases]:
            if n and name_key(n):
                names.setdefault(name_key(n), set()).add(uid)
    return names


@lru_cache(maxsize=8)
def _eia(cat: Catalog) -> dict[int, str]:
    return {u.eia_id: uid for uid, u in cat.utilities.items() if u.eia_id}


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
    return sorted(uid for uid, u in cat.utilities.items() if region in u.regions)


def find_utility(cat: Catalog, text: str, field_name: str = "location.utility") -> str:
    """A utility id from its id, former id, EIA id or any name people write."""
    t = text.strip()
    if not t:
        raise InvalidInput(field_name, "is empty")
    uid = cat.canonical_id("utility", t.lower())
    if uid:
        return uid
    eia = re.fullmatch(r"(?:eia[:\s-]?)?(\d{1,6})", t.lower())
    if eia and int(eia.group(1)) in _eia(cat):
        return _eia(cat)[int(eia.group(1))]
    hits = _utility_names(cat).get(name_key(t), set())
    if len(hits) == 1:
        return next(iter(hits))
    if len(hits) > 1:
        raise InvalidInput(field_name, f"{t!r} names several utilities: {', '.join(sorted(hits))}")
    import difflib

    close = difflib.get_close_matches(name_key(t), list(_utility_names(cat)), n=3, cutoff=0.75)
    raise NotFound("utility", t, sorted({u for c in close for u in _utility_names(cat)[c]}), field=field_name)


def zip_region(cat: Catalog, zip_code: str, field_name: str = "location.zip") -> str:
    """US ZIP code -> region, offline: the build stores the `zipcodes` package's table."""
    z = zip_code.strip()
    if not re.fullmatch(r"[0-9]{5}(-[0-9]{4})?", z):
        raise InvalidInput(field_name, f"{z!r} is not a US ZIP code (5 digits)")
    row = cat.sql("SELECT region FROM zip WHERE zip = ?", (z[:5],))
    if not row:
        raise NotFound("ZIP code", z, field=field_name)
    return row[0][0]


def resolve_location(cat: Catalog, location: str | dict[str, Any] | None) -> Market:
    """Accept 'pge', 'Pacific Gas & Electric Co', 'eia:14328', 'CA', 'California', '94105', or a dict
    with any of utility / state / zip. Errors name the field that is wrong."""
    if location is None or location == "" or location == {}:
        raise InvalidInput("location", "is required: a utility, state/province or ZIP code")
    if isinstance(location, str):
        t = location.strip()
        if re.fullmatch(r"[0-9]{5}(-[0-9]{4})?", t):
            return _from_region(cat, zip_region(cat, t, "location"), "zip")
        region = parse_region(t)
        if region and not cat.canonical_id("utility", t.lower()):
            return _from_region(cat, region, "region")
        uid = find_utility(cat, t, "location")
        return Market(utility=uid, region=_single_region(cat, uid), how="utility")
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
        uid = find_utility(cat, str(location["utility"]))
        regions = cat.utilities[uid].regions
        if region and region not in regions:
            raise InvalidInput("location.utility", f"{uid!r} does not serve {region}")
        return Market(utility=uid, region=region or _single_region(cat, uid), how="utility")
    if region:
        return _from_region(cat, region, "zip" if location.get("zip") else "region")
    raise InvalidInput("location", "give a utility, state or zip")


def _single_region(cat: Catalog, uid: str) -> str | None:
    regions = cat.utilities[uid].regions
    return regions[0] if len(regions) == 1 else None


def _from_region(cat: Catalog, region: str, how: str) -> Market:
    utilities = utilities_in(cat, region)
    if len(utilities) == 1:
        return Market(utility=utilities[0], region=region, how=how)
    return Market(region=region, candidates=utilities, how=how)
