"""An event seen through the Tesla integration's entities: binary sensor, event entity, calendar and credits."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from custom_components.der_directory.const import DOMAIN

from .conftest import setup_home
from .test_entities import SEASON

ACTIVE = "binary_sensor.der_directory_pacific_gas_electric_tesla_virtual_power_plant_event_active"
EVENT = "event.der_directory_pacific_gas_electric_tesla_virtual_power_plant_event"
CALENDAR = "calendar.der_directory_pacific_gas_electric_tesla_virtual_power_plant_events"


async def test_enrollment_seen_from_tesla_entities(hass: HomeAssistant, tesla_enrolled: None) -> None:
    entry = await setup_home(hass)
    assert entry.runtime_data.enrolled == ["tesla-virtual-power-plant"]
    program = next(p for p in entry.runtime_data.answer["programs"] if p["id"] == "tesla-virtual-power-plant")
    assert program["status"] == "enrolled"  # closed to new customers, but this home is in it
    assert hass.states.get(ACTIVE).state == "off"
    assert hass.states.get(EVENT) is not None and hass.states.get(CALENDAR).state == "off"


async def test_event_with_credits(hass: HomeAssistant, tesla_enrolled: None, freezer: FrozenDateTimeFactory) -> None:
    freezer.move_to("2026-07-15 00:00:00+00:00")  # in ELRP's season (May-October): $2.00 per kWh delivered
    await setup_home(hass)
    hass.states.async_set("binary_sensor.grid_services_active", "on")
    hass.states.async_set("sensor.grid_services_power", "5.0")
    await hass.async_block_till_done()
    assert hass.states.get(ACTIVE).state == "on"
    assert hass.states.get(EVENT).attributes["event_type"] == "started"
    freezer.tick(timedelta(minutes=30))
    hass.states.async_set("sensor.grid_services_power", "3.0")
    await hass.async_block_till_done()
    freezer.tick(timedelta(minutes=30))
    hass.states.async_set("sensor.grid_services_power", "0.0")  # credits update during the event
    await hass.async_block_till_done()
    assert hass.states.get(ACTIVE).attributes["kwh_so_far"] == 4.0
    hass.states.async_set("binary_sensor.grid_services_active", "off")
    await hass.async_block_till_done()
    ended = hass.states.get(EVENT).attributes
    assert ended["event_type"] == "ended" and ended["kwh"] == 4.0 and ended["credit"] == 8.0  # 2.5 + 1.5 kWh x $2
    assert hass.states.get(ACTIVE).state == "off"
    season = hass.states.get(SEASON)
    assert float(season.state) == 8.0
    assert season.attributes["basis"] == {"tesla-virtual-power-plant": "estimated"}
    start, end = dt_util.utcnow() - timedelta(days=1), dt_util.utcnow() + timedelta(days=1)
    events = await hass.services.async_call(  # the calendar has the event
        "calendar", "get_events", {"entity_id": CALENDAR, "start_date_time": start, "end_date_time": end},
        blocking=True, return_response=True)
    [event] = events[CALENDAR]["events"]
    assert event["summary"] == "Tesla Virtual Power Plant" and "4.00 kWh" in event["description"]
    # the program's statement says what it actually paid: that replaces the estimate for the season
    await hass.services.async_call(DOMAIN, "record_credit", {"program": "tesla-virtual-power-plant", "amount": 7.5},
                                   blocking=True)
    await hass.async_block_till_done()
    assert float(hass.states.get(SEASON).state) == 7.5
    assert hass.states.get(SEASON).attributes["basis"] == {"tesla-virtual-power-plant": "actual"}


async def test_events_and_credits_survive_a_restart(hass: HomeAssistant, tesla_enrolled: None,
                                                    freezer: FrozenDateTimeFactory) -> None:
    freezer.move_to("2026-08-01 18:00:00+00:00")
    entry = await setup_home(hass)
    hass.states.async_set("sensor.grid_services_power", "2.0")
    hass.states.async_set("binary_sensor.grid_services_active", "on")
    await hass.async_block_till_done()
    freezer.tick(timedelta(hours=2))
    hass.states.async_set("binary_sensor.grid_services_active", "off")
    await hass.async_block_till_done()
    assert float(hass.states.get(SEASON).state) == 8.0  # 2 kW for 2 hours x $2
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert float(hass.states.get(SEASON).state) == 8.0


async def test_no_event_outside_enrolled_programs(hass: HomeAssistant, home_registry: dict[str, str]) -> None:
    hass.states.async_set("binary_sensor.components_grid_services_enabled", "off")
    entry = await setup_home(hass)
    hass.states.async_set("binary_sensor.grid_services_active", "on")
    await hass.async_block_till_done()
    assert entry.runtime_data.ongoing == {} and hass.states.get(ACTIVE) is None
