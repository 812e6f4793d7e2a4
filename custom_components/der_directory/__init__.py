"""DER Directory for Home Assistant: which of the home's devices qualify for which energy programs, what they
would earn, and what the programs the home is in have earned.

The home is evaluated here, on a verified catalog snapshot, by the DER Directory library; no device data
leaves the house unless the owner chose a DER Directory server as the source.
"""

from __future__ import annotations

from typing import Any

import voluptuous as vol
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType
from homeassistant.util import dt as dt_util

from . import notify
from .const import CONF_ENROLLED, DOMAIN
from .runtime import HomeRuntime

PLATFORMS = [Platform.SENSOR, Platform.BINARY_SENSOR, Platform.EVENT, Platform.CALENDAR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

type DerConfigEntry = ConfigEntry[HomeRuntime]

_ENTRY = vol.Optional("config_entry_id")
MARK_ENROLLED = vol.Schema({_ENTRY: cv.string, vol.Required("program"): cv.string,
                            vol.Optional("enrolled", default=True): cv.boolean})
RECORD_CREDIT = vol.Schema({_ENTRY: cv.string, vol.Required("program"): cv.string,
                            vol.Required("amount"): vol.All(vol.Coerce(float), vol.Range(min=0, max=1_000_000)),
                            vol.Optional("currency", default="USD"): vol.In(["USD", "CAD"]),
                            vol.Optional("date"): cv.date, vol.Optional("note"): vol.All(cv.string, vol.Length(max=200))})
RECOMMEND = vol.Schema({_ENTRY: cv.string, vol.Optional("limit", default=5): vol.All(int, vol.Range(min=1, max=50))})


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """The services, registered once for every home."""

    async def mark_enrolled(call: ServiceCall) -> None:
        entry, runtime = _target(hass, call)
        program = _program(runtime, call.data["program"])
        enrolled = set(entry.options.get(CONF_ENROLLED, []))
        (enrolled.add if call.data["enrolled"] else enrolled.discard)(program)
        hass.config_entries.async_update_entry(entry, options={**entry.options, CONF_ENROLLED: sorted(enrolled)})

    async def record_credit(call: ServiceCall) -> None:
        _, runtime = _target(hass, call)
        program = _program(runtime, call.data["program"])
        day = (call.data.get("date") or dt_util.now().date()).isoformat()
        runtime.ledger.record_credit(program, call.data["amount"], call.data["currency"], day, call.data.get("note"))
        await runtime.async_evaluate()

    async def recommend(call: ServiceCall) -> ServiceResponse:
        _, runtime = _target(hass, call)
        return await runtime.async_recommend(call.data["limit"])

    hass.services.async_register(DOMAIN, "mark_enrolled", mark_enrolled, MARK_ENROLLED)
    hass.services.async_register(DOMAIN, "record_credit", record_credit, RECORD_CREDIT)
    hass.services.async_register(DOMAIN, "recommend", recommend, RECOMMEND, supports_response=SupportsResponse.ONLY)
    return True


def _target(hass: HomeAssistant, call: ServiceCall) -> tuple[DerConfigEntry, HomeRuntime]:
    entries = [e for e in hass.config_entries.async_loaded_entries(DOMAIN)
               if call.data.get("config_entry_id") in (None, e.entry_id)]
    if len(entries) != 1:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="which_home")
    return entries[0], entries[0].runtime_data


def _program(runtime: HomeRuntime, program: str) -> str:
    assert runtime.loaded is not None
    cat = runtime.loaded.catalog
    pid = cat.canonical_id("program", program) or (program if program in cat.programs else None)
    if pid is None:
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="unknown_program",
                                     translation_placeholders={"program": program})
    return pid


async def async_setup_entry(hass: HomeAssistant, entry: DerConfigEntry) -> bool:
    runtime = HomeRuntime(hass, entry)
    await runtime.async_start()
    entry.runtime_data = runtime
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    entry.async_on_unload(entry.add_update_listener(_options_changed))
    return True


async def _options_changed(hass: HomeAssistant, entry: DerConfigEntry) -> None:
    await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: DerConfigEntry) -> bool:
    await entry.runtime_data.ledger.async_flush()
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: DerConfigEntry) -> None:
    notify.clear_issues(hass, entry)


async def async_migrate_entry(hass: HomeAssistant, entry: ConfigEntry[Any]) -> bool:
    """Version 1 is the only one so far; a newer entry (from a later release) is refused, not misread."""
    return entry.version == 1
