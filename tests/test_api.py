"""HTTP API on the bundled catalog: same answers as the CLI, problem+json errors, caching headers."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from derdir.api.app import create_app


@pytest.fixture(scope="module")
def client(real_build: Path) -> TestClient:
    return TestClient(create_app(real_build))


def test_support_over_http(client: TestClient) -> None:
    r = client.get("/v1/products/tp-link-kasa-kp125m/programs/renew-home-ohmconnect")
    assert r.status_code == 200
    assert set(r.json()["markets"]) == {"pge", "sce", "sdge"}
    r = client.get("/v1/products/rheem-proterra-proph65-t2-rh375-s/programs/pge-wattersaver")
    assert r.json()["markets"]["pge"]["supported"] is True


def test_compat_over_http(client: TestClient) -> None:
    r = client.get("/v1/products/tp-link-kasa-kp125m/hubs/home-assistant-yellow")
    assert r.status_code == 200 and r.json()["compatible"] is True


def test_product_by_name(client: TestClient) -> None:
    r = client.get("/v1/products/Kasa KP125M", params={"market": "pge"})
    assert r.status_code == 200 and r.json()["id"] == "tp-link-kasa-kp125m"


def test_unknown_id_is_404_problem_with_suggestions(client: TestClient) -> None:
    r = client.get("/v1/products/tp-link-kasa-kp125mx")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == 404 and body["title"] == "Not found" and "tp-link-kasa-kp125m" in body["suggestions"]
    r = client.get("/v1/hubs/home-assistant-yelow")
    assert r.status_code == 404 and "home-assistant-yellow" in r.json()["suggestions"]


def test_validation_errors_name_the_field(client: TestClient) -> None:
    r = client.get("/v1/products", params={"per_page": 1000})
    assert r.status_code == 422 and r.json()["field"] == "per_page"
    r = client.get("/v1/programs", params={"market": "Gotham Electric"})
    assert r.status_code == 404 and r.json()["field"] == "location"
    r = client.get("/v1/products", params={"category": "toaster"})
    assert r.status_code == 422 and r.json()["field"] == "category"


def test_lists(client: TestClient) -> None:
    programs = client.get("/v1/programs", params={"market": "94105"}).json()
    assert "pge-wattersaver" in [p["id"] for p in programs]
    assert "home-assistant-yellow" in [h["id"] for h in client.get("/v1/hubs").json()]
    assert "pge" in [u["id"] for u in client.get("/v1/utilities").json()]
    assert client.get("/v1/programs/pge-wattersaver").json()["name"] == "WatterSaver"
    page = client.get("/v1/products", params={"q": "kasa", "per_page": 5}).json()
    assert page["total"] >= 1 and len(page["items"]) <= 5


def test_etag_and_304(client: TestClient) -> None:
    r = client.get("/v1/hubs/home-assistant-yellow")
    tag = r.headers["etag"]
    assert r.headers["cache-control"].startswith("public")
    again = client.get("/v1/hubs/home-assistant-yellow", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""


def test_whole_catalog_gzip(client: TestClient) -> None:
    r = client.get("/v1/catalog", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    data = r.json()  # httpx decodes gzip
    assert {"products", "programs", "hubs", "utilities", "version"} <= set(data)
    raw = client.get("/v1/catalog", headers={"Accept-Encoding": "identity"})
    assert json.loads(raw.content)["version"] == data["version"]
    assert gzip.compress(raw.content)  # the plain form is served too


def test_security_and_cors_headers(client: TestClient) -> None:
    r = client.get("/v1/hubs", headers={"Origin": "https://hub.example"})
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["access-control-allow-origin"] == "*"
    assert "default-src 'self'" in r.headers["content-security-policy"]


def test_openapi_documents_every_route(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for route in ["/v1/products", "/v1/products/{product_id}", "/v1/products/{product_id}/programs/{program_id}",
                  "/v1/products/{product_id}/hubs/{hub_id}", "/v1/programs", "/v1/hubs", "/v1/utilities", "/v1/catalog"]:
        assert route in paths
    assert client.get("/docs").status_code == 200


def test_repeated_gets_are_answered_from_the_cache(real_build: Path, monkeypatch) -> None:
    """A build never changes, so a repeated GET skips the query; answers stay identical."""
    import derdir.api.routes as routes

    calls = []
    real = routes.compat
    monkeypatch.setattr(routes, "compat", lambda *a: calls.append(a) or real(*a))
    client = TestClient(create_app(real_build))
    first = client.get("/v1/products/tp-link-kasa-kp125m/hubs/home-assistant-yellow")
    second = client.get("/v1/products/tp-link-kasa-kp125m/hubs/home-assistant-yellow")
    assert first.status_code == second.status_code == 200 and first.content == second.content
    assert len(calls) == 1
    assert second.headers["x-catalog-version"] == first.json()["catalog_version"]
    client.get("/v1/products/tp-link-kasa-kp125m/hubs/home-assistant-green")
    assert len(calls) == 2


def test_cached_answers_keep_their_encoding(real_build: Path) -> None:
    """A cached gzip answer is never sent to a client that did not ask for gzip, and the reverse."""
    client = TestClient(create_app(real_build))
    url = "/v1/products/tp-link-kasa-kp125m"
    for _ in range(2):
        zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
        plain = client.get(url, headers={"Accept-Encoding": "identity"})
        assert zipped.headers.get("content-encoding") == "gzip" and "content-encoding" not in plain.headers
        assert zipped.json() == plain.json()


@pytest.mark.parametrize("url", ["/v1/products/home-assistant-yellow", "/v1/products/home-assistant-yellow/programs/pge-wattersaver",
                                 "/v1/products/home-assistant-yellow/hubs/home-assistant-yellow", "/v1/products/pge-wattersaver"])
def test_a_hub_or_program_asked_for_as_a_product_is_a_404_naming_it(client, url: str) -> None:
    """The original project's recipes put hubs among devices: a hub id where a product is expected was a 500."""
    r = client.get(url)
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["actual_kind"] in ("hub", "program") and body["actual_id"] in url and "not a product" in body["detail"]


def test_the_product_page_of_a_hub_links_to_the_hub_page(client) -> None:
    r = client.get("/products/home-assistant-yellow")
    assert r.status_code == 404 and 'href="/hubs/home-assistant-yellow"' in r.text
