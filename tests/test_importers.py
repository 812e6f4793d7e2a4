"""Importers: small hand-written upstream fixtures -> recipes that validate, re-run without changes,
keep people's edits, never touch hand-written recipes, and never collide with their ids."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from derdir.audit import audit_catalog
from derdir.importers import HAIndex, build, ha_integration_for, write_recipes
from derdir.importers.write import merge
from derdir.recipes import load_recipe

UP = Path(__file__).parent / "fixtures" / "upstream"
ZIGBEE = UP / "zigbee-herdsman-converters-26.112.0.devices.json"
ZWAVE = UP / "zwave-js-config-15.29.0.devices.json"
KASA = UP / "python-kasa-0.12.0.models.json"
HA = UP / "homeassistant-2026.2.3.integrations.json"
SEEN = date(2026, 11, 26)
FILES = {"zigbee": ZIGBEE, "zwave": ZWAVE, "kasa": KASA}

HAND_KP125M = """\
category: smart-plug
manufacturer: TP-Link
brand: Kasa
product_name: Kasa Smart Wi-Fi Plug Slim with Energy Monitoring
model_numbers: [KP125M]
power:
  energy_monitoring: true
verified_on: 2026-11-26
sources:
- url: https://www.tp-link.com/us/home-networking/smart-plug/kp125m/
  seen: 2026-11-26
"""


@pytest.fixture()
def ha() -> HAIndex:
    return HAIndex.load(HA, seen=SEEN)


@pytest.fixture()
def catalog(tmp_path: Path) -> Path:
    root = tmp_path / "catalog"
    (root / "devices" / "smart-plug").mkdir(parents=True)
    (root / "devices" / "smart-plug" / "tp-link-kasa-kp125m.yaml").write_text(HAND_KP125M)
    return root


def _import(kind: str, catalog: Path, ha: HAIndex, seen: date = SEEN, path: Path | None = None):
    return write_recipes(build(kind, path or FILES[kind], seen, ha=ha), catalog)


def _files(catalog: Path) -> dict[str, bytes]:
    return {str(p.relative_to(catalog)): p.read_bytes() for p in sorted((catalog / "devices").rglob("*.yaml"))}


def _load(catalog: Path, rel: str):
    loaded, problems = load_recipe(catalog / rel, catalog)
    assert problems == [], [p.render() for p in problems]
    assert loaded is not None
    return loaded.model


def _imported(catalog: Path) -> list[Path]:
    return [p for p in sorted((catalog / "devices").rglob("*.yaml")) if "imported:" in p.read_text()]


def test_zigbee_recipes(catalog: Path, ha: HAIndex) -> None:
    report = _import("zigbee", catalog, ha)
    assert sorted(report.created) == [
        "nous-a1z", "sinope-rm3500zb", "sinope-th1123zb", "tuya-pj-1203a", "tuya-ts011f-plug-1",
    ]  # the motion sensor and the metering bulb are not energy devices; the same-named white label is not repeated
    plug = _load(catalog, "devices/smart-plug/tuya-ts011f-plug-1.yaml")
    assert plug.manufacturer == "Tuya" and plug.model_numbers == ["TS011F_plug_1"]
    assert plug.power.energy_monitoring is True and plug.connectivity.zigbee is True
    assert [z.model_dump() for z in plug.identifiers.zigbee] == [
        {"model_id": "TS011F", "manufacturer_names": ["_TZ3000_cphmq0q7", "_TZ3000_gjnozsaz"]}
    ]
    z2m = next(i for i in plug.integrations if i.ecosystem == "zigbee2mqtt")
    assert z2m.url == "https://www.zigbee2mqtt.io/devices/TS011F_plug_1.html" and z2m.connection == "local"
    assert any(i.ecosystem == "home-assistant" and i.name == "mqtt" for i in plug.integrations)
    assert plug.imported.source == "zigbee-herdsman-converters@26.112.0" and plug.imported.key == "TS011F_plug_1"

    white = _load(catalog, "devices/smart-plug/nous-a1z.yaml")  # a white label is its own product
    assert white.manufacturer == "Nous" and white.identifiers.zigbee == plug.identifiers.zigbee
    assert "White label of Tuya TS011F_plug_1" in white.notes

    thermostat = _load(catalog, "devices/thermostat/sinope-th1123zb.yaml")
    assert thermostat.identifiers.zigbee[0].model_id == "TH1123ZB"
    assert any(i.name == "zha" and i.via == "zigbee" for i in thermostat.integrations)  # brand lists Zigbee in HA
    assert _load(catalog, "devices/load-controller/sinope-rm3500zb.yaml").power.energy_monitoring is True
    assert _load(catalog, "devices/energy-monitor/tuya-pj-1203a.yaml").power.energy_monitoring is True


def test_zwave_recipes(catalog: Path, ha: HAIndex) -> None:
    report = _import("zwave", catalog, ha)
    assert sorted(report.created) == ["aeon-labs-zw095", "ge-12720", "honeywell-th6320zw", "zooz-zen15"]  # no sensor
    zen15 = _load(catalog, "devices/load-controller/zooz-zen15.yaml")
    assert [z.model_dump() for z in zen15.identifiers.zwave] == [
        {"manufacturer_id": 0x027A, "product_type": 0x0101, "product_id": 0x000D}
    ]
    assert zen15.connectivity.zwave is True
    assert [(i.ecosystem, i.name, i.connection) for i in zen15.integrations] == [("home-assistant", "zwave_js", "local")]
    meter = _load(catalog, "devices/energy-monitor/aeon-labs-zw095.yaml")
    assert meter.power.energy_monitoring is True and len(meter.identifiers.zwave) == 2
    assert "Aeotec Ltd." in meter.identifiers.manufacturer_names
    plug = _load(catalog, "devices/smart-plug/ge-12720.yaml")
    assert plug.model_numbers == ["12720", "ZW4201", "14298"]  # "a / b" labels and $if variants
    assert plug.power.energy_monitoring is None  # unknown, not "no"
    assert _load(catalog, "devices/thermostat/honeywell-th6320zw.yaml").identifiers.zwave[0].product_id == 8


def test_kasa_recipes_skip_hand_written(catalog: Path, ha: HAIndex) -> None:
    hand = catalog / "devices" / "smart-plug" / "tp-link-kasa-kp125m.yaml"
    before = hand.read_bytes()
    report = _import("kasa", catalog, ha)
    assert report.skipped == ["tp-link-kp125m"] and hand.read_bytes() == before
    assert sorted(report.created) == ["tp-link-hs103", "tp-link-kl130", "tp-link-kp115", "tp-link-p110"]  # no camera
    kp115 = _load(catalog, "devices/smart-plug/tp-link-kp115.yaml")
    assert kp115.brand == "Kasa" and kp115.power.energy_monitoring is True
    assert kp115.identifiers.model_strings == ["KP115", "KP115(EU)", "KP115(US)"]
    assert "EU 1.0, US 1.0" in kp115.notes
    assert [(i.name, i.connection) for i in kp115.integrations] == [("tplink", "local")]
    assert _load(catalog, "devices/smart-plug/tp-link-p110.yaml").brand == "Tapo"
    bulb = _load(catalog, "devices/light/tp-link-kl130.yaml")
    assert bulb.power.energy_monitoring is None  # python-kasa only estimates bulb power


def test_hand_written_match_by_brand_or_zwave_ids(catalog: Path, ha: HAIndex) -> None:
    thermostat = """\
category: thermostat
manufacturer: Resideo
brand: Honeywell
product_name: T6 Pro Z-Wave thermostat
model_numbers: [T6-PRO-ZW]
identifiers:
  zwave:
  - {manufacturer_id: 57, product_type: 17, product_id: 8}
verified_on: 2026-11-26
sources:
- url: https://www.resideo.com/
  seen: 2026-11-26
"""
    (catalog / "devices" / "thermostat").mkdir()
    (catalog / "devices" / "thermostat" / "resideo-t6-pro.yaml").write_text(thermostat)
    report = _import("zwave", catalog, ha)
    assert report.skipped == ["honeywell-th6320zw"]  # same Z-Wave ids, different maker name and model


def test_rerun_changes_nothing_and_keeps_human_edits(catalog: Path, ha: HAIndex) -> None:
    for kind in FILES:
        _import(kind, catalog, ha)
    path = catalog / "devices" / "smart-plug" / "tuya-ts011f-plug-1.yaml"
    data = yaml.safe_load(path.read_text())
    data["product_url"] = "https://example.com/ts011f"  # non-owned top-level field
    data["power"]["max_output_w"] = 3680  # non-owned key next to an owned one
    data["sources"].append({"url": "https://example.com/ts011f", "supports": "rating", "seen": SEEN})
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    snapshot = _files(catalog)

    for kind in FILES:  # a later day, same package versions: nothing to do
        report = _import(kind, catalog, ha, seen=date(2026, 11, 27))
        assert report.created == [] and report.updated == [], kind
    assert _files(catalog) == snapshot

    plug = _load(catalog, "devices/smart-plug/tuya-ts011f-plug-1.yaml")
    assert plug.product_url == "https://example.com/ts011f" and plug.power.max_output_w == 3680
    assert plug.power.energy_monitoring is True and len(plug.sources) == 3


def test_upstream_change_updates_owned_fields_only(catalog: Path, ha: HAIndex, tmp_path: Path) -> None:
    _import("zigbee", catalog, ha)
    path = catalog / "devices" / "smart-plug" / "tuya-ts011f-plug-1.yaml"
    data = yaml.safe_load(path.read_text())
    data["product_url"] = "https://example.com/ts011f"
    path.write_text(yaml.safe_dump(data, sort_keys=False))

    changed = tmp_path / "zigbee-herdsman-converters-26.113.0.devices.json"
    changed.write_text(ZIGBEE.read_text().replace("Smart plug (with power monitoring)", "Smart plug with metering"))
    report = _import("zigbee", catalog, ha, seen=date(2026, 11, 27), path=changed)
    assert sorted(report.updated) == sorted(report.updated + report.unchanged)  # version bump rewrites all
    plug = _load(catalog, "devices/smart-plug/tuya-ts011f-plug-1.yaml")
    assert plug.product_name == "Smart plug with metering"
    assert plug.product_url == "https://example.com/ts011f"
    assert plug.imported.source == "zigbee-herdsman-converters@26.113.0" and plug.verified_on == date(2026, 11, 27)
    assert all(s.url.startswith("https://") for s in plug.sources)


def test_person_takes_over_a_field(catalog: Path, ha: HAIndex) -> None:
    _import("zwave", catalog, ha)
    path = catalog / "devices" / "load-controller" / "zooz-zen15.yaml"
    data = yaml.safe_load(path.read_text())
    data["product_name"] = "Zooz ZEN15 Z-Wave Plus power switch"
    data["imported"]["owned_fields"].remove("product_name")
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    report = _import("zwave", catalog, ha)
    assert "zooz-zen15" in report.unchanged
    assert _load(catalog, "devices/load-controller/zooz-zen15.yaml").product_name == "Zooz ZEN15 Z-Wave Plus power switch"


def test_ids_never_collide_with_hand_written(catalog: Path, ha: HAIndex) -> None:
    # a different product whose id looks like the one the importer would propose (0/o, 1/l, hyphens)
    lookalike = HAND_KP125M.replace("manufacturer: TP-Link", "manufacturer: Someone Else")
    (catalog / "devices" / "smart-plug" / "tuya-tso11f-plug-l.yaml").write_text(lookalike)
    report = _import("zigbee", catalog, ha)
    assert "tuya-ts011f-plug-1-2" in report.created
    for kind in ("zwave", "kasa"):
        _import(kind, catalog, ha)
    errors = [p.render() for p in audit_catalog(catalog) if p.severity == "error"]
    assert errors == []


def test_output_is_deterministic(tmp_path: Path, ha: HAIndex) -> None:
    outputs = []
    for name in ("a", "b"):
        root = tmp_path / name
        for kind in FILES:
            write_recipes(build(kind, FILES[kind], SEEN, ha=ha), root)
        outputs.append(_files(root))
    assert outputs[0] == outputs[1]
    for path in _imported(tmp_path / "a"):
        assert load_recipe(path, tmp_path / "a")[1] == []


def test_merge_drops_fields_the_importer_no_longer_sets() -> None:
    old = {"category": "smart-plug", "notes": "old note", "product_url": "https://example.com/",
           "imported": {"source": "p@1", "key": "k", "owned_fields": ["category", "notes"]}}
    new = {"category": "smart-plug", "imported": {"source": "p@2", "key": "k", "owned_fields": ["category"]}}
    out = merge(old, new)
    assert "notes" not in out and out["product_url"] == "https://example.com/"
    assert out["imported"] == {"source": "p@2", "key": "k", "owned_fields": ["category"]}


def test_ha_integration_for(ha: HAIndex) -> None:
    assert ha_integration_for("TP-Link", ha)["name"] == "tplink"
    assert ha_integration_for("Tapo", ha)["name"] == "tplink"  # virtual brand -> the integration behind it
    assert ha_integration_for("Tuya", ha)["connection"] == "cloud"
    assert ha_integration_for("Nobody", ha) is None


def test_cli(tmp_path: Path) -> None:
    from derdir.cli import commands  # noqa: F401  (registers the commands)
    from derdir.cli.app import app

    root = tmp_path / "catalog"
    args = ["import", "zwave", str(ZWAVE), "--catalog", str(root), "-H", str(HA), "--date", "2026-11-26"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "created" in first.output
    second = CliRunner().invoke(app, args + ["--json"])
    assert second.exit_code == 0, second.output
    assert '"unchanged": 4' in second.output and '"created": 0' in second.output


def test_directory_input_is_refused(tmp_path: Path, ha: HAIndex) -> None:
    with pytest.raises(ValueError, match="directory"):
        build("zigbee", tmp_path, SEEN, version="1.0.0", ha=ha)


def test_broken_file_stops_the_writer(catalog: Path, ha: HAIndex) -> None:
    (catalog / "devices" / "smart-plug" / "broken.yaml").write_text("category: [unclosed\n")
    with pytest.raises(ValueError, match="do not parse"):
        _import("kasa", catalog, ha)


def test_files_are_world_readable(catalog: Path, ha: HAIndex) -> None:
    _import("kasa", catalog, ha)
    assert (catalog / "devices" / "smart-plug" / "tp-link-kp115.yaml").stat().st_mode & 0o044 == 0o044


# --- vehicles (open-ev-data) and solar inverters (CEC list in pvlib) ---------------------------------

EVDATA = UP / "open-ev-data-dataset-abc1234"
CEC = UP / "pvlib-0.16.1" / "pvlib" / "data" / "sam-library-cec-inverters-2019-03-05.csv"
TESLA_HA = HAIndex([{"domain": "tesla_fleet", "name": "Tesla Fleet", "iot_class": "cloud_polling",
                     "integration_type": "hub"}], "2026.2.3", SEEN)

HAND_SE7600 = """\
category: solar-inverter
manufacturer: SolarEdge
product_name: SolarEdge Home Wave inverter 7.6 kW
model_numbers: [SE7600A-US]
verified_on: 2026-11-26
sources:
- url: https://www.solaredge.com/us/
  seen: 2026-11-26
"""


def test_vehicle_recipes_fold_years_and_variants(catalog: Path) -> None:
    report = write_recipes(build("vehicles", EVDATA, SEEN, ha=TESLA_HA), catalog)
    assert sorted(report.created) == ["kia-ev6", "tesla-model-3"]  # the announced-only model is left out
    assert report.categories == {"vehicle": 2}
    car = _load(catalog, "devices/vehicle/tesla-model-3.yaml")
    assert car.category == "vehicle" and car.manufacturer == "Tesla" and car.model_numbers == ["Model 3"]
    # the newest year's standard variant: 57 kWh usable (not the 79 kWh gross of the long range), 11 kW AC
    assert car.power.battery_kwh == 57 and car.power.controllable_kw == 11
    assert "55-75 kWh" in car.notes and "7.6-11 kW" in car.notes
    assert car.identifiers.model_strings == ["Model 3"]  # what Home Assistant's tesla_fleet reports
    assert [(i.name, i.connection) for i in car.integrations] == [("tesla_fleet", "cloud")]  # teslemetry/tessie absent here
    assert car.imported.source == "open-ev-data-dataset@abc1234" and car.imported.key == "tesla/model_3"
    assert any("open-ev-data-dataset/tree/abc1234/src/tesla/model_3" in s.url for s in car.sources)
    ev6 = _load(catalog, "devices/vehicle/kia-ev6.yaml")
    assert ev6.power.battery_kwh is None  # only a gross capacity upstream: usable stays unknown
    assert ev6.power.controllable_kw == 10.9 and ev6.identifiers.model_strings == []


def test_vehicle_rerun_is_idempotent_and_keeps_edits(catalog: Path) -> None:
    write_recipes(build("vehicles", EVDATA, SEEN, ha=TESLA_HA), catalog)
    path = catalog / "devices" / "vehicle" / "tesla-model-3.yaml"
    data = yaml.safe_load(path.read_text())
    data["product_url"] = "https://www.tesla.com/model3"
    data["description"] = "A hand-written description."
    data["imported"]["owned_fields"].remove("description")
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    before = _files(catalog)
    again = write_recipes(build("vehicles", EVDATA, date(2026, 12, 3), ha=TESLA_HA), catalog)
    assert again.counts()["unchanged"] == 2 and again.counts()["created"] == again.counts()["updated"] == 0
    assert _files(catalog) == before
    car = _load(catalog, "devices/vehicle/tesla-model-3.yaml")
    assert car.product_url == "https://www.tesla.com/model3" and car.description == "A hand-written description."
    assert "description" not in car.imported.owned_fields and "power.battery_kwh" in car.imported.owned_fields


def test_cec_inverters_residential_cut_and_names(catalog: Path) -> None:
    recipes = build("cec-inverters", CEC, SEEN)
    assert {r["imported"]["source"] for r in recipes} == {"pvlib@0.16.1"}  # version from the wheel folder
    report = write_recipes(recipes, catalog)
    # > 15 kW and 277/480 V-only (commercial three-phase) rows are left out
    assert sorted(report.created) == ["enphase-energy-iq7-60-2-us", "fronius-primo-8-2-1-208-240",
                                      "solaredge-se7600a-us"]
    se = _load(catalog, "devices/solar-inverter/solaredge-se7600a-us.yaml")
    assert se.manufacturer == "SolarEdge" and se.model_numbers == ["SE7600A-US"]  # no [240V] suffix
    assert se.power.max_output_w == 7625 and se.power.controllable_kw == 7.625  # the 240 V rating
    assert "7.56 kW at 208V" in se.notes and se.identifiers.model_strings == []
    iq7 = _load(catalog, "devices/solar-inverter/enphase-energy-iq7-60-2-us.yaml")
    assert (iq7.manufacturer, iq7.brand) == ("Enphase Energy", "Enphase") and "microinverter" in iq7.product_name
    primo = _load(catalog, "devices/solar-inverter/fronius-primo-8-2-1-208-240.yaml")
    assert primo.product_name == "Fronius Primo 8.2-1 208-240 solar inverter"
    before = _files(catalog)
    again = write_recipes(build("cec-inverters", CEC, date(2026, 12, 3)), catalog)
    assert again.counts()["unchanged"] == 3 and _files(catalog) == before


def test_cec_inverters_skip_hand_written(catalog: Path) -> None:
    (catalog / "devices" / "solar-inverter").mkdir(parents=True)
    (catalog / "devices" / "solar-inverter" / "solaredge-home-wave-7600.yaml").write_text(HAND_SE7600)
    report = write_recipes(build("cec-inverters", CEC, SEEN), catalog)
    assert report.skipped == ["solaredge-se7600a-us"]
    assert (catalog / "devices" / "solar-inverter" / "solaredge-home-wave-7600.yaml").read_text() == HAND_SE7600
    errors = [p.render() for p in audit_catalog(catalog) if p.severity == "error"]
    assert errors == []


def test_cli_vehicles_and_cec(tmp_path: Path) -> None:
    from derdir.cli import commands  # noqa: F401  (registers the commands)
    from derdir.cli.app import app

    root = tmp_path / "catalog"
    for args in (["import", "vehicles", str(EVDATA)], ["import", "cec-inverters", str(CEC)]):
        args += ["--catalog", str(root), "--date", "2026-12-03"]
        first = CliRunner().invoke(app, args + ["--json"])
        assert first.exit_code == 0, first.output
        assert '"created": 0' not in first.output
        second = CliRunner().invoke(app, args + ["--json"])
        assert second.exit_code == 0 and '"created": 0' in second.output and '"updated": 0' in second.output


@pytest.mark.parametrize("kind", ["zigbee", "zwave", "kasa"])
@pytest.mark.parametrize("text", ["[" * 100_000, '{"a": ' + "9" * 5_000 + "}"])
def test_an_odd_upstream_file_fails_in_one_line(mini, tmp_path: Path, kind: str, text: str) -> None:
    from derdir.cli import commands  # noqa: F401
    from derdir.cli.app import app

    path = tmp_path / "upstream.json"
    path.write_text(text)
    result = CliRunner().invoke(app, ["import", kind, str(path), "--package-version", "1.0", "--catalog", str(mini({}))])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and str(path.name) in lines[0], result.output
