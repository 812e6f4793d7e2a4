"""Market pages: a utility, a state or province, and the 'where do you live' redirect."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..api.deps import catalog
from ..catalog.index import Catalog
from ..errors import NotFound
from ..lookup import find_in_memory
from ..markets import parse_region, resolve_location
from ..overview import region_name
from ..search import list_programs, list_utilities
from ..top_earners import top_earners
from .errors import PageRoute
from .render import page, query

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Cat = Annotated[Catalog, Depends(catalog)]
Ref = Annotated[str, Path(min_length=1, max_length=300)]


@router.get("/where", response_class=HTMLResponse)
def where(cat: Cat, market: Annotated[str, Query(min_length=1, max_length=200)]) -> Response:
    """Send a typed place (utility, state or ZIP) to its utility or region page."""
    m = resolve_location(cat, market)
    if m.utility and m.how == "utility":
        return RedirectResponse(f"/utilities/{m.utility}", status_code=303)
    return RedirectResponse(f"/regions/{m.region}", status_code=303)


@router.get("/utilities/{utility_id}", response_class=HTMLResponse)
def utility_page(request: Request, cat: Cat, utility_id: Ref) -> Response:
    """A utility: its programs and the devices that earn the most with them."""
    uid = find_in_memory(cat, "utility", utility_id, "utility_id")
    if uid != utility_id:
        return RedirectResponse(f"/utilities/{uid}", status_code=301)
    u = cat.utilities[uid]
    return page(request, "market.html", title=u.name, path=f"/utilities/{uid}", json_url=f"/v1/utilities/{uid}",
                heading=u.name, u=u, region=None, region_utilities=[], utilities=cat.utilities,
                programs=list_programs(cat, uid), top=top_earners(cat, uid),
                programs_json="/v1/programs" + query(market=uid), devices_url="/search" + query(market=uid))


@router.get("/regions/{code}", response_class=HTMLResponse)
def region_page(request: Request, cat: Cat, code: Ref) -> Response:
    """A state or province: its utilities, the programs anyone there can join, the top earners."""
    region = parse_region(code)
    if region is None:
        raise NotFound("region", code)
    if region != code:
        return RedirectResponse(f"/regions/{region}", status_code=301)
    programs_json = "/v1/programs" + query(market=region)
    return page(request, "market.html", title=region_name(region), path=f"/regions/{region}", json_url=programs_json,
                heading=region_name(region), u=None, region=region, region_utilities=list_utilities(cat, region),
                utilities=cat.utilities, programs=list_programs(cat, region), top=top_earners(cat, region),
                programs_json=programs_json, devices_url="/search" + query(market=region))
