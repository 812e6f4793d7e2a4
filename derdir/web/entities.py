"""One page per entity: product, program, hub."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..compat import compat
from ..product import product
from ..search import search_products
from ..api.deps import catalog
from ..catalog.index import Catalog
from ..errors import DerdirError
from ..scope import standing
from ..support import market_keys, place_of_key
from ..lookup import device_summary, find_device, find_in_memory
from .errors import PageRoute
from .pages import choices
from .render import page, query

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Cat = Annotated[Catalog, Depends(catalog)]
Ref = Annotated[str, Path(min_length=1, max_length=300)]
Opt = Annotated[str | None, Query(max_length=200)]
PageNo = Annotated[int, Query(alias="page", ge=1, le=10_000)]
GROUPS = (("compatible", True), ("unknown", None), ("not compatible", False))


def hub_groups(cat: Catalog, did: str) -> dict[str, list[dict[str, Any]]]:
    """compat.compat for every hub in the catalog, grouped by its answer."""
    answers = [{**compat(cat, did, hid), "name": h.product_name} for hid, h in sorted(cat.hubs.items())]
    return {label: [a for a in answers if a["compatible"] is value] for label, value in GROUPS}


def _canonical(kind_path: str, ref: str, rid: str, **params: str | None) -> Response | None:
    """Redirect a former id or a name to the canonical URL."""
    return None if ref == rid else RedirectResponse(kind_path + rid + query(**params), status_code=301)


@router.get("/products/{product_id}", response_class=HTMLResponse)
def product_page(request: Request, cat: Cat, product_id: Ref, market: Opt = None) -> Response:
    """Everything about a product, its programs (in a market if chosen) and its hubs."""
    did = find_device(cat, product_id)
    market = (market or "").strip() or None
    if (moved := _canonical("/products/", product_id, did, market=market)) is not None:
        return moved
    problem = None
    try:
        data = product(cat, did, market)
    except DerdirError as exc:
        problem, data = str(exc), product(cat, did)
    device = cat.device(did)
    return page(request, "product.html", title=device.product_name if device else did, path=f"/products/{did}",
                json_url=f"/v1/products/{did}" + query(market=market if not problem else None),
                status=422 if problem else 200, data=data, d=device, market=market, problem=problem,
                hubs=hub_groups(cat, did), choices=choices(cat), utilities=cat.utilities)


@router.get("/programs/{program_id}", response_class=HTMLResponse)
def program_page(request: Request, cat: Cat, program_id: Ref) -> Response:
    """A program: where it is offered, which devices, what it pays, the event rules."""
    pid = find_in_memory(cat, "program", program_id, "program_id")
    if (moved := _canonical("/programs/", program_id, pid)) is not None:
        return moved
    p = cat.programs[pid]
    claimed = {c.device: device_summary(cat, c.device) for c in p.eligibility.devices}
    devices = search_products(cat, program=pid, per_page=100)
    enrollment = {k: standing(p, place_of_key(cat, k)) for k in market_keys(cat, p)}
    return page(request, "program.html", title=p.name, path=f"/programs/{pid}", json_url=f"/v1/programs/{pid}",
                pid=pid, p=p, claimed=claimed, devices=devices, utilities=cat.utilities, enrollment=enrollment,
                joinable=any(s.joinable for s in enrollment.values()))


@router.get("/hubs/{hub_id}", response_class=HTMLResponse)
def hub_page(request: Request, cat: Cat, hub_id: Ref, page_no: PageNo = 1) -> Response:
    """A hub: radios, roles, integrations, and devices known to work with it."""
    hid = find_in_memory(cat, "hub", hub_id, "hub_id")
    if (moved := _canonical("/hubs/", hub_id, hid)) is not None:
        return moved
    devices = search_products(cat, hub=hid, page=page_no, per_page=50)
    path = f"/hubs/{hid}" + query(page=page_no if page_no > 1 else None)
    return page(request, "hub.html", title=cat.hubs[hid].product_name, path=path, json_url=f"/v1/hubs/{hid}",
                hid=hid, h=cat.hubs[hid], devices=devices)
