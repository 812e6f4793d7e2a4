"""End to end in a real browser: Debian's chromium driven by Playwright against a real uvicorn server.

Screenshots of the main pages go to test-artifacts/screenshots/ (gitignored) for a person to look at.
Skipped only when /usr/bin/chromium is missing (Playwright's own browser download is never used).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import free_port

CHROMIUM = Path(os.environ.get("DERDIR_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-artifacts" / "screenshots"
REGISTRY = Path(__file__).parent / "fixtures" / "core.device_registry"
# ReDoc draws its "API docs by Redocly" logo from its CDN (no option turns it off; it hides the image when it
# fails): /redoc's policy refuses it, as it refuses every other host, and the browser logs that refusal.
REDOC_BRANDING = "https://cdn.redoc.ly/redoc/logo-mini.svg"

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(),
                                 reason=f"no chromium at {CHROMIUM} (install Debian's chromium package)")]


@pytest.fixture(scope="module")
def server(real_build: Path) -> Iterator[str]:
    """A real uvicorn serving the session build on a free local port."""
    port = free_port()
    env = {**os.environ, "DERDIR_BUILD": str(real_build)}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "derdir.api.asgi:app", "--host", "127.0.0.1",
                             "--port", str(port), "--log-level", "warning"], env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("uvicorn did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server: str) -> Iterator[object]:
    """A fresh page; fails the test on any console error (a CSP violation shows up as one) or failed asset.

    Documents may answer 4xx on purpose (a form with problems is 422), so only sub-resources count."""
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    errors: list[str] = []
    pg.on("console", lambda msg: errors.append(msg.text)
          if msg.type == "error" and not msg.text.startswith("Failed to load resource")
          and REDOC_BRANDING not in msg.text else None)
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.on("response", lambda r: errors.append(f"{r.status} {r.url}")
          if r.status >= 400 and r.request.resource_type != "document" else None)
    yield pg
    context.close()
    assert not errors, errors


def shot(pg, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_search_and_open_a_product(page) -> None:
    page.goto("/")
    assert page.locator("h1").inner_text().startswith("Home energy devices")
    shot(page, "home")
    page.fill("#q", "KP125M")
    quick = page.locator("#instant-results a[href='/products/tp-link-kasa-kp125m']")
    quick.wait_for()  # instant results from /v1/search, drawn by site.js
    shot(page, "home-instant-results")
    page.press("#q", "Enter")  # the form still submits to the server-rendered search
    page.wait_for_url("**/search?q=KP125M*")
    shot(page, "search")
    page.locator("main .results a[href='/products/tp-link-kasa-kp125m']").click()
    page.wait_for_url("**/products/tp-link-kasa-kp125m")
    assert "Energy Monitoring" in page.locator("h1").inner_text()
    page.fill("#market", "pge")
    page.get_by_role("button", name="Show", exact=True).click()
    page.wait_for_url("**/products/tp-link-kasa-kp125m?market=pge*")
    assert page.locator("#programs ~ ul.cards a[href='/programs/renew-home-ohmconnect']").count() == 1
    assert page.locator("text=Hub compatibility").count() == 1
    shot(page, "product")


def test_open_a_program(page) -> None:
    page.goto("/programs")
    page.get_by_role("link", name="WatterSaver", exact=True).first.click()
    page.wait_for_url("**/programs/pge-wattersaver")
    assert page.locator("h1").inner_text() == "WatterSaver"
    assert page.locator("text=$5.00 per month, per device").count() == 1
    page.goto("/programs/renew-home-ohmconnect")
    assert page.locator("text=Any ecobee thermostat").count() >= 1
    shot(page, "program")


def test_hub_and_market_pages(page) -> None:
    page.goto("/hubs/home-assistant-yellow")
    assert page.locator("dt", has_text="Zigbee coordinator").count() == 1
    shot(page, "hub")
    page.goto("/")
    page.fill("#home-market", "pge")
    page.get_by_role("button", name="Show programs").click()
    page.wait_for_url("**/utilities/pge")
    assert page.locator("a[href='/programs/pge-wattersaver']").count() >= 1
    shot(page, "utility")
    page.goto("/regions/US-CA")
    shot(page, "region")


def test_check_my_home_with_a_device_list(page) -> None:
    page.goto("/check")
    page.fill("#check-market", "pge")
    page.select_option("#check-hub", "home-assistant-yellow")
    page.fill("#device-search", "ecobee3 lite")  # the picker appears only with JavaScript
    page.locator("#device-search-results button", has_text="ecobee3 lite").first.click()
    assert "ecobee | ecobee3 lite" in page.input_value("#check-devices")
    page.locator("#check-devices").press("End")
    page.locator("#check-devices").type("Rheem | PROPH65 T2 RH375-S\nTP-Link | KP125M\n")
    page.get_by_role("button", name="Check my home").click()
    page.wait_for_selector("#results")
    assert page.locator("#results a[href='/programs/pge-wattersaver']").count() >= 1
    assert page.locator("text=Estimated yearly earnings").count() == 1
    assert page.locator("text=Works with your hub").count() >= 1
    shot(page, "check-devices")


def test_check_my_home_with_a_home_assistant_registry(page) -> None:
    page.goto("/check")
    page.fill("#check-market", "94105")
    page.set_input_files("#check-registry", str(REGISTRY))
    page.get_by_role("button", name="Check my home").click()
    page.wait_for_selector("#results")
    assert page.locator("text=(4 from your registry file)").count() == 1
    assert page.locator("#results a[href='/products/ecobee-ecobee3-lite']").count() >= 1
    assert page.locator("text=Desk lamp plug").count() >= 1
    shot(page, "check-registry")


def test_propose_a_recipe(page) -> None:
    page.goto("/contribute")
    page.select_option("#f-category", "smart-plug")
    page.fill("#f-manufacturer", "TP-Link")
    page.fill("#f-brand", "Kasa")
    page.fill("#f-product_name", "Smart Plug Mini 15A")
    page.fill("#f-model", "EP10ZZ")
    page.fill("#f-source", "https://www.tp-link.com/us/")
    page.get_by_role("button", name="Write the recipe").click()
    page.wait_for_selector("#recipe-text")
    text = page.locator("#recipe-text").inner_text()
    assert "manufacturer: TP-Link" in text and "model_numbers:" in text
    assert page.locator("text=No problems found").count() == 1
    assert page.locator(".copy-button").is_visible()
    shot(page, "contribute")
    page.goto("/contribute?kind=program")
    page.fill("#f-name", "Peak Deals")
    page.fill("#f-operator", "Acme")
    page.fill("#f-utilities", "pgee")
    page.fill("#f-source", "https://example.org/deals")
    page.get_by_role("button", name="Write the recipe").click()
    page.wait_for_selector("#result-heading")
    assert page.locator("text=did you mean pge").count() == 1
    shot(page, "contribute-problems")


def test_everything_works_without_javascript(browser, server: str) -> None:
    context = browser.new_context(base_url=server, java_script_enabled=False)
    pg = context.new_page()
    try:
        pg.goto("/")
        pg.fill("#q", "ecobee")
        pg.press("#q", "Enter")
        pg.wait_for_url("**/search?q=ecobee*")
        assert pg.locator("main .results a[href='/products/ecobee-ecobee3-lite']").count() == 1
        pg.goto("/check")
        assert not pg.locator("#device-search").is_visible()  # the JavaScript-only picker stays hidden
        pg.fill("#check-market", "pge")
        pg.fill("#check-devices", "ecobee3 lite\n")
        pg.get_by_role("button", name="Check my home").click()
        pg.wait_for_selector("#results")
        assert pg.locator("#results a[href='/products/ecobee-ecobee3-lite']").count() >= 1
    finally:
        context.close()


def test_phone_layout_and_keyboard(browser, server: str) -> None:
    context = browser.new_context(base_url=server, viewport={"width": 375, "height": 740}, is_mobile=True)
    pg = context.new_page()
    try:
        for url, name in [("/", "phone-home"), ("/products/tp-link-kasa-kp125m", "phone-product"),
                          ("/check", "phone-check")]:
            pg.goto(url)
            width = pg.evaluate("document.documentElement.scrollWidth")
            assert width <= 376, f"{url} scrolls sideways on a phone ({width}px)"
            shot(pg, name)
        pg.goto("/")
        pg.keyboard.press("Tab")
        assert pg.evaluate("document.activeElement.textContent") == "Skip to content"
        pg.keyboard.press("Enter")
        assert pg.evaluate("document.activeElement.id") == "main"
    finally:
        context.close()


def test_api_docs_render_offline_under_their_policy(page, browser) -> None:
    """/docs and /redoc draw the API from this server alone: a request to any other host is refused (so a CDN
    asset would fail the test), and the page fixture fails on any console error, CSP violations included."""
    outside: list[str] = []
    page.route(lambda url: not url.startswith("http://127.0.0.1:"),
               lambda route: (outside.append(route.request.url), route.abort()))
    page.goto("/docs")
    page.locator(".opblock-summary-path", has_text="/v1/products/{product_id}").first.wait_for()
    assert page.locator(".opblock").count() >= 10
    shot(page, "docs-swagger")
    page.goto("/redoc")
    page.get_by_text("/v1/households/evaluate").first.wait_for()
    shot(page, "docs-redoc")
    assert outside == []
