"""What a home's enrollments earn in a season, computed from its events, readings and the program's terms.

Pure: no database, no catalog lookups; the store hands in plain rows and the terms that apply.

Baseline. No program recipe publishes its baseline method yet, so every estimate uses the common one
and says so: for each interval of an event, the average energy of the same interval (same time of day,
UTC) on up to `BASELINE_DAYS` of the most recent earlier days on which the home had no event. The
reduction (delta) is baseline minus actual; for a battery exporting, actual is negative.

Money, per kind of incentive term (`derdir.kinds.incentives`):
- per-kwh: amount x kWh reduced in the event (never below zero);
- per-event: amount for each event the enrollment took part in (a response other than opted out,
  cancelled, superseded, completed-no-participation) once the event has begun;
- per-kw-season / per-kw-year: amount x the average kW reduced over the season's events;
- per-month: amount for each month of the season (in the term's months) enrolled, up to now;
- per-year: amount once in a season enrolled; enrollment: amount in the season enrollment began;
- one-time payments by device size are not estimated (listed as unknown).
A term's `cap` bounds what it pays in the season. Per-device terms count for each enrolled device, per-
account terms once per program. An amount no source states is never invented: the term is listed as unknown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Iterable

from ..incentives import money
from ..recipes.program import Incentive
from .events import NOT_TAKING_PART

BASELINE_DAYS = 10
LOOKBACK_DAYS = 30
BASELINE_METHOD = "same-hours-average"
BASELINE_ASSUMPTION = (f"Baseline is an assumption: the average of the same hours (UTC) on up to {BASELINE_DAYS} of "
                       f"the most recent {LOOKBACK_DAYS} days without an event (the program publishes no method "
                       "in the catalog); the program's own figures may differ.")
BY_EVENT = ("per-kwh", "per-event")
BY_SEASON_KW = ("per-kw-season", "per-kw-year")
NOT_ESTIMATED = ("upfront-per-kw", "upfront-per-kwh")


@dataclass(frozen=True)
class Reading:
    start: datetime
    minutes: int
    kwh: float


@dataclass(frozen=True)
class EnrollmentRow:
    id: int
    program: str
    device: str | None  # the device's key, None for the account
    status: str
    since: date | None
    until: date | None


@dataclass(frozen=True)
class EventRow:
    id: int
    program: str
    start: datetime
    end: datetime
    kind: str
    source: str
    external_id: str | None
    responses: dict[int, str] = field(default_factory=dict)  # enrollment id -> response


@dataclass(frozen=True)
class Posted:
    id: int
    program: str
    event_id: int | None
    amount: float
    currency: str
    kind: str
    status: str
    source: str
    period_start: date | None
    period_end: date | None
    note: str | None


@dataclass
class Usage:
    """One event, one set of devices: energy in the event against the baseline."""

    baseline_kwh: float | None
    actual_kwh: float | None
    delta_kwh: float | None
    intervals: int
    expected_intervals: int
    quality: str  # complete / partial / no-baseline / no-readings / not-started

    def as_dict(self) -> dict[str, Any]:
        r = lambda v: None if v is None else round(v, 4)  # noqa: E731
        return {"baseline_kwh": r(self.baseline_kwh), "actual_kwh": r(self.actual_kwh), "delta_kwh": r(self.delta_kwh),
                "intervals": self.intervals, "expected_intervals": self.expected_intervals, "quality": self.quality}


def usage(readings: Iterable[Reading], start: datetime, end: datetime, now: datetime, event_days: set[date]) -> Usage:
    """Baseline, actual and delta kWh of readings (one or more devices) over an event, as far as it has run."""
    by_time: dict[datetime, float] = defaultdict(float)
    minutes = 0
    for r in readings:
        by_time[r.start] += r.kwh
        minutes = minutes or r.minutes
    until = min(end, now)
    if until <= start:
        return Usage(None, None, None, 0, 0, "not-started")
    inside = sorted(t for t in by_time if start <= t < until)
    expected = int((until - start).total_seconds() // 60 // minutes) if minutes else 0
    if not inside:
        return Usage(None, None, None, 0, expected, "no-readings")
    actual = base = 0.0
    with_base = 0
    for t in inside:
        samples = []
        for k in range(1, LOOKBACK_DAYS + 1):
            then = t - timedelta(days=k)
            if then.date() in event_days or then not in by_time:
                continue
            samples.append(by_time[then])
            if len(samples) == BASELINE_DAYS:
                break
        if samples:
            with_base += 1
            base += sum(samples) / len(samples)
            actual += by_time[t]
    total_actual = sum(by_time[t] for t in inside)
    if not with_base:
        return Usage(None, total_actual, None, len(inside), expected, "no-baseline")
    quality = "complete" if with_base == len(inside) >= expected else "partial"
    return Usage(base, total_actual, base - actual, len(inside), expected, quality)


@dataclass
class Line:
    """One amount of an estimate: which term, how much, and how it was reached."""

    program: str
    type: str
    currency: str
    amount: float
    why: str
    device: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"program": self.program, "type": self.type, "device": self.device, "currency": self.currency,
                "amount": round(self.amount, 2), "why": self.why}


def _in_season(t: Incentive, month: int) -> bool:
    return not t.months or month in t.months


def _enrolled_in(e: EnrollmentRow, first: date, last: date) -> bool:
    """Was the enrollment on (enrolled, not applied/paused/ended) at some time between first and last?"""
    if e.status != "enrolled":
        return False
    return (e.since is None or e.since <= last) and (e.until is None or e.until >= first)


def _months(year: int, now: datetime) -> list[tuple[date, date]]:
    out = []
    for m in range(1, 13):
        first = date(year, m, 1)
        last = (date(year + (m == 12), m % 12 + 1, 1) - timedelta(days=1))
        if first <= now.date():
            out.append((first, last))
    return out


@dataclass
class Program:
    """What the store knows of one program for this home: its terms that apply here, per device key
    (None: the account)."""

    id: str
    terms: dict[str | None, list[Incentive]]
    unknown: list[str] = field(default_factory=list)


def season(year: int, now: datetime, programs: dict[str, Program], enrollments: list[EnrollmentRow],
           events: list[EventRow], readings: dict[str | None, list[Reading]], posted: list[Posted]) -> dict[str, Any]:
    """The season's credits: per event (estimate, posted, difference), per program, and totals per currency.
    `readings` is keyed by device key; the account's readings are all of its devices'."""
    event_days = {d for ev in events for d in (ev.start.date(), ev.end.date())}
    by_program: dict[str, list[EnrollmentRow]] = defaultdict(list)
    for e in enrollments:
        by_program[e.program].append(e)
    lines: list[Line] = []
    unknown: list[str] = []
    kw_seen: dict[tuple[str, str | None], list[float]] = defaultdict(list)  # (program, device) -> kW per event
    event_rows = []
    for ev in sorted(events, key=lambda x: (x.start, x.id)):
        in_year = ev.start.year == year
        row, ev_lines = _event(ev, now, programs.get(ev.program), by_program.get(ev.program, []), readings,
                               event_days, kw_seen if in_year else None)
        if not in_year:
            continue
        row["posted"] = [_posted_json(p) for p in posted if p.event_id == ev.id]
        event_rows.append((row, ev_lines))
        lines += ev_lines
    for pid, program in sorted(programs.items()):
        unknown += [f"{pid}: {u}" for u in program.unknown]
        lines += _recurring(pid, program, by_program.get(pid, []), year, now, kw_seen, unknown)
    _cap(lines, programs)
    for row, ev_lines in event_rows:  # after capping: an event shows what it adds within the cap
        _compare(row, ev_lines)
    season_posted = [p for p in posted if (p.period_start or date(year, 1, 1)).year == year
                     or any(p.event_id == r["id"] for r, _ in event_rows)]
    program_rows = []
    for pid in sorted(set(programs) | {p.program for p in season_posted}):
        mine = [ln for ln in lines if ln.program == pid]
        got = [p for p in season_posted if p.program == pid]
        program_rows.append({"program": pid, "estimated": _sums(mine), "posted": _sums(got),
                             "difference": _difference(_sums(got), _sums(mine)) if got else None,
                             "lines": [ln.as_dict() for ln in mine if ln.type not in BY_EVENT]})
    totals = {"estimated": _sums(lines), "posted": _sums(season_posted)}
    totals["difference"] = _difference(totals["posted"], totals["estimated"]) if season_posted else None
    return {"season": str(year), "as_of": now.isoformat(), "events": [r for r, _ in event_rows], "programs": program_rows,
            "totals": totals, "baseline": {"method": BASELINE_METHOD, "assumption": BASELINE_ASSUMPTION},
            "unknown": sorted(set(unknown))}


def _event(ev: EventRow, now: datetime, program: Program | None, enrollments: list[EnrollmentRow],
           readings: dict[str | None, list[Reading]], event_days: set[date],
           kw_seen: dict[tuple[str, str | None], list[float]] | None) -> tuple[dict[str, Any], list[Line]]:
    state = "scheduled" if now < ev.start else "active" if now < ev.end else "completed"
    hours = (ev.end - ev.start).total_seconds() / 3600
    on = [e for e in enrollments if _enrolled_in(e, ev.start.date(), ev.end.date())]
    parts, lines = [], []
    days = event_days
    taking_part = []
    for e in on:
        response = ev.responses.get(e.id, "received")
        devices = [e.device] if e.device is not None else [k for k in readings if k is not None]
        use = usage([r for d in devices for r in readings.get(d, [])], ev.start, ev.end, now, days)
        parts.append({"enrollment": e.id, "device": e.device, "response": response, **use.as_dict()})
        if response in NOT_TAKING_PART:
            continue
        taking_part.append((e, use))
    if program is not None and state != "scheduled":
        account_use = _account(taking_part, readings, ev, now, days)
        for key, use in [(e.device, u) for e, u in taking_part if e.device is not None] + \
                        ([(None, account_use)] if account_use is not None else []):
            for t in program.terms.get(key, []):
                if not _in_season(t, ev.start.month) or t.amount is None:
                    continue
                if t.type == "per-event":
                    lines.append(Line(ev.program, t.type, t.currency, t.amount,
                                      f"{money(t.amount, t.amount, t.currency)} for event {ev.id}", key))
                elif t.type == "per-kwh" and use.delta_kwh is not None:
                    kwh = max(use.delta_kwh, 0.0)
                    lines.append(Line(ev.program, t.type, t.currency, t.amount * kwh,
                                      f"{kwh:.3g} kWh below the baseline x {money(t.amount, t.amount, t.currency)} "
                                      f"in event {ev.id} ({use.quality} data)", key))
                elif t.type in BY_SEASON_KW and use.delta_kwh is not None and kw_seen is not None:
                    kw_seen[(ev.program, key)].append(max(use.delta_kwh, 0.0) / hours)
    return {"id": ev.id, "program": ev.program, "start": ev.start.isoformat(), "end": ev.end.isoformat(),
            "kind": ev.kind, "source": ev.source, "external_id": ev.external_id, "state": state,
            "participation": parts}, lines


def _account(taking_part: list[tuple[EnrollmentRow, Usage]], readings: dict[str | None, list[Reading]],
             ev: EventRow, now: datetime, days: set[date]) -> Usage | None:
    """The account's usage in an event: its own enrollment's, else the sum over its enrolled devices."""
    if not taking_part:
        return None
    for e, use in taking_part:
        if e.device is None:
            return use
    devices = {e.device for e, _ in taking_part}
    return usage([r for d in devices for r in readings.get(d, [])], ev.start, ev.end, now, days)


def _recurring(pid: str, program: Program, enrollments: list[EnrollmentRow], year: int, now: datetime,
               kw_seen: dict[tuple[str, str | None], list[float]], unknown: list[str]) -> list[Line]:
    """Terms paid by time or by season kW, not per event."""
    lines: list[Line] = []
    start, end = date(year, 1, 1), date(year, 12, 31)
    keys = {e.device for e in enrollments if _enrolled_in(e, start, end)}
    if keys:
        keys.add(None)  # per-account terms: once for the program
    for key in sorted(keys, key=lambda k: (k is not None, k or "")):
        mine = [e for e in enrollments if e.device == key] or enrollments
        for t in program.terms.get(key, []):
            if t.type in BY_EVENT:
                continue
            if t.amount is None:
                unknown.append(f"{pid}: {t.type} amount not published")
                continue
            if t.type in NOT_ESTIMATED:
                unknown.append(f"{pid}: {t.type} (a one-time payment by device size) not estimated")
            elif t.type == "per-month":
                n = sum(1 for first, last in _months(year, now)
                        if _in_season(t, first.month) and any(_enrolled_in(e, first, last) for e in mine))
                if n:
                    lines.append(Line(pid, t.type, t.currency, t.amount * n,
                                      f"{n} month(s) enrolled x {money(t.amount, t.amount, t.currency)}", key))
            elif t.type == "per-year":
                if any(_enrolled_in(e, start, min(end, now.date())) for e in mine):
                    lines.append(Line(pid, t.type, t.currency, t.amount, f"enrolled in {year}", key))
            elif t.type == "enrollment":
                began = [e.since for e in mine if e.status == "enrolled" and e.since]
                if any(d.year == year and d <= now.date() for d in began):
                    lines.append(Line(pid, t.type, t.currency, t.amount, f"enrolled on {min(began)}", key))
                elif not began:
                    unknown.append(f"{pid}: enrollment payment: the enrollment's start date is not known")
            elif t.type in BY_SEASON_KW:
                kws = kw_seen.get((pid, key), [])
                if kws:
                    kw = sum(kws) / len(kws)
                    lines.append(Line(pid, t.type, t.currency, t.amount * kw,
                                      f"{kw:.3g} kW average reduction over {len(kws)} event(s) x "
                                      f"{money(t.amount, t.amount, t.currency)} per kW", key))
    return lines


def _cap(lines: list[Line], programs: dict[str, Program]) -> None:
    """Scale the lines of a term with a cap so that the term pays at most its cap in the season."""
    for pid, program in programs.items():
        for key, terms in program.terms.items():
            for t in terms:
                if t.cap is None:
                    continue
                mine = [ln for ln in lines if ln.program == pid and ln.type == t.type and ln.device == key]
                total = sum(ln.amount for ln in mine)
                if total > t.cap:
                    for ln in mine:
                        ln.amount *= t.cap / total
                        ln.why += f" (the term pays at most {money(t.cap, t.cap, t.currency)} a year)"


def _sums(rows: Iterable[Line | Posted]) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for r in rows:
        out[r.currency] += r.amount
    return {k: round(v, 2) for k, v in sorted(out.items())}


def _difference(posted: dict[str, float], estimated: dict[str, float]) -> dict[str, float]:
    """Posted minus estimated, per currency (positive: the program paid more than estimated)."""
    return {c: round(posted.get(c, 0.0) - estimated.get(c, 0.0), 2) for c in sorted(set(posted) | set(estimated))}


def _compare(row: dict[str, Any], lines: list[Line]) -> None:
    est = _sums(lines)
    row["estimate"] = {"amounts": est, "lines": [ln.as_dict() for ln in lines],
                       "status": "estimated" if row["state"] != "scheduled" else "not-started"}
    posted = {c: round(sum(p["amount"] for p in row["posted"] if p["currency"] == c), 2)
              for c in sorted({p["currency"] for p in row["posted"]})}
    row["difference"] = _difference(posted, est) if row["posted"] else None


def _posted_json(p: Posted) -> dict[str, Any]:
    return {"id": p.id, "program": p.program, "event": p.event_id, "amount": round(p.amount, 2),
            "currency": p.currency, "kind": p.kind, "status": p.status, "source": p.source,
            "period_start": p.period_start.isoformat() if p.period_start else None,
            "period_end": p.period_end.isoformat() if p.period_end else None, "note": p.note}
