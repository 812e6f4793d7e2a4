"""Core helpers written for the web pages: plain-language rules, top earners, overview, propose."""

from __future__ import annotations

from derdir import plain
from derdir.catalog.index import Catalog
from derdir.eligibility import verdict
from derdir.overview import counts, region_name, regions
from derdir.propose import propose
from derdir.recipes.program import DeviceRule, EventRules, Requirements
from derdir.top_earners import top_earners


def test_rules_in_plain_language() -> None:
    assert plain.rule(DeviceRule(category="thermostat", manufacturers=["ecobee"])) == "Any ecobee thermostat"
    assert plain.rule(DeviceRule(category="smart-plug", manufacturers=["TP-Link"], models=["KP115", "HS110", "HS300"],
                                 requires=Requirements(energy_monitoring=True))) == \
        "TP-Link KP115, HS110 or HS300 smart plugs — needs energy monitoring"
    assert plain.rule(DeviceRule(category="ev-charger")) == "Any EV charger"
    nest = DeviceRule(category="thermostat", manufacturers=["Google", "Nest"], models=["Nest*", "GA0*"])
    assert plain.rule(nest) == \
        "Google (also listed as Nest) thermostats with a model number starting Nest or GA0"
    assert "(* stands for anything)" in plain.rule(DeviceRule(category="battery", models=["PW*2", "X"]))
    assert plain.rule(DeviceRule(category="battery", requires=Requirements(min_battery_kwh=10, hubs=["x-hub"]))) == \
        "Any battery — needs at least 10 kWh of storage; needs to be connected through: x-hub"


def test_events_in_plain_language() -> None:
    ev = EventRules(months=[6, 7, 8, 9], start_hour=16, end_hour=21, days="weekdays", max_events_per_year=15,
                    max_event_hours=4)
    assert plain.events(ev) == ["Events happen from June to September, between 4 p.m. and 9 p.m., on weekdays.",
                                "At most 15 events a year; each event lasts at most 4 hours."]
    assert plain.events(EventRules(months=[12, 1, 2]))[0] == "Events happen from December to February."
    assert plain.events(EventRules(months=[1, 7])) == ["Events happen in January and July."]
    assert plain.events(None) == [] and plain.events(EventRules()) == []


def test_top_earners_are_ranked_and_really_qualify(cat: Catalog) -> None:
    result = top_earners(cat, "pge", limit=20)
    items = result["items"]
    assert items and result["market"]["utility"] == "pge"
    typicals = [i["estimate"]["typical"] for i in items]
    assert typicals == sorted(typicals, reverse=True)
    allowed = cat.programs_in_market("pge", "US-CA")
    for i in items:
        program = cat.programs[i["program"]["id"]]
        assert i["program"]["id"] in allowed and program.status == "active"
        assert verdict(program, cat.facts(i["id"])).supported is True
    # WatterSaver water heaters (the Rheem ProTerra and the A. O. Smith iCOMM models) earn the same, so which of
    # them make the first 20 is a tie broken by id
    assert any(i["program"]["id"] == "pge-wattersaver" and cat.device(i["id"]).category == "water-heater" for i in items)


def test_top_earners_for_a_region(cat: Catalog) -> None:
    result = top_earners(cat, "US-CA", limit=5)
    assert result["market"]["region"] == "US-CA" and len(result["items"]) <= 5


def test_overview(cat: Catalog) -> None:
    c = counts(cat)
    assert c["products"] == cat.count("device") and c["hubs"] == len(cat.hubs) and c["regions"] >= 10
    assert region_name("US-CA") == "California" and region_name("US-DC") == "District of Columbia"
    assert region_name("CA-ON") == "Ontario" and region_name("XX") == "XX"
    california = next(r for r in regions(cat) if r["code"] == "US-CA")
    assert california["name"] == "California" and california["programs"] >= 1


def test_propose_valid_and_invalid(cat: Catalog) -> None:
    ok = propose(cat, "utility", {"name": "Gotham Power & Light", "country": "US", "regions": "US-NY",
                                  "source": "https://example.org/gotham"})
    assert ok["valid"] and ok["path"] == "catalog/utilities/gotham-power-and-light.yaml" and not ok["problems"]
    assert ok["text"].startswith("# yaml-language-server: $schema=../../schema/utility.schema.json")
    dup = propose(cat, "utility", {"name": "x", "id": "pge", "country": "US", "regions": "US-CA",
                                   "source": "https://example.org"})
    assert not dup["valid"] and dup["problems"][0]["rule"] == "duplicate-id"
    bad = propose(cat, "device", {"category": "toaster", "manufacturer": "A", "product_name": "B", "model": "C",
                                  "source": "https://example.org"})
    assert not bad["valid"] and any(p["field"] == "category" for p in bad["problems"])
    weird = propose(cat, "hub", {"id": "../../etc/passwd", "ecosystem": "hubitat", "manufacturer": "A",
                                 "product_name": "B", "model": "C", "source": "https://example.org"})
    assert not weird["valid"] and weird["problems"][0]["rule"] == "id-format" and ".." not in weird["path"]
