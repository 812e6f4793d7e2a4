"""One home's live state: the catalog, the evaluation, its programs' events and credits.

Re-evaluated when the device or entity registry changes (debounced; no periodic scan). Entities of other
integrations that programs' recipes name as signals (`hub_signals`) say when the home is enrolled and when an
event is on; while one is, the power the recipe names is integrated into kWh delivered and an estimated credit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_state_change_event, async_track_time_interval
from homeassistant.util import dt as dt_util

from . import home as home_mod
from . import notify
from .const import (CONF_ENROLLED, CONF_HUB, CONF_LOCATION, CONF_REGION, CONF_SERVER_URL, CONF_SOURCE, CONF_UTILITY,
                    DOMAIN, REFRESH_EVERY_DAYS, SIGNAL_UPDATED, SOURCE_SERVER)
from .ledger import HomeLedger
from .source import Loaded, load_catalog

log = logging.getLogger(__name__)
DEBOUNCE_SECONDS = 2.0


@dataclass
class Ongoing:
    """An event that is on: its ledger row and the power samples read during it."""

    row: dict[str, Any]
    samples: list[tuple[float, float]] = field(default_factory=list)


class HomeRuntime:
    """Everything a config entry's entities show; `entry.runtime_data`."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        self.hass, self.entry = hass, entry
        self.loaded: Loaded | None = None
        self.answer: dict[str, Any] = {"programs": [], "devices": [], "totals": {}}
        self.ledger = HomeLedger(hass, entry.entry_id)
        self.detected: set[str] = set()  # programs whose enrollment signal is on
        self.ongoing: dict[str, Ongoing] = {}
        self.error: str | None = None
        self._tracked: list[Any] = []
        self._signals: dict[str, list[tuple[str, Any]]] = {}
        self._debouncer = Debouncer(hass, log, cooldown=DEBOUNCE_SECONDS, immediate=False,
                                    function=self._registry_refresh)

    # -- set-up ---------------------------------------------------------------------------------------------
    @property
    def cache_dir(self) -> Path:
        return Path(self.hass.config.path(".storage", DOMAIN))

    @property
    def home(self) -> home_mod.Home:
        data, opts = self.entry.data, self.entry.options
        location = {k: v for k, v in (("zip", data.get(CONF_LOCATION)), ("utility", data.get(CONF_UTILITY)),
                                      ("state", data.get(CONF_REGION) if not data.get(CONF_LOCATION) else None)) if v}
        return home_mod.Home(location, opts.get(CONF_HUB), sorted(set(opts.get(CONF_ENROLLED, [])) | self.detected))

    @property
    def enrolled(self) -> list[str]:
        return self.home.enrolled

    async def async_start(self) -> None:
        """Load what is on disk (never the network), evaluate, and listen for registry changes."""
        await self.ledger.async_load()
        self.loaded = await self.hass.async_add_executor_job(
            load_catalog, dict(self.entry.options), self.cache_dir, False)
        self._track_signals()
        await self.async_evaluate()
        for event_type in ("device_registry_updated", "entity_registry_updated"):
            self.entry.async_on_unload(self.hass.bus.async_listen(event_type, self._registry_changed))
        self.entry.async_on_unload(async_track_time_interval(
            self.hass, self._refresh_catalog, timedelta(days=REFRESH_EVERY_DAYS)))
        self.entry.async_create_background_task(self.hass, self._refresh_catalog(), f"{DOMAIN} catalog refresh")
        self.entry.async_on_unload(self._untrack)
        self.entry.async_on_unload(self._debouncer.async_shutdown)

    async def _refresh_catalog(self, _now: Any = None) -> None:
        """The daily refresh (and one after start-up, in the background): a newer verified snapshot if the
        cached one is over a day old and downloads are on."""
        loaded = await self.hass.async_add_executor_job(load_catalog, dict(self.entry.options), self.cache_dir, True)
        if self.loaded is None or loaded.version != self.loaded.version or loaded.origin != self.loaded.origin:
            self.loaded = loaded
            self._track_signals()
            await self.async_evaluate()
        elif loaded.error:
            self.loaded.error = loaded.error

    @callback
    def _registry_changed(self, event: Event) -> None:
        if not home_mod.own_change(self.hass, event.data):  # the integration's own entities do not change the home
            self._debouncer.async_schedule_call()

    async def _registry_refresh(self) -> None:
        """A device or entity came, went or changed: find the signals again and re-evaluate the home."""
        self._track_signals()
        await self.async_evaluate()

    # -- evaluation -----------------------------------------------------------------------------------------
    async def async_evaluate(self) -> None:
        assert self.loaded is not None
        files = home_mod.registry_files(self.hass)
        home = self.home
        try:
            if self.entry.options.get(CONF_SOURCE) == SOURCE_SERVER:
                self.answer = await self._evaluate_on_server(home, files)
            else:
                self.answer = await self.hass.async_add_executor_job(
                    home_mod.evaluate_home, self.loaded.catalog, home, files)
            self.error = None
        except Exception as exc:  # noqa: BLE001 - a bad answer keeps the last good one on the entities
            log.warning("DER Directory could not evaluate the home: %s", exc)
            self.error = str(exc)
        notify.update_issues(self.hass, self.entry, home_mod.offers(self.answer))
        async_dispatcher_send(self.hass, SIGNAL_UPDATED.format(self.entry.entry_id))

    async def _evaluate_on_server(self, home: home_mod.Home, files: tuple[bytes, bytes]) -> dict[str, Any]:
        """The owner chose a DER Directory server: the device list goes to it (and nowhere else)."""
        from derdir.importers.ha_registry import read_registries

        body = {"location": home.location, "hub": home.hub, "devices": read_registries(*files),
                "enrolled": home.enrolled}
        url = self.entry.options[CONF_SERVER_URL].rstrip("/") + "/v1/households/evaluate"
        async with async_get_clientsession(self.hass).post(url, json=body, timeout=30) as resp:
            if resp.status != 200:
                raise RuntimeError(f"{url} answered {resp.status}")
            return await resp.json()

    async def async_recommend(self, limit: int) -> dict[str, Any]:
        assert self.loaded is not None
        return await self.hass.async_add_executor_job(
            home_mod.recommend_home, self.loaded.catalog, self.home, home_mod.registry_files(self.hass), limit)

    # -- signals of other integrations -----------------------------------------------------------------------
    def _track_signals(self) -> None:
        self._untrack()
        assert self.loaded is not None
        self._signals = home_mod.match_signals(self.loaded.catalog, home_mod.entity_rows(self.hass))
        if self._signals:
            self._tracked.append(async_track_state_change_event(self.hass, list(self._signals), self._signal_changed))
        first = sorted(self._signals, key=lambda e: all(s.shows != "enrolled" for _, s in self._signals[e]))
        for entity_id in first:  # enrollment before events: an event counts only for a program the home is in
            state = self.hass.states.get(entity_id)
            if state is not None:
                self._apply(entity_id, state.state, dt_util.utcnow(), initial=True)

    @callback
    def _untrack(self) -> None:
        for unsub in self._tracked:
            unsub()
        self._tracked = []

    @callback
    def _signal_changed(self, event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        if new is not None:
            self._apply(event.data["entity_id"], new.state, new.last_changed)
            async_dispatcher_send(self.hass, SIGNAL_UPDATED.format(self.entry.entry_id))

    def _apply(self, entity_id: str, state: str, when: datetime, initial: bool = False) -> None:
        if state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            return
        for pid, s in self._signals.get(entity_id, []):
            on = state in s.on_states
            if s.shows == "enrolled":
                if on != (pid in self.detected):
                    (self.detected.add if on else self.detected.discard)(pid)
                    if not initial:
                        self._debouncer.async_schedule_call()
            elif s.shows == "event" and pid in self.enrolled:
                if on and pid not in self.ongoing:
                    open_row = next((r for r in self.ledger.events if r["program"] == pid and r["end"] is None), None)
                    if open_row is not None:  # still on after a restart: the same event goes on
                        self.ongoing[pid] = going = Ongoing(open_row)
                    else:
                        self.ongoing[pid] = going = Ongoing(self.ledger.start_event(pid, when, entity_id))
                        self._fire(pid, "started", {"start": when.isoformat()})
                    going.samples += self._power_now(pid, when)
                elif not on and pid in self.ongoing:
                    self._end(pid, when)
            elif s.shows == "power" and pid in self.ongoing:
                try:
                    kw = float(state)
                except ValueError:
                    continue
                self.ongoing[pid].samples.append((when.timestamp(), kw))

    def _power_now(self, pid: str, when: datetime) -> list[tuple[float, float]]:
        """The power the program's signals name, as it reads when an event starts."""
        out = []
        for entity_id, found in self._signals.items():
            state = self.hass.states.get(entity_id)
            if state is None or not any(p == pid and s.shows == "power" for p, s in found):
                continue
            try:
                out.append((when.timestamp(), float(state.state)))
            except ValueError:
                pass
        return out

    def running_kwh(self, pid: str, now: datetime | None = None) -> float:
        going = self.ongoing.get(pid)
        if going is None:
            return 0.0
        return home_mod.kwh_between(going.samples, (now or dt_util.utcnow()).timestamp())

    def rate(self, pid: str, when: datetime | None = None) -> float | None:
        assert self.loaded is not None
        market = self.answer.get("market") or {}
        return home_mod.per_kwh_rate(self.loaded.catalog, pid, market.get("utility"), market.get("region"),
                                     dt_util.as_local(when or dt_util.utcnow()).month)

    def _end(self, pid: str, when: datetime) -> None:
        going = self.ongoing.pop(pid)
        kwh = home_mod.kwh_between(going.samples, when.timestamp())
        credit = self.ledger.end_event(going.row, when, kwh, self.rate(pid, when))
        self._fire(pid, "ended", {"start": going.row["start"], "end": going.row["end"], "kwh": round(kwh, 3),
                                  "credit": credit["amount"] if credit else None})

    def _fire(self, pid: str, kind: str, data: dict[str, Any]) -> None:
        async_dispatcher_send(self.hass, f"{SIGNAL_UPDATED.format(self.entry.entry_id)}_event_{pid}", kind, data)

    def season(self) -> dict[str, Any]:
        """This year's earnings, with the running estimate of events still on."""
        running = {}
        for pid in self.ongoing:
            rate = self.rate(pid)
            if rate is not None:
                running[pid] = round(self.running_kwh(pid) * rate, 2)
        return self.ledger.season(dt_util.now().year, running=running)
