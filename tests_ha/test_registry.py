"""Live matching: a device added to or removed from the registry changes the answer (events, no scan)."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.der_directory.const import DOMAIN

from .conftest import add_device, setup_home
from .test_entities import POTENTIAL

WATER_HEATER = {"identifiers": [["econet", "7f0a0000c0ffee"]], "manufacturer": "Rheem", "model": "PROPH65 T2 RH375-S",
                "name": "Garage water heater"}


async def _settle(hass: HomeAssistant) -> None:
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=5))  # past the debounce
    await hass.async_block_till_done()


async def test_new_device_is_matched_and_offered(hass: HomeAssistant, home_registry: dict[str, str]) -> None:
    entry = await setup_home(hass)
    before = float(hass.states.get(POTENTIAL).state)
    assert "pge-wattersaver" not in hass.states.get(POTENTIAL).attributes["qualifies"]
    device_id = add_device(hass, WATER_HEATER, [{"entity_id": "water_heater.garage", "platform": "econet"}])
    await _settle(hass)
    after = hass.states.get(POTENTIAL)
    assert "pge-wattersaver" in after.attributes["qualifies"]
    wattersaver = next(p for p in entry.runtime_data.answer["programs"] if p["id"] == "pge-wattersaver")
    assert float(after.state) == round(before + wattersaver["estimate"]["USD"]["typical"], 2)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"qualifies_{entry.entry_id}_pge-wattersaver")
    assert issue is not None and "Garage water heater" in issue.translation_placeholders["device"]
    dr.async_get(hass).async_remove_device(device_id)
    await _settle(hass)
    assert float(hass.states.get(POTENTIAL).state) == before
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"qualifies_{entry.entry_id}_pge-wattersaver") is None


async def test_nothing_is_scanned_without_a_registry_change(hass: HomeAssistant, home_registry: dict[str, str]) -> None:
    entry = await setup_home(hass)
    answer = entry.runtime_data.answer
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(hours=6))
    await hass.async_block_till_done()
    assert entry.runtime_data.answer is answer  # not re-evaluated: no periodic scan
