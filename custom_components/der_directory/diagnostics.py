"""Diagnostics: the catalog used and the evaluation, for the home and per device (which programs and why)."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntry

from . import DerConfigEntry
from . import home as home_mod
from .const import CONF_PUBLIC_KEY


async def async_get_config_entry_diagnostics(hass: HomeAssistant, entry: DerConfigEntry) -> dict[str, Any]:
    runtime = entry.runtime_data
    loaded = runtime.loaded
    return {"options": {k: v for k, v in entry.options.items() if k != CONF_PUBLIC_KEY},
            "catalog": {"version": loaded.version, "origin": loaded.origin, "age_days": loaded.age_days,
                        "error": loaded.error} if loaded else None,
            "market": runtime.answer.get("market"), "totals": runtime.answer.get("totals"),
            "programs": runtime.answer.get("programs"), "devices": home_mod.per_device(runtime.answer),
            "detected_enrollment": sorted(runtime.detected), "season": runtime.season()}


async def async_get_device_diagnostics(hass: HomeAssistant, entry: DerConfigEntry, device: DeviceEntry) -> dict[str, Any]:
    """Any device of the home: what the catalog resolved it to and the programs it qualifies for, and why."""
    found = home_mod.per_device(entry.runtime_data.answer).get(device.id)
    return found or {"status": "not evaluated"}
