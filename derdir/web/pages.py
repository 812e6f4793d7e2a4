"""Home, search and the browse pages (programs, hubs, regions)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from ..search import list_hubs, list_programs, list_utilities, search_all, search_products
from ..api.deps import catalog
from ..catalog.index import Catalog
from ..errors import DerdirError
from ..overview import counts, regions
from ..recipes.common import Category
from ..recipes.device import DRStandard
from .errors import PageRoute
from .render import page, query

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Cat = Annotated[Catalog, Depends(catalog)]
Opt = Annotated[str | None, Query(max_length=200)]

PROTOCOLS = [("wifi", "Wi-Fi"), ("ethernet", "Ethernet"), ("bluetooth", "Bluetooth"), ("thread", "Thread"),
             ("zigbee", "Zigbee"), ("zwave", "Z-Wave"), ("matter", "Matter"), ("cellular", "Cellular"),
             ("lora", "LoRa")]
FILTERS = ("category", "manufacturer", "protocol", "market", "program", "hub")


def choices(cat: Catalog) -> dict[str, Any]:
    """Options for the search filters and the market pickers (per build; read-only). Kept with the
    build, not in a cache keyed by it, which would keep replaced builds alive."""
    made = cat.derived.get("choices")
    if made is None:
        made = cat.derived["choices"] = _choices(cat)
    return made


def utility_label(u: Any) -> str:
    """What people call a utility first, the legal name after: 'National Grid (Niagara Mohawk Power Corporation,
    US-NY)', where the name on its own was a legal name nobody types."""
    short = u.short_name if u.short_name and u.short_name != u.name else None
    return f"{short} ({u.name}, {', '.join(u.regions)})" if short else u.name


def _choices(cat: Catalog) -> dict[str, Any]:
    return {
        "categories": [c.value for c in Category],
        "protocols": PROTOCOLS + [(s.value, s.value) for s in DRStandard],
        "programs": [{"id": pid, "name": p.name, "operator": p.operator} for pid, p in sorted(cat.programs.items())],
        "hubs": [{"id": hid, "name": h.product_name} for hid, h in sorted(cat.hubs.items())],
        "regions": regions(cat),
        # utilities that run programs (the rest, 2,000 of them, come from /v1/markets/suggest as one types)
        "utilities": [{"id": uid, "name": u.name, "label": utility_label(u)} for uid, u in sorted(cat.utilities.items())
                      if cat.programs_by_utility.get(uid) or not (u.imported and "name" in u.imported.owned_fields)],
    }


@router.get("/", response_class=HTMLResponse)
def home(request: Request, cat: Cat) -> HTMLResponse:
    """Search box, filters, and what the catalog holds."""
    return page(request, "home.html", title="Home energy devices and the programs that pay for them", path="/",
                json_url="/v1/version", counts=counts(cat), choices=choices(cat), params={},
                categories=[c.value for c in Category])


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, cat: Cat, q: Opt = None, category: Opt = None, manufacturer: Opt = None,
                protocol: Opt = None, market: Opt = None, program: Opt = None, hub: Opt = None,
                page_no: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1) -> HTMLResponse:
    """Products matching the query and filters (the form's no-JavaScript path), plus other kinds by name."""
    params = {k: v.strip() for k, v in dict(q=q, category=category, manufacturer=manufacturer, protocol=protocol,
                                            market=market, program=program, hub=hub).items() if v and v.strip()}
    filters = {k: params.get(k) for k in FILTERS}
    problem, result, others = None, None, []
    try:
        result = search_products(cat, params.get("q"), page=page_no, per_page=20, **filters)
        if params.get("q"):
            others = [o for o in search_all(cat, params["q"], 20) if o["kind"] != "device"]
    except DerdirError as exc:
        problem = str(exc)
    json_url = "/v1/products" + query(**params, page=page_no if page_no > 1 else None)
    return page(request, "search.html", title=f"Search: {params['q']}" if params.get("q") else "Search",
                path="/search" + query(**params, page=page_no if page_no > 1 else None), json_url=json_url,
                status=422 if problem else 200, params=params, choices=choices(cat), result=result, others=others,
                problem=problem, open_filters=any(filters.values()))


@router.get("/programs", response_class=HTMLResponse)
def programs_page(request: Request, cat: Cat) -> HTMLResponse:
    """Every program, with links to where it is offered."""
    return page(request, "programs.html", title="Programs", path="/programs", json_url="/v1/programs",
                programs=list_programs(cat))


@router.get("/hubs", response_class=HTMLResponse)
def hubs_page(request: Request, cat: Cat) -> HTMLResponse:
    """Every hub in the catalog."""
    return page(request, "hubs.html", title="Hubs", path="/hubs", json_url="/v1/hubs", hubs=list_hubs(cat))


@router.get("/regions", response_class=HTMLResponse)
def regions_page(request: Request, cat: Cat) -> HTMLResponse:
    """States and provinces, with the utilities serving each."""
    utilities = list_utilities(cat)
    by_region: dict[str, list[dict[str, Any]]] = {}
    for u in utilities:
        for r in u["regions"]:
            by_region.setdefault(r, []).append(u)
    return page(request, "regions.html", title="Regions and utilities", path="/regions", json_url="/v1/utilities",
                regions=regions(cat), by_region=by_region)
