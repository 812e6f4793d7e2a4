"""The home's ledger kept in Home Assistant's `.storage`: its programs' events and the credits they earned.

A credit is `estimated` (kWh delivered during an event, from the home's own sensors, times the program's stated
pay per kWh) or `actual` (what the program paid, recorded with `der_directory.record_credit`). A season's
earnings count a program's actual credits where it has any that season, its estimates otherwise, so a payment
recorded after an event is not added on top of the estimate for the same event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .const import DOMAIN

VERSION = 1
MAX_ROWS = 5000  # events and credits kept per home; the oldest go first


class HomeLedger:
    """Events and credits of one config entry, saved in `.storage/der_directory.<entry id>`."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        self._store: Store[dict[str, Any]] = Store(hass, VERSION, f"{DOMAIN}.{entry_id}")
        self.events: list[dict[str, Any]] = []
        self.credits: list[dict[str, Any]] = []

    async def async_load(self) -> None:
        data = await self._store.async_load() or {}
        self.events = list(data.get("events", []))
        self.credits = list(data.get("credits", []))

    def _data(self) -> dict[str, Any]:
        return {"events": self.events, "credits": self.credits}

    def _save(self) -> None:
        self.events, self.credits = self.events[-MAX_ROWS:], self.credits[-MAX_ROWS:]
        self._store.async_delay_save(self._data, 1)

    async def async_flush(self) -> None:
        """Write now (the entry is unloading; Home Assistant's own shutdown writes delayed saves itself)."""
        await self._store.async_save(self._data())

    def start_event(self, program: str, start: datetime, source: str) -> dict[str, Any]:
        event = {"program": program, "start": start.isoformat(), "end": None, "kwh": 0.0, "source": source}
        self.events.append(event)
        self._save()
        return event

    def end_event(self, event: dict[str, Any], end: datetime, kwh: float, rate: float | None,
                  currency: str = "USD") -> dict[str, Any] | None:
        """Close the event; its estimated credit when the program states a pay per kWh."""
        event["end"], event["kwh"] = end.isoformat(), round(kwh, 3)
        credit = None
        if rate is not None:
            credit = {"program": event["program"], "amount": round(kwh * rate, 2), "currency": currency,
                      "date": end.date().isoformat(), "kind": "estimated", "event_start": event["start"],
                      "note": f"{kwh:.3f} kWh during the event x {rate} {currency}/kWh"}
            self.credits.append(credit)
        self._save()
        return credit

    def record_credit(self, program: str, amount: float, currency: str, day: str, note: str | None) -> dict[str, Any]:
        credit = {"program": program, "amount": round(amount, 2), "currency": currency, "date": day,
                  "kind": "actual", "note": note}
        self.credits.append(credit)
        self._save()
        return credit

    def season(self, year: int, currency: str = "USD", running: dict[str, float] | None = None) -> dict[str, Any]:
        """Earnings of `year` per program (actual where recorded, else estimated), with `running`: the
        estimate of events still going on."""
        rows = [c for c in self.credits if c["date"].startswith(f"{year:04d}-") and c["currency"] == currency]
        by_program: dict[str, dict[str, float]] = {}
        for c in rows:
            by_program.setdefault(c["program"], {}).setdefault(c["kind"], 0.0)
            by_program[c["program"]][c["kind"]] += c["amount"]
        for program, amount in (running or {}).items():
            by_program.setdefault(program, {}).setdefault("estimated", 0.0)
            by_program[program]["estimated"] += amount
        per = {p: round(v.get("actual", v.get("estimated", 0.0)), 2) for p, v in by_program.items()}
        return {"total": round(sum(per.values()), 2), "programs": per,
                "basis": {p: "actual" if "actual" in v else "estimated" for p, v in by_program.items()}}
