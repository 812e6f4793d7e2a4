"""HTTP headers: ETag and 304, Cache-Control, the catalog version, CORS (preflight and simple), security."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from derdir.api.app import create_app
from derdir.api.middleware import DOCS_CSP, SECURITY_HEADERS

ORIGIN = "https://hub.example"


@pytest.fixture(scope="module")
def client(real_build: Path) -> TestClient:
    return TestClient(create_app(real_build))


@pytest.fixture(scope="module")
def version(client: TestClient) -> str:
    return client.get("/v1/version").json()["version"]


def _secure(r) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert r.headers.get(name) == value, (name, r.request.url, r.status_code)


GETS = ["/v1/products/tp-link-kasa-kp125m", "/v1/products?q=kasa&per_page=3", "/v1/programs?market=pge",
        "/v1/hubs/home-assistant-yellow", "/v1/products/tp-link-kasa-kp125m/hubs/home-assistant-yellow", "/v1/version"]


@pytest.mark.parametrize("url", GETS)
def test_etag_and_304(client: TestClient, version: str, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 200
    tag = r.headers["etag"]
    assert tag.startswith('W/"') and client.get(url).headers["etag"] == tag  # stable
    assert r.headers["cache-control"] == "public, max-age=300"
    assert r.headers["x-catalog-version"] == version
    for sent in (tag, f'"other", {tag}', "*"):
        again = client.get(url, headers={"If-None-Match": sent})
        assert again.status_code == 304 and again.content == b"", sent
        assert again.headers["etag"] == tag and again.headers["cache-control"] == "public, max-age=300"
        assert again.headers["x-catalog-version"] == version
        _secure(again)
    assert client.get(url, headers={"If-None-Match": 'W/"stale"'}).status_code == 200


def test_etag_differs_by_query(client: TestClient) -> None:
    a = client.get("/v1/products", params={"q": "kasa"}).headers["etag"]
    b = client.get("/v1/products", params={"q": "ecobee"}).headers["etag"]
    assert a != b


def test_answers_carry_the_version_they_came_from(client: TestClient, version: str) -> None:
    r = client.get("/v1/products/tp-link-kasa-kp125m")
    assert r.json()["catalog_version"] == r.headers["x-catalog-version"] == version
    r = client.post("/v1/resolve", json={"devices": [{"manufacturer": "TP-Link", "model": "KP125M"}]})
    assert r.json()["catalog_version"] == r.headers["x-catalog-version"] == version
    assert "etag" not in r.headers and "public" not in r.headers.get("cache-control", "")  # POST answers are not cached


def test_errors_are_not_cached(client: TestClient) -> None:
    for r in (client.get("/v1/products/no-such-thing-at-all"), client.get("/v1/products", params={"per_page": 0}),
              client.get("/v1/nothing-here")):
        assert r.status_code in (404, 422)
        assert "etag" not in r.headers and "public" not in r.headers.get("cache-control", "")
        _secure(r)


def test_whole_catalog_caching(client: TestClient, version: str) -> None:
    r = client.get("/v1/catalog", headers={"Accept-Encoding": "gzip"})
    assert r.headers["cache-control"] == "public, max-age=300" and "accept-encoding" in r.headers["vary"].lower()
    assert r.headers["x-catalog-version"] == version
    assert client.get("/v1/catalog", headers={"If-None-Match": r.headers["etag"]}).status_code == 304


@pytest.mark.parametrize(("method", "path", "request_headers"), [
    ("GET", "/v1/products", None), ("GET", "/v1/products/tp-link-kasa-kp125m", "if-none-match"),
    ("POST", "/v1/households/evaluate", "content-type"), ("POST", "/v1/resolve", "Content-Type"),
])
def test_cors_preflight(client: TestClient, method: str, path: str, request_headers: str | None) -> None:
    headers = {"Origin": ORIGIN, "Access-Control-Request-Method": method}
    if request_headers:
        headers["Access-Control-Request-Headers"] = request_headers
    r = client.options(path, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["access-control-allow-origin"] in ("*", ORIGIN)
    assert method in r.headers["access-control-allow-methods"]
    assert r.headers["access-control-max-age"] == "3600"
    if request_headers:
        assert request_headers.lower() in r.headers["access-control-allow-headers"].lower()


def test_cors_preflight_refuses_other_methods_and_headers(client: TestClient) -> None:
    r = client.options("/v1/products", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "DELETE"})
    assert r.status_code == 400
    r = client.options("/v1/products", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET",
                                                "Access-Control-Request-Headers": "X-Secret-Token"})
    assert r.status_code == 400


def test_cors_simple_request_exposes_etag_and_version(client: TestClient) -> None:
    r = client.get("/v1/version", headers={"Origin": ORIGIN})
    assert r.headers["access-control-allow-origin"] == "*"
    exposed = {h.strip().lower() for h in r.headers["access-control-expose-headers"].split(",")}
    assert {"etag", "x-catalog-version"} <= exposed
    assert "access-control-allow-credentials" not in r.headers  # a public, cookie-less API


@pytest.mark.parametrize(("method", "url", "status"), [
    ("GET", "/v1/products/tp-link-kasa-kp125m", 200), ("GET", "/openapi.json", 200), ("GET", "/v1/products/nope-nope", 404),
    ("GET", "/v1/products?per_page=0", 422), ("DELETE", "/v1/products", 405), ("GET", "/v1/resolve", 405),
    ("POST", "/v1/households/evaluate", 422), ("GET", "/v1/catalog", 200),
])
def test_security_headers_on_api_responses(client: TestClient, method: str, url: str, status: int) -> None:
    r = client.request(method, url, json={} if method == "POST" else None)
    assert r.status_code == status
    _secure(r)
    if status == 405:
        assert r.headers["allow"]


@pytest.mark.parametrize("url", ["/docs", "/redoc"])
def test_docs_pages_are_served_offline_under_a_policy_without_inline_scripts(client: TestClient, url: str) -> None:
    """/docs was a blank page offline (Swagger UI from a CDN) and /redoc a 404: both now load their assets from
    this server, and their policy lets scripts come from nowhere else, inline ones included."""
    import re

    r = client.get(url)
    assert r.status_code == 200 and r.headers["content-security-policy"] == DOCS_CSP[url]
    policy = dict(d.strip().split(" ", 1) for d in DOCS_CSP[url].split(";"))
    assert policy["script-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    assets = re.findall(r'(?:src|href)="([^"]+)"', r.text)
    assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets), assets
    assert "<script>" not in r.text  # every script has a src
    for asset in assets:
        got = client.get(asset)
        assert got.status_code == 200 and len(got.content) > 100, asset
    assert client.get("/v1/version").headers["content-security-policy"] == SECURITY_HEADERS["Content-Security-Policy"]


# --- methods, encodings and media types (issue 17, items 10 and 11) ---------------------------------------


@pytest.mark.parametrize("url", GETS + ["/", "/check", "/products/tp-link-kasa-kp125m", "/v1/catalog", "/healthz"])
def test_head_answers_like_get_without_a_body(client: TestClient, url: str) -> None:
    get, head = client.get(url), client.head(url)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers.get("etag") == get.headers.get("etag")


@pytest.mark.parametrize(("method", "url", "allowed"), [
    ("PUT", "/check", {"GET", "HEAD", "POST"}), ("DELETE", "/contribute", {"GET", "HEAD", "POST"}),
    ("PUT", "/v1/resolve", {"POST"}), ("DELETE", "/v1/products", {"GET", "HEAD"}),
])
def test_405_lists_every_method_the_address_takes(client: TestClient, method: str, url: str, allowed: set[str]) -> None:
    r = client.request(method, url)
    assert r.status_code == 405
    assert {m.strip() for m in r.headers["allow"].split(",")} == allowed


@pytest.mark.parametrize(("url", "content_type"), [
    ("/v1/resolve", "text/plain"), ("/v1/resolve", "application/x-www-form-urlencoded"),
    ("/v1/households/evaluate", "multipart/form-data; boundary=x"), ("/v1/households/recommendations", "text/csv"),
])
def test_a_body_that_is_not_json_is_415(client: TestClient, url: str, content_type: str) -> None:
    r = client.post(url, content=b'{"devices": []}', headers={"Content-Type": content_type})
    assert r.status_code == 415 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["field"] == "content-type" and r.json()["title"] == "Unsupported media type"
    good = b'{"devices": []}' if url == "/v1/resolve" else b'{"devices": [], "location": "pge"}'
    assert client.post(url, content=good, headers={"Content-Type": "application/json; charset=utf-8"}).status_code == 200


def test_a_compressed_body_is_refused_by_name(client: TestClient) -> None:
    import gzip

    r = client.post("/v1/resolve", content=gzip.compress(b'{"devices": []}'),
                    headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert r.status_code == 415 and r.json()["title"] == "Unsupported media type"
    assert "Content-Encoding gzip" in r.json()["detail"] and r.json()["field"] == "content-encoding"


@pytest.mark.parametrize("url", ["/v1/products/tp-link-kasa-kp125m", "/v1/catalog", "/programs"])
def test_gzip_refused_by_weight_zero_is_not_sent(client: TestClient, url: str) -> None:
    for refuse in ("gzip;q=0", "gzip; q=0.0, identity", "br, gzip;q=0"):
        r = client.get(url, headers={"Accept-Encoding": refuse})
        assert r.status_code == 200 and "content-encoding" not in r.headers, refuse
    assert client.get(url, headers={"Accept-Encoding": "gzip;q=0.5"}).headers["content-encoding"] == "gzip"


def test_cors_preflight_carries_the_security_headers(client: TestClient) -> None:
    r = client.options("/v1/resolve", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert r.status_code == 200
    _secure(r)
    r = client.options("/v1/products", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "DELETE"})
    assert r.status_code == 400
    _secure(r)


def test_a_client_leaving_mid_upload_logs_no_traceback(real_build: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The client disconnects after the first part of a /check upload: one info line, no error, no traceback."""
    import asyncio
    import logging

    app = create_app(real_build)
    messages = iter([{"type": "http.request", "body": b"--XyZ\r\nContent-Disposition: form-data; name=\"devices\"\r\n\r\nab",
                      "more_body": True}, {"type": "http.disconnect"}])

    async def receive() -> dict:
        return next(messages, {"type": "http.disconnect"})

    async def send(_: dict) -> None:
        pass

    scope = {"type": "http", "method": "POST", "path": "/check", "raw_path": b"/check", "query_string": b"",
             "headers": [(b"content-type", b"multipart/form-data; boundary=XyZ")], "http_version": "1.1",
             "scheme": "http", "server": ("test", 80), "client": ("test", 1), "root_path": ""}
    with caplog.at_level(logging.INFO):
        asyncio.run(app(scope, receive, send))
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info], caplog.text
    assert "disconnected" in caplog.text
