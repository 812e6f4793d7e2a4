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
    "home-assistant": "Home Assistant", "google-home": "Google Home", "alexa": "Amazon Alexa",
    "apple-home": "Apple Home", "smartthings": "SmartThings", "hubitat": "Hubitat", "ifttt": "IFTTT",
    "homey": "Homey", "hue": "Philips Hue", "aqara": "Aqara", "zigbee2mqtt": "Zigbee2MQTT", "openhab": "openHAB",
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
    """An estimate dict -> 'about $60 a year (range $30–$90)', first-year-only money split out, or 'unknown'."""
    if not est or est.get("typical") is None:
        return "unknown"
    cur = est.get("currency", "USD")
    lo, ty, hi = est["low"], est["typical"], est["high"]
    once = est.get("includes_first_year_only") or 0
    span = f" (range {money(lo, cur)}–{money(hi, cur)})" if lo != hi else ""
    if once:
        return f"about {money(ty, cur)} in the first year{span}, then about {money(max(ty - once, 0), cur)} a year"
    return f"about {money(ty, cur)} a year{span}"


def href(kind: str, rid: str) -> str:
    """Page URL of an entity: ('device', 'x') -> '/products/x'."""
    return PATHS.get(kind, "/") + rid


def num(value: float | None) -> str:
    """1800.0 -> '1800', 13.5 -> '13.5'."""
    return "unknown" if value is None else f"{value:g}"


def sentence(text: str) -> str:
    """First letter upper-case, the rest as written ('EV chargers' stays 'EV chargers')."""
    return text[:1].upper() + text[1:]


def hexid(value: int | None) -> str:
    return "unknown" if value is None else f"0x{value:04X} ({value})"


def query(**params: Any) -> str:
    """'?a=1&b=2' from the params that have a value."""
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return "?" + urlencode(kept) if kept else ""


def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(tri=tri, known=known, money=money, yearly=yearly, hexid=hexid, region=region_name, num=num,
                       sentence=sentence,
                       noun=plain.noun, ecosystem=lambda e: ECOSYSTEMS.get(e, e))
    env.globals.update(href=href, query=query, rule_text=plain.rule, events_text=plain.events,
                       requirements_text=plain.requirements, describe=describe)
    return env


ENV = _env()


def page(request: Request, template: str, *, title: str, path: str, json_url: str | None,
         status: int = 200, **context: Any) -> HTMLResponse:
    """Render a full page; `path` is its canonical path, `json_url` the API URL with the same data. The
    canonical link is the configured public address (`--base-url`) plus the path, else the path alone:
    never the request's Host header, which a client sets (a cached page would carry its choice to others)."""
    base = getattr(request.app.state, "base_url", "") if "app" in request.scope else ""
    html = ENV.get_template(template).render(
        request=request, title=title, canonical=base + path, json_url=json_url,
        version=getattr(request.state, "catalog_version", None), **context)
    return HTMLResponse(html, status_code=status)


def error(request: Request, status: int, heading: str, message: str, links: list[tuple[str, str]] | None = None,
          json_url: str | None = None) -> HTMLResponse:
    """An HTML error page (404 for unknown ids, 409 for ambiguous names, 422 for bad input)."""
    return page(request, "error.html", title=heading, path=request.url.path, json_url=json_url, status=status,
                heading=heading, message=message, links=links or [])
