"""The ledger's words, taken from the standards where they define them, and checks on what comes in.

- An event's `kind` is the family of OpenADR 3 event types it carries: `shed` (SIMPLE levels, a load
  shed), `shift` (move load to other hours), `export` (EXPORT_PRICE / discharge to the grid),
  `price` (PRICE signals), `alert` (ALERT_* notices only).
- A participation's `response` is an IEEE 2030.5 DR response status (Table 27, Response types:
  1 event received ... 10 completed with no user participation), spelled as words.
- Enrollment statuses and credit statuses are the issue's own: no standard defines them.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from ..errors import InvalidInput

KINDS = ("shed", "shift", "export", "price", "alert")
EVENT_SOURCES = ("hub", "manual", "openadr")
# IEEE 2030.5 response status code -> the word used here
RESPONSES: dict[str, int] = {
    "received": 1, "started": 2, "completed": 3, "opted-out": 4, "opted-in": 5, "cancelled": 6,
    "superseded": 7, "partial-opt-out": 8, "partial-opt-in": 9, "completed-no-participation": 10,
}
# Responses after which the device did not take part: its event earns nothing per event
NOT_TAKING_PART = ("opted-out", "cancelled", "superseded", "completed-no-participation")
ENROLLMENT_STATUSES = ("applied", "enrolled", "paused", "ended")
KNOWN_BY = ("hub", "user", "program", "bill")
CREDIT_STATUSES = ("pending", "posted", "paid")
CREDIT_SOURCES = ("program", "bill")
MAX_EVENT_HOURS = 48
MAX_INTERVAL_MINUTES = 1440


def choice(value: Any, allowed: tuple[str, ...] | dict[str, int], field: str) -> str:
    """`value` if it is one of `allowed`, else an error naming the field and the choices."""
    if not isinstance(value, str) or value not in allowed:
        raise InvalidInput(field, f"must be one of {', '.join(allowed)}, not {value!r}")
    return value


def instant(value: Any, field: str) -> datetime:
    """An ISO 8601 date-time with its offset ('2026-07-01T17:00:00-07:00'), as UTC. A time without an
    offset is refused: a hub's local time read as UTC would shift every baseline hour."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and len(value) <= 40:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput(field, f"{value!r} is not an ISO 8601 date-time") from None
    else:
        raise InvalidInput(field, "must be an ISO 8601 date-time string with an offset")
    if parsed.tzinfo is None:
        raise InvalidInput(field, f"{value!r} has no UTC offset: add one, e.g. 'Z' or '-07:00'")
    if not 2000 <= parsed.year <= 2100:
        raise InvalidInput(field, "must be between the years 2000 and 2100")
    return parsed.astimezone(timezone.utc)


def day(value: Any, field: str) -> date | None:
    """An ISO date ('2026-05-01') or None."""
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and len(value) <= 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(field, f"{value!r} is not an ISO date such as 2026-05-01")


def window(start: Any, end: Any) -> tuple[datetime, datetime]:
    """An event's start and end, checked: end after start, at most MAX_EVENT_HOURS long."""
    s, e = instant(start, "start"), instant(end, "end")
    if e <= s:
        raise InvalidInput("end", "must be after start")
    if (e - s).total_seconds() > MAX_EVENT_HOURS * 3600:
        raise InvalidInput("end", f"an event lasts at most {MAX_EVENT_HOURS} hours")
    return s, e


def utc(moment: datetime) -> datetime:
    """A stored date-time as aware UTC (SQLite hands back naive ones)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
