"""Per enrolled program: a calendar of its events as this home saw them (from the ledger)."""

from __future__ import annotations

from datetime import datetime, timedelta

from homeassistant.components.calendar import CalendarEntity, CalendarEvent
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.util import dt as dt_util

from . import DerConfigEntry
from .entity import HomeEntity


async def async_setup_entry(hass: HomeAssistant, entry: DerConfigEntry, add: AddEntitiesCallback) -> None:
    runtime = entry.runtime_data
    add([ProgramCalendar(runtime, "calendar", pid) for pid in runtime.enrolled])


class ProgramCalendar(HomeEntity, CalendarEntity):
    _attr_translation_key = "program_calendar"

    def _events(self) -> list[CalendarEvent]:
        out = []
        now = dt_util.utcnow()
        for row in self.runtime.ledger.events:
            if row["program"] != self.program:
                continue
            start = datetime.fromisoformat(row["start"])
            end = datetime.fromisoformat(row["end"]) if row["end"] else max(now, start + timedelta(minutes=1))
            kwh = row["kwh"] if row["end"] else self.runtime.running_kwh(row["program"])
            out.append(CalendarEvent(start=start, end=end, summary=self._attr_translation_placeholders["program"],
                                     description=f"{kwh:.2f} kWh delivered" + ("" if row["end"] else " so far")))
        return out

    @property
    def event(self) -> CalendarEvent | None:
        now = dt_util.utcnow()
        coming = [e for e in self._events() if e.end_datetime_local >= now]
        return min(coming, key=lambda e: e.start_datetime_local) if coming else None

    async def async_get_events(self, hass: HomeAssistant, start_date: datetime, end_date: datetime) -> list[CalendarEvent]:
        return [e for e in self._events() if e.end_datetime_local > start_date and e.start_datetime_local < end_date]
