"""`Ledger`: a household ledger in one SQL store (SQLite by default, PostgreSQL by URL), migrated on open.

Every call on a home takes its id and bearer token. The token is random (256 bits), shown once by
`create_home`, and stored only as its SHA-256; a wrong token and an unknown home are the same
`NotFound`, so an answer never says whether a home exists. Each call is one transaction: a write is
committed whole or not at all (SQLite in WAL mode with synchronous=FULL, so a killed server loses no
committed write).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import defaultdict
from contextlib import contextmanager
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterator

from sqlalchemy import create_engine, delete, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import InvalidInput, NotFound
from ..recipes.program import MAX_AMOUNT
from . import credits as cr
from .errors import LimitReached
from .events import (CREDIT_SOURCES, CREDIT_STATUSES, ENROLLMENT_STATUSES, EVENT_SOURCES, KINDS, KNOWN_BY,
                     MAX_INTERVAL_MINUTES, RESPONSES, choice, day, instant, utc, window)
from .limits import Limits
from .migrate import upgrade
from .models import Credit, Device, Enrollment, Event, Home, Participation, Reading

Catalog = Any  # derdir.catalog.index.Catalog: imported lazily, the ledger stands without a build
KEY_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-"
MAX_KEY = 120
ACCOUNT = "account"  # what answers call an enrollment of the whole account (no device)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(conn: Any, _record: Any) -> None:
        cur = conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()


def engine_for(url: str) -> Engine:
    """An engine for a SQLAlchemy URL: 'sqlite:///path/homes.sqlite3' or 'postgresql+psycopg://…'
    ('postgresql://' is taken to mean psycopg 3)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if not url.startswith(("sqlite:", "postgresql+psycopg:")):
        raise InvalidInput("homes-db", f"{url.split(':', 1)[0]!r} is not supported: use sqlite:///FILE or postgresql://…")
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        _sqlite_pragmas(engine)
    return engine


def _device_key(value: Any, field: str) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_KEY or set(value) - set(KEY_CHARS):
        raise InvalidInput(field, f"a device key is 1-{MAX_KEY} letters, digits or . _ : -")
    return value


def _amount(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not -MAX_AMOUNT <= value <= MAX_AMOUNT:
        raise InvalidInput(field, f"must be a number between -{MAX_AMOUNT:,} and {MAX_AMOUNT:,}")
    return float(value)


class Ledger:
    """The household ledger over one store. `Ledger('sqlite:///build/homes.sqlite3')`."""

    def __init__(self, url: str, limits: Limits | None = None, clock: Callable[[], datetime] | None = None):
        self.url = url
        self.limits = limits or Limits()
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.engine = engine_for(url)
        upgrade(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    def _home(self, s: Session, home_id: str, token: str) -> Home:
        home = s.get(Home, home_id) if isinstance(home_id, str) and len(home_id) <= 32 else None
        if home is None or not isinstance(token, str) or not hmac.compare_digest(home.token_hash, _hash(token)):
            raise NotFound("home", home_id)
        return home

    # -- homes -------------------------------------------------------------------------------------

    def create_home(self, cat: Catalog, location: Any, hub: str | None = None,
                    devices: list[dict[str, Any]] | None = None) -> tuple[str, str]:
        """A new home: its location (utility, state, ZIP), hub and devices as the hub reports them
        (each may carry `key`, the hub's own id for it). Returns (id, token); the token is not kept."""
        from ..household import parse_devices
        from ..lookup import find_in_memory
        from ..markets import resolve_location
        from ..resolve import resolve_many

        market = resolve_location(cat, location)
        hub_id = find_in_memory(cat, "hub", hub, "hub") if hub else None
        raw = list(devices or [])
        if len(raw) > self.limits.devices_per_home:
            raise LimitReached("devices in a home", self.limits.devices_per_home, "devices")
        keys = []
        for i, d in enumerate(raw):
            if not isinstance(d, dict):
                raise InvalidInput(f"devices[{i}]", "must be an object")
            keys.append(_device_key(d.get("key", f"d{i + 1}"), f"devices[{i}].key"))
        if len(set(keys)) != len(keys):
            raise InvalidInput("devices", "two devices have the same key")
        reports = parse_devices([{k: v for k, v in d.items() if k != "key"} for d in raw])
        resolved = resolve_many(cat, reports)
        home_id, token = secrets.token_hex(8), secrets.token_urlsafe(32)
        with self._tx() as s:
            if (s.scalar(select(func.count()).select_from(Home)) or 0) >= self.limits.homes:
                raise LimitReached("homes on this server", self.limits.homes, "home")
            home = Home(id=home_id, token_hash=_hash(token), location=location, utility=market.utility,
                        region=market.region, hub=hub_id, created=self.clock())
            for key, report, res in zip(keys, reports, resolved):
                match = res.match or {}
                home.devices.append(Device(key=key, report=report.model_dump(mode="json", exclude_defaults=True),
                                           product=match.get("id"), category=match.get("category")))
            s.add(home)
        return home_id, token

    def home(self, home_id: str, token: str) -> dict[str, Any]:
        """The home as stored: location, hub, devices (reported and resolved), enrollments."""
        with self._tx() as s:
            home = self._home(s, home_id, token)
            return self._home_json(s, home)

    def delete(self, home_id: str, token: str) -> None:
        """Remove the home and everything recorded for it."""
        with self._tx() as s:
            home = self._home(s, home_id, token)
            ids = select(Device.id).where(Device.home_id == home.id)
            s.execute(delete(Reading).where(Reading.device_id.in_(ids)))
            events = select(Event.id).where(Event.home_id == home.id)
            s.execute(delete(Participation).where(Participation.event_id.in_(events)))
            for table in (Credit, Event, Enrollment, Device):
                s.execute(delete(table).where(table.home_id == home.id))  # type: ignore[attr-defined]
            s.execute(delete(Home).where(Home.id == home.id))

    # -- enrollments ---------------------------------------------------------------------------------

    def enroll(self, cat: Catalog, home_id: str, token: str, program: str, device: str | None = None,
               status: str = "enrolled", since: Any = None, until: Any = None, known_by: str = "user") -> dict[str, Any]:
        """Record (or update) that a device -- or, with no device, the account -- is in a program."""
        from ..lookup import find_in_memory

        pid = find_in_memory(cat, "program", program, "program")
        choice(status, ENROLLMENT_STATUSES, "status")
        choice(known_by, KNOWN_BY, "known_by")
        first, last = day(since, "since"), day(until, "until")
        if first and last and last < first:
            raise InvalidInput("until", "must not be before since")
        with self._tx() as s:
            home = self._home(s, home_id, token)
            dev = self._device(s, home, device) if device is not None else None
            row = s.scalar(self._enrollment_of(home, pid, dev))
            if row is None:
                count = s.scalar(select(func.count()).where(Enrollment.home_id == home.id)) or 0
                if count >= self.limits.enrollments_per_home:
                    raise LimitReached("enrollments in a home", self.limits.enrollments_per_home, "program")
                row = Enrollment(home_id=home.id, device_id=dev.id if dev else None, program=pid)
                s.add(row)
            row.status, row.since, row.until, row.known_by = status, first, last, known_by
            s.flush()
            return self._enrollment_json(row, {dev.id: dev.key} if dev else {})

    def enrolled_programs(self, home_id: str, token: str) -> list[str]:
        """Programs the home is in now (status enrolled), for household answers."""
        with self._tx() as s:
            home = self._home(s, home_id, token)
            return sorted(set(s.scalars(select(Enrollment.program).where(
                Enrollment.home_id == home.id, Enrollment.status == "enrolled"))))

    def evaluate(self, cat: Catalog, home_id: str, token: str, conditions: Any = None) -> dict[str, Any]:
        """The household answer for a saved home: its devices, with its enrolled programs shown as such."""
        from ..household import evaluate

        with self._tx() as s:
            home = self._home(s, home_id, token)
            devices = [d.report for d in home.devices]
            location, hub = home.location, home.hub
        return evaluate(cat, location, devices, hub, conditions, self.enrolled_programs(home_id, token) or None)

    # -- events and readings -----------------------------------------------------------------------

    def post_event(self, cat: Catalog, home_id: str, token: str, program: str, start: Any, end: Any,
                   kind: str = "shed", source: str = "hub", external_id: str | None = None) -> dict[str, Any]:
        """Record a program event for the home (posting the same external id again updates it)."""
        from ..lookup import find_in_memory

        pid = find_in_memory(cat, "program", program, "program")
        s_at, e_at = window(start, end)
        choice(kind, KINDS, "kind")
        choice(source, EVENT_SOURCES, "source")
        if external_id is not None and (not isinstance(external_id, str) or not 1 <= len(external_id) <= 200):
            raise InvalidInput("external_id", "must be a string of 1-200 characters")
        with self._tx() as s:
            home = self._home(s, home_id, token)
            row = None
            if external_id is not None:
                row = s.scalar(select(Event).where(Event.home_id == home.id, Event.program == pid,
                                                   Event.external_id == external_id))
            if row is None:
                count = s.scalar(select(func.count()).where(Event.home_id == home.id)) or 0
                if count >= self.limits.events_per_home:
                    raise LimitReached("events in a home", self.limits.events_per_home, "event")
                row = Event(home_id=home.id, program=pid, external_id=external_id)
                s.add(row)
            row.start, row.end, row.kind, row.source = s_at, e_at, kind, source
            s.flush()
            return self._event_json(row)

    def respond(self, home_id: str, token: str, event_id: int, response: str, device: str | None = None) -> dict[str, Any]:
        """An enrollment's response to an event (IEEE 2030.5 words: received, started, completed, opted-out...)."""
        choice(response, RESPONSES, "response")
        with self._tx() as s:
            home = self._home(s, home_id, token)
            ev = s.get(Event, event_id) if isinstance(event_id, int) else None
            if ev is None or ev.home_id != home.id:
                raise NotFound("event", str(event_id), field="event")
            dev = self._device(s, home, device) if device is not None else None
            enrollment = s.scalar(self._enrollment_of(home, ev.program, dev))
            if enrollment is None:
                raise InvalidInput("device", f"{device or ACCOUNT} is not enrolled in {ev.program}")
            part = s.scalar(select(Participation).where(Participation.event_id == ev.id,
                                                        Participation.enrollment_id == enrollment.id))
            if part is None:
                part = Participation(event_id=ev.id, enrollment_id=enrollment.id)
                s.add(part)
            part.response, part.updated = response, self.clock()
            return {"event": ev.id, "enrollment": enrollment.id, "device": device, "response": response,
                    "ieee_2030_5_status": RESPONSES[response]}

    def post_readings(self, home_id: str, token: str, device: str, readings: list[dict[str, Any]]) -> dict[str, Any]:
        """Interval energy of one device: [{start, minutes, kwh}] (kWh from the grid; negative exported).
        A reading for a start already recorded replaces it."""
        if not isinstance(readings, list):
            raise InvalidInput("readings", "must be a list")
        if len(readings) > self.limits.readings_per_request:
            raise LimitReached("readings per request", self.limits.readings_per_request, "readings")
        parsed: dict[datetime, tuple[int, float]] = {}
        for i, r in enumerate(readings):
            if not isinstance(r, dict):
                raise InvalidInput(f"readings[{i}]", "must be an object with start, minutes and kwh")
            at = instant(r.get("start"), f"readings[{i}].start")
            minutes = r.get("minutes", 15)
            if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_INTERVAL_MINUTES:
                raise InvalidInput(f"readings[{i}].minutes", f"must be a whole number of minutes, 1-{MAX_INTERVAL_MINUTES}")
            kwh = r.get("kwh")
            if isinstance(kwh, bool) or not isinstance(kwh, (int, float)) or not -1000 <= kwh <= 1000:
                raise InvalidInput(f"readings[{i}].kwh", "must be a number of kWh between -1000 and 1000")
            parsed[at] = (minutes, float(kwh))
        with self._tx() as s:
            home = self._home(s, home_id, token)
            dev = self._device(s, home, device)
            existing = {utc(r.start): r for r in s.scalars(select(Reading).where(
                Reading.device_id == dev.id, Reading.start.in_(list(parsed))))} if parsed else {}
            new = len(parsed) - len(existing)
            count = s.scalar(select(func.count()).select_from(Reading).join(Device).where(Device.home_id == home.id)) or 0
            if count + new > self.limits.readings_per_home:
                raise LimitReached("readings in a home", self.limits.readings_per_home, "readings")
            for at, (minutes, kwh) in parsed.items():
                row = existing.get(at)
                if row is None:
                    s.add(Reading(device_id=dev.id, start=at, minutes=minutes, kwh=kwh))
                else:
                    row.minutes, row.kwh = minutes, kwh
            return {"device": dev.key, "stored": new, "replaced": len(existing)}

    # -- credits -----------------------------------------------------------------------------------

    def post_actual_credit(self, cat: Catalog, home_id: str, token: str, program: str, amount: Any,
                           currency: str = "USD", event: int | None = None, kind: str = "other",
                           status: str = "posted", source: str = "program", period_start: Any = None,
                           period_end: Any = None, note: str | None = None) -> dict[str, Any]:
        """A credit the program (or a bill) posted, kept beside the ledger's estimate."""
        from ..kinds.incentives import INCENTIVES
        from ..lookup import find_in_memory

        pid = find_in_memory(cat, "program", program, "program")
        value = _amount(amount, "amount")
        choice(currency, ("USD", "CAD"), "currency")
        choice(kind, (*INCENTIVES, "other"), "kind")
        choice(status, CREDIT_STATUSES, "status")
        choice(source, CREDIT_SOURCES, "source")
        first, last = day(period_start, "period_start"), day(period_end, "period_end")
        if note is not None and (not isinstance(note, str) or len(note) > 500):
            raise InvalidInput("note", "must be text of at most 500 characters")
        with self._tx() as s:
            home = self._home(s, home_id, token)
            if event is not None:
                ev = s.get(Event, event) if isinstance(event, int) and not isinstance(event, bool) else None
                if ev is None or ev.home_id != home.id:
                    raise NotFound("event", str(event), field="event")
                if ev.program != pid:
                    raise InvalidInput("event", f"event {event} is one of {ev.program}, not {pid}")
            count = s.scalar(select(func.count()).where(Credit.home_id == home.id)) or 0
            if count >= self.limits.credits_per_home:
                raise LimitReached("credits in a home", self.limits.credits_per_home, "credit")
            row = Credit(home_id=home.id, program=pid, event_id=event, amount=value, currency=currency, kind=kind,
                         status=status, source=source, period_start=first, period_end=last, note=note,
                         posted=self.clock())
            s.add(row)
            s.flush()
            return cr._posted_json(self._posted(row))

    def credits(self, cat: Catalog, home_id: str, token: str, season: Any = None) -> dict[str, Any]:
        """The season's credits (a calendar year, default this one): per event the estimate so far, what the
        program posted and the difference; per program and in total, per currency."""
        now = self.clock()
        year = self._season(season, now)
        with self._tx() as s:
            home = self._home(s, home_id, token)
            keys = {d.id: d.key for d in home.devices}
            categories = {d.key: d.category for d in home.devices}
            enrollments = [self._enrollment_row(e, keys) for e in
                           s.scalars(select(Enrollment).where(Enrollment.home_id == home.id).order_by(Enrollment.id))]
            responses: dict[int, dict[int, str]] = defaultdict(dict)
            for p in s.scalars(select(Participation).join(Event).where(Event.home_id == home.id)):
                responses[p.event_id][p.enrollment_id] = p.response
            events = [cr.EventRow(e.id, e.program, utc(e.start), utc(e.end), e.kind, e.source, e.external_id,
                                  responses.get(e.id, {}))
                      for e in s.scalars(select(Event).where(Event.home_id == home.id))]
            readings: dict[str | None, list[cr.Reading]] = defaultdict(list)
            for r in s.scalars(select(Reading).join(Device).where(Device.home_id == home.id)):
                readings[keys[r.device_id]].append(cr.Reading(utc(r.start), r.minutes, r.kwh))
            posted = [self._posted(c) for c in s.scalars(select(Credit).where(Credit.home_id == home.id).order_by(Credit.id))]
            utility, region = home.utility, home.region
        programs = self._terms(cat, utility, region, enrollments, categories)
        answer = cr.season(year, now, programs, enrollments, events, dict(readings), posted)
        return {"home": home_id, **answer}

    # -- export ------------------------------------------------------------------------------------

    def export(self, home_id: str, token: str) -> dict[str, Any]:
        """Everything recorded for the home, as JSON (no token, no token hash)."""
        with self._tx() as s:
            home = self._home(s, home_id, token)
            out = self._home_json(s, home)
            out["events"] = [self._event_json(e) for e in
                             s.scalars(select(Event).where(Event.home_id == home.id).order_by(Event.id))]
            out["participation"] = [
                {"event": p.event_id, "enrollment": p.enrollment_id, "response": p.response,
                 "updated": utc(p.updated).isoformat()}
                for p in s.scalars(select(Participation).join(Event).where(Event.home_id == home.id)
                                   .order_by(Participation.id))]
            keys = {d.id: d.key for d in home.devices}
            out["readings"] = [{"device": keys[r.device_id], "start": utc(r.start).isoformat(), "minutes": r.minutes,
                                "kwh": r.kwh}
                               for r in s.scalars(select(Reading).join(Device).where(Device.home_id == home.id)
                                                  .order_by(Reading.device_id, Reading.start))]
            out["credits"] = [cr._posted_json(self._posted(c)) for c in
                              s.scalars(select(Credit).where(Credit.home_id == home.id).order_by(Credit.id))]
            return out

    # -- helpers -----------------------------------------------------------------------------------

    @staticmethod
    def _season(season: Any, now: datetime) -> int:
        if season is None or season == "":
            return now.year
        text = str(season)
        if not (text.isdigit() and len(text) == 4 and 2000 <= int(text) <= 2100):
            raise InvalidInput("season", f"{season!r} is not a year such as 2026")
        return int(text)

    @staticmethod
    def _enrollment_of(home: Home, program: str, dev: Device | None) -> Any:
        """The query for the home's enrollment of this device (None: the account) in this program."""
        q = select(Enrollment).where(Enrollment.home_id == home.id, Enrollment.program == program)
        return q.where(Enrollment.device_id == dev.id) if dev else q.where(Enrollment.device_id.is_(None))

    @staticmethod
    def _device(s: Session, home: Home, key: Any) -> Device:
        for d in home.devices:
            if d.key == key:
                return d
        raise NotFound("device", str(key), [d.key for d in home.devices][:10], field="device")

    @staticmethod
    def _terms(cat: Catalog, utility: str | None, region: str | None, enrollments: list[cr.EnrollmentRow],
               categories: dict[str, str | None]) -> dict[str, cr.Program]:
        """Per program the home is in: its terms paid here, per device key (None: the account's terms)."""
        from ..incentives import applicable
        from ..scope import place

        where = place(cat, utility, region)
        out: dict[str, cr.Program] = {}
        for e in enrollments:
            program = cat.programs.get(e.program)
            if program is None:
                out.setdefault(e.program, cr.Program(e.program, {}, ["no longer in the catalog: nothing estimated"]))
                continue
            entry = out.setdefault(e.program, cr.Program(e.program, {}))
            entry.terms.setdefault(None, [t for t in applicable(program, None, where) if t.per == "account"])
            if e.device is not None:
                entry.terms[e.device] = [t for t in applicable(program, categories.get(e.device), where)
                                         if t.per == "device"]
        return out

    @staticmethod
    def _enrollment_row(e: Enrollment, keys: dict[int, str]) -> cr.EnrollmentRow:
        return cr.EnrollmentRow(e.id, e.program, keys.get(e.device_id) if e.device_id else None, e.status,
                                e.since, e.until)

    @staticmethod
    def _posted(c: Credit) -> cr.Posted:
        return cr.Posted(c.id, c.program, c.event_id, c.amount, c.currency, c.kind, c.status, c.source,
                         c.period_start, c.period_end, c.note)

    @staticmethod
    def _enrollment_json(e: Enrollment, keys: dict[int, str]) -> dict[str, Any]:
        return {"id": e.id, "program": e.program, "device": keys.get(e.device_id) if e.device_id else None,
                "status": e.status, "since": e.since.isoformat() if e.since else None,
                "until": e.until.isoformat() if e.until else None, "known_by": e.known_by}

    @staticmethod
    def _event_json(e: Event) -> dict[str, Any]:
        return {"id": e.id, "program": e.program, "start": utc(e.start).isoformat(), "end": utc(e.end).isoformat(),
                "kind": e.kind, "source": e.source, "external_id": e.external_id}

    def _home_json(self, s: Session, home: Home) -> dict[str, Any]:
        keys = {d.id: d.key for d in home.devices}
        return {"id": home.id, "location": home.location, "utility": home.utility, "region": home.region,
                "hub": home.hub, "created": utc(home.created).isoformat(),
                "devices": [{"key": d.key, "report": d.report, "product": d.product, "category": d.category}
                            for d in home.devices],
                "enrollments": [self._enrollment_json(e, keys) for e in s.scalars(
                    select(Enrollment).where(Enrollment.home_id == home.id).order_by(Enrollment.id))]}


