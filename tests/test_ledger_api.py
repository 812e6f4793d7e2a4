"""`/v1/homes` over HTTP (in-process), on SQLite and PostgreSQL: tokens, the whole flow, limits, rate limits,
and the saved home's check page."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
from fastapi.testclient import TestClient

from derdir.api.app import create_app
from derdir.api.homes import RateLimit
from derdir.ledger import Limits
from tests.test_ledger import store_url  # noqa: F401 - the fixture: a fresh SQLite file or PostgreSQL database

PROBLEM = "application/problem+json"
HOME = {"location": {"utility": "pge"}, "hub": "home-assistant-yellow",
        "devices": [{"key": "wh", "manufacturer": "Rheem", "model": "PROPH65 T2 RH375-S", "integration": "econet"},
                    {"key": "pw", "manufacturer": "Tesla", "model": "Powerwall 2"}]}


@pytest.fixture
def client(real_build: Path, store_url: str) -> Iterator[TestClient]:  # noqa: F811
    app = create_app(real_build, homes_db=store_url)
    with TestClient(app) as c:
        yield c
    app.state.ledger.close()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_home(client: TestClient, body: dict[str, Any] = HOME) -> tuple[str, str]:
    r = client.post("/v1/homes", json=body)
    assert r.status_code == 201, r.text
    assert r.headers["location"] == f"/v1/homes/{r.json()['id']}" and r.headers["cache-control"] == "no-store"
    return r.json()["id"], r.json()["token"]


def test_a_season_over_http(client: TestClient) -> None:
    a, ta = new_home(client)
    b, tb = new_home(client, {"location": "94105"})
    r = client.get(f"/v1/homes/{a}")
    assert r.status_code == 401 and r.headers["content-type"] == PROBLEM and r.headers["www-authenticate"] == "Bearer"
    for path in (f"/v1/homes/{a}", f"/v1/homes/{a}/credits", f"/v1/homes/{a}/export"):
        other = client.get(path, headers=auth(tb))  # home B's token on home A: as if A did not exist
        nobody = client.get(path.replace(a, "0" * 16), headers=auth(tb))
        assert other.status_code == nobody.status_code == 404
        assert other.json()["detail"].replace(a, "X") == nobody.json()["detail"].replace("0" * 16, "X")
    home = client.get(f"/v1/homes/{a}", headers=auth(ta)).json()
    again = client.get(f"/v1/homes/{a}", headers=auth(tb))  # an answer to A's token is never served from a cache
    assert again.status_code == 404 and "etag" not in client.get(f"/v1/homes/{a}", headers=auth(ta)).headers
    assert [d["product"] for d in home["devices"]][0] == "rheem-proterra-proph65-t2-rh375-s"

    r = client.post(f"/v1/homes/{a}/enrollments", headers=auth(ta),
                    json={"program": "tesla-virtual-power-plant", "device": "pw", "since": "2024-01-10"})
    assert r.status_code == 201 and r.json()["status"] == "enrolled"
    start = datetime(2026, 7, 1, 0, 0, tzinfo=timezone.utc)  # 17:00 in California
    ev = client.post(f"/v1/homes/{a}/events", headers=auth(ta),
                     json={"program": "tesla-virtual-power-plant", "start": start.isoformat(),
                           "end": (start + timedelta(hours=1)).isoformat(), "kind": "export"}).json()
    before = [{"start": (start - timedelta(days=d, minutes=-15 * q)).isoformat(), "kwh": 0.5}
              for d in range(1, 4) for q in range(4)]
    during = [{"start": (start + timedelta(minutes=15 * q)).isoformat(), "kwh": -1.5} for q in range(4)]
    r = client.post(f"/v1/homes/{a}/readings", headers=auth(ta), json={"device": "pw", "readings": before + during})
    assert r.json() == {"device": "pw", "stored": 16, "replaced": 0}
    credits = client.get(f"/v1/homes/{a}/credits?season=2026", headers=auth(ta)).json()
    event = credits["events"][0]
    assert event["participation"][0]["delta_kwh"] == pytest.approx(8.0)  # (0.5 - -1.5) x 4
    assert event["estimate"]["amounts"] == {"USD": 16.0}  # 8 kWh x $2 (Tesla VPP in PG&E, May-October)
    r = client.post(f"/v1/homes/{a}/credits", headers=auth(ta),
                    json={"program": "tesla-virtual-power-plant", "amount": 14.0, "event": ev["id"], "kind": "per-kwh"})
    assert r.status_code == 201
    after = client.get(f"/v1/homes/{a}/credits?season=2026", headers=auth(ta)).json()
    assert after["events"][0]["difference"] == {"USD": -2.0}
    r = client.post(f"/v1/homes/{a}/events/{ev['id']}/responses", headers=auth(ta),
                    json={"response": "partial-opt-out", "device": "pw"})
    assert r.json()["ieee_2030_5_status"] == 8

    answer = client.get(f"/v1/homes/{a}/evaluate", headers=auth(ta)).json()
    assert "tesla-virtual-power-plant" in answer["enrolled"]
    exported = client.get(f"/v1/homes/{a}/export", headers=auth(ta)).json()
    assert len(exported["readings"]) == 16 and exported["participation"][0]["response"] == "partial-opt-out"
    assert client.delete(f"/v1/homes/{a}", headers=auth(tb)).status_code == 404
    assert client.delete(f"/v1/homes/{a}", headers=auth(ta)).status_code == 204
    assert client.get(f"/v1/homes/{a}", headers=auth(ta)).status_code == 404
    assert client.get(f"/v1/homes/{b}", headers=auth(tb)).status_code == 200


def test_bad_input_is_a_problem_naming_the_field(client: TestClient) -> None:
    a, ta = new_home(client)
    cases = [
        (f"/v1/homes/{a}/events", {"program": "pge-wattersaver", "start": "2026-07-01T17:00", "end": "2026-07-01T18:00Z"},
         "start"),
        (f"/v1/homes/{a}/readings", {"device": "wh", "readings": [{"start": "2026-07-01T17:00Z", "kwh": 5000}]},
         "readings[0].kwh"),
        (f"/v1/homes/{a}/enrollments", {"program": "pge-wattersaver", "status": "perhaps"}, "status"),
        ("/v1/homes", {"location": "Gotham"}, "location"),
    ]
    for path, body, field in cases:
        r = client.post(path, json=body, headers=auth(ta))
        assert r.status_code in (404, 422) and r.headers["content-type"] == PROBLEM, r.text
        assert r.json()["field"] == field, r.json()
    r = client.post(f"/v1/homes/{a}/enrollments", json={"program": "pge-watersaver"}, headers=auth(ta))
    assert r.status_code == 404 and "pge-wattersaver" in r.json()["suggestions"]


def test_limits_and_rate_limits(client: TestClient) -> None:
    app = client.app
    app.state.ledger.limits = Limits(homes=1)
    new_home(client)
    r = client.post("/v1/homes", json=HOME)
    assert r.status_code == 413 and r.headers["content-type"] == PROBLEM and "homes" in r.json()["detail"]
    app.state.homes_rate = RateLimit(per_minute=3, homes_per_hour=50)
    codes = [client.get("/v1/homes/0000000000000000", headers=auth("x")).status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]
    r = client.get("/v1/homes/0000000000000000", headers=auth("x"))
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1 and r.headers["content-type"] == PROBLEM


def test_the_check_page_shows_a_saved_home_by_its_link(client: TestClient) -> None:
    a, ta = new_home(client)
    client.post(f"/v1/homes/{a}/enrollments", headers=auth(ta), json={"program": "pge-wattersaver", "device": "wh"})
    page = client.get(f"/check/home/{a}", params={"token": ta})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "Saved home" in page.text and "pge-wattersaver" in page.text and "set-cookie" not in page.headers
    assert "Nothing you enter or upload is stored" not in page.text
    wrong = client.get(f"/check/home/{a}", params={"token": "not-it"})
    assert wrong.status_code == 404 and "text/html" in wrong.headers["content-type"]


def test_the_ledger_can_be_off(real_build: Path) -> None:
    c = TestClient(create_app(real_build))
    assert c.post("/v1/homes", json=HOME).status_code in (404, 405)
    assert "/v1/homes" not in c.get("/openapi.json").json()["paths"]
