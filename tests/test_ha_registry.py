"""Home Assistant's registry files: the device registry with its entity registry beside it, services kept,
one device reported by two integrations counted once, and clear one-line errors for bad shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from derdir.catalog.index import Catalog
from derdir.cli import commands  # noqa: F401
from derdir.cli.app import app
from derdir.errors import InvalidInput
from derdir.household import evaluate
from derdir.importers.ha_registry import parse_entity_registry, read_registries

DEVICES = {"version": 1, "minor_version": 8, "key": "core.device_registry", "data": {"devices": [
    {"id": "d-plug", "manufacturer": "_TZ3000_nothing", "model": "ZZ9000", "identifiers": [["zha", "aa:bb"]],
     "connections": [["zigbee", "aa:bb"]], "name": "Dryer plug", "entry_type": None},
    {"id": "d-ecobee", "manufacturer": "ecobee", "model": "ecobee3 lite", "identifiers": [["ecobee", "411234567890"]],
     "name": "Hallway"},
    {"id": "d-ecobee-hk", "manufacturer": "ecobee Inc.", "model": "ecobee3 lite",
     "identifiers": [["homekit_controller:accessory-id", "1A:2B:3C:4D:5E:6F:aid:1"]], "serial_number": "411234567890",
     "name": "Hallway (HomeKit)"},
    {"id": "d-sun", "manufacturer": None, "model": None, "name": "Sun", "identifiers": [["sun", "x"]],
     "entry_type": "service"},
    {"id": "d-addon", "manufacturer": "Official add-ons", "model": "Home Assistant Add-on",
     "identifiers": [["hassio", "core_mosquitto"]], "name": "Mosquitto broker", "entry_type": "service"},
]}}
ENTITIES = {"version": 1, "minor_version": 15, "key": "core.entity_registry", "data": {"entities": [
    {"entity_id": "switch.dryer_plug", "device_id": "d-plug", "platform": "zha", "device_class": None,
     "original_device_class": None},
    {"entity_id": "sensor.dryer_plug_power", "device_id": "d-plug", "platform": "zha",
     "original_device_class": "power", "unit_of_measurement": "W"},
    {"entity_id": "sensor.dryer_plug_energy", "device_id": "d-plug", "platform": "zha",
     "original_device_class": "energy", "unit_of_measurement": "kWh", "disabled_by": None},
    {"entity_id": "climate.hallway", "device_id": "d-ecobee", "platform": "ecobee"},
    {"entity_id": "sensor.orphan", "device_id": None, "platform": "template"},
    {"entity_id": "sensor.gone", "device_id": "d-plug", "platform": "zha", "disabled_by": "user",
     "original_device_class": "battery"},
]}}


def _raw(doc: dict) -> bytes:
    return json.dumps(doc).encode()


def test_entities_join_their_devices_and_services_are_kept() -> None:
    reports = read_registries(_raw(DEVICES), _raw(ENTITIES))
    assert len(reports) == 5  # the Sun and the add-on are listed, as services
    plug = reports[0]
    assert [e["domain"] for e in plug["entities"]] == ["switch", "sensor", "sensor"]  # the disabled one left out
    assert plug["entities"][1] == {"domain": "sensor", "device_class": "power", "unit": "W"}
    assert reports[1]["entities"] == [{"domain": "climate"}]
    assert reports[2]["integration"] == "homekit_controller" and reports[2]["serial_number"] == "411234567890"
    assert [r.get("entry_type") for r in reports[3:]] == ["service", "service"]


def test_a_home_from_both_registries(cat: Catalog) -> None:
    data = evaluate(cat, "pge", read_registries(_raw(DEVICES), _raw(ENTITIES)))
    plug, ecobee, ecobee_hk, sun, addon = data["devices"]
    assert plug["match"]["category"] == "smart-plug" and plug["match"]["capabilities"] == {"energy_monitoring": True}
    assert ecobee["match"]["id"] == "ecobee-ecobee3-lite" and ecobee["status"] != "duplicate"
    assert ecobee_hk["status"] == "duplicate" and ecobee_hk["duplicate_of"] == 1  # the serial both report
    assert sun["status"] == "service" and addon["status"] == "service"
    assert data["counts"]["service"] == 2 and data["counts"]["duplicate"] == 1
    for p in data["programs"]:
        assert 2 not in p["devices"]  # the HomeKit copy earns nothing twice


def test_one_device_by_mac_address_across_integrations(cat: Catalog) -> None:
    a = {"manufacturer": "TP-Link", "model": "KP125M", "integration": "tplink", "connections": [["mac", "A8:42:A1:00:00:01"]]}
    b = {"manufacturer": "TP-Link", "model": "KP125M(US)", "integration": "matter", "connections": [["mac", "a8-42-a1-00-00-01"]]}
    c = {"manufacturer": "TP-Link", "model": "KP125M", "integration": "tplink", "connections": [["mac", "a8:42:a1:00:00:02"]]}
    statuses = [d["status"] for d in evaluate(cat, "pge", [a, b, c])["devices"]]
    assert statuses[1] == "duplicate" and statuses[0] != "duplicate" and statuses[2] != "duplicate"


def test_accessories_of_one_homekit_bridge_stay_apart(cat: Catalog) -> None:
    """A thermostat and its room sensor behind one HomeKit bridge share the bridge id, not the accessory."""
    thermostat = {"manufacturer": "ecobee Inc.", "model": "ecobee3 lite", "integration": "homekit_controller",
                  "identifiers": [["homekit_controller:accessory-id", "1A:2B:3C:4D:5E:6F:aid:1"]]}
    sensor = {"manufacturer": "ecobee Inc.", "model": "EBRSE4", "integration": "homekit_controller",
              "identifiers": [["homekit_controller:accessory-id", "1A:2B:3C:4D:5E:6F:aid:2"]]}
    assert "duplicate" not in [d["status"] for d in evaluate(cat, "pge", [thermostat, sensor])["devices"]]


@pytest.mark.parametrize("doc,field", [
    ({"version": 1, "key": "core.entity_registry", "data": {"entities": {}}}, "entities.data.entities"),
    ({"version": 1, "key": "core.entity_registry", "data": {"entities": ["x"]}}, "entities.data.entities[0]"),
    ({"version": 1, "key": "core.entity_registry", "data": {"entities": [{"entity_id": "nodomain", "device_id": "d"}]}},
     "entities.data.entities[0].entity_id"),
    ({"version": 1, "key": "core.entity_registry", "data": {"entities": [{"entity_id": "sensor.x", "device_id": ["d"]}]}},
     "entities.data.entities[0].device_id"),
    ({"version": 1, "key": "core.entity_registry", "data": {"entities": [{"entity_id": "sensor.x", "device_id": "d",
                                                             "unit_of_measurement": ["W"]}]}},
     "entities.data.entities[0].unit_of_measurement"),
    ({"version": 1, "key": "core.device_registry", "data": {}}, "entities"),
    ({"version": 1, "key": "core.entity_registry", "data": []}, "entities.data"),
])
def test_bad_entity_registry_shapes_name_the_field(doc: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as e:
        parse_entity_registry(_raw(doc))
    assert e.value.field == field


def test_bad_device_registry_shapes_name_the_field() -> None:
    bad = {"version": 1, "key": "core.device_registry", "data": {"devices": [{"identifiers": [["zha"]]}]}}
    with pytest.raises(InvalidInput) as e:
        read_registries(_raw(bad))
    assert e.value.field == "registry.data.devices[0].identifiers[0]"
    bad = {"version": 1, "key": "core.device_registry", "data": {"devices": [{"model": {"x": 1}}]}}
    with pytest.raises(InvalidInput) as e:
        read_registries(_raw(bad))
    assert e.value.field == "registry.data.devices[0].model"


def test_cli_reads_both_files_and_names_the_file_at_fault(cat: Catalog, tmp_path: Path) -> None:
    devices, entities = tmp_path / "core.device_registry", tmp_path / "core.entity_registry"
    devices.write_text(json.dumps(DEVICES))
    entities.write_text(json.dumps(ENTITIES))
    common = ["--json", "--build-dir", str(cat.path.parent), "--catalog", str(tmp_path / "none")]
    result = CliRunner().invoke(app, ["check", "--location", "pge", "--ha-registry", str(devices),
                                      "--ha-entities", str(entities), *common])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["devices"][0]["match"]["category"] == "smart-plug"
    entities.write_text(json.dumps({"version": 1, "key": "core.entity_registry", "data": {"entities": [{"entity_id": 3}]}}))
    result = CliRunner().invoke(app, ["check", "--location", "pge", "--ha-registry", str(devices),
                                      "--ha-entities", str(entities), *common])
    flat = result.output.replace("\n", "")  # (the console wraps long lines at its width)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert str(entities) in flat and "entities.data.entities[0].entity_id" in flat
    result = CliRunner().invoke(app, ["check", "--location", "pge", "--devices", str(devices),
                                      "--ha-entities", str(entities), *common])
    assert result.exit_code == 1 and "--ha-entities goes with --ha-registry" in result.output.replace("\n", " ")


def test_check_page_takes_both_files(real_build: Path) -> None:
    from fastapi.testclient import TestClient

    from derdir.api.app import create_app

    client = TestClient(create_app(real_build))
    r = client.post("/check", data={"market": "pge"},
                    files={"registry": ("core.device_registry", _raw(DEVICES), "application/json"),
                           "entities": ("core.entity_registry", _raw(ENTITIES), "application/json")})
    assert r.status_code == 200, r.text[-500:]
    assert "(5 from your registry file)" in r.text and "smart plug (model not identified)" in r.text
    assert "A service of your hub" in r.text and "counted once" in r.text
    r = client.post("/check", data={"market": "pge"},
                    files={"entities": ("core.entity_registry", _raw(ENTITIES), "application/json")})
    assert r.status_code == 422 and "upload core.device_registry too" in r.text


def test_api_takes_entities_services_and_connections(real_build: Path) -> None:
    from fastapi.testclient import TestClient

    from derdir.api.app import create_app

    client = TestClient(create_app(real_build))
    devices = [
        {"manufacturer": "_TZ3000_nothing", "model": "ZZ9000", "integration": "zha",
         "entities": [{"domain": "switch"}, {"domain": "sensor", "device_class": "power", "unit": "W"}]},
        {"manufacturer": "Met.no", "model": "Forecast", "integration": "met", "entry_type": "service"},
        {"manufacturer": "ecobee", "model": "ecobee3 lite", "integration": "ecobee", "identifiers": [["ecobee", "411234567890"]]},
        {"manufacturer": "ecobee Inc.", "model": "ecobee3 lite", "integration": "homekit_controller",
         "serial_number": "411234567890", "connections": [["mac", "aa:bb:cc:dd:ee:ff"]]},
    ]
    r = client.post("/v1/households/evaluate", json={"location": "pge", "devices": devices})
    assert r.status_code == 200, r.text
    got = r.json()["devices"]
    assert got[0]["match"]["capabilities"] == {"energy_monitoring": True}
    assert [d["status"] for d in got[1:]][0] == "service" and got[3]["status"] == "duplicate"
    r = client.post("/v1/resolve", json={"devices": [{"manufacturer": "Tesla", "model": "PowerWall 2 (GW2)"}]})
    assert r.status_code == 200 and r.json()["results"][0]["match"]["level"] == "system"
    r = client.post("/v1/households/evaluate", json={"location": "pge", "devices": [{"entities": [{"device_class": "power"}]}]})
    assert r.status_code == 422 and "entities" in r.text


FIXTURES = Path(__file__).parent / "fixtures"


def test_the_bundled_registry_pair(cat: Catalog) -> None:
    """tests/fixtures holds a device registry and its entity registry in Home Assistant's on-disk format."""
    reports = read_registries((FIXTURES / "core.device_registry").read_bytes(),
                              (FIXTURES / "core.entity_registry").read_bytes())
    by_model = {r.get("model"): r for r in reports}
    assert {e.get("device_class") for e in by_model["KP125M"]["entities"]} >= {"power", "energy"}
    assert by_model["ecobee3 lite"]["entities"][0] == {"domain": "climate"}
    assert by_model["Forecast"]["entry_type"] == "service"
    assert by_model["KP125M"]["name_by_user"] == "Desk lamp plug" and by_model["KP125M"]["name"] == "Kasa Smart Plug"
    statuses = [d["status"] for d in evaluate(cat, "pge", reports)["devices"]]
    assert statuses[2:] == ["service", "not-energy"]
