"""The household ledger as a library, on SQLite and on a real PostgreSQL server (`dev.py test` starts one
and sets DERDIR_TEST_PG_URL; by hand without it the PostgreSQL cases are skipped, under `dev.py test` they fail).

A season: two homes, a per-kWh program (PGE Smart Battery, $1.70/kWh, per account) and a per-event program
(LG&E/KU thermostats, $5 per event per device); credits grow during the event, settle after it, the program's
posted credit sits beside the estimate; export, delete; one home's token never reads another.
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import pytest
from sqlalchemy import create_engine, inspect, text

from derdir.errors import InvalidInput, NotFound
from derdir.ledger import Ledger, LimitReached, Limits
from derdir.ledger import credits as cr
from derdir.ledger.migrate import downgrade, upgrade

PG_URL = os.environ.get("DERDIR_TEST_PG_URL")
EVENT_START = datetime(2026, 7, 1, 17, 0, tzinfo=timezone.utc)
Clock = list[datetime]


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """A fresh, empty store: a SQLite file, or a database of its own on the test PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'homes.sqlite3'}"
        return
    if not PG_URL:
        if os.environ.get("DERDIR_REQUIRE_PG"):
            pytest.fail("DERDIR_TEST_PG_URL is not set: `dev.py test` should have started PostgreSQL")
        pytest.skip("no PostgreSQL (run `python3 dev.py test`, or set DERDIR_TEST_PG_URL)")
    yield from pg_database()


def pg_database() -> Iterator[str]:
    """A new database on the test server, dropped afterwards."""
    name = f"derdir_t_{secrets.token_hex(6)}"
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def clock() -> Clock:
    return [EVENT_START - timedelta(days=20)]


@pytest.fixture
def ledger(store_url: str, clock: Clock) -> Iterator[Ledger]:
    lg = Ledger(store_url, clock=lambda: clock[0])
    yield lg
    lg.close()


def day_readings(first: datetime, days: int, kwh: float, hours: int = 2) -> list[dict[str, Any]]:
    """15-minute readings of `kwh` each, `hours` long at the same time on each of `days` days before `first`."""
    return [{"start": (first - timedelta(days=d) + timedelta(minutes=15 * q)).isoformat(), "minutes": 15, "kwh": kwh}
            for d in range(1, days + 1) for q in range(hours * 4)]


def during(first: datetime, quarters: range, kwh: float) -> list[dict[str, Any]]:
    return [{"start": (first + timedelta(minutes=15 * q)).isoformat(), "minutes": 15, "kwh": kwh} for q in quarters]


def battery_home(lg: Ledger, cat: Any) -> tuple[str, str]:
    home, token = lg.create_home(cat, {"utility": "portland-general-electric"}, None,
                                 [{"key": "pw", "manufacturer": "Tesla", "model": "Powerwall 2"}])
    lg.enroll(cat, home, token, "portland-general-electric-smart-battery", since="2026-05-01", known_by="program")
    return home, token


def test_a_season_for_two_homes(ledger: Ledger, cat: Any, clock: Clock) -> None:
    a, ta = battery_home(ledger, cat)
    b, tb = ledger.create_home(cat, "lge", None, [{"key": "tstat", "manufacturer": "ecobee", "model": "ecobee3 lite"}])
    ledger.enroll(cat, b, tb, "lge-ku-bring-your-own-thermostat", device="tstat", since="2026-06-15")
    # ten ordinary days: 0.3 kWh per quarter hour from 17:00 to 19:00 (1.2 kWh an hour)
    assert ledger.post_readings(a, ta, "pw", day_readings(EVENT_START, 10, 0.3)) == {"device": "pw", "stored": 80, "replaced": 0}
    end = EVENT_START + timedelta(hours=2)
    ev_a = ledger.post_event(cat, a, ta, "portland-general-electric-smart-battery", EVENT_START, end, "export")
    ev_b = ledger.post_event(cat, b, tb, "lge-ku-bring-your-own-thermostat", EVENT_START.isoformat(),
                             end.isoformat(), source="manual", external_id="lge-2026-07-01")

    clock[0] = EVENT_START - timedelta(hours=1)  # before the event: nothing yet
    before = ledger.credits(cat, a, ta, "2026")
    assert before["events"][0]["state"] == "scheduled" and before["events"][0]["estimate"]["amounts"] == {}

    clock[0] = EVENT_START + timedelta(minutes=30)  # half an hour in: the battery exports 1 kWh a quarter
    ledger.post_readings(a, ta, "pw", during(EVENT_START, range(2), -1.0))
    early = ledger.credits(cat, a, ta, "2026")["events"][0]
    assert early["state"] == "active"
    use = early["participation"][0]
    assert (use["baseline_kwh"], use["actual_kwh"], use["quality"]) == (0.6, -2.0, "complete")
    assert early["estimate"]["amounts"] == {"USD": round(2.6 * 1.70, 2)}  # (0.6 - -2.0) kWh x $1.70

    clock[0] = end + timedelta(hours=1)  # the rest of the event: it grew, then settled
    ledger.post_readings(a, ta, "pw", during(EVENT_START, range(2, 8), -1.0))
    settled = ledger.credits(cat, a, ta, "2026")
    ev = settled["events"][0]
    assert ev["state"] == "completed" and ev["participation"][0]["delta_kwh"] == pytest.approx(2.4 + 8.0)
    estimate = round(10.4 * 1.70, 2)
    assert ev["estimate"]["amounts"] == {"USD": estimate} and ev["difference"] is None
    assert "assumption" in settled["baseline"]["assumption"].lower()

    posted = ledger.post_actual_credit(cat, a, ta, "portland-general-electric-smart-battery", 16.50,
                                       event=ev_a["id"], kind="per-kwh")
    after = ledger.credits(cat, a, ta, "2026")
    assert after["events"][0]["posted"] == [posted]
    assert after["events"][0]["estimate"]["amounts"] == {"USD": estimate}  # kept beside the posted credit
    assert after["events"][0]["difference"] == {"USD": round(16.50 - estimate, 2)}
    assert after["totals"]["posted"] == {"USD": 16.5}

    # the per-event home: $5 once the event began, and LG&E's $50 for enrolling (per account)
    got_b = ledger.credits(cat, b, tb, 2026)
    assert got_b["events"][0]["estimate"]["amounts"] == {"USD": 5.0}
    assert got_b["totals"]["estimated"] == {"USD": 55.0}
    ledger.respond(b, tb, ev_b["id"], "opted-out", device="tstat")  # IEEE 2030.5: the user opted out
    assert ledger.credits(cat, b, tb, 2026)["events"][0]["estimate"]["amounts"] == {}

    # one home's token never reads the other; a wrong token is the same answer as no such home
    for call in (lambda: ledger.home(a, tb), lambda: ledger.credits(cat, b, ta), lambda: ledger.export(a, "x" * 43),
                 lambda: ledger.delete(b, ta), lambda: ledger.home("0" * 16, ta)):
        with pytest.raises(NotFound) as exc:
            call()
        assert exc.value.kind == "home"

    exported = ledger.export(a, ta)
    assert [r["kwh"] for r in exported["readings"]].count(-1.0) == 8 and exported["credits"] == [posted]
    assert ta not in str(exported) and "token" not in str(exported)
    ledger.delete(a, ta)
    with pytest.raises(NotFound):
        ledger.home(a, ta)
    assert ledger.home(b, tb)["devices"][0]["key"] == "tstat"  # the other home is untouched
    with ledger.engine.connect() as conn:
        assert conn.execute(text("select count(*) from reading")).scalar() == 0
        assert conn.execute(text("select count(*) from credit")).scalar() == 0


def test_tokens_are_stored_hashed(ledger: Ledger, cat: Any) -> None:
    home, token = battery_home(ledger, cat)
    assert len(token) >= 40
    with ledger.engine.connect() as conn:
        dump = str(conn.execute(text("select * from home")).fetchall())
    assert token not in dump and home in dump


def test_bad_input_names_the_field(ledger: Ledger, cat: Any) -> None:
    home, token = battery_home(ledger, cat)
    cases = [
        (lambda: ledger.post_event(cat, home, token, "portland-general-electric-smart-battery",
                                   "2026-07-01T17:00", "2026-07-01T19:00Z"), "start"),
        (lambda: ledger.post_event(cat, home, token, "portland-general-electric-smart-battery",
                                   "2026-07-01T17:00Z", "2026-07-01T16:00Z"), "end"),
        (lambda: ledger.post_readings(home, token, "pw", [{"start": "2026-07-01T17:00Z", "kwh": "a lot"}]),
         "readings[0].kwh"),
        (lambda: ledger.enroll(cat, home, token, "portland-general-electric-smart-battery", status="maybe"), "status"),
        (lambda: ledger.credits(cat, home, token, "summer"), "season"),
        (lambda: ledger.create_home(cat, "pge", None, [{"key": "a b"}]), "devices[0].key"),
    ]
    for call, field in cases:
        with pytest.raises(InvalidInput) as exc:
            call()
        assert exc.value.field == field, exc.value
    with pytest.raises(NotFound) as nf:
        ledger.enroll(cat, home, token, "portland-general-electric-smart-batery")
    assert "portland-general-electric-smart-battery" in nf.value.suggestions
    with pytest.raises(NotFound):
        ledger.post_readings(home, token, "no-such-device", [])
    assert ledger.export(home, token)["readings"] == []  # nothing half-written


def test_limits(store_url: str, cat: Any) -> None:
    lg = Ledger(store_url, Limits(homes=2, devices_per_home=2, readings_per_request=10, readings_per_home=12))
    try:
        home, token = lg.create_home(cat, "pge", None, [{"model": "a"}, {"model": "b"}])
        with pytest.raises(LimitReached):
            lg.create_home(cat, "pge", None, [{"model": "a"}] * 3)
        lg.create_home(cat, "pge")
        with pytest.raises(LimitReached) as full:
            lg.create_home(cat, "pge")
        assert full.value.status == 413 and "homes" in str(full.value)
        with pytest.raises(LimitReached):
            lg.post_readings(home, token, "d1", day_readings(EVENT_START, 2, 0.1, 2))  # 16 in one request
        lg.post_readings(home, token, "d1", day_readings(EVENT_START, 1, 0.1, 2))  # 8
        lg.post_readings(home, token, "d1", day_readings(EVENT_START, 1, 0.2, 2))  # the same 8 again: replaced
        with pytest.raises(LimitReached):
            lg.post_readings(home, token, "d2", day_readings(EVENT_START, 1, 0.1, 2))  # 16 in the home
        assert len(lg.export(home, token)["readings"]) == 8
    finally:
        lg.close()


def test_saved_home_answers_show_enrollments(ledger: Ledger, cat: Any) -> None:
    home, token = ledger.create_home(cat, "pge", "home-assistant-yellow",
                                     [{"key": "wh", "manufacturer": "Rheem", "model": "PROPH65 T2 RH375-S",
                                       "integration": "econet"}])
    ledger.enroll(cat, home, token, "pge-wattersaver", device="wh")
    ledger.enroll(cat, home, token, "tesla-virtual-power-plant", status="ended")
    answer = ledger.evaluate(cat, home, token)
    assert answer["enrolled"] == ["pge-wattersaver"]
    statuses = {p["id"]: p["status"] for p in answer["programs"]}
    assert statuses["pge-wattersaver"] == "enrolled"


def test_migrations_match_the_models(store_url: str) -> None:
    """Head builds exactly the tables the models declare; down to nothing and up again works."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from derdir.ledger.models import Base
    from derdir.ledger.store import engine_for

    engine = engine_for(store_url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(engine)
        assert {"home", "device", "enrollment", "event", "participation", "reading", "credit"} <= set(
            inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_data_survives_reopening(store_url: str, cat: Any) -> None:
    lg = Ledger(store_url)
    home, token = battery_home(lg, cat)
    lg.close()
    again = Ledger(store_url)
    try:
        assert again.home(home, token)["enrollments"][0]["program"] == "portland-general-electric-smart-battery"
    finally:
        again.close()


# -- the computation alone -------------------------------------------------------------------------------------


def test_baseline_skips_event_days_and_reports_quality() -> None:
    start = EVENT_START
    normal = [cr.Reading(start - timedelta(days=d), 15, 1.0) for d in range(2, 5)]
    odd_day = [cr.Reading(start - timedelta(days=1), 15, 9.0)]  # an earlier event day: not a baseline day
    now = start + timedelta(minutes=30)
    use = cr.usage(normal + odd_day + [cr.Reading(start, 15, 0.25)], start, start + timedelta(hours=1), now,
                   {(start - timedelta(days=1)).date()})
    assert (use.baseline_kwh, use.actual_kwh, use.delta_kwh) == (1.0, 0.25, 0.75)
    assert use.quality == "partial" and use.expected_intervals == 2  # the second quarter has no reading
    assert cr.usage(normal, start, start + timedelta(hours=1), now, set()).quality == "no-readings"
    assert cr.usage([cr.Reading(start, 15, 0.5)], start, start + timedelta(hours=1), now, set()).quality == "no-baseline"


def test_caps_and_seasons() -> None:
    from derdir.recipes.program import Incentive

    terms = [Incentive(type="per-event", amount=10, cap=25), Incentive(type="per-month", amount=5, months=[6, 7])]
    program = cr.Program("p", {"dev": terms, None: []})
    enrolled = [cr.EnrollmentRow(1, "p", "dev", "enrolled", None, None)]
    events = [cr.EventRow(i, "p", EVENT_START + timedelta(days=i), EVENT_START + timedelta(days=i, hours=1), "shed",
                          "hub", None) for i in range(1, 5)]
    out = cr.season(2026, datetime(2026, 12, 1, tzinfo=timezone.utc), {"p": program}, enrolled, events, {}, [])
    assert out["totals"]["estimated"] == {"USD": 25.0 + 10.0}  # four $10 events capped at $25; June and July $5
    assert sum(sum(e["estimate"]["amounts"].values()) for e in out["events"]) == pytest.approx(25.0)
    paused = [cr.EnrollmentRow(1, "p", "dev", "paused", None, None)]
    assert cr.season(2026, datetime(2026, 12, 1, tzinfo=timezone.utc), {"p": program}, paused, events, {},
                     [])["totals"]["estimated"] == {}
