"""Security facts (issue 19): inheritance from the maker, derivation from the protocol, the household summary,
the audit rules that keep them honest, and `security_coverage` in stats."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from derdir.audit import audit_catalog
from derdir.catalog.build import build
from derdir.catalog.index import Catalog
from derdir.catalog.source import read_catalog
from derdir.household import evaluate
from derdir.product import product
from derdir.stats import catalog_stats
from tests.conftest import recipe

MAKER = recipe("""
    name: Acme
    aliases: [Acme Inc.]
    security:
      update_policy:
        status: stated
        period_years: 5
        counted_from: release
        sources:
        - {url: https://example.org/acme/psti, kind: manufacturer, seen: 2026-11-01}
      vulnerability_disclosure: https://example.org/acme/vdp
""")

NO_STATEMENT = recipe("""
    name: Zed
    security:
      update_policy: {status: no-statement-found, looked_on: 2026-11-01, where_looked: Zed's support pages}
""")

CLOUD_BATTERY = recipe("""
    category: battery
    manufacturer: Acme
    product_name: Acme Home Battery
    model_numbers: [AB-10]
    power: {battery_kwh: 10, controllable_kw: 5}
    connectivity: {wifi: true}
    security:
      local_control:
        available: false
        sources: [{url: https://example.org/acme/battery-faq, kind: manufacturer, seen: 2026-11-01}]
      cloud:
        account_required: true
        internet_required: true
        sources: [{url: https://example.org/acme/battery-faq, kind: manufacturer, seen: 2026-11-01}]
""")

ZIGBEE_THERMOSTAT = recipe("""
    category: thermostat
    manufacturer: Zed
    product_name: Zed Zigbee Thermostat
    model_numbers: [ZT-1]
    connectivity: {zigbee: true}
""")

UNKNOWN_THERMOSTAT = recipe("""
    category: thermostat
    manufacturer: Nobody Known
    product_name: Wi-Fi Thermostat
    model_numbers: [WT-9]
    connectivity: {wifi: true}
""")

PROGRAM = recipe("""
    name: Battery Club
    operator: Acme Power
    urls: {info: https://example.org/club}
    markets: {utilities: [pge]}
    eligibility:
      rules:
      - {category: battery, manufacturers: [Acme]}
    incentives:
    - {type: per-year, amount: 100}
""")


RECIPES = {
    "manufacturers/acme.yaml": MAKER,
    "manufacturers/zed.yaml": NO_STATEMENT,
    "devices/battery/acme-battery.yaml": CLOUD_BATTERY,
    "devices/thermostat/zed-zt-1.yaml": ZIGBEE_THERMOSTAT,
    "devices/thermostat/nobody-wt-9.yaml": UNKNOWN_THERMOSTAT,
}


def _catalog(mini, tmp_path: Path) -> Catalog:  # type: ignore[no-untyped-def]
    root = mini({**RECIPES, "programs/acme-battery-club.yaml": PROGRAM})
    return Catalog(build(root, tmp_path / "build").path)


def test_product_answer_inherits_the_makers_policy_and_derives_only_what_the_protocol_implies(mini, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cat = _catalog(mini, tmp_path)
    battery = product(cat, "acme-battery")["security"]
    assert battery["update_policy"]["basis"] == "inherited" and battery["update_policy"]["period_years"] == 5
    assert battery["update_policy"]["from_manufacturer"] == "acme"
    assert battery["vulnerability_disclosure"] == {"url": "https://example.org/acme/vdp", "basis": "inherited"}
    assert battery["cloud"]["account_required"] is True and battery["cloud"]["basis"] == "stated"
    assert "Needs a maker's account and an internet connection to operate." in battery["plain"]
    assert any(line.startswith("Security updates: at least 5 years from release") for line in battery["plain"])

    zig = product(cat, "zed-zt-1")["security"]
    assert zig["local_control"]["available"] is True and zig["local_control"]["basis"] == "derived"
    assert "Zigbee" in zig["local_control"]["reason"] and zig["local_control"]["sources"] == []
    assert zig["update_policy"]["status"] == "no-statement-found" and zig["update_policy"]["looked_on"] == "2026-11-01"

    unknown = product(cat, "nobody-wt-9")["security"]
    assert unknown["local_control"] == {"available": None, "basis": None}
    assert unknown["update_policy"] is None
    assert "Local control without a cloud: unknown." in unknown["plain"]


def test_household_summary_names_cloud_devices_in_programs_and_missing_update_periods(mini, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cat = _catalog(mini, tmp_path)
    data = evaluate(cat, "pge", [{"manufacturer": "Acme", "model": "AB-10"}, {"manufacturer": "Zed", "model": "ZT-1"},
                                 {"manufacturer": "Nobody Known", "model": "WT-9"}])
    sec = data["security"]
    assert [(r["index"], r["id"], r["programs"]) for r in sec["needs_cloud"]] == [(0, "acme-battery", ["acme-battery-club"])]
    assert [(r["index"], r["looked_on"]) for r in sec["no_update_period"]] == [(1, "2026-11-01")]
    assert [r["index"] for r in sec["update_period_unknown"]] == [2]
    assert [r["index"] for r in sec["facts_unknown"]] == [2]
    assert sec["certified"] == []
    assert any("acme-battery: acme-battery-club" in line for line in sec["plain"])
    # unknown is said to be unknown, not a risk
    assert any("not a risk found" in line and "nobody-wt-9" in line for line in sec["plain"])


def test_household_security_over_http_matches_the_documented_schema(mini, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from derdir.api.app import create_app
    from derdir.api.schemas import EvaluateAnswer

    _catalog(mini, tmp_path)
    client = TestClient(create_app(tmp_path / "build"))
    r = client.post("/v1/households/evaluate", json={"location": "pge", "devices": [{"manufacturer": "Acme", "model": "AB-10"}]})
    assert r.status_code == 200, r.text
    EvaluateAnswer.model_validate(r.json())
    assert r.json()["security"]["needs_cloud"][0]["id"] == "acme-battery"


def _problems(mini, files: dict[str, str], rule: str) -> list:  # type: ignore[no-untyped-def]
    return [p for p in audit_catalog(mini(files)) if p.rule == rule]


def test_a_certification_claim_needs_an_official_or_manufacturer_source(mini) -> None:  # type: ignore[no-untyped-def]
    claimed = recipe("""
        category: battery
        manufacturer: Acme
        product_name: Acme Home Battery
        model_numbers: [AB-10]
        security:
          cyber_trust_mark:
            certified: true
            sources: [{url: https://example.org/news/item, kind: news, seen: 2026-11-01}]
    """)
    problems = _problems(mini, {"devices/battery/acme-battery.yaml": claimed}, "security-certification-source")
    assert len(problems) == 1 and problems[0].field == "security.cyber_trust_mark"
    fixed = claimed.replace("kind: news", "kind: official")
    assert _problems(mini, {"devices/battery/acme-battery.yaml": fixed}, "security-certification-source") == []


def test_no_statement_found_needs_the_date_looked(mini) -> None:  # type: ignore[no-untyped-def]
    undated = NO_STATEMENT.replace(", looked_on: 2026-11-01", "")
    problems = _problems(mini, {"manufacturers/zed.yaml": undated}, "security-no-statement-date")
    assert [p.field for p in problems] == ["security.update_policy"]
    assert _problems(mini, {"manufacturers/zed.yaml": NO_STATEMENT}, "security-no-statement-date") == []


def test_security_dates_in_the_future_are_errors(mini) -> None:  # type: ignore[no-untyped-def]
    future = NO_STATEMENT.replace("looked_on: 2026-11-01", f"looked_on: {date.today().year + 2}-01-01")
    problems = _problems(mini, {"manufacturers/zed.yaml": future}, "security-dates")
    assert [p.field for p in problems] == ["security.update_policy.looked_on"]


def test_a_stated_local_control_fact_needs_a_source_and_a_derived_one_a_reason(mini) -> None:  # type: ignore[no-untyped-def]
    bare = ZIGBEE_THERMOSTAT.replace("connectivity: {zigbee: true}\n", "connectivity: {zigbee: true}\nsecurity:\n  local_control: {available: true}\n")
    assert [p.field for p in _problems(mini, {"devices/thermostat/zed-zt-1.yaml": bare}, "security-fact-source")] == [
        "security.local_control"]
    explained = bare.replace("{available: true}", "{available: true, derived: true, reason: a Zigbee coordinator}")
    assert _problems(mini, {"devices/thermostat/zed-zt-1.yaml": explained}, "security-fact-source") == []


def test_stats_report_security_coverage_per_category(mini) -> None:  # type: ignore[no-untyped-def]
    root = mini(RECIPES)
    cov = catalog_stats(read_catalog(root), today=date(2026, 11, 26))["security_coverage"]
    assert cov["battery"] == {"devices": 1, "with_facts": 1, "share": 1.0, "without_derived": 1}
    assert cov["thermostat"] == {"devices": 2, "with_facts": 1, "share": 0.5, "without_derived": 0}
    assert "smart-plug" not in cov  # only the categories of the target, and hubs


def test_a_hub_reporting_only_matter_ids_resolves_to_the_product(cat) -> None:  # type: ignore[no-untyped-def]
    """Matter vendor/product ids from Home Assistant's Matter fixtures (Aqara W500 and W600 thermostats)."""
    from derdir.resolve import DeviceReport, resolve_many

    found = resolve_many(cat, [DeviceReport(vendor_id=4447, product_id=18437, integration="matter"),
                               DeviceReport(vendor_id=4447, product_id=18435, integration="matter")])
    assert [r.as_dict()["match"]["id"] for r in found] == ["aqara-wt-a03e", "aqara-ut-a01e"]


def test_household_security_in_the_cli_table_and_on_the_check_page(mini, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from derdir.api.app import create_app
    from derdir.cli import commands  # noqa: F401
    from derdir.cli.app import app

    cat = _catalog(mini, tmp_path)
    home = tmp_path / "home.json"
    home.write_text(json.dumps([{"manufacturer": "Acme", "model": "AB-10"}, {"manufacturer": "Zed", "model": "ZT-1"}]))
    result = CliRunner().invoke(app, ["check", "--location", "pge", "--devices", str(home), "--build-dir",
                                      str(cat.path.parent), "--catalog", str(tmp_path / "none")])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Security:" in text and "acme-battery: acme-battery-club" in text and "#1 zed-zt-1" in text

    page = TestClient(create_app(tmp_path / "build")).post(
        "/check", data={"market": "pge", "hub": "", "devices": "Acme | AB-10\nZed | ZT-1"})
    assert page.status_code == 200
    assert 'id="security"' in page.text and "No published security-update period found: #1 zed-zt-1." in page.text


def test_product_page_shows_the_security_facts_in_plain_words(mini, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from derdir.api.app import create_app

    _catalog(mini, tmp_path)
    page = TestClient(create_app(tmp_path / "build")).get("/products/zed-zt-1")
    assert page.status_code == 200
    assert "Works locally, without the maker&#39;s cloud: through a Zigbee coordinator" in page.text
    assert "no published statement found (looked on 2026-11-01)" in page.text
