"""Rendering: the Jinja2 environment (autoescaped), template helpers, and the page/error responses."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from .. import plain
from ..incentives import describe
from ..overview import region_name

TEMPLATES = Path(__file__).parent / "templates"

ECOSYSTEMS = {
    "home-assistant": "Home Assistant", "google-home": "Google Home", "alexa": "Amazon Alexa", "apple-home": "Apple Home",
    "smartthings": "SmartThings", "hubitat": "Hubitat", "ifttt": "IFTTT", "homey": "Homey", "hue": "Philips Hue",
    "aqara": "Aqara", "zigbee2mqtt": "Zigbee2MQTT", "openhab": "openHAB",
}
PATHS = {"device": "/products/", "product": "/products/", "hub": "/hubs/", "program": "/programs/",
         "utility": "/utilities/", "region": "/regions/"}


def tri(value: object) -> str:
    """true/false/null -> 'yes'/'no'/'unknown'."""
    return {True: "yes", False: "no"}.get(value, "unknown") if isinstance(value, bool) or value is None else "yes"


def known(value: object) -> object:
    """A value, or 'unknown' when the recipe does not give one (never blank)."""
    return "unknown" if value is None or value == "" or value == [] else value


def money(amount: float | None, currency: str = "USD") -> str:
    if amount is None:
        return "unknown"
    sym = "$" if currency in ("USD", "CAD") else ""
    text = f"{sym}{amount:,.0f}" if float(amount).is_integer() else f"{sym}{amount:,.2f}"
    return text + ("" if currency == "USD" else f" {currency}")


def yearly(est: dict[str, Any] | None) -> str:
    """An estimate dict -> '$60 a year (range $60–$60)' or 'unknown'."""
    if not est or est.get("typical") is None:
        return "unknown"
    cur = est.get("currency", "USD")
    lo, ty, hi = est["low"], est["typical"], est["high"]
    text = f"about {money(ty, cur)} a year"
    if lo != hi:
        text += f" (range {money(lo, cur)}–{money(hi, cur)})"
    return text


def href(kind: str, rid: str) -> str:
    """Page URL of an entity: ('device', 'x') -> '/products/x'."""
    return PATHS.get(kind, "/") + rid


def hexid(value: int | None) -> str:
    return "unknown" if value is None else f"0x{value:04X} ({value})"


def query(**params: Any) -> str:
    """'?a=1&b=2' from the params that have a value."""
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return "?" + urlencode(kept) if kept else ""


def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters.update(tri=tri, known=known, money=money, yearly=yearly, hexid=hexid, region=region_name,
                       noun=plain.noun, ecosystem=lambda e: ECOSYSTEMS.get(e, e))
    env.globals.update(href=href, query=query, rule_text=plain.rule, events_text=plain.events,
                       requirements_text=plain.requirements, describe=describe)
    return env


ENV = _env()


def page(request: Request, template: str, *, title: str, path: str, json_url: str | None,
         status: int = 200, **context: Any) -> HTMLResponse:
    """Render a full page; `path` is its canonical path, `json_url` the API URL with the same data."""
    base = str(request.base_url).rstrip("/")
    html = ENV.get_template(template).render(
        request=request, title=title, canonical=base + path, json_url=json_url,
        version=getattr(request.state, "catalog_version", None), **context)
    return HTMLResponse(html, status_code=status)


def error(request: Request, status: int, heading: str, message: str, links: list[tuple[str, str]] | None = None,
          json_url: str | None = None) -> HTMLResponse:
    """An HTML error page (404 for unknown ids, 409 for ambiguous names, 422 for bad input)."""
    return page(request, "error.html", title=heading, path=request.url.path, json_url=json_url, status=status,
                heading=heading, message=message, links=links or [])
