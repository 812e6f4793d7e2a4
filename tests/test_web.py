"""Web pages on the bundled catalog, in process: every page renders, links to its JSON, is escaped,
accessible in structure, CSP-clean, and bad ids give an HTML 404 (the API keeps problem+json)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from derdir.api.app import create_app

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = Path(__file__).parent / "fixtures" / "core.device_registry"

# (page, the API URL it links to as its JSON)
PAGES = [
    ("/", "/v1/version"),
    ("/search?q=kasa", "/v1/products?q=kasa"),
    ("/search?category=thermostat&market=pge", "/v1/products?category=thermostat&market=pge"),
    ("/products/tp-link-kasa-kp125m", "/v1/products/tp-link-kasa-kp125m"),
    ("/products/tp-link-kasa-kp125m?market=pge", "/v1/products/tp-link-kasa-kp125m?market=pge"),
    ("/programs/renew-home-ohmconnect", "/v1/programs/renew-home-ohmconnect"),
    ("/programs/pge-wattersaver", "/v1/programs/pge-wattersaver"),
    ("/hubs/home-assistant-yellow", "/v1/hubs/home-assistant-yellow"),
    ("/utilities/pge", "/v1/utilities/pge"),
    ("/regions/US-CA", "/v1/programs?market=US-CA"),
    ("/programs", "/v1/programs"),
    ("/hubs", "/v1/hubs"),
    ("/regions", "/v1/utilities"),
]
FORMS = ["/check", "/contribute", "/contribute?kind=program"]


@pytest.fixture(scope="module")
def client(real_build: Path) -> TestClient:
    return TestClient(create_app(real_build))


class Page(HTMLParser):
    """Collects what the structural checks need from one HTML page."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[int] = []
        self.inline_script = False
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        self._in_script = tag == "script"
        if tag == "script" and not a.get("src"):
            self.inline_script = True

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_script = True

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def check_structure(html: str) -> Page:
    """Landmarks, one h1 and no skipped heading levels, labelled controls, nothing inline for the CSP."""
    page = Page(html)
    for landmark in ("header", "nav", "main", "footer"):
        assert page.find(landmark), f"no <{landmark}>"
    assert page.find("a", href="#main"), "no skip link"
    assert page.headings.count(1) == 1 and page.headings[0] == 1
    for prev, cur in zip(page.headings, page.headings[1:]):
        assert cur <= prev + 1, f"heading h{prev} followed by h{cur}"
    labels = {a.get("for") for a in page.find("label")}
    for tag in ("input", "select", "textarea"):
        for a in page.find(tag):
            if a.get("type") in ("hidden", "submit", "button"):
                continue
            assert a.get("id") in labels or a.get("aria-label"), f"unlabelled <{tag} {a}>"
    assert not page.inline_script, "inline script"
    assert not page.find("style"), "<style> element"
    assert all("style" not in a for _, a in page.tags), "style= attribute"
    for _, a in page.tags:  # no assets from other hosts
        for attr in ("src",):
            assert not (a.get(attr) or "").startswith(("http:", "https:", "//"))
    assert all(not (a.get("href") or "").startswith(("http", "//")) for a in page.find("link", rel="stylesheet"))
    return page


@pytest.mark.parametrize("url,json_url", PAGES)
def test_page_renders_with_canonical_and_json_link(client: TestClient, url: str, json_url: str) -> None:
    r = client.get(url)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    page = check_structure(r.text)
    canonical = page.find("link", rel="canonical")
    href = canonical[0]["href"]
    assert len(canonical) == 1 and href.startswith(url.split("?")[0]) and not href.startswith("//")  # relative
    alternate = page.find("link", rel="alternate", type="application/json")
    assert alternate and alternate[0]["href"] == json_url
    assert page.find("a", href=json_url), "no visible link to the page's JSON"
    api = client.get(json_url)
    assert api.status_code == 200 and api.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("url", ["/", "/products/tp-link-kasa-kp125m", "/nope-nope", "/check"])
def test_the_host_header_is_never_reflected_into_the_canonical_link(real_build: Path, url: str) -> None:
    """Cacheable pages carried `Host: evil.example` into <link rel=canonical> (cache poisoning)."""
    for client, base in ((TestClient(create_app(real_build)), ""),
                         (TestClient(create_app(real_build, base_url="https://der.example/")), "https://der.example")):
        r = client.get(url, headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"})
        assert "evil.example" not in r.text
        canonical = check_structure(r.text).find("link", rel="canonical")
        assert canonical[0]["href"] == base + url


def test_a_base_url_that_is_not_an_address_is_refused(real_build: Path) -> None:
    for bad in ("javascript:alert(1)", "der.example", "https://der.example/?q=1"):
        with pytest.raises(ValueError, match="base URL"):
            create_app(real_build, base_url=bad)


@pytest.mark.parametrize("url", FORMS)
def test_form_pages_render(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 200
    page = check_structure(r.text)
    assert page.find("link", rel="canonical")
    assert page.find("form")


def test_static_assets_are_local(client: TestClient) -> None:
    css = client.get("/static/site.css")
    js = client.get("/static/site.js")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert "url(" not in css.text and "@import" not in css.text
    assert ".innerHTML" not in js.text and "eval(" not in js.text


def test_home_has_search_filters_and_counts(client: TestClient) -> None:
    html = client.get("/").text
    assert 'action="/search"' in html and 'data-instant="/v1/search"' in html
    for name in ("q", "category", "manufacturer", "protocol", "market", "program", "hub"):
        assert f'name="{name}"' in html
    for what in ("products", "programs", "utilities", "hubs", "states and provinces"):
        assert re.search(rf"<strong>\d+</strong> {what}", html), what


def test_search_without_javascript(client: TestClient) -> None:
    html = client.get("/search", params={"q": "KP125M"}).text
    assert 'href="/products/tp-link-kasa-kp125m"' in html
    html = client.get("/search", params={"q": "Rheem", "category": "water-heater", "market": "pge"}).text
    assert "/products/rheem-proterra-proph65-t2-rh375-s" in html
    bad = client.get("/search", params={"market": "Gotham Electric"})
    assert bad.status_code == 422 and "Please check the filters" in bad.text


def test_query_params_are_escaped(client: TestClient) -> None:
    attack = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    for url, params in [("/search", {"q": attack}), ("/search", {"manufacturer": attack}),
                        ("/products/tp-link-kasa-kp125m", {"market": attack})]:
        r = client.get(url, params=params)
        assert "<script>alert(1)" not in r.text and "<img src=x" not in r.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    r = client.get("/products/" + "%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert r.status_code == 404 and "<script>alert(1)" not in r.text


def test_product_page(client: TestClient) -> None:
    html = client.get("/products/tp-link-kasa-kp125m", params={"market": "pge"}).text
    assert "Kasa Smart Wi-Fi Plug Slim with Energy Monitoring" in html
    assert "KP125M" in html and "Energy monitoring" in html and "U.S. Cyber Trust Mark" in html
    assert "Matter identifiers" in html
    assert re.search(r"Zigbee</dt><dd><span class=\"tri tri-unknown\">unknown</span>", html)  # never blank
    assert 'href="/programs/renew-home-ohmconnect"' in html and "sources disagree" in html
    assert "Compatible" in html and 'href="/hubs/home-assistant-yellow"' in html
    assert 'name="market"' in html and "Last verified on" in html
    assert "Estimated earnings per device" in html and "Choose where you live" not in html
    # without a place: every program naming it, with the verdict; what it pays is asked per market
    everywhere = client.get("/products/tp-link-kasa-kp125m").text
    assert 'href="/programs/renew-home-ohmconnect"' in everywhere and "Choose where you live" in everywhere
    assert "Estimated earnings per device" not in everywhere


def test_product_page_market_errors_stay_on_the_page(client: TestClient) -> None:
    r = client.get("/products/tp-link-kasa-kp125m", params={"market": "Gotham Electric"})
    assert r.status_code == 422 and "That place was not recognised" in r.text and "Hub compatibility" in r.text


def test_product_names_redirect_to_the_canonical_id(client: TestClient) -> None:
    r = client.get("/products/Kasa KP125M", params={"market": "pge"}, follow_redirects=False)
    assert r.status_code == 301 and r.headers["location"] == "/products/tp-link-kasa-kp125m?market=pge"
    r = client.get("/regions/ca", follow_redirects=False)
    assert r.status_code == 301 and r.headers["location"] == "/regions/US-CA"
    r = client.get("/where", params={"market": "Pacific Gas & Electric Co"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/utilities/pge"
    r = client.get("/where", params={"market": "94105"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/regions/US-CA"


def test_program_page_in_plain_language(client: TestClient) -> None:
    html = client.get("/programs/renew-home-ohmconnect").text
    assert "Any ecobee thermostat" in html
    assert "TP-Link (also listed as Kasa) KP115, HS110 or HS300 smart plugs — needs energy monitoring" in html
    assert "listed as not supported" not in html  # claims are shown as yes/no with their evidence
    assert "communal-grid-ha VPP registry" in html and 'href="/utilities/pge"' in html
    html = client.get("/programs/pge-wattersaver").text
    assert "$50.00 when you enroll, per device" in html and "$5.00 per month, per device" in html
    assert "Events happen between 4 p.m. and 9 p.m., on any day." in html
    assert 'href="https://www.watter-saver.com/signup/"' in html


def test_hub_page(client: TestClient) -> None:
    html = client.get("/hubs/home-assistant-yellow").text
    assert "Zigbee coordinator" in html and "Thread border router" in html and "zha" in html
    assert 'href="/products/tp-link-kasa-kp125m"' in html or "Next page" in html


def test_market_pages_list_programs_and_top_earners(client: TestClient) -> None:
    html = client.get("/utilities/pge").text
    assert 'href="/programs/pge-wattersaver"' in html and "Devices that earn the most here" in html
    html = client.get("/regions/US-CA").text
    assert 'href="/utilities/pge"' in html and "California" in html


@pytest.mark.parametrize("url", ["/products/tp-link-kasa-kp125mx", "/programs/ohmconect", "/hubs/home-assistant-yelow",
                                 "/utilities/gotham", "/regions/XX", "/no/such/page"])
def test_unknown_ids_are_html_404s(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    check_structure(r.text)
    if "kp125mx" in url:
        assert 'href="/products/tp-link-kasa-kp125m"' in r.text  # did you mean


def test_api_errors_stay_problem_json(client: TestClient) -> None:
    for url in ("/v1/products/nope-nope", "/v1/no-such-route", "/static/nope.css"):
        r = client.get(url)
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


def test_ambiguous_name_lists_candidates(client: TestClient) -> None:
    r = client.get("/products/ecobee")
    assert r.status_code == 409 and 'href="/products/ecobee-ecobee3-lite"' in r.text


def test_pages_are_not_in_the_openapi_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if not p.startswith("/v1/")]


def test_check_my_home_with_a_device_list(client: TestClient) -> None:
    devices = "TP-Link | KP125M\necobee3 lite\nRheem | PROPH65 T2 RH375-S\nAcme | Nothing 9000"
    r = client.post("/check", data={"market": "pge", "hub": "home-assistant-yellow", "devices": devices})
    assert r.status_code == 200, r.text[-800:]
    check_structure(r.text)
    assert "Estimated yearly earnings" in r.text and 'href="/programs/pge-wattersaver"' in r.text
    assert 'href="/products/rheem-proterra-proph65-t2-rh375-s"' in r.text
    assert "Not matched" in r.text and "Worth adding" in r.text and "Works with your hub" in r.text
    assert "Nothing you enter or upload is stored" in r.text and r.headers["cache-control"] == "no-store"


def test_check_my_home_with_a_home_assistant_registry(client: TestClient) -> None:
    r = client.post("/check", data={"market": "94105"},
                    files={"registry": ("core.device_registry", REGISTRY.read_bytes(), "application/json")})
    assert r.status_code == 200
    assert "(4 from your registry file)" in r.text  # the weather service is listed, as a service
    assert "A service of your hub" in r.text
    assert 'href="/products/tp-link-kasa-kp125m"' in r.text and 'href="/products/ecobee-ecobee3-lite"' in r.text
    assert "Desk lamp plug" in r.text


def test_check_my_home_errors(client: TestClient) -> None:
    r = client.post("/check", data={"market": "", "devices": "ecobee3 lite"})
    assert r.status_code == 422 and "location" in r.text and "ecobee3 lite</textarea>" in r.text
    r = client.post("/check", data={"market": "pge"}, files={"registry": ("x.json", b"{not json", "application/json")})
    assert r.status_code == 422 and "not a JSON file" in r.text
    r = client.post("/check", data={"market": "pge", "devices": "<script>alert(1)</script>"})
    assert "<script>alert(1)" not in r.text


@pytest.mark.parametrize(("kwargs", "status", "says"), [
    ({"files": {"registry": ("r.json", b'{"version": 1, "key": "core.device_registry", "data": []}', "application/json")}},
     422, "registry.data"),
    ({"files": {"registry": ("r.json", b'{"version": 7, "key": "core.device_registry", "data": {}}', "application/json")}},
     422, "not supported"),
    ({"content": b"abc", "headers": {"Content-Type": "multipart/form-data"}}, 400, "Missing boundary"),
    ({"content": b"x" * (7 * 1024 * 1024), "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
     413, "over"),
])
def test_check_my_home_answers_every_problem_as_a_page(client: TestClient, kwargs: dict, status: int, says: str) -> None:
    """A page flow never answers problem+json: a bad file, a broken form or an oversize one is an HTML page."""
    r = client.post("/check", data={"market": "pge"} if "files" in kwargs else None, **kwargs)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("text/html") and says in r.text
    assert '"type":' not in r.text


def test_contribute_proposes_a_valid_recipe(client: TestClient) -> None:
    form = {"kind": "device", "category": "smart-plug", "manufacturer": "TP-Link", "brand": "Kasa",
            "product_name": "Smart Plug Mini 15A", "model": "EP10ZZ", "source": "https://www.tp-link.com/us/"}
    r = client.post("/contribute", data=form)
    assert r.status_code == 200 and "No problems found" in r.text
    assert "catalog/devices/smart-plug/tp-link-kasa-ep10zz.yaml" in r.text
    assert re.search(r"<pre id=\"recipe-text\"[^>]*>.*model_numbers:", r.text, re.S)
    assert not (ROOT / "catalog/devices/smart-plug/tp-link-kasa-ep10zz.yaml").exists()


def test_contribute_shows_problems_with_locations(client: TestClient) -> None:
    r = client.post("/contribute", data={"kind": "program", "name": "Cool <b>Deals</b>", "operator": "",
                                         "utilities": "pgee", "source": "ftp://example.org"})
    assert r.status_code == 422
    assert re.search(r"catalog/programs/[a-z0-9-]+\.yaml:\d+:\d+: operator: required field is missing", r.text)
    assert "URL scheme must be http or https" in r.text and "HTML markup is not allowed" in r.text
    assert "Cool &lt;b&gt;Deals&lt;/b&gt;" in r.text and "<b>Deals" not in r.text
    r = client.post("/contribute", data={"kind": "program", "name": "Peak Deals", "operator": "Acme",
                                         "utilities": "pgee", "source": "https://example.org"})
    assert "no utility &#39;pgee&#39; in the catalog; did you mean pge" in r.text


def test_every_program_hub_utility_and_region_page_renders(client: TestClient, cat) -> None:
    """Recipes vary (unknowns everywhere, odd shapes): no page may fail to render."""
    from derdir.overview import regions

    devices = [r[0] for r in cat.sql("SELECT id FROM device ORDER BY id")][::25]
    urls = ([f"/programs/{p}" for p in cat.programs] + [f"/hubs/{h}" for h in cat.hubs]
            + [f"/utilities/{u}" for u in cat.utilities] + [f"/regions/{r['code']}" for r in regions(cat)]
            + [f"/products/{d}" for d in devices])
    failed = [(u, r.status_code) for u in urls if (r := client.get(u)).status_code != 200]
    assert not failed


def test_pages_render_recipes_with_only_required_fields(mini, tmp_path) -> None:
    """Minimal recipes (no descriptions, no optional facts) must render, showing unknowns as unknown."""
    from fastapi.testclient import TestClient

    from derdir.api.app import create_app
    from derdir.catalog.build import build

    root = mini({})
    build(root, tmp_path / "b")
    client = TestClient(create_app(tmp_path / "b"))
    for url in ["/products/acme-plug", "/products/acme-plug?market=pge", "/programs/acme-rewards", "/hubs/zig-hub",
                "/utilities/pge", "/regions/US-CA"]:
        r = client.get(url)
        assert r.status_code == 200, (url, r.text[:500])
    assert "unknown" in client.get("/products/acme-dumb-plug").text


def test_the_market_picker_shows_the_names_people_know(client: TestClient) -> None:
    """The datalist listed legal names ("Niagara Mohawk Power Corporation") where people know "National Grid"."""
    r = client.get("/check")
    assert '<option value="national-grid-ny">National Grid (Niagara Mohawk Power Corporation, US-NY)</option>' in r.text
    assert '<option value="pge">PG&amp;E (Pacific Gas and Electric Company, US-CA)</option>' in r.text
