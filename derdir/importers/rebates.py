"""`derdir import rebates REPO`: purchase rebates from the Rewiring America incentives data.

REPO is a checkout of rewiringamerica/api.rewiringamerica.org (`data/<ST>/incentives.json`, `programs.json`,
`authorities.json`, `incentive_relationships.json`; `scripts/data/geographies.csv`). One recipe per upstream
program per state (`catalog/rebates/<st>/<id>.yaml`), keeping only the incentives for device categories the
catalog knows. A program's authority of type utility is linked to the catalog utility that stands for its
territory (the `territories` keys of utility recipes), else to the one utility of the same name in the state;
unmatched, the rebate is offered state-wide with a condition naming the authority (never a guessed utility).
Descriptions are generated from the structure; upstream prose is not copied.
Re-runs are idempotent: a file whose content differs only in dates is left as it is; hand-written recipes
(no `imported`) are never touched.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from ..markets import name_key
from ..recipes.common import REGIONS, Url
from ..recipes.yamlio import YamlError, dump_yaml, load_yaml
from .write import _atomic_write, _undated

PACKAGE = "rewiringamerica-api"
REPO = "https://github.com/rewiringamerica/api.rewiringamerica.org"
HEADER = "# yaml-language-server: $schema=../../../schema/rebate.schema.json\n"
# Upstream item -> catalog device category (items for work, not devices -- insulation, audits -- are left out).
CATEGORIES = {
    "smart_thermostat": "thermostat",
    "electric_vehicle_charger": "ev-charger",
    "heat_pump_water_heater": "water-heater",
    "battery_storage_installation": "battery",
    "ducted_heat_pump": "heat-pump",
    "ductless_heat_pump": "heat-pump",
    "air_to_water_heat_pump": "heat-pump",
    "other_heat_pump": "heat-pump",
    "new_electric_vehicle": "vehicle",
    "used_electric_vehicle": "vehicle",
}
ITEM_WORDS = {
    "smart_thermostat": "smart thermostat", "electric_vehicle_charger": "EV charger",
    "heat_pump_water_heater": "heat pump water heater", "battery_storage_installation": "home battery",
    "ducted_heat_pump": "ducted heat pump", "ductless_heat_pump": "ductless heat pump",
    "air_to_water_heat_pump": "air-to-water heat pump", "other_heat_pump": "heat pump",
    "new_electric_vehicle": "new electric vehicle", "used_electric_vehicle": "used electric vehicle",
}
UNIT_WORDS = {"kilowatt": "kW", "kilowatt_hour": "kWh", "watt": "W", "ton": "ton", "square_foot": "sq ft",
              "btuh10k": "10,000 Btu/h", "cfm50": "CFM50"}
METHOD_WORDS = {"rebate": "rebate", "pos_rebate": "point-of-sale rebate", "account_credit": "bill credit",
                "assistance_program": "assistance", "tax_credit": "tax credit", "performance_rebate": "performance rebate"}
ORDER = ["name", "operator", "operator_type", "urls", "markets", "conditions", "terms", "former_ids", "notes",
         "verified_on", "sources", "imported"]


@dataclass
class RebateReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # hand-written recipes with an imported recipe's id
    gone: list[str] = field(default_factory=list)  # imported earlier, no longer upstream: left in place
    terms: int = 0
    linked: int = 0  # recipes whose operator is a catalog utility
    state_level: int = 0  # utility operators no catalog utility matched: offered state-wide with a condition

    def counts(self) -> dict[str, int]:
        return {"created": len(self.created), "updated": len(self.updated), "unchanged": len(self.unchanged),
                "skipped": len(self.skipped), "gone": len(self.gone), "terms": self.terms,
                "linked_to_utilities": self.linked, "utility_unmatched_state_level": self.state_level}


def version_of(repo: Path) -> str | None:
    """The commit from a checkout folder named like rewiringamerica-api-16ad9bf."""
    m = re.search(r"-([0-9a-f]{7,40})$", Path(repo).resolve().name)
    return m.group(1) if m else None


def slug(text: str) -> str:
    """'co_blackHillsEnergy_coloradoElectric' -> 'co-black-hills-energy-colorado-electric'."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", text).replace("+", "-plus")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:110].strip("-")


def _date(value: Any, end: bool) -> date | None:
    """Upstream dates are YYYY-MM-DD or a year alone (then its first or last day)."""
    if value is None:
        return None
    text = str(value)
    if re.fullmatch(r"\d{4}", text):
        return date(int(text), 12, 31) if end else date(int(text), 1, 1)
    return date.fromisoformat(text)


_URL = TypeAdapter(Url)


def clean_url(value: Any) -> str | None:
    """An upstream URL without the stray spaces and commas some carry (the first, where a field lists two);
    None if there is none."""
    for text in re.split(r"[\s,;]+", str(value or "")):
        try:
            return _URL.validate_python(text) if text else None
        except ValidationError:
            continue
    return None


def _money(x: float) -> str:
    return f"${x:,.0f}" if float(x).is_integer() else f"${x:,.2f}"


def describe(amount: dict[str, Any], items: list[str], methods: list[str]) -> str:
    """A term in plain words, from its structure: '$50 rebate for a smart thermostat'."""
    kind = METHOD_WORDS.get(methods[0], "rebate") if methods else "rebate"
    what = " or ".join(ITEM_WORDS[i] for i in items if i in ITEM_WORDS)
    if amount["type"] == "percent":
        head = f"{amount['number'] * 100:g}% of the cost"
    elif amount["type"] == "dollars_per_unit":
        head = f"{_money(amount['number'])} per {UNIT_WORDS.get(amount['unit'], amount['unit'])}"
    else:
        head = _money(amount["number"])
    limits = [f"at least {_money(amount['minimum'])}"] if amount.get("minimum") is not None else []
    if amount.get("maximum") is not None and not (amount["type"] == "dollar_amount" and amount["maximum"] == amount["number"]):
        limits.append(f"up to {_money(amount['maximum'])}")
    return f"{head} {kind} for a {what}" + (f" ({', '.join(limits)})" if limits else "")


@dataclass
class _Utilities:
    by_territory: dict[str, str]  # territory key -> utility id
    by_name: dict[tuple[str, str], set[str]]  # (name key, region) -> utility ids


def catalog_utilities(catalog: Path) -> _Utilities:
    """The catalog's utility recipes as the matcher needs them."""
    out = _Utilities({}, {})
    for path in sorted((catalog / "utilities").glob("*.yaml")):
        try:
            data = load_yaml(path.read_bytes()).data
        except (OSError, YamlError):
            continue
        if not isinstance(data, dict):
            continue
        for t in data.get("territories") or []:
            out.by_territory.setdefault(str(t), path.stem)
        for n in [data.get("name"), data.get("short_name"), *(data.get("aliases") or [])]:
            if n:
                for r in data.get("regions") or []:
                    out.by_name.setdefault((name_key(str(n)), str(r)), set()).add(path.stem)
    return out


def geography_keys(repo: Path) -> dict[int, tuple[str, str]]:
    """Geography id -> (type, key) from scripts/data/geographies.csv."""
    csv.field_size_limit(1 << 30)  # its geometry column holds whole territory outlines
    with open(repo / "scripts" / "data" / "geographies.csv", newline="", encoding="utf-8") as f:
        return {int(r["id"]): (r["type"], r["key"]) for r in csv.DictReader(f)}


def _markets(state: str, atype: str, auth: dict[str, Any], utilities: _Utilities,
             geos: dict[int, tuple[str, str]]) -> tuple[dict[str, Any], list[dict[str, Any]], str | None]:
    """(markets, conditions, note) for a program's authority."""
    region = f"US-{state}"
    name = str(auth.get("name") or "the program's operator")
    ids = [int(g) for g in auth.get("geography_ids") or []]
    if atype == "utility":
        found = sorted({utilities.by_territory[geos[g][1]] for g in ids if g in geos and geos[g][1] in utilities.by_territory})
        if not found:
            by_name = utilities.by_name.get((name_key(name), region), set())
            found = sorted(by_name) if len(by_name) == 1 else []
        if found:
            return {"utilities": found}, [], None
        return ({"regions": [region]}, [{"kind": "other", "text": f"a customer of {name}"}],
                f"operator {name} matched no catalog utility: offered state-wide, with a condition naming it")
    if atype == "state" or (ids and all(geos.get(g, ("", ""))[0] == "state" for g in ids)):
        return {"regions": [region]}, [], None
    where = {"gas_utility": f"a gas customer of {name}", "city": f"living in {name}",
             "county": f"living in {name}"}.get(atype, f"living where {name} offers it")
    return {"regions": [region]}, [{"kind": "other", "text": where}], None


def _term(inc: dict[str, Any], excludes: list[str]) -> dict[str, Any]:
    items = [i for i in inc["items"] if i in CATEGORIES]
    amount = {k: inc["amount"][k] for k in ("type", "number", "unit", "minimum", "maximum") if k in inc["amount"]}
    out: dict[str, Any] = {"id": "ra-" + slug(inc["id"]), "categories": sorted({CATEGORIES[i] for i in items}),
                           "items": items, "payment_methods": list(inc.get("payment_methods") or []), "amount": amount,
                           "owner_status": sorted(inc.get("owner_status") or ["homeowner", "renter"])}
    conditions = []
    if inc.get("low_income"):
        conditions.append({"kind": "income", "text": f"household income within the limits the program sets "
                                                      f"(upstream threshold {str(inc['low_income']).strip()})"})
    if inc.get("eligible_geo_group"):
        conditions.append({"kind": "other", "text": f"living in the areas the offer is limited to "
                                                     f"(upstream area group {inc['eligible_geo_group']})"})
    if conditions:
        out["conditions"] = conditions
    text = str((inc.get("short_description") or {}).get("en") or "")
    if "energy star" in text.lower():
        out["requires"] = {"energy_star": True}
    for key, name, end in (("start_date", "starts_on", False), ("end_date", "ends_on", True)):
        if inc.get(key) is not None:
            out[name] = _date(inc[key], end)
    if inc.get("paused"):
        out["paused"] = True
    if excludes:
        out["excludes"] = excludes
    out["description"] = describe(amount, items, out["payment_methods"])
    url = clean_url((inc.get("url") or {}).get("en"))
    if url:
        out["url"] = url
    return out


def _exclusions(relationships: dict[str, Any], kept: set[str]) -> dict[str, set[str]]:
    """Upstream id -> the kept ids it cannot be combined with (either side's word is enough)."""
    out: dict[str, set[str]] = {}
    for a, spec in (relationships.get("exclusions") or {}).items():
        for b in spec.get("ids") or []:
            if a in kept and b in kept:
                out.setdefault(a, set()).add(b)
                out.setdefault(b, set()).add(a)
    return out


def recipes_for_state(repo: Path, state: str, version: str, seen: date, utilities: _Utilities,
                      geos: dict[int, tuple[str, str]]) -> list[tuple[str, dict[str, Any], str | None]]:
    """(id, recipe, note) for each upstream program of one state with incentives for catalog categories."""
    folder = repo / "data" / state
    incentives = json.loads((folder / "incentives.json").read_text(encoding="utf-8"))
    programs = json.loads((folder / "programs.json").read_text(encoding="utf-8"))
    authorities = json.loads((folder / "authorities.json").read_text(encoding="utf-8"))
    rel_path = folder / "incentive_relationships.json"
    relationships = json.loads(rel_path.read_text(encoding="utf-8")) if rel_path.is_file() else {}
    kept = [i for i in incentives if any(item in CATEGORIES for item in i.get("items") or [])]
    excl = _exclusions(relationships, {i["id"] for i in kept})
    by_program: dict[str, list[dict[str, Any]]] = {}
    for inc in kept:
        by_program.setdefault(inc["program"], []).append(inc)
    ra_source = {"url": f"{REPO}/tree/{version}/data/{state}", "kind": "upstream-data",
                 "title": f"Rewiring America incentives data, commit {version} (Apache-2.0)",
                 "supports": "terms: items, amounts, owner and income conditions, dates, exclusions; the operator",
                 "seen": seen}
    out = []
    for pkey, incs in sorted(by_program.items()):
        prog = programs.get(pkey)
        if prog is None:
            raise ValueError(f"{folder / 'incentives.json'}: incentive {incs[0]['id']}: unknown program {pkey!r}")
        atype = str(prog.get("authority_type") or "other")
        auth = (authorities.get(atype) or {}).get(prog.get("authority"), {})
        markets, conditions, note = _markets(state, atype, auth, utilities, geos)
        terms = [_term(i, sorted("ra-" + slug(x) for x in excl.get(i["id"], ()))) for i in sorted(incs, key=lambda i: i["id"])]
        info = clean_url((prog.get("url") or {}).get("en")) or next((t["url"] for t in terms if t.get("url")), None)
        if info is None:
            raise ValueError(f"{folder / 'programs.json'}: program {pkey!r} has no usable URL")
        pages = [info] + sorted({t["url"] for t in terms if t.get("url")} - {info})
        recipe: dict[str, Any] = {
            "name": prog["name"]["en"], "operator": str(auth.get("name") or prog.get("authority") or atype),
            "operator_type": atype if atype in ("utility", "gas_utility", "state", "county", "city") else "other",
            "urls": {"info": info}, "markets": markets}
        if conditions:
            recipe["conditions"] = conditions
        recipe["terms"] = terms
        if note:
            recipe["notes"] = note
        recipe["verified_on"] = seen
        recipe["sources"] = [{"url": u, "kind": "official", "supports": "the program's terms (as the upstream data "
                              "cites this page)", "seen": seen} for u in pages] + [ra_source]
        recipe["imported"] = {"source": f"{PACKAGE}@{version}", "key": f"{state}/{pkey}", "owned_fields": list(ORDER[:7]) + ["sources"]}
        out.append((slug(pkey), recipe, note))
    return out


def import_rebates(repo: Path, catalog: Path, seen: date | None = None, version: str | None = None,
                   dry_run: bool = False) -> RebateReport:
    """Write (or update) `catalog/rebates/<st>/<id>.yaml` for every state folder of the upstream data."""
    seen = seen or date.today()
    repo, catalog = Path(repo), Path(catalog)
    version = version or version_of(repo)
    if not version:
        raise ValueError(f"cannot tell the upstream commit from {repo.name}; pass --package-version")
    if not (repo / "data").is_dir():
        raise ValueError(f"{repo}: no data/ folder (give the api.rewiringamerica.org checkout)")
    utilities, geos = catalog_utilities(catalog), geography_keys(repo)
    report = RebateReport()
    written: set[Path] = set()
    states = sorted(p.name for p in (repo / "data").iterdir() if (p / "incentives.json").is_file()
                    and f"US-{p.name}" in REGIONS)
    for state in states:
        for rid, recipe, note in recipes_for_state(repo, state, version, seen, utilities, geos):
            path = catalog / "rebates" / state.lower() / f"{rid}.yaml"
            written.add(path)
            report.terms += len(recipe["terms"])
            report.linked += 1 if recipe["markets"].get("utilities") else 0
            report.state_level += 1 if note else 0
            old = _existing(path)
            if old is not None and not old.get("imported"):
                report.skipped.append(rid)
                continue
            text = HEADER + dump_yaml(recipe)
            if old is not None and _undated(old) == _undated(load_yaml(text.encode()).data):
                report.unchanged.append(rid)
                continue
            if not dry_run:
                path.parent.mkdir(parents=True, exist_ok=True)
                _atomic_write(path, text)
            (report.updated if old is not None else report.created).append(rid)
    base = catalog / "rebates"
    if base.is_dir():
        report.gone = sorted(p.stem for p in base.rglob("*.yaml") if p not in written and (_existing(p) or {}).get("imported"))
    return report


def _existing(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        data = load_yaml(path.read_bytes()).data
    except YamlError:
        return None
    return data if isinstance(data, dict) else None
