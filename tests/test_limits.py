"""Request limits: body size, batch size, string lengths, page size, bodies without a length, time.

Each refusal is RFC 9457 problem+json naming the field at fault, and comes before the work.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from derdir.api import middleware, problems
from derdir.api.app import create_app

PROBLEM = "application/problem+json"
PLUG = {"manufacturer": "TP-Link", "model": "KP125M"}


@pytest.fixture(scope="module")
def client(real_build: Path) -> TestClient:
    return TestClient(create_app(real_build))


def _problem(r, status: int, field: str | None = None) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["status"] == status and body["title"] and body["detail"]
    if field is not None:
        assert body["field"] == field, body
    assert r.headers["x-content-type-options"] == "nosniff"  # refusals carry the security headers too
    return body


def test_body_over_1_mb_is_413(client: TestClient) -> None:
    devices = [{**PLUG, "name": "x" * 250} for _ in range(4_500)]  # valid items, 1.2 MB in all
    body = json.dumps({"location": "pge", "devices": devices}).encode()
    assert len(body) > middleware.MAX_BODY
    start = time.process_time()  # CPU time (the client and the app share this process): no parsing happened
    r = client.post("/v1/households/evaluate", content=body, headers={"Content-Type": "application/json"})
    _problem(r, 413, "body")
    assert time.process_time() - start < 2
    assert r.headers["connection"] == "close"


def test_body_of_exactly_1_mb_is_read(client: TestClient) -> None:
    body = json.dumps({"devices": [PLUG]}).encode()
    body += b" " * (middleware.MAX_BODY - len(body))
    r = client.post("/v1/resolve", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text


def test_batch_over_500_devices_is_422_naming_devices(client: TestClient) -> None:
    for path in ("/v1/resolve", "/v1/households/evaluate", "/v1/households/recommendations"):
        r = client.post(path, json={"location": "pge", "devices": [PLUG] * 501})
        if path == "/v1/resolve":
            r = client.post(path, json={"devices": [PLUG] * 501})
        _problem(r, 422, "devices")
    assert client.post("/v1/resolve", json={"devices": [PLUG] * 500}).status_code == 200


@pytest.mark.parametrize(("method", "path", "kwargs", "field"), [
    ("post", "/v1/resolve", {"json": {"devices": [{"manufacturer": "x" * 301}]}}, "devices[0].manufacturer"),
    ("post", "/v1/resolve", {"json": {"devices": [{"model": "m" * 301}]}}, "devices[0].model"),
    ("post", "/v1/resolve", {"json": {"devices": [{"integration": "i" * 101}]}}, "devices[0].integration"),
    ("post", "/v1/resolve", {"json": {"devices": [{"identifiers": [["zha", "z" * 301]]}]}}, "devices[0].identifiers[0][1]"),
    ("post", "/v1/households/evaluate", {"json": {"location": "l" * 201}}, "location"),
    ("post", "/v1/households/evaluate", {"json": {"location": {"utility": "u" * 201}}}, "location.utility"),
    ("post", "/v1/households/evaluate", {"json": {"location": {"zip": "1" * 11}}}, "location.zip"),
    ("post", "/v1/households/evaluate", {"json": {"location": "pge", "hub": "h" * 201}}, "hub"),
    ("get", "/v1/products", {"params": {"q": "q" * 201}}, "q"),
    ("get", "/v1/products", {"params": {"market": "m" * 201}}, "market"),
    ("get", "/v1/search", {"params": {"q": "q" * 201}}, "q"),
    ("get", "/v1/products/" + "p" * 301, {}, "product_id"),
    ("get", "/v1/products/tp-link-kasa-kp125m/programs/" + "p" * 301, {}, "program_id"),
    ("get", "/v1/hubs/" + "h" * 301, {}, "hub_id"),
])
def test_string_too_long_is_422_naming_the_field(client: TestClient, method: str, path: str, kwargs: dict,
                                                  field: str) -> None:
    _problem(getattr(client, method)(path, **kwargs), 422, field)


@pytest.mark.parametrize(("params", "field"), [
    ({"per_page": 101}, "per_page"), ({"per_page": 0}, "per_page"), ({"page": 10_001}, "page"), ({"page": 0}, "page"),
    ({"per_page": "lots"}, "per_page"),
])
def test_page_limits(client: TestClient, params: dict, field: str) -> None:
    _problem(client.get("/v1/products", params=params), 422, field)
    assert client.get("/v1/products", params={"per_page": 100}).status_code == 200


def test_search_limit(client: TestClient) -> None:
    _problem(client.get("/v1/search", params={"q": "kasa", "limit": 51}), 422, "limit")
    _problem(client.post("/v1/households/recommendations", json={"location": "pge", "limit": 51}), 422, "limit")


def test_chunked_post_within_the_limit_is_read(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"devices": '
        yield b"[]}"

    r = client.post("/v1/resolve", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text


def _asgi(app, method: str, path: str, headers: list[tuple[bytes, bytes]], chunks: Iterator[bytes]) -> tuple[list[dict], int]:
    """Send a request straight to the ASGI app, body in chunks; (messages sent back, body bytes it read)."""
    sent: list[dict] = []
    read = 0

    async def receive() -> dict:
        nonlocal read
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        read += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": headers, "http_version": "1.1", "scheme": "http", "server": ("test", 80),
             "client": ("test", 1), "root_path": ""}
    asyncio.run(app(scope, receive, send))
    return sent, read


@pytest.mark.parametrize("encoding", [b"Chunked", b"CHUNKED", b"chunked", None])  # None: HTTP/2 sends neither header
@pytest.mark.parametrize(("path", "content_type", "head", "limit"), [
    ("/v1/resolve", b"application/json", b'{"devices": [', middleware.MAX_BODY),
    ("/v1/households/evaluate", b"application/json", b'{"location": "pge", "devices": [', middleware.MAX_BODY),
    ("/check", b"multipart/form-data; boundary=XyZ",
     b'--XyZ\r\nContent-Disposition: form-data; name="registry"; filename="r.json"\r\n\r\n', middleware.MAX_UPLOAD),
])
def test_a_body_without_a_length_is_bounded_by_what_is_read(real_build: Path, encoding: bytes | None, path: str,
                                                             content_type: bytes, head: bytes, limit: int) -> None:
    """No Content-Length, so only the bytes read can bound the body: 413 once past the limit, and the rest
    of a 50 MB body is never read (it was answered 200, or spooled to disk, after growing the server)."""
    item = b'{"manufacturer": "TP-Link", "model": "KP125M"}, ' * 1400  # 64 KB of valid devices per chunk
    chunks = iter([head] + [item] * 800)
    headers = [(b"content-type", content_type)] + ([(b"transfer-encoding", encoding)] if encoding else [])
    sent, read = _asgi(create_app(real_build), "POST", path, headers, chunks)
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 413
    assert read <= limit + 2 * len(item)
    assert (b"connection", b"close") in start["headers"]  # the rest of the body is not drained either
    kind = dict(start["headers"])[b"content-type"]
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    if path == "/check":  # a page flow answers a page
        assert kind.startswith(b"text/html") and b"over" in body, body[:300]
    else:
        assert kind == PROBLEM.encode() and json.loads(body)["field"] == "body"


def test_bad_content_length_is_400() -> None:
    """A Content-Length that is not a number is refused before routing (sent raw: clients will not)."""
    app = FastAPI()
    problems.install(app)
    middleware.install(app)
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/v1/resolve", "raw_path": b"/v1/resolve", "query_string": b"",
             "headers": [(b"content-length", b"12abc"), (b"content-type", b"application/json")],
             "http_version": "1.1", "scheme": "http", "server": ("test", 80), "client": ("test", 1), "root_path": ""}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 400
    assert (b"content-type", PROBLEM.encode()) in start["headers"]


SLOW_S = 3.0  # how long the slow routes take: far past the deadline, however loaded the machine


def _slow_app(finished: threading.Event) -> FastAPI:
    """A throwaway app with the service's middleware and problem handlers, and two slow routes that
    set `finished` when they end."""
    app = FastAPI()
    problems.install(app)
    middleware.install(app)

    @app.get("/slow-async")
    async def slow_async() -> dict:
        await asyncio.sleep(SLOW_S)
        finished.set()
        return {"done": True}

    @app.get("/slow-sync")
    def slow_sync() -> dict:
        time.sleep(SLOW_S)
        finished.set()
        return {"done": True}

    @app.get("/fast")
    def fast() -> dict:
        return {"done": True}

    return app


@pytest.mark.parametrize("path", ["/slow-async", "/slow-sync"])
def test_requests_time_out(monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    """The 503 is sent at the deadline, while the slow route is still running: what the code controls is that
    the answer does not wait for the route (a wall-clock bound flaked on a loaded machine)."""
    monkeypatch.setattr(middleware, "TIMEOUT_S", 0.3)
    finished = threading.Event()
    client = TestClient(_slow_app(finished))
    start = time.monotonic()
    r = client.get(path)
    body = _problem(r, 503)
    assert body["title"] == "Timeout"
    assert not finished.is_set() and time.monotonic() - start < SLOW_S  # answered before the route ended
    assert client.get("/fast").json() == {"done": True}


def test_the_service_has_a_timeout(real_build: Path) -> None:
    assert 0 < middleware.TIMEOUT_S <= 30
    app = create_app(real_build)
    assert middleware.Deadline in [m.cls for m in app.user_middleware]


def test_the_check_page_accepts_registry_files_larger_than_api_bodies(real_build) -> None:
    """API bodies stop at 1 MB; an uploaded Home Assistant registry may be up to 5 MB."""
    import json as _json

    from fastapi.testclient import TestClient

    from derdir.api.app import create_app

    client = TestClient(create_app(real_build))
    devices = [{"manufacturer": "TP-Link", "model": "KP125M", "identifiers": [["tplink", f"dev{i}"]],
                "name": "x" * 400} for i in range(4000)]
    registry = _json.dumps({"version": 1, "key": "core.device_registry", "data": {"devices": devices}}).encode()
    assert 1024 * 1024 < len(registry) < 5 * 1024 * 1024
    page = client.post("/check", data={"location": "pge"},
                       files={"registry": ("core.device_registry", registry, "application/json")})
    assert page.status_code != 413
    api = client.post("/v1/households/evaluate", content=registry, headers={"content-type": "application/json"})
    assert api.status_code == 413
