"""Per enrolled program: an event entity fired when one of its events starts and ends (with kWh and credit)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.event import EventEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from . import DerConfigEntry
from .const import SIGNAL_UPDATED
from .entity import HomeEntity


async def async_setup_entry(hass: HomeAssistant, entry: DerConfigEntry, add: AddEntitiesCallback) -> None:
    runtime = entry.runtime_data
    add([ProgramEvent(runtime, "event", pid) for pid in runtime.enrolled])


class ProgramEvent(HomeEntity, EventEntity):
    _attr_translation_key = "program_event"
    _attr_event_types = ["started", "ended"]

    async def async_added_to_hass(self) -> None:
        self.async_on_remove(async_dispatcher_connect(
            self.hass, f"{SIGNAL_UPDATED.format(self.runtime.entry.entry_id)}_event_{self.program}", self._fired))

    @callback
    def _fired(self, kind: str, data: dict[str, Any]) -> None:
        self._trigger_event(kind, data)
        self.async_write_ha_state()
