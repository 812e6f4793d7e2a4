"""The examples of issue 13, on the bundled catalog: each answers correctly by the core, CLI, HTTP and
page. They hold the catalog's data to its official sources as much as the code: a failure here is a
program recipe to re-check (scopes, enrollment status, conditions, exclusivity, model rules)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from derdir.api.app import create_app
from derdir.catalog.index import Catalog
from derdir.household import evaluate
from derdir.recommendations import recommend
from derdir.support import support

HOME = [{"manufacturer": "TP-Link", "model": "KP125M(US)", "integration": "tplink"},
        {"manufacturer": "ecobee", "model": "ecobee3 lite Smart", "integration": "ecobee"},
        {"manufacturer": "Rheem", "model": "PROPH65 T2 RH375-S", "integration": "econet"},
        {"manufacturer": "Sonos", "model": "One", "integration": "sonos"}]
POWERWALLS = ("tesla-powerwall-2", "tesla-powerwall-3", "tesla-powerwall-plus")


@pytest.fixture(scope="module")
def client(real_build: Path) -> TestClient:
    return TestClient(create_app(real_build))


def _rows(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in answer["programs"]}


def test_tesla_terms_are_paid_only_in_their_own_market(cat: Catalog) -> None:
    markets = support(cat, "tesla-powerwall-3", "tesla-virtual-power-plant")["markets"]
    assert all("US-TX" not in t.get("regions", []) for t in markets["pge"]["incentives"])
    assert all(t["type"] != "per-month" for t in markets["pge"]["incentives"])
    assert all(t.get("utilities") != ["pge"] for t in markets["US-TX"]["incentives"])


def test_tesla_vpp_is_closed_to_new_pge_customers_and_not_recommended(cat: Catalog, client: TestClient) -> None:
    pge = support(cat, "tesla-powerwall-3", "tesla-virtual-power-plant")["markets"]["pge"]
    assert pge["enrollment"]["status"] == "closed" and pge["enroll_url"] is None
    recs = recommend(cat, "pge", "home-assistant-yellow", HOME)["recommendations"]
    assert not any(p["id"] == "tesla-virtual-power-plant" for r in recs for p in r["programs"])
    assert not any(r["id"] in POWERWALLS and r["added_yearly"].get("USD") == 120 for r in recs)
    page = client.get("/utilities/pge").text
    assert "about $120 a year" not in page.split("Tesla Powerwall")[1][:400] if "Tesla Powerwall" in page else True


def test_an_ended_program_shows_ended_and_no_enroll_link(cat: Catalog, client: TestClient) -> None:
    home = evaluate(cat, "pge", [{"manufacturer": "Tesla", "model": "Powerwall 3"}])
    assert _rows(home)["swell-energy-vpp"]["status"] == "ended"
    assert not _rows(home)["swell-energy-vpp"]["counted"]
    swell = cat.programs["swell-energy-vpp"]
    for url in ("/utilities/pge", "/regions/US-CA"):
        page = client.get(url).text
        assert not (swell.urls.enroll and swell.urls.enroll in page), url


def test_sunrun_programs_are_conditional_on_the_installer(cat: Catalog) -> None:
    home = evaluate(cat, "pge", [{"manufacturer": "Tesla", "model": "Powerwall 3"}])
    rows = _rows(home)
    for pid in ("sunrun-calready", "sunrun-vpp"):
        if pid in rows:
            assert rows[pid]["status"] in ("conditional", "closed", "ended"), pid
            assert not rows[pid]["counted"]
    recs = recommend(cat, "pge")["recommendations"]
    assert not any(p["id"].startswith("sunrun") and p["counted"] for r in recs for p in r["programs"])


def test_climateresponse_is_not_added_to_another_program(cat: Catalog) -> None:
    home = evaluate(cat, "pge", HOME)
    counted = [pid for pid, r in _rows(home).items() if r["counted"]]
    if "olivine-climateresponse" in counted:
        assert counted == ["olivine-climateresponse"]
    assert cat.programs["olivine-climateresponse"].excludes_all_programs


def test_a_zip_finds_its_utility_and_other_utilities_programs_do_not_qualify(cat: Catalog, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from derdir.cli import commands  # noqa: F401
    from derdir.cli.app import app

    home = evaluate(cat, "94105", HOME)
    assert home["market"]["utility"] == "pge"
    ecobee = home["devices"][1]
    assert not {"sce-smart-energy-program", "smud-my-energy-optimizer"} & {p["id"] for p in ecobee["programs"]}
    devices = tmp_path / "home.json"
    devices.write_text(json.dumps(HOME))
    out = CliRunner().invoke(app, ["check", "--location", "94105", "--devices", str(devices)], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "no qualifying program publishes an amount" not in out.output
    if "pge-wattersaver" in [pid for pid, r in _rows(home).items() if r["counted"]]:
        assert "Estimated yearly earnings" in out.output


def test_enphase_iq_battery_3_matches_the_enphase_vpp_rule(cat: Catalog) -> None:
    answer = support(cat, "enphase-encharge-iq3-b03-a01-us00-1-3", "enphase-vpp")
    assert answer["verdict"]["supported"] is True


def test_per_kwh_terms_are_estimated_where_limits_are_published(cat: Catalog) -> None:
    """Every per-kWh or per-kW term of a program that publishes event limits gets an estimate for a device
    with a known capacity."""
    from derdir.incentives import estimate
    from derdir.kinds.incentives import event_hours_per_year

    battery = cat.facts("tesla-powerwall-3")
    assert battery is not None
    for pid, p in cat.programs.items():
        terms = [t for t in p.incentives if t.type in ("per-kwh", "per-kw-season", "per-kw-year")
                 and t.amount is not None and t.per == "device" and t.currency == "USD"]
        if not terms or (any(t.type == "per-kwh" for t in terms) and event_hours_per_year(p.events) is None):
            continue
        est = estimate(p, terms, battery, "battery")
        assert est is not None and est.typical is not None, pid
