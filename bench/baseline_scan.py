"""Baselines without an index, the way a Home Assistant add-on does it today.

`scan_household`: the same qualifying (device, program) answers as `derdir.household.evaluate`, found
by scanning: for every reported device, loop over every program and every one of its rules calling
`derdir.eligibility.rule_matches` (and its claims), and only for programs that name the device ask
`derdir.eligibility.verdict` for the answer. No candidate index. Devices are resolved with the same
resolver as `evaluate` so that only the eligibility step differs (the resolver has its own baseline).
Written to be a fair contender: the cheap checks come first, verdicts are only built on a hit, and
`market_first=True` gives the stronger variant that drops programs outside the home's market before
scanning.

`ScanResolver`: a hub report -> catalog product by comparing the report's model strings against
every device's model strings (loaded into memory once, like an add-on loading a JSON catalog).
"""

from __future__ import annotations

from typing import Any

from derdir import household
from derdir.catalog.index import Catalog
from derdir.eligibility import rule_matches, verdict
from derdir.judge import COUNTED, judge
from derdir.lookup import find_in_memory
from derdir.markets import resolve_location
from derdir.normalize import key, maker_key
from derdir.resolve import DeviceReport, model_variants, resolve
from derdir.scope import place


def _names_device(program: Any, device: Any) -> bool:
    """Does the program's claims, exclusions or rules name this device at all (scan, no index)?"""
    elig = program.eligibility
    if any(c.device == device.id for c in elig.devices):
        return True
    return any(rule_matches(r, device) for r in elig.rules)


def scan_household(cat: Catalog, location: Any, devices: list[Any], hub: str | None = None,
                   market_first: bool = False) -> set[tuple[int, str]]:
    """Qualifying (device index, program id) pairs of a home: supported, in the home's market, counted
    by the same judgement `evaluate` makes (open here, no condition left to confirm)."""
    market = resolve_location(cat, location)
    hub_id = find_in_memory(cat, "hub", hub, "hub") if hub else None
    reports = household.parse_devices(devices)
    allowed = cat.programs_in_market(market.utility, market.region)
    where = place(cat, market.utility, market.region)
    programs = [(pid, p) for pid, p in cat.programs.items() if not market_first or pid in allowed]
    seen: set[tuple] = set()
    pairs: set[tuple[int, str]] = set()
    for i, report in enumerate(reports):
        k = household._key(report)
        if k in seen:
            continue
        seen.add(k)
        members = household._members(cat, resolve(cat, report))
        if not members:
            continue
        facts = cat.facts_of(members)  # the same precomputed device facts `evaluate` reads
        devs = [facts[d] for d in members]
        for pid, program in programs:  # every program …
            values, last = set(), None
            for dev in devs:  # … every rule of it, for every member of the match
                last = verdict(program, dev, hub_id) if _names_device(program, dev) else None
                values.add(last.supported if last else False)
            # on a hit, the same judgement as `evaluate` (offered here, open, conditions of joining)
            if values == {True} and pid in allowed and last is not None \
                    and judge(cat, pid, last, devs[0], devs[0].category, where).counted:
                pairs.add((i, pid))
    return pairs


def evaluate_pairs(result: dict[str, Any]) -> set[tuple[int, str]]:
    """The same pairs read from `household.evaluate`'s answer: the programs it counts for a device."""
    return {(d["index"], p["id"]) for d in result["devices"] if "duplicate_of" not in d
            for p in d["programs"] if p["supported"] is True and p["status"] in COUNTED}


class ScanResolver:
    """Model-string matching by comparing against every device in the catalog."""

    def __init__(self, cat: Catalog):
        import json

        self.devices: list[tuple[str, frozenset[str], frozenset[str]]] = []
        for did, js in cat.sql("SELECT id, json FROM entity WHERE kind = 'device' ORDER BY id"):
            d = json.loads(js)
            ident = d.get("identifiers", {})
            models = {key(x) for x in [*d["model_numbers"], d["product_name"], *ident.get("model_strings", [])]}
            makers = {maker_key(x) for x in [d["manufacturer"], d.get("brand") or "", *ident.get("manufacturer_names", [])] if x}
            self.devices.append((did, frozenset(m for m in models if m), frozenset(m for m in makers if m)))

    def resolve(self, report: DeviceReport) -> str | None:
        """Best device whose model strings equal one of the report's model-string variants, else None."""
        variants: dict[str, float] = {}
        for text in filter(None, (report.model_id, report.model)):
            for k, w in model_variants(text):
                variants[k] = max(w, variants.get(k, 0.0))
        if not variants:
            return None
        wanted = frozenset(variants)
        rk = maker_key(report.manufacturer) if report.manufacturer else ""
        best: tuple[float, str] | None = None
        for did, models, makers in self.devices:  # the scan: every device, every model string
            if models.isdisjoint(wanted):
                continue
            score = max(variants[m] for m in models & wanted) + (0.04 if rk and rk in makers else 0.0)
            if best is None or score > best[0] or (score == best[0] and did < best[1]):
                best = (score, did)
        return best[1] if best else None
