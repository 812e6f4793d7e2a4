"""The registries of rule, incentive and condition kinds, and scopes: pure functions, no build."""

from __future__ import annotations

from datetime import date

import pytest

from derdir.facts import DeviceFacts
from derdir.incentives import describe, estimate
from derdir.kinds import requirements
from derdir.kinds.incentives import INCENTIVES, event_hours_per_year
from derdir.plain import month_range
from derdir.recipes.program import EventRules, Incentive, Program, Requirements
from derdir.scope import Place, applies, standing

REGIONS = {"pge": ("US-CA",), "pacific-power": ("US-OR", "US-WA", "US-CA"), "oncor": ("US-TX",)}


def where(utility: str | None, region: str | None = None) -> Place:
    return Place(utility, region, lambda u: REGIONS.get(u, ()))


def facts(**kw: object) -> DeviceFacts:
    base = dict.fromkeys(DeviceFacts._fields)
    base.update(id="d", category="battery", manufacturer="Acme", product_name="P", model_numbers=(), imported=False,
                makers=("acme",), known_as=("acme",), models=(), standards=(), wifi=False, ethernet=False,
                cellular=False, zigbee=False, zwave=False, matter=False, integrations=())
    base.update(kw)
    return DeviceFacts(**base)  # type: ignore[arg-type]


def program(**kw: object) -> Program:
    data = {"name": "P", "operator": "O", "urls": {"info": "https://example.org"}, "markets": {"utilities": ["pge"]},
            "verified_on": "2026-12-01", "sources": [{"url": "https://example.org", "seen": "2026-12-01"}], **kw}
    return Program.model_validate(data)


def test_the_requirement_model_is_made_from_the_registry() -> None:
    assert list(Requirements.model_fields) == list(requirements.REQUIREMENTS)


@pytest.mark.parametrize("req, device, unmet, unknown", [
    ({"min_battery_kwh": 10}, {"battery_kwh": 13.5}, [], []),
    ({"min_battery_kwh": 10}, {"battery_kwh": 5.0}, ["needs at least 10 kWh of storage"], []),
    ({"min_battery_kwh": 10}, {}, [], ["needs at least 10 kWh of storage"]),
    ({"energy_monitoring": True}, {"energy_monitoring": False}, ["needs energy monitoring"], []),
    ({"energy_monitoring": False}, {"energy_monitoring": False}, [], []),  # false requires nothing
    ({"any_standard": ["openadr-2.0b"]}, {"standards": ("ocpp-1.6", "openadr-2.0b")}, [], []),
    ({"any_standard": ["openadr-2.0b"]}, {"standards": ("ocpp-1.6",)}, ["needs one of: openadr-2.0b"], []),
    ({"connectivity": ["wifi"]}, {"wifi": True}, [], []),
    ({"connectivity": ["wifi"]}, {"zigbee": True}, ["needs to connect by wifi"], []),  # a Zigbee radiator valve
    ({"connectivity": ["wifi"]}, {}, [], ["needs to connect by wifi"]),
])
def test_requirements_are_checked_by_their_kind(req: dict, device: dict, unmet: list, unknown: list) -> None:
    assert requirements.check(Requirements(**req), facts(**device)) == (unmet, unknown)


def test_a_hub_requirement_is_unknown_without_a_hub() -> None:
    req = Requirements(hubs=["zig-hub"])
    assert requirements.check(req, facts(), None)[1] == ["needs to be connected through: zig-hub"]
    assert requirements.check(req, facts(), "zig-hub") == ([], [])
    assert requirements.reads(req) == {"hub"}


class Scope:
    def __init__(self, utilities: list[str] = [], regions: list[str] = []):  # noqa: B006
        self.utilities, self.regions = utilities, regions


@pytest.mark.parametrize("scope, place, expected", [
    (Scope(), where("pge"), True),
    (Scope(["pge"]), where("pge"), True),
    (Scope(["pge"]), where("oncor"), False),
    (Scope(regions=["US-TX"]), where("oncor"), True),
    (Scope(regions=["US-TX"]), where("pge"), False),
    (Scope(["pge"]), where(None, "US-CA"), None),  # depends on which utility serves the home
    (Scope(["pge"]), where(None, "US-TX"), False),  # no utility of the scope serves Texas
    (Scope(regions=["US-OR"]), where("pacific-power"), None),  # which of its states is the home in?
    (Scope(regions=["US-OR"]), where("pacific-power", "US-OR"), True),
])
def test_a_scope_applies_to_a_place(scope: Scope, place: Place, expected: bool | None) -> None:
    assert applies(scope, place) is expected


def test_the_most_specific_enrollment_status_wins() -> None:
    src = [{"url": "https://example.org/s", "seen": "2026-12-01"}]
    p = program(markets={"utilities": ["pge"], "regions": ["US-TX"]}, enrollment=[
        {"status": "open", "sources": src},
        {"status": "closed", "since": "2024-04-01", "utilities": ["pge"], "sources": src}])
    assert standing(p, where("pge")).status == "closed" and standing(p, where("pge")).since == date(2024, 4, 1)
    assert standing(p, where("oncor")).status == "open"
    assert standing(program(status="ended"), where("pge")).status == "ended"
    assert standing(program(), where("pge")).status == "open"


def test_every_incentive_kind_has_words_and_an_estimate() -> None:
    for name, kind in INCENTIVES.items():
        term = Incentive(type=name, amount=1)
        assert describe(term).startswith("$1.00 " + kind.words)
        assert estimate(program(events={"max_events_per_year": 10, "max_event_hours": 2}), [term],
                        facts(battery_kwh=10.0, controllable_kw=5.0), "battery") is not None


def test_per_kwh_is_estimated_from_a_yearly_hour_limit_alone() -> None:
    ev = EventRules(max_hours_per_year=40)
    assert event_hours_per_year(ev) == ((10, 20, 40), "up to 40 event hours a year (the program's limit; typical taken as half)")
    est = estimate(program(events={"max_hours_per_year": 40}), [Incentive(type="per-kwh", amount=1)],
                   facts(controllable_kw=2.0), "battery")
    assert est is not None and (est.low, est.typical, est.high) == (20, 40, 80)


def test_a_battery_is_paid_per_kw_only_for_what_it_can_hold_through_an_event() -> None:
    """A 10 kWh battery cannot deliver 5 kW for a 4-hour event: 2.5 kW."""
    est = estimate(program(events={"max_event_hours": 4}), [Incentive(type="per-kw-year", amount=100)],
                   facts(controllable_kw=5.0, battery_kwh=10.0), "battery")
    assert est is not None and est.typical == 250 and "at most 2.5 kW for a 4 h event" in est.assumptions[0]


def test_a_program_not_for_homes_asks_for_the_customer_class() -> None:
    from derdir.scope import program_conditions

    business = program(customer_classes=["small-business"])
    assert [c.kind for c in program_conditions(business, where("pge"))] == ["customer-class"]
    assert program_conditions(program(), where("pge")) == []


def test_months_read_as_a_range() -> None:
    assert month_range([5, 6, 7, 8, 9, 10]) == "May–October"
    assert month_range([12, 1, 2]) == "December–February"
    assert month_range([6, 8]) == "in June and August"
    assert describe(Incentive(type="per-month", amount=5, months=[6, 7, 8])) == "$5.00 per month, per device, paid June–August"


def test_words_read_as_people_write_them() -> None:
    from derdir.plain import article, ecosystem, product_title

    assert product_title("TP-Link", "Kasa", "Kasa Smart Wi-Fi Plug") == "Kasa Smart Wi-Fi Plug"
    assert product_title("ecobee", "ecobee", "ecobee3 lite") == "ecobee3 lite"
    assert product_title("Rheem", None, "ProTerra Water Heater") == "Rheem ProTerra Water Heater"
    assert [f"{article(ecosystem(e))} {ecosystem(e)}" for e in ("alexa", "hubitat", "ifttt", "home-assistant")] == \
        ["an Alexa", "a Hubitat", "an IFTTT", "a Home Assistant"]
