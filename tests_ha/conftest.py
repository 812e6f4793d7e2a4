"""Home Assistant's test harness with the project's `custom_components` (imported first: the harness mounts a
test config dir whose own `custom_components` package would win otherwise), the bundled catalog built once per
session, and a realistic home of 40 devices (tests_ha/fixtures, see make_home.py) put into the real registries."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import custom_components.der_directory  # noqa: E402,F401  - before the harness's own custom_components

import pytest  # noqa: E402
from homeassistant.core import HomeAssistant  # noqa: E402
from homeassistant.helpers import device_registry as dr  # noqa: E402
from homeassistant.helpers import entity_registry as er  # noqa: E402
from pytest_homeassistant_custom_component.common import MockConfigEntry  # noqa: E402

from custom_components.der_directory.const import (CONF_DOWNLOADS, CONF_ENROLLED, CONF_HUB, CONF_LOCATION,  # noqa: E402
                                                   CONF_REGION, CONF_SOURCE, CONF_UTILITY, DOMAIN, SOURCE_BUNDLED)
from custom_components.der_directory.source import BUNDLED  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
DEVICES = FIXTURES / "core.device_registry"
ENTITIES = FIXTURES / "core.entity_registry"
HOME = {CONF_LOCATION: "94105", CONF_UTILITY: "pge", CONF_REGION: "US-CA"}
OPTIONS = {CONF_HUB: "home-assistant-os-generic", CONF_ENROLLED: [], CONF_SOURCE: SOURCE_BUNDLED, CONF_DOWNLOADS: False}


@pytest.fixture(scope="session", autouse=True)
def bundled_catalog() -> Path:
    """The catalog build the integration ships (`custom_components/der_directory/bundled`), made from
    `catalog/` when missing or stale (dev.py makes it too)."""
    from derdir.service import open_catalog

    return open_catalog(ROOT / "catalog", BUNDLED).path


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: Any) -> None:
    return None


def add_device(hass: HomeAssistant, device: dict[str, Any], entities: list[dict[str, Any]]) -> str:
    """One device (and its entities) of the fixture file into the live registries, under a config entry of
    its integration; returns the device's new registry id."""
    domain = device["identifiers"][0][0].split(":")[0]
    entries = hass.config_entries.async_entries(domain)
    entry = entries[0] if entries else MockConfigEntry(domain=domain, title=domain)
    if not entries:
        entry.add_to_hass(hass)
    created = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={tuple(p) for p in device["identifiers"]},
        connections={tuple(p) for p in device.get("connections") or []}, manufacturer=device.get("manufacturer"),
        model=device.get("model"), model_id=device.get("model_id"), name=device.get("name"),
        serial_number=device.get("serial_number"),
        entry_type=dr.DeviceEntryType(device["entry_type"]) if device.get("entry_type") else None)
    ents = er.async_get(hass)
    for e in entities:
        domain_, object_id = e["entity_id"].split(".", 1)
        ents.async_get_or_create(domain_, e.get("platform") or domain, e.get("unique_id") or e["entity_id"],
                                 suggested_object_id=object_id, config_entry=entry, device_id=created.id,
                                 original_device_class=e.get("original_device_class") or e.get("device_class"),
                                 unit_of_measurement=e.get("unit_of_measurement"),
                                 translation_key=e.get("translation_key"), original_name=e.get("original_name"))
    return created.id


@pytest.fixture
def home_registry(hass: HomeAssistant) -> dict[str, str]:
    """The 40 devices of the fixture home in the registries; fixture device id -> live device id."""
    devices = json.loads(DEVICES.read_text())["data"]["devices"]
    entities = json.loads(ENTITIES.read_text())["data"]["entities"]
    return {d["id"]: add_device(hass, d, [e for e in entities if e["device_id"] == d["id"]]) for d in devices}


@pytest.fixture
def tesla_enrolled(hass: HomeAssistant, home_registry: dict[str, str]) -> None:
    """The Tesla integration shows the energy site's grid services enabled (the home is in Tesla's VPP)."""
    hass.states.async_set("binary_sensor.components_grid_services_enabled", "on")
    hass.states.async_set("binary_sensor.grid_services_active", "off")
    hass.states.async_set("sensor.grid_services_power", "0.0")


async def setup_home(hass: HomeAssistant, options: dict[str, Any] | None = None) -> MockConfigEntry:
    entry = MockConfigEntry(domain=DOMAIN, title="DER Directory (Pacific Gas & Electric)", data=dict(HOME),
                            options={**OPTIONS, **(options or {})}, version=1)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry
