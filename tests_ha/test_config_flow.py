"""The config flow: location from Home Assistant's own, the utility confirmed, enrolled programs ticked, the source."""

from __future__ import annotations

from typing import Any

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.der_directory.const import (CONF_DOWNLOADS, CONF_ENROLLED, CONF_HUB, CONF_LOCATION,
                                                   CONF_PUBLIC_KEY, CONF_SERVER_URL, CONF_SNAPSHOT_URL, CONF_SOURCE,
                                                   CONF_UTILITY, DOMAIN)

from .conftest import setup_home


def _suggested(result: dict[str, Any], field: str) -> Any:
    for key in result["data_schema"].schema:
        if key == field:
            return (key.description or {}).get("suggested_value")
    raise KeyError(field)


def _default(result: dict[str, Any], field: str) -> Any:
    for key in result["data_schema"].schema:
        if key == field:
            return key.default()
    raise KeyError(field)


async def test_full_flow(hass: HomeAssistant, tesla_enrolled: None) -> None:
    hass.config.latitude, hass.config.longitude, hass.config.country = 37.7898, -122.3942, "US"  # downtown SF
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    assert result["step_id"] == "user" and _suggested(result, CONF_LOCATION) == "94105"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_LOCATION: "94105", CONF_HUB: "home-assistant-yellow"})
    assert result["step_id"] == "utility" and _default(result, CONF_UTILITY) == "pge"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_UTILITY: "pge"})
    assert result["step_id"] == "programs"
    assert _default(result, CONF_ENROLLED) == ["tesla-virtual-power-plant"]  # seen from Tesla's entities
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ENROLLED: ["tesla-virtual-power-plant", "pge-wattersaver"]})
    assert result["step_id"] == "source"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SOURCE: "snapshot", CONF_DOWNLOADS: True})
    assert result["errors"] == {CONF_SNAPSHOT_URL: "snapshot_needs_url_and_key"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SOURCE: "bundled", CONF_DOWNLOADS: False})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "DER Directory (Pacific Gas and Electric Company)"
    assert result["data"] == {CONF_LOCATION: "94105", CONF_UTILITY: "pge", "region": "US-CA"}
    assert result["options"][CONF_ENROLLED] == ["pge-wattersaver", "tesla-virtual-power-plant"]
    await hass.async_block_till_done()
    entry = result["result"]
    assert entry.runtime_data.enrolled == ["pge-wattersaver", "tesla-virtual-power-plant"]


async def test_split_zip_ranks_utilities(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_LOCATION: "95814", CONF_HUB: "home-assistant-os-generic"})
    assert result["step_id"] == "utility"
    assert _default(result, CONF_UTILITY) == "smud"  # SMUD serves Sacramento (catalog/territories corrections)


async def test_unknown_location_is_an_error(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": config_entries.SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_LOCATION: "00000", CONF_HUB: "home-assistant-os-generic"})
    assert result["type"] is FlowResultType.FORM and result["errors"] == {CONF_LOCATION: "unknown_location"}


async def test_options_flow_changes_programs_and_source(hass: HomeAssistant, home_registry: dict[str, str]) -> None:
    entry = await setup_home(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "init"
    result = await hass.config_entries.options.async_configure(result["flow_id"], {
        CONF_HUB: "home-assistant-green", CONF_ENROLLED: ["resideo-power-savers-california"], CONF_SOURCE: "server",
        CONF_SERVER_URL: "nope", CONF_DOWNLOADS: True})
    assert result["errors"] == {CONF_SERVER_URL: "server_needs_url"}
    result = await hass.config_entries.options.async_configure(result["flow_id"], {
        CONF_HUB: "home-assistant-green", CONF_ENROLLED: ["resideo-power-savers-california"], CONF_SOURCE: "snapshot",
        CONF_SNAPSHOT_URL: "https://der.example/snapshot", CONF_PUBLIC_KEY: "abc", CONF_DOWNLOADS: False})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.runtime_data.enrolled == ["resideo-power-savers-california"]
    ids = hass.states.async_entity_ids("binary_sensor")
    assert [e for e in ids if e.startswith("binary_sensor.der_directory")] == [
        "binary_sensor.der_directory_pacific_gas_electric_power_savers_california_event_active"]  # the reload made it
