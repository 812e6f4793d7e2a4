"""Property-based fuzzing of the HTTP API from its own OpenAPI document (schemathesis).

Every operation the service documents is called with generated input, valid and invalid, plus
ids that exist in the bundled catalog (so answers are fuzzed too, not only 404s). Each response
must: not be a 5xx; match its documented status code, content type, headers and schema; and, if
it is a 4xx, be `application/problem+json` with type/title/status/detail, naming the `field` at
fault when the input was invalid (422). Hypothesis runs derandomized with a small budget, so CI
sees the same cases every run and the module stays well under a minute.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from derdir.api.app import create_app
from derdir.catalog.build import build
from derdir.catalog.index import Catalog
from tests.conftest import SEED

PROBLEM = "application/problem+json"
MAX_EXAMPLES = int(os.environ.get("DERDIR_FUZZ_EXAMPLES", "12"))  # raise it for a deeper local run
DERANDOMIZE = os.environ.get("DERDIR_FUZZ_RANDOM") != "1"

# Real references, and a few that are deliberately odd, to mix into generated path/query values.
PRODUCTS = ["tp-link-kasa-kp125m", "rheem-proterra-proph65-t2-rh375-s", "Kasa KP125M", "kasa", "ecobee3 lite"]
MARKETS = ["pge", "94105", "CA", "California", "US-MN", "Pacific Gas & Electric Co", "eia:14328", "99999", "Gotham",
           "\u0669\u0664\u0661\u0660\u0665"]  # 94105 in Arabic-Indic digits: once a 500 (a panic in the ZIP library)
# Odd but schema-valid references (schemathesis itself generates the invalid ones).
ODD = ["..", "%", "a" * 200, "\u202e", "'; DROP TABLE device; --", "*", "\"kasa\"*", "NEAR(kasa plug)", "x\x00y"]


def _document_app() -> Any:
    """An app over a tiny throwaway build, only to read the OpenAPI document at collection time
    (the document does not depend on the catalog; the cases run against the bundled one)."""
    tmp = Path(tempfile.mkdtemp(prefix="derdir-openapi-"))
    atexit.register(shutil.rmtree, tmp, True)
    for rel, text in SEED.items():
        (tmp / "catalog" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp / "catalog" / rel).write_text(text)
    build(tmp / "catalog", tmp / "build")
    return create_app(tmp / "build")


schema = schemathesis.openapi.from_asgi("/openapi.json", _document_app())


@pytest.fixture(scope="module")
def real_app(real_build: Path) -> Any:
    return create_app(real_build)


@pytest.fixture(scope="module", autouse=True)
def _real_ids(real_build: Path) -> None:
    cat = Catalog((real_build / "current").resolve())
    REAL.update({
        "product_id": PRODUCTS,
        "program_id": sorted(cat.programs)[:10] + ["pge-wattersaver", "renew-home-ohmconnect"],
        "hub_id": sorted(cat.hubs),
        "utility_id": sorted(cat.utilities)[:10],
        "market": MARKETS,
        "hub": sorted(cat.hubs),
        "program": sorted(cat.programs)[:10],
    })


REAL: dict[str, list[str]] = {}


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
    """Half the time, swap generated ids for real (or odd) ones so 200 answers get checked too."""
    choices = {k: st.sampled_from(REAL.get(k, []) + ODD) for k in path_parameters or {} if k in REAL}
    if not choices:
        return st.just(path_parameters)
    return st.one_of(st.just(path_parameters), st.fixed_dictionaries(choices).map(lambda v: {**path_parameters, **v}))


@schema.hook
def flatmap_query(context: Any, query: dict[str, Any] | None) -> Any:
    """Likewise for the market, hub and program filters."""
    choices = {k: st.sampled_from(REAL.get(k, []) + ODD) for k in query or {} if k in ("market", "hub", "program")}
    if not choices:
        return st.just(query)
    return st.one_of(st.just(query), st.fixed_dictionaries(choices).map(lambda v: {**query, **v}))


def problem_details(ctx: Any, response: Any, case: Any) -> None:
    """Every 4xx is RFC 9457 problem+json; a validation error names its field."""
    if not 400 <= response.status_code < 500:
        return None
    ctype = response.headers.get("content-type", [""])
    ctype = ctype[0] if isinstance(ctype, list) else ctype
    assert ctype.split(";")[0].strip() == PROBLEM, f"{response.status_code} answered as {ctype!r}"
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body), body
    assert body["status"] == response.status_code, body
    if response.status_code == 422:
        assert isinstance(body.get("field"), str) and body["field"], f"422 without a field: {body}"
    return None


# Input the schema cannot judge: whether a place names one utility, a real state, a ZIP in that state.
SEMANTIC_FIELDS = ("location", "conditions")  # a condition key is a registry kind, optionally after a program id


def valid_input_accepted(ctx: Any, response: Any, case: Any) -> None:
    """Schema-valid input is answered (2xx, or 404/409 for references that match nothing or several),
    except where only the catalog can tell (SEMANTIC_FIELDS): the schema says what the service takes."""
    meta = case.meta
    if meta is None or meta.generation.mode != GenerationMode.POSITIVE or response.status_code != 422:
        return None
    field = response.json().get("field", "")
    assert field.split(".")[0] in SEMANTIC_FIELDS, f"schema-valid input rejected: {response.json()}"
    return None


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=DERANDOMIZE, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_matches_its_schema(case: Any, real_app: Any) -> None:
    case.call_and_validate(app=real_app, additional_checks=[problem_details, valid_input_accepted],
                           excluded_checks=[positive_data_acceptance])


HOME = [
    {"manufacturer": "TP-Link", "model": "KP125M(US)", "integration": "tplink"},
    {"manufacturer": "TP-Link", "model": "KP125M(US)", "integration": "tplink"},  # a duplicate
    {"manufacturer": "Rheem", "model": "whatever", "integration": "econet"},  # maker known, model not
    {"manufacturer": "Google", "model": "Nest Mini"},  # not an energy device
    {"manufacturer": "ecobee", "model": "ecobee3 lite"},
    {"manufacturer": "Tesla", "model": "Powerwall 2"},
    {"manufacturer": "Acme Nobody", "model": "Z-1", "identifiers": {"zha": "00:11:22"}},  # unknown
    {"vendor_id": 4874, "product_id": 105, "name": "Plug"},
]
# One typical request per operation, answered in full and checked against the documented schema: unlike the
# fuzzing above, this always reaches the 200 answers (and the main errors), so any drift between what the
# core returns and what schemas.py documents fails here.
KNOWN = [
    ("GET", "/v1/products/{product_id}", "/v1/products/tp-link-kasa-kp125m?market=pge", None, 200),
    ("GET", "/v1/products/{product_id}", "/v1/products/Kasa KP125M", None, 200),
    ("GET", "/v1/products/{product_id}", "/v1/products/kasa", None, 409),
    ("GET", "/v1/products/{product_id}", "/v1/products/tp-link-kasa-kp125mx", None, 404),
    ("GET", "/v1/products/{product_id}/programs/{program_id}",
     "/v1/products/tp-link-kasa-kp125m/programs/renew-home-ohmconnect", None, 200),
    ("GET", "/v1/products/{product_id}/programs/{program_id}",
     "/v1/products/rheem-proterra-proph65-t2-rh375-s/programs/pge-wattersaver?hub=home-assistant-yellow", None, 200),
    ("GET", "/v1/products/{product_id}/hubs/{hub_id}", "/v1/products/tp-link-kasa-kp125m/hubs/home-assistant-yellow",
     None, 200),
    ("GET", "/v1/products", "/v1/products?q=thermostat&market=US-MN&per_page=5", None, 200),
    ("GET", "/v1/products", "/v1/products?category=battery&hub=home-assistant-yellow&program=tesla-virtual-power-plant",
     None, 200),
    ("GET", "/v1/products", "/v1/products?per_page=1000", None, 422),
    ("GET", "/v1/programs", "/v1/programs?market=94105", None, 200),
    ("GET", "/v1/programs", "/v1/programs?market=\u0669\u0664\u0661\u0660\u0665", None, 404),
    ("GET", "/v1/programs/{program_id}", "/v1/programs/pge-wattersaver", None, 200),
    ("GET", "/v1/hubs", "/v1/hubs", None, 200),
    ("GET", "/v1/hubs/{hub_id}", "/v1/hubs/home-assistant-yellow", None, 200),
    ("GET", "/v1/utilities", "/v1/utilities?region=US-CA", None, 200),
    ("GET", "/v1/utilities/{utility_id}", "/v1/utilities/pge", None, 200),
    ("GET", "/v1/markets", "/v1/markets?location=94105", None, 200),
    ("GET", "/v1/markets", "/v1/markets?location=03032", None, 200),
    ("GET", "/v1/markets", "/v1/markets?location=Pacific Gas %26 Electric Co", None, 200),
    ("GET", "/v1/markets", "/v1/markets?location=\u0669\u0664\u0661\u0660\u0665", None, 404),
    ("GET", "/v1/markets", "/v1/markets?location=99999", None, 404),
    ("GET", "/v1/markets/suggest", "/v1/markets/suggest?q=seattle", None, 200),
    ("GET", "/v1/search", "/v1/search?q=kasa", None, 200),
    ("GET", "/v1/catalog", "/v1/catalog", None, 200),
    ("GET", "/v1/version", "/v1/version", None, 200),
    ("POST", "/v1/resolve", "/v1/resolve", {"devices": HOME}, 200),
    ("POST", "/v1/households/evaluate", "/v1/households/evaluate",
     {"location": "pge", "hub": "home-assistant-yellow", "devices": HOME}, 200),
    ("POST", "/v1/households/evaluate", "/v1/households/evaluate", {"location": {"state": "CA"}, "devices": HOME}, 200),
    ("POST", "/v1/households/evaluate", "/v1/households/evaluate", {"location": {"zip": "abcde"}}, 422),
    ("POST", "/v1/households/evaluate", "/v1/households/evaluate", {"location": {"zip": "\u0661" * 5}}, 422),
    ("POST", "/v1/households/recommendations", "/v1/households/recommendations",
     {"location": "pge", "hub": "home-assistant-yellow", "devices": HOME[:3], "limit": 5}, 200),
    ("POST", "/v1/households/recommendations", "/v1/households/recommendations", {"location": "94105"}, 200),
    ("POST", "/v1/households/evaluate", "/v1/households/evaluate",
     {"location": {"utility": "pge"}, "devices": HOME, "conditions": {"solar": True}, "enrolled": ["pge-wattersaver"]}, 200),
    ("POST", "/v1/households/evaluate", "/v1/households/evaluate",
     {"location": "pge", "devices": HOME, "conditions": {"solar": "yes"}}, 422),
    ("GET", "/v1/markets", "/v1/markets?location=94612", None, 200),
    ("GET", "/v1/markets", "/v1/markets?location=US-CA", None, 200),
    ("GET", "/v1/markets/suggest", "/v1/markets/suggest?q=pacific", None, 200),
]


@pytest.mark.parametrize(("method", "template", "url", "body", "status"), KNOWN,
                         ids=[f"{m} {u} {s}" for m, _, u, _, s in KNOWN])
def test_typical_answers_match_the_schema(real_app: Any, method: str, template: str, url: str, body: Any,
                                          status: int) -> None:
    from fastapi.testclient import TestClient

    r = TestClient(real_app).request(method, url, json=body)
    assert r.status_code == status, r.text[:500]
    schema[template][method].validate_response(r)
    if status >= 400:
        problem_details(None, r, None)


def test_every_operation_has_a_typical_answer() -> None:
    documented = {(m.upper(), p) for p, ops in schema.raw_schema["paths"].items() for m in ops}
    assert documented == {(m, t) for m, t, _, _, s in KNOWN if s == 200}


def test_every_documented_error_is_problem_json(real_build: Path) -> None:
    """The OpenAPI document promises problem+json (with the Problem schema) for every 4xx and 5xx."""
    from fastapi.testclient import TestClient

    doc = TestClient(create_app(real_build)).get("/openapi.json").json()
    seen = 0
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            codes = {c for c in op["responses"] if c[0] in "45"}
            assert {"404", "422"} <= codes, (method, path, codes)
            if method == "post":
                assert {"413", "415"} <= codes, (method, path, codes)
            for code in codes:
                content = op["responses"][code]["content"]
                assert list(content) == [PROBLEM], (method, path, code)
                assert content[PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
                seen += 1
    assert seen > 40


# Bodies schemathesis does not send: other media types, compressed, chunked without a length, oversize, and HEAD.
ODD_BODIES = [
    ({"Content-Type": "text/plain"}, b'{"devices": []}', 415),
    ({"Content-Type": "application/x-www-form-urlencoded"}, b"devices=1", 415),
    ({"Content-Type": "application/json", "Content-Encoding": "gzip"}, b"\x1f\x8b\x08\x00junk", 415),
    ({"Content-Type": "application/json", "Content-Encoding": "br"}, b"junk", 415),
    ({"Content-Type": "application/json"}, b"[" * 100_000, 422),
    ({"Content-Type": "application/json"}, b'{"devices": [' + b"9" * 5_000 + b"]}", 422),
    ({"Content-Type": "application/json", "Transfer-Encoding": "Chunked"}, b" " * (1024 * 1024 + 1), 413),
]


@pytest.mark.parametrize("path", ["/v1/resolve", "/v1/households/evaluate", "/v1/households/recommendations"])
@pytest.mark.parametrize(("headers", "body", "status"), ODD_BODIES, ids=[f"{h}-{s}"[:60] for h, _, s in ODD_BODIES])
def test_odd_bodies_are_documented_problems(real_app: Any, path: str, headers: dict, body: bytes, status: int) -> None:
    from fastapi.testclient import TestClient

    def chunked():
        for i in range(0, len(body), 65536):
            yield body[i:i + 65536]

    chunk = headers.pop("Transfer-Encoding", None) if "Transfer-Encoding" in headers else None
    r = TestClient(real_app).post(path, content=chunked() if chunk else body, headers=headers)
    assert r.status_code == status, r.text[:300]
    schema[path]["POST"].validate_response(r)
    problem_details(None, r, None)


@pytest.mark.parametrize(("template", "url"), [(t, u) for m, t, u, _, s in KNOWN if m == "GET" and s == 200])
def test_head_on_every_read_operation(real_app: Any, template: str, url: str) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(real_app)
    head, get = client.head(url), client.get(url)
    assert head.status_code == get.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
