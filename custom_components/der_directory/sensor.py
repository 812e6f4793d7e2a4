"""Money sensors: what the home could add a year, and what its programs have earned this season."""

from __future__ import annotations

from typing import Any

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorStateClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from . import DerConfigEntry
from . import home as home_mod
from .entity import HomeEntity


async def async_setup_entry(hass: HomeAssistant, entry: DerConfigEntry, add: AddEntitiesCallback) -> None:
    runtime = entry.runtime_data
    add([PotentialSensor(runtime, "potential_earnings"), SeasonSensor(runtime, "earned_this_season")])


class PotentialSensor(HomeEntity, SensorEntity):
    """Typical yearly earnings of the programs the home's devices qualify for and it has not joined."""

    _attr_translation_key = "potential_earnings"
    _attr_device_class = SensorDeviceClass.MONETARY
    _attr_native_unit_of_measurement = "USD"
    _attr_suggested_display_precision = 0

    @property
    def native_value(self) -> float:
        return home_mod.potential(self.runtime.answer)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        a, loaded = self.runtime.answer, self.runtime.loaded
        return {"qualifies": [o["program"] for o in home_mod.offers(a)],
                "enrolled": self.runtime.enrolled,
                "counted_programs": [p["id"] for p in a["programs"] if p["counted"]],
                "yearly_with_enrolled": home_mod.yearly(a), "utility": (a.get("market") or {}).get("utility"),
                "device_counts": a.get("counts", {}), "catalog_version": loaded.version if loaded else None,
                "catalog_origin": loaded.origin if loaded else None, "error": self.runtime.error}


class SeasonSensor(HomeEntity, SensorEntity):
    """What the enrolled programs have earned this year: recorded payments, else the estimates of events."""

    _attr_translation_key = "earned_this_season"
    _attr_device_class = SensorDeviceClass.MONETARY
    _attr_state_class = SensorStateClass.TOTAL
    _attr_native_unit_of_measurement = "USD"
    _attr_suggested_display_precision = 2

    @property
    def native_value(self) -> float:
        return self.runtime.season()["total"]

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        s = self.runtime.season()
        return {"programs": s["programs"], "basis": s["basis"]}
