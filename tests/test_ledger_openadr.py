"""Events from an OpenADR 3 server through toadr3. No open-source OpenADR 3 VTN installs from the package
registries here, so the server is `http.server` in a thread answering GET /events with events built from the
OpenADR 3.0.1 specification's own field examples (oadr3.0.1.yaml: eventName 'price event 11-18-2022',
payload type PRICE, intervalPeriod start/duration as ISO 8601)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, Iterator

import pytest

from derdir.ledger import Ledger
from derdir.ledger.openadr import import_events, kind_of, read_events

EVENTS = [
    {"id": "event-999", "objectType": "EVENT", "programID": "program-999", "eventName": "price event 11-18-2022",
     "priority": 0, "intervalPeriod": {"start": "2026-07-01T17:00:00Z", "duration": "PT1H"},
     "intervals": [{"id": 0, "payloads": [{"type": "PRICE", "values": [0.17]}]},
                   {"id": 1, "payloads": [{"type": "PRICE", "values": [0.25]}]}]},
    {"id": "event-1000", "objectType": "EVENT", "programID": "program-999", "eventName": "shed 07-02",
     "intervals": [{"id": 0, "intervalPeriod": {"start": "2026-07-02T18:00:00-07:00", "duration": "PT3H"},
                    "payloads": [{"type": "SIMPLE", "values": [1]}]}]},
]


@pytest.fixture
def vtn() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            seen.append(self.path)
            body = json.dumps(EVENTS if self.path.startswith("/events") else []).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_events_are_read_with_their_windows_and_kinds(vtn: tuple[str, list[str]]) -> None:
    url, seen = vtn
    events = read_events(url, "program-999")
    assert [(e["external_id"], e["kind"]) for e in events] == [("event-999", "price"), ("event-1000", "shed")]
    assert events[0]["start"].isoformat() == "2026-07-01T17:00:00+00:00"
    assert events[0]["end"].isoformat() == "2026-07-01T19:00:00+00:00"  # two intervals of an hour
    assert (events[1]["end"] - events[1]["start"]).total_seconds() == 3 * 3600
    assert seen and "programID=program-999" in seen[0]
    assert kind_of(["EXPORT_PRICE"]) == "export" and kind_of(["ALERT_GRID_EMERGENCY"]) == "alert"


def test_reading_twice_updates_not_duplicates(vtn: tuple[str, list[str]], tmp_path: Any, cat: Any) -> None:
    lg = Ledger(f"sqlite:///{tmp_path / 'h.sqlite3'}")
    try:
        home, token = lg.create_home(cat, "pge")
        first = import_events(lg, cat, home, token, "pge-wattersaver", vtn[0])
        again = import_events(lg, cat, home, token, "pge-wattersaver", vtn[0])
        assert [e["id"] for e in first] == [e["id"] for e in again]
        stored = lg.export(home, token)["events"]
        assert [(e["source"], e["external_id"]) for e in stored] == [("openadr", "event-999"), ("openadr", "event-1000")]
    finally:
        lg.close()
