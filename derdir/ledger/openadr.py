"""Events read from a program's OpenADR 3 server (VTN), through the `toadr3` client (the `openadr` extra).

OpenADR 3 has programs and events but no enrollment or payment object, so only events come in: each
becomes a ledger event with `source: openadr` and the VTN's event id as `external_id` (reading the
same server again updates them, never duplicates). Its time span is the event's `intervalPeriod`
(start, and duration per interval) or its intervals' own periods; its kind comes from the payload types
(`EXPORT_PRICE` -> export, `PRICE`/`*_PRICE` -> price, `ALERT_*` -> alert, anything else -> shed).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from ..errors import InvalidInput

MAX_EVENTS = 500


def kind_of(types: list[str]) -> str:
    """The ledger's kind for an event carrying these OpenADR 3 payload types."""
    if any(t == "EXPORT_PRICE" or t.startswith("EXPORT_") for t in types):
        return "export"
    if any(t == "PRICE" or t.endswith("_PRICE") for t in types):
        return "price"
    if types and all(t.startswith("ALERT_") for t in types):
        return "alert"
    return "shed"


def span(event: Any) -> tuple[datetime, datetime] | None:
    """Start and end of a toadr3 `Event`, or None when it states no start (an unspecified '0000-00-00')."""
    spans = []
    default = event.interval_period
    for i, interval in enumerate(event.intervals):
        period = interval.interval_period or default
        if period is None or isinstance(period.start, str):
            continue
        start = period.start + (period.duration * i if interval.interval_period is None else timedelta(0))
        spans.append((start, start + period.duration))
    if not spans and default is not None and not isinstance(default.start, str):
        spans.append((default.start, default.start + default.duration))
    if not spans:
        return None
    return min(s for s, _ in spans), max(e for _, e in spans)


def read_events(vtn_url: str, program_id: str | None = None, bearer: str | None = None) -> list[dict[str, Any]]:
    """The VTN's events (of one of its programs), as ledger events: {external_id, start, end, kind, name}."""
    try:
        import aiohttp
        import toadr3
    except ImportError:  # pragma: no cover - the extra is part of the test install
        raise InvalidInput("vtn", "reading OpenADR 3 events needs the openadr extra: pip install 'derdir[openadr]'") from None

    async def fetch() -> list[Any]:
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else None
        async with aiohttp.ClientSession() as session:
            client = toadr3.ToadrClient(vtn_url, None, session, default_custom_headers=headers)
            return await client.get_events(program_id=program_id, limit=50)

    try:
        events = asyncio.run(fetch())
    except (toadr3.ToadrError, aiohttp.ClientError, ValueError) as exc:
        raise InvalidInput("vtn", f"could not read events from {vtn_url}: {exc}") from None
    out = []
    for ev in events[:MAX_EVENTS]:
        window = span(ev)
        if window is None or window[1] <= window[0]:
            continue  # an instantaneous or open-ended signal is no event window to credit
        types = [p.type for iv in ev.intervals for p in iv.payloads]
        out.append({"external_id": ev.id, "start": window[0], "end": window[1], "kind": kind_of(types),
                    "name": ev.event_name})
    return out


def import_events(ledger: Any, cat: Any, home_id: str, token: str, program: str, vtn_url: str,
                  vtn_program: str | None = None, bearer: str | None = None) -> list[dict[str, Any]]:
    """Read the VTN's events and record them for the home under the catalog `program`."""
    return [ledger.post_event(cat, home_id, token, program, ev["start"], ev["end"], ev["kind"], "openadr",
                              ev["external_id"])
            for ev in read_events(vtn_url, vtn_program, bearer)]
