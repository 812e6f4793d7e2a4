"""Whole-home evaluation, earnings and recommendations on a small catalog with known answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from derdir.catalog.build import build
from derdir.catalog.index import Catalog
from derdir.cli import commands  # noqa: F401
from derdir.cli.app import app
from derdir.errors import InvalidInput
from derdir.household import evaluate
from derdir.recommendations import recommend
from derdir.importers.ha_registry import parse_device_registry
from tests.conftest import recipe

PLUG = {"manufacturer": "Acme Inc.", "model": "AP-1 (US)"}


@pytest.fixture
def home_cat(mini, tmp_path: Path) -> Catalog:
    root = mini({
        "devices/battery/acme-battery.yaml": recipe("""
            category: battery
            manufacturer: Acme
            product_name: Acme Home Battery
            model_numbers: [AB-10]
            power: {battery_kwh: 10, controllable_kw: 5}
            connectivity: {wifi: true}
            integrations: [{ecosystem: homey, name: acme, connection: cloud}]
        """),
        "programs/acme-battery-club.yaml": recipe("""
            name: Battery Club
            operator: Acme Power
            urls: {info: https://example.org/club}
            markets: {utilities: [pge]}
            eligibility:
              rules:
              - {category: battery, manufacturers: [Acme]}
            incentives:
            - {type: per-kw-season, amount: 200, amount_max: 250}
            - {type: per-event, amount: null}
        """),
        "programs/acme-battery-rival.yaml": recipe("""
            name: Rival Battery Program
            operator: Rival
            urls: {info: https://example.org/rival}
            markets: {regions: [US-CA]}
            excludes_programs: [acme-battery-club]
            eligibility:
              rules:
              - {category: battery, manufacturers: [Acme]}
            incentives:
            - {type: per-year, amount: 100, per: account}
        """),
    })
    return Catalog(build(root, tmp_path / "build").path)


def test_evaluate_counts_each_device_once_and_reports_everything(home_cat: Catalog) -> None:
    devices = [PLUG, PLUG, {"manufacturer": "Acme", "model": "AP-0"}, {"manufacturer": "Sonos", "model": "One speaker"},
               {"manufacturer": "Nobody", "model": "XYZ-123"}, {"manufacturer": "Acme", "model": "AB-10"}]
    data = evaluate(home_cat, "pge", devices, hub="zig-hub")
    status = [d["status"] for d in data["devices"]]
    assert status == ["qualifies", "duplicate", "nearly", "not-energy", "unknown-device", "qualifies"]
    assert data["devices"][1]["duplicate_of"] == 0
    assert data["devices"][2]["nearly"][0]["why_not"] == ["needs energy monitoring"]
    assert data["devices"][0]["compat"]["compatible"] is True
    rewards = next(p for p in data["programs"] if p["id"] == "acme-rewards")
    assert rewards["devices"] == [0] and rewards["estimate"]["USD"]["typical"] == 110.0


def test_exclusive_programs_are_not_added_together(home_cat: Catalog) -> None:
    data = evaluate(home_cat, "pge", [{"manufacturer": "Acme", "model": "AB-10"}])
    club = next(p for p in data["programs"] if p["id"] == "acme-battery-club")
    rival = next(p for p in data["programs"] if p["id"] == "acme-battery-rival")
    assert club["estimate"]["USD"] == {"low": 1000.0, "typical": 1125.0, "high": 1250.0, "includes_first_year_only": 0.0}
    assert club["counted"] is True and rival["counted"] is False and "acme-battery-club" in rival["not_counted_because"]
    assert data["totals"]["USD"]["typical"] == 1125.0
    assert "per-event: amount not published" in club["unknown"]


def test_outside_territory_is_a_near_miss(home_cat: Catalog) -> None:
    data = evaluate(home_cat, "sce", [PLUG])
    assert data["devices"][0]["status"] == "nearly"
    assert data["devices"][0]["nearly"][0]["why_not"] == ["outside the program's territory"]
    assert data["totals"] == {}


def test_programs_in_other_states_are_not_near_misses(home_cat: Catalog) -> None:
    """A PG&E program is worth mentioning to an SCE customer (same state), not to one in Oregon."""
    data = evaluate(home_cat, "US-OR", [PLUG])
    assert data["devices"][0]["status"] == "no-programs" and data["devices"][0]["nearly"] == []


def test_family_level_match_is_evaluated_over_the_family(home_cat: Catalog) -> None:
    data = evaluate(home_cat, "pge", [{"manufacturer": "Acme", "model": "unknown battery"}])
    dev = data["devices"][0]
    assert dev["match"]["level"] == "family" and dev["match"]["category"] == "battery"
    assert dev["status"] == "qualifies"


def test_bad_location_and_devices_name_the_field(home_cat: Catalog) -> None:
    with pytest.raises(InvalidInput) as e:
        evaluate(home_cat, {"zip": "abc"}, [PLUG])
    assert e.value.field == "location.zip"
    with pytest.raises(InvalidInput) as e:
        evaluate(home_cat, "pge", [{"manufacturer": "x" * 400}])
    assert e.value.field == "devices[0].manufacturer"


def test_recommendations_rank_by_added_earnings_and_respect_the_hub(home_cat: Catalog) -> None:
    recs = recommend(home_cat, "pge", hub="zig-hub")["recommendations"]
    assert [r["id"] for r in recs] == ["acme-plug"]  # the battery has no path to a Zigbee-only hub
    assert recs[0]["added_yearly"] == {"USD": 60.0} and recs[0]["added_first_year"] == {"USD": 110.0}
    open_recs = recommend(home_cat, "pge")["recommendations"]
    assert open_recs[0]["id"] == "acme-battery" and open_recs[0]["added_yearly"]["USD"] == 1125.0
    owned = recommend(home_cat, "pge", devices=[PLUG])["recommendations"]
    assert "acme-plug" not in [r["id"] for r in owned]


HA_REGISTRY = {
    "version": 1, "minor_version": 8, "key": "core.device_registry",
    "data": {"devices": [
        {"id": "a1", "manufacturer": "Acme", "model": "AP-1", "model_id": None, "name": "Dryer plug",
         "name_by_user": None, "identifiers": [["zha", "00:11"]], "entry_type": None, "config_entries": ["x"]},
        {"id": "a2", "manufacturer": None, "model": None, "name": "Sun", "identifiers": [["sun", "x"]],
         "entry_type": "service", "config_entries": ["y"]},
    ], "deleted_devices": []},
}


def test_ha_registry_file(home_cat: Catalog, tmp_path: Path) -> None:
    reports = parse_device_registry(json.dumps(HA_REGISTRY).encode())
    # services (the Sun, a weather service, an add-on) are kept with their type, not dropped (issue 15)
    assert reports == [{"manufacturer": "Acme", "model": "AP-1", "integration": "zha",
                        "identifiers": [["zha", "00:11"]], "name": "Dryer plug", "registry_id": "a1"},
                       {"integration": "sun", "identifiers": [["sun", "x"]], "name": "Sun", "entry_type": "service",
                        "registry_id": "a2"}]
    with pytest.raises(InvalidInput):
        parse_device_registry(b'{"key": "core.entity_registry", "data": {}}')
    path = tmp_path / "core.device_registry"
    path.write_text(json.dumps(HA_REGISTRY))
    result = CliRunner().invoke(app, ["check", "--location", "pge", "--ha-registry", str(path), "--json",
                                      "--build-dir", str(home_cat.path.parent), "--catalog", str(tmp_path / "none")])
    assert result.exit_code == 0, result.output
    devices = json.loads(result.output)["devices"]
    assert devices[0]["match"]["id"] == "acme-plug"
    assert devices[1]["status"] == "service" and devices[1]["match"] is None


def test_resolve_cli_one_line_per_input(home_cat: Catalog, tmp_path: Path) -> None:
    lines = [json.dumps(PLUG), json.dumps({"manufacturer": "Sonos", "model": "Era 100 speaker"}), "not json",
             json.dumps({"manufacturer": "Acme", "model": "AP-0"})]
    result = CliRunner().invoke(app, ["resolve", "--jsonl", "-", "--build-dir", str(home_cat.path.parent),
                                      "--catalog", str(tmp_path / "none")], input="\n".join(lines) + "\n")
    out = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(out) == 4 and result.exit_code == 1
    assert out[0]["match"]["id"] == "acme-plug" and out[1]["match"] is None and "error" in out[2]
    assert out[3]["match"]["id"] == "acme-dumb-plug"


def test_programs_of_other_utilities_in_the_region_are_not_totalled(home_cat: Catalog) -> None:
    data = evaluate(home_cat, "94105", [{"manufacturer": "Acme", "model": "AB-10"}])
    assert data["market"]["utility"] is None and [c["id"] for c in data["market"]["utility_candidates"]] == ["pge", "sce"]
    club = next(p for p in data["programs"] if p["id"] == "acme-battery-club")
    rival = next(p for p in data["programs"] if p["id"] == "acme-battery-rival")  # statewide (US-CA)
    assert club["counted"] is False and "give your utility" in club["not_counted_because"]
    assert rival["counted"] is True and data["totals"]["USD"]["typical"] == 100.0


# --- odd registry files and device lists (issue 17, item 4) -----------------------------------------------

_REG = b'{"version": 1, "key": "core.device_registry", "data": '


@pytest.mark.parametrize(("raw", "field", "says"), [
    (_REG + b'[{"devices": []}]}', "registry.data", "not an object"),
    (_REG + b'"devices"}', "registry.data", "not an object"),
    (_REG + b"[" * 100_000 + b"]" * 100_000 + b"}", "registry", "not a JSON file"),
    (_REG + b'{"devices": [{"model": ' + b"9" * 5_000 + b"}]}}", "registry", "not a JSON file"),
    (b'{"version": ' + b"9" * 5_000 + b', "key": "core.device_registry", "data": {"devices": []}}', "registry", "JSON"),
    (b'{"version": 2, "key": "core.device_registry", "data": {"devices": []}}', "registry.version", "not supported"),
    (b'{"key": "core.device_registry", "data": {"devices": []}}', "registry.version", "not supported"),
    (b'{"version": true, "key": "core.device_registry", "data": {"devices": []}}', "registry.version", "not supported"),
])
def test_odd_registry_files_are_refused_by_field(raw: bytes, field: str, says: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_device_registry(raw)
    assert exc.value.field == field and says in str(exc.value), (exc.value.field, str(exc.value))


def test_odd_values_inside_registry_devices_are_refused_by_field() -> None:
    def doc(device: dict) -> bytes:
        return json.dumps({"version": 1, "minor_version": 99, "key": "core.device_registry",
                           "data": {"devices": [device]}}).encode()

    for device, where in (({"manufacturer": {"x": 1}, "model": "AP-1"}, "registry.data.devices[0].manufacturer"),
                          ({"manufacturer": "Acme", "identifiers": 7}, "registry.data.devices[0].identifiers")):
        with pytest.raises(InvalidInput) as bad:
            parse_device_registry(doc(device))
        assert bad.value.field == where
    # a serial number written as a number is still a serial number
    assert parse_device_registry(doc({"manufacturer": "Acme", "model": "AP-1", "serial_number": 12345}))[0][
        "serial_number"] == "12345"


@pytest.mark.parametrize(("text", "says"), [
    ('{"a": 1}', 'expected a list of devices or {"devices": [...]}'),
    ("[" * 100_000, "not JSON"),
    ('[{"model": ' + "9" * 5_000 + "}]", "not JSON"),
])
def test_check_devices_refuses_odd_json_in_one_line(home_cat: Catalog, tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "home.json"
    path.write_text(text)
    result = CliRunner().invoke(app, ["check", "--location", "pge", "--devices", str(path), "--build-dir",
                                      str(home_cat.path.parent), "--catalog", str(tmp_path / "none")])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert says in " ".join(result.output.split()) and "Traceback" not in result.output


def test_check_ha_registry_refuses_an_odd_file_in_one_line(home_cat: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "core.device_registry"
    path.write_bytes(_REG + b"[]}")
    result = CliRunner().invoke(app, ["check", "--location", "pge", "--ha-registry", str(path), "--build-dir",
                                      str(home_cat.path.parent), "--catalog", str(tmp_path / "none")])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "registry.data" in result.output


@pytest.mark.parametrize("line", ["[" * 100_000, '{"model": ' + "9" * 5_000 + "}", '"just a string"', "[1, 2]"])
def test_resolve_cli_answers_odd_json_lines_with_an_error_line(home_cat: Catalog, tmp_path: Path, line: str) -> None:
    result = CliRunner().invoke(app, ["resolve", "--jsonl", "-", "--build-dir", str(home_cat.path.parent),
                                      "--catalog", str(tmp_path / "none")], input=line + "\n" + json.dumps(PLUG) + "\n")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    out = [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
    assert len(out) == 2 and out[0]["error"].startswith("line 1:") and out[1]["match"]["id"] == "acme-plug"
