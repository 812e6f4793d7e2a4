"""The base of the integration's entities: one service device per home, updated when the home is re-evaluated."""

from __future__ import annotations

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity

from .const import DOMAIN, SIGNAL_UPDATED
from .runtime import HomeRuntime


class HomeEntity(Entity):
    """An entity of the DER Directory service device of one home."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, runtime: HomeRuntime, key: str, program: str | None = None) -> None:
        self.runtime = runtime
        self.program = program
        entry = runtime.entry
        self._attr_unique_id = f"{entry.entry_id}_{key}" + (f"_{program}" if program else "")
        self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, entry.entry_id)}, name=entry.title,
                                            manufacturer="DER Directory", entry_type=DeviceEntryType.SERVICE)
        if program:
            assert runtime.loaded is not None
            found = runtime.loaded.catalog.programs.get(program)
            self._attr_translation_placeholders = {"program": found.name if found else program}

    async def async_added_to_hass(self) -> None:
        self.async_on_remove(async_dispatcher_connect(
            self.hass, SIGNAL_UPDATED.format(self.runtime.entry.entry_id), self._updated))
        self._updated()

    @callback
    def _updated(self) -> None:
        self.async_write_ha_state()
