"""Per enrolled program: is one of its events on now."""

from __future__ import annotations

from typing import Any

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from . import DerConfigEntry
from .entity import HomeEntity


async def async_setup_entry(hass: HomeAssistant, entry: DerConfigEntry, add: AddEntitiesCallback) -> None:
    runtime = entry.runtime_data
    add([EventActive(runtime, "event_active", pid) for pid in runtime.enrolled])


class EventActive(HomeEntity, BinarySensorEntity):
    _attr_translation_key = "event_active"

    @property
    def is_on(self) -> bool:
        return self.program in self.runtime.ongoing

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        going = self.runtime.ongoing.get(self.program or "")
        if going is None:
            return {}
        return {"start": going.row["start"], "kwh_so_far": round(self.runtime.running_kwh(self.program or ""), 3)}
