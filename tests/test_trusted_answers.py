"""Answers that carry money: paid only where a term is paid, only for programs a home can join, only
once conditions are confirmed, and exclusive programs not added together (issue 13). Each test uses a
small inline catalog shaped like the real case it stands for."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from derdir.catalog.build import build
from derdir.catalog.index import Catalog
from derdir.errors import InvalidInput, NotFound
from derdir.household import evaluate
from derdir.recommendations import recommend
from derdir.support import support
from derdir.top_earners import top_earners

from tests.conftest import SEED, recipe

SRC = "sources: [{url: 'https://example.org/official', kind: official, seen: 2026-12-01}]"

FILES = {
    "utilities/texas-co-op.yaml": recipe("""
        name: Texas Co-op
        country: US
        regions: [US-TX]
    """),
    "devices/battery/acme-wall.yaml": recipe("""
        category: battery
        manufacturer: Acme
        product_name: Acme Wall 13
        model_numbers: [AW-13]
        power: {battery_kwh: 13.5, controllable_kw: 5}
    """),
    "devices/water-heater/acme-tank.yaml": recipe("""
        category: water-heater
        manufacturer: Acme
        product_name: Acme Heat Pump Tank
        model_numbers: [AT-65]
        power: {controllable_kw: 4.5}
    """),
    # Tesla VPP's shape: a utility's per-kWh term closed since a date; a region's monthly credit that
    # needs a retail plan.
    "programs/wall-vpp.yaml": recipe(f"""
        name: Wall VPP
        operator: Acme
        urls: {{info: https://example.org/vpp, enroll: https://example.org/vpp/join}}
        markets: {{utilities: [pge], regions: [US-TX]}}
        eligibility:
          rules: [{{category: battery, manufacturers: [Acme]}}]
        enrollment:
        - {{status: closed, since: 2024-04-01, utilities: [pge], {SRC}}}
        - {{status: open, regions: [US-TX], {SRC}}}
        incentives:
        - {{type: per-kwh, amount: 2.0, utilities: [pge]}}
        - type: per-month
          amount: 10
          regions: [US-TX]
          conditions: [{{kind: retail-plan, text: on the Acme Electric retail plan}}]
        events: {{months: [5, 6, 7, 8, 9, 10], max_event_hours: 3, max_events_per_year: 10, typical_events_per_year: 6}}
    """),
    # WatterSaver's shape: open, $50 once + $5/month.
    "programs/tank-saver.yaml": recipe("""
        name: Tank Saver
        operator: PG&E
        urls: {info: https://example.org/tank, enroll: https://example.org/tank/join}
        markets: {utilities: [pge]}
        eligibility:
          rules: [{category: water-heater, manufacturers: [Acme]}]
        incentives:
        - {type: enrollment, amount: 50}
        - {type: per-month, amount: 5}
    """),
    # ClimateResponse's shape: no other demand-response program at the same time.
    "programs/only-me.yaml": recipe("""
        name: Only Me
        operator: Aggregator
        urls: {info: https://example.org/only}
        markets: {utilities: [pge]}
        excludes_all_programs: true
        eligibility:
          rules: [{category: battery, manufacturers: [Acme]}]
        incentives:
        - {type: per-year, amount: 30}
    """),
    # Sunrun CalReady's shape: statewide, installed through the installer.
    "programs/installer-vpp.yaml": recipe("""
        name: Installer VPP
        operator: Installer Co
        urls: {info: https://example.org/installer}
        markets: {regions: [US-CA]}
        conditions: [{kind: installer, text: installed by Installer Co}]
        eligibility:
          rules: [{category: battery, manufacturers: [Acme]}]
        incentives:
        - {type: enrollment, amount: 100}
    """),
    "programs/sce-tank.yaml": recipe("""
        name: SCE Tank
        operator: SCE
        urls: {info: https://example.org/sce}
        markets: {utilities: [sce]}
        eligibility:
          rules: [{category: water-heater, manufacturers: [Acme]}]
        incentives:
        - {type: per-year, amount: 40}
    """),
    "programs/gone.yaml": recipe("""
        name: Gone VPP
        operator: Gone Inc
        status: ended
        urls: {info: https://example.org/gone, enroll: https://example.org/gone/join}
        markets: {utilities: [pge]}
        eligibility:
          rules: [{category: battery, manufacturers: [Acme]}]
        incentives:
        - {type: per-year, amount: 500}
    """),
}

WALL = {"manufacturer": "Acme", "model": "AW-13"}
TANK = {"manufacturer": "Acme", "model": "AT-65"}


@pytest.fixture(scope="module")
def tcat(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    root = tmp_path_factory.mktemp("trusted") / "catalog"
    for rel, text in {**SEED, **FILES}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    out = root.parent / "build"
    build(root, out)
    return Catalog((out / "current").resolve())


def _row(answer: dict[str, Any], pid: str) -> dict[str, Any]:
    return next(r for r in answer["programs"] if r["id"] == pid)


def test_a_term_is_paid_only_in_its_market(tcat: Catalog) -> None:
    markets = support(tcat, "acme-wall", "wall-vpp")["markets"]
    assert [t["type"] for t in markets["pge"]["incentives"]] == ["per-kwh"]
    assert [t["type"] for t in markets["US-TX"]["incentives"]] == ["per-month"]
    # $10 x 12 months, only in Texas, and only for Acme Electric's customers
    assert markets["US-TX"]["estimate"] is None and markets["US-TX"]["estimate_if_confirmed"]["typical"] == 120
    assert markets["US-TX"]["conditions"][0]["term"] == "per-month"


def test_enrollment_status_is_per_market(tcat: Catalog) -> None:
    markets = support(tcat, "acme-wall", "wall-vpp")["markets"]
    assert markets["pge"]["enrollment"]["status"] == "closed"
    assert markets["pge"]["enrollment"]["words"] == "closed to new customers since April 2024"
    assert markets["pge"]["enroll_url"] is None and markets["pge"]["status"] == "closed"
    assert markets["US-TX"]["enrollment"]["status"] == "open" and markets["US-TX"]["enroll_url"]


def test_a_closed_program_is_not_counted_nor_recommended(tcat: Catalog) -> None:
    home = evaluate(tcat, "pge", [WALL])
    assert _row(home, "wall-vpp")["status"] == "closed" and not _row(home, "wall-vpp")["counted"]
    assert [p["id"] for p in home["devices"][0]["closed"]] == ["gone", "wall-vpp"]
    recs = recommend(tcat, "pge")["recommendations"]
    assert all(p["id"] not in ("wall-vpp", "gone") for r in recs for p in r["programs"])


def test_an_enrolled_household_counts_a_closed_program(tcat: Catalog) -> None:
    home = evaluate(tcat, "pge", [WALL], enrolled=["wall-vpp"])
    row = _row(home, "wall-vpp")
    assert row["status"] == "enrolled" and row["counted"]
    # per kWh from the published limits: 6 typical events of up to 3 h at 5 kW, each at most the 13.5 kWh battery
    entry = next(p for p in home["devices"][0]["programs"] if p["id"] == "wall-vpp")
    assert entry["estimate"]["typical"] == pytest.approx(2.0 * min(5 * 3, 13.5) * 6)
    assert any("13.5 kWh" in a for a in entry["estimate"]["assumptions"])


def test_an_ended_program_is_never_counted(tcat: Catalog) -> None:
    home = evaluate(tcat, "pge", [WALL], enrolled=["gone"])
    assert _row(home, "gone")["status"] == "ended" and not _row(home, "gone")["counted"]


def test_a_condition_makes_a_program_conditional_until_confirmed(tcat: Catalog) -> None:
    texas = evaluate(tcat, {"utility": "texas-co-op"}, [WALL])
    row = _row(texas, "wall-vpp")
    assert row["status"] == "conditional" and not row["counted"] and texas["totals"] == {}
    assert row["conditions"][0]["kind"] == "retail-plan" and row["conditions"][0]["met"] is None
    confirmed = evaluate(tcat, {"utility": "texas-co-op"}, [WALL], conditions={"wall-vpp:retail-plan": True})
    assert _row(confirmed, "wall-vpp")["counted"] and confirmed["totals"]["USD"]["typical"] == 120
    denied = evaluate(tcat, {"utility": "texas-co-op"}, [WALL], conditions={"retail-plan": False})
    assert [p["id"] for p in denied["devices"][0]["nearly"]] == ["wall-vpp"] and denied["totals"] == {}


def test_a_statewide_installer_program_is_conditional(tcat: Catalog) -> None:
    home = evaluate(tcat, "pge", [WALL])
    assert _row(home, "installer-vpp")["status"] == "conditional"
    recs = recommend(tcat, "pge")["recommendations"]
    unlocks = [p for r in recs for p in r["programs"] if p["id"] == "installer-vpp"]
    assert unlocks and not any(p["counted"] for p in unlocks)
    wall = next(r for r in recs if r["id"] == "acme-wall")  # Only Me's $30 a year; not the installer's $100
    assert wall["added_yearly"] == {"USD": 30} and wall["added_first_year"] == {"USD": 30}
    top = {i["id"]: i for i in top_earners(tcat, "pge")["items"]}
    assert top["acme-wall"]["program"]["id"] == "only-me" and top["acme-wall"]["estimate"]["typical"] == 30


def test_a_program_excluding_all_others_is_not_added_to_them(tcat: Catalog) -> None:
    home = evaluate(tcat, "pge", [WALL, TANK], conditions={"installer": True})
    counted = sorted(r["id"] for r in home["programs"] if r["counted"])
    # Only Me pays $30 a year and allows nothing else; Tank Saver ($110 first year) + Installer VPP ($100) earn more
    assert counted == ["installer-vpp", "tank-saver"]
    left = _row(home, "only-me")
    assert "cannot be combined with" in left["not_counted_because"] and "no other demand-response" in left["not_counted_because"]
    assert home["totals"]["USD"]["typical"] == 210


def test_the_best_combination_keeps_an_enrolled_exclusive_program(tcat: Catalog) -> None:
    home = evaluate(tcat, "pge", [WALL, TANK], conditions={"installer": True}, enrolled=["only-me"])
    assert sorted(r["id"] for r in home["programs"] if r["counted"]) == ["only-me"]


def test_a_region_with_several_utilities_needs_the_utility(tcat: Catalog) -> None:
    home = evaluate(tcat, "US-CA", [TANK])
    assert home["market"]["utility"] is None and home["needs_utility"]["programs"] == ["sce-tank", "tank-saver"]
    device = home["devices"][0]
    assert device["status"] == "needs-utility" and device["programs"] == [] and home["totals"] == {}
    by = {p["id"]: p["by_utility"] for p in device["needs_utility"]}
    assert by["sce-tank"][0]["utility"] == "sce" and by["sce-tank"][0]["estimate"]["typical"] == 40
    assert by["tank-saver"][0]["utility"] == "pge" and by["tank-saver"][0]["estimate"]["typical"] == 110


def test_what_each_utility_would_pay_leaves_out_a_term_whose_condition_is_denied(mini: Callable[..., Path]) -> None:
    # A statewide answer ("which utility are you with?") must not promise a term the household said it
    # cannot meet: SCE's smart-panel bonus needs solar, and this home has none.
    root = mini({
        "devices/water-heater/acme-tank.yaml": FILES["devices/water-heater/acme-tank.yaml"],
        "programs/sce-tank.yaml": FILES["programs/sce-tank.yaml"].replace(  # the same program with a solar bonus
            "- {type: per-year, amount: 40}\n",
            "- {type: per-year, amount: 40}\n- {type: per-year, amount: 60, conditions: [{kind: solar, text: with rooftop solar}]}\n", 1)})
    build(root, root.parent / "build")
    cat = Catalog((root.parent / "build" / "current").resolve())

    def sce(conditions: dict[str, bool]) -> Any:
        device = evaluate(cat, "US-CA", [TANK], conditions=conditions)["devices"][0]
        return next(p for p in device["needs_utility"] if p["id"] == "sce-tank")["by_utility"][0]["estimate"]

    assert sce({"solar": True})["typical"] == 100
    assert sce({"solar": False})["typical"] == 40


def test_another_utilitys_program_is_outside_the_territory(tcat: Catalog) -> None:
    home = evaluate(tcat, "pge", [TANK])
    nearly = {p["id"]: p for p in home["devices"][0]["nearly"]}
    assert nearly["sce-tank"]["status"] == "outside" and nearly["sce-tank"]["why_not"] == ["outside the program's territory"]
    assert [r["id"] for r in home["programs"] if r["counted"]] == ["tank-saver"]


def test_household_answers_are_checked(tcat: Catalog) -> None:
    with pytest.raises(InvalidInput) as bad:
        evaluate(tcat, "pge", [WALL], conditions={"rooftop": True})
    assert bad.value.field == "conditions.rooftop"
    with pytest.raises(NotFound) as missing:
        evaluate(tcat, "pge", [WALL], enrolled=["no-such-program"])
    assert missing.value.field == "enrolled[0]"


def test_the_audit_rejects_a_term_scoped_outside_the_programs_markets(mini: Callable[..., Path]) -> None:
    from derdir.audit import audit_catalog

    root = mini({"programs/bad-scope.yaml": recipe("""
        name: Bad Scope
        operator: X
        urls: {info: https://example.org/x}
        markets: {utilities: [pge]}
        incentives:
        - {type: per-year, amount: 5, regions: [US-TX]}
        enrollment:
        - {status: closed, utilities: [sce], sources: [{url: 'https://example.org/x', seen: 2026-12-01}]}
    """)})
    problems = [p for p in audit_catalog(root) if p.rule == "out-of-market"]
    assert sorted(p.field for p in problems) == ["enrollment[0].utilities[0]", "incentives[0].regions[0]"]


# --- the same answers through the adapters: CLI, HTTP, pages -------------------------------------

def test_cli_check_lists_what_is_not_counted_and_what_to_confirm(tcat: Catalog, tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from derdir.cli import commands  # noqa: F401
    from derdir.cli.app import app

    devices = tmp_path / "home.json"
    devices.write_text(json.dumps([WALL]))
    base = ["--devices", str(devices), "--build-dir", str(tcat.path.parent), "--catalog", str(tmp_path / "none")]
    out = CliRunner().invoke(app, ["check", "--location", "texas-co-op", *base], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "--confirm wall-vpp:retail-plan" in out.output and "No earnings counted" in out.output
    out = CliRunner().invoke(app, ["check", "--location", "texas-co-op", "--confirm", "wall-vpp:retail-plan", *base],
                             env={"COLUMNS": "200"})
    assert "Estimated yearly earnings: USD 120" in out.output
    out = CliRunner().invoke(app, ["check", "--location", "pge", "--json", *base])
    assert {r["id"]: r["status"] for r in json.loads(out.output)["programs"]}["wall-vpp"] == "closed"


def test_http_evaluate_takes_conditions_and_enrolled(tcat: Catalog) -> None:
    from fastapi.testclient import TestClient

    from derdir.api.app import create_app

    client = TestClient(create_app(tcat.path.parent))
    body = {"location": {"utility": "pge"}, "devices": [WALL], "enrolled": ["wall-vpp"]}
    answer = client.post("/v1/households/evaluate", json=body)
    assert answer.status_code == 200, answer.text
    assert {r["id"]: r["counted"] for r in answer.json()["programs"]}["wall-vpp"] is True
    bad = client.post("/v1/households/evaluate", json={**body, "conditions": {"wall-vpp:rooftop": True}})
    assert bad.status_code == 422 and "conditions" in bad.text
    gone = client.post("/v1/households/evaluate", json={**body, "conditions": {"no-such-program:solar": True}})
    assert gone.status_code == 404 and gone.json()["field"] == "conditions.no-such-program:solar"
    support_pge = client.get("/v1/products/acme-wall/programs/wall-vpp").json()["markets"]["pge"]
    assert support_pge["enrollment"]["status"] == "closed" and support_pge["enroll_url"] is None


def test_pages_show_closed_programs_without_an_enroll_link(tcat: Catalog) -> None:
    from fastapi.testclient import TestClient

    from derdir.api.app import create_app

    client = TestClient(create_app(tcat.path.parent))
    gone = client.get("/programs/gone").text
    assert "ended" in gone and "gone/join" not in gone
    vpp = client.get("/programs/wall-vpp").text
    assert "closed to new customers since April 2024" in vpp and "open to new customers" in vpp
    home = client.post("/check", data={"market": "pge", "devices": "Acme | AW-13"}).text
    assert "Eligible, but not taking new customers" in home and "gone/join" not in home
    texas = client.post("/check", data={"market": "texas-co-op", "devices": "Acme | AW-13"}).text
    assert "Qualifies if you confirm" in texas and "on the Acme Electric retail plan" in texas
    confirmed = client.post("/check", data={"market": "texas-co-op", "devices": "Acme | AW-13",
                                            "confirm": "wall-vpp:retail-plan"}).text
    assert "$120" in confirmed
