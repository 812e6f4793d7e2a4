"""`/v1` read routes: products, programs, hubs, utilities, search and the whole catalog.

Each route calls one core function and returns its result; no catalog logic lives here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import FileResponse, Response

from .. import search
from ..compat import compat
from ..product import product
from ..support import support
from ..catalog.index import Catalog
from ..errors import NotFound
from ..lookup import find_in_memory
from ..markets import market_answer, suggest_utilities
from ..recipes.common import Category
from . import schemas as s
from .deps import catalog, json_response
from .middleware import accepts_gzip

router = APIRouter(prefix="/v1")
Cat = Annotated[Catalog, Depends(catalog)]
Ref = Annotated[str, Path(min_length=1, max_length=300, pattern=s.NOT_BLANK)]
Opt = Annotated[str | None, Query(min_length=1, max_length=200, pattern=s.NOT_BLANK)]


@router.get("/products", summary="Search products", response_model=s.ProductPage,
            responses=s.READ_ERRORS, response_model_exclude_unset=True)
def list_products(cat: Cat, q: Annotated[str | None, Query(max_length=200)] = None, category: Category | None = None,
                  manufacturer: Opt = None, protocol: Opt = None, program: Opt = None, market: Opt = None,
                  hub: Opt = None, page: Annotated[int, Query(ge=1, le=10_000)] = 1,
                  per_page: Annotated[int, Query(ge=1, le=100)] = 20) -> Response:
    """Products matching every filter given; `q` searches names, models and makers."""
    return json_response(search.search_products(cat, q, category=category.value if category else None, manufacturer=manufacturer,
                                  protocol=protocol,
                                  program=program, market=market, hub=hub, page=page, per_page=per_page))


@router.get("/products/{product_id}", summary="A product and its programs", response_model=s.ProductAnswer,
            responses=s.PRODUCT_ERRORS, response_model_exclude_unset=True)
async def get_product(cat: Cat, product_id: Ref, market: Opt = None, hub: Opt = None) -> Response:
    """Everything about a product (id, former id, or a name such as 'Kasa KP125M'), and the programs
    that support it, in one market when `market` (utility, state or ZIP code) is given."""
    # Answered on the event loop, not in a worker thread: it takes well under a millisecond, and
    # threads doing that much Python would make the loop wait for the GIL at every switch.
    return json_response(product(cat, product_id, market, hub))


@router.get("/products/{product_id}/programs/{program_id}", summary="Is a product supported by a program",
            response_model=s.SupportAnswer, responses=s.PRODUCT_ERRORS, response_model_exclude_unset=True)
def get_support(cat: Cat, product_id: Ref, program_id: Ref, hub: Opt = None) -> Response:
    """For every market the program serves: supported (true/false/null), incentives and evidence."""
    return json_response(support(cat, product_id, program_id, hub))


@router.get("/products/{product_id}/hubs/{hub_id}", summary="Does a product work with a hub",
            response_model=s.CompatAnswer, responses=s.PRODUCT_ERRORS, response_model_exclude_unset=True)
def get_compat(cat: Cat, product_id: Ref, hub_id: Ref) -> Response:
    """`compatible` true/false/null, and how: an integration or a protocol path."""
    return json_response(compat(cat, product_id, hub_id))


@router.get("/programs", summary="List programs", response_model=list[s.ProgramListItem],
            responses=s.READ_ERRORS, response_model_exclude_unset=True)
def list_programs(cat: Cat, market: Opt = None,
                  status: Literal["active", "paused", "ended", "unknown"] | None = None) -> list[dict[str, Any]]:
    return search.list_programs(cat, market, status)


def _entity(cat: Catalog, kind: str, ref: str, field: str) -> dict[str, Any]:
    rid = find_in_memory(cat, kind, ref, field)
    data = cat.entity_json(kind, rid)
    if data is None:  # pragma: no cover - ids come from the same build
        raise NotFound(kind, ref)
    return data


@router.get("/programs/{program_id}", summary="A program recipe", response_model=s.ProgramRecipe,
            responses=s.READ_ERRORS, response_model_exclude_unset=True)
def get_program(cat: Cat, program_id: Ref) -> dict[str, Any]:
    return _entity(cat, "program", program_id, "program_id")


@router.get("/hubs", summary="List hubs", response_model=list[s.HubListItem],
            responses=s.READ_ERRORS, response_model_exclude_unset=True)
def list_hubs(cat: Cat) -> list[dict[str, Any]]:
    return search.list_hubs(cat)


@router.get("/hubs/{hub_id}", summary="A hub recipe", response_model=s.HubRecipe,
            responses=s.READ_ERRORS, response_model_exclude_unset=True)
def get_hub(cat: Cat, hub_id: Ref) -> dict[str, Any]:
    return _entity(cat, "hub", hub_id, "hub_id")


@router.get("/utilities", summary="List utilities", response_model=list[s.UtilityListItem],
            responses=s.READ_ERRORS, response_model_exclude_unset=True)
def list_utilities(cat: Cat, region: Opt = None) -> list[dict[str, Any]]:
    return search.list_utilities(cat, region)


@router.get("/markets", summary="Which utility serves a location", response_model=s.MarketAnswer,
            responses=s.READ_ERRORS, response_model_exclude_unset=True)
def get_market(cat: Cat, location: Annotated[str, Query(min_length=1, max_length=200, pattern=s.NOT_BLANK)]) -> Response:
    """A ZIP code, Canadian postal code, utility (id, name as a bill writes it, EIA id) or state -> the utility
    (or ranked candidates when the data cannot decide), the region, and the programs known there."""
    return json_response(market_answer(cat, location))


@router.get("/markets/suggest", summary="Utilities by the name a bill writes", response_model=list[s.UtilitySuggestion],
            responses=s.READ_ERRORS)
def suggest_market(cat: Cat, q: Annotated[str, Query(min_length=1, max_length=200)],
                   limit: Annotated[int, Query(ge=1, le=50)] = 10) -> list[dict[str, Any]]:
    """For a location box: utilities whose name starts with (then contains) `q`."""
    return suggest_utilities(cat, q, limit)


@router.get("/utilities/{utility_id}", summary="A utility recipe", response_model=s.UtilityRecipe,
            responses=s.READ_ERRORS, response_model_exclude_unset=True)
def get_utility(cat: Cat, utility_id: Ref) -> dict[str, Any]:
    return _entity(cat, "utility", utility_id, "utility_id")


@router.get("/search", summary="Search everything", response_model=list[s.SearchHit],
            responses=s.READ_ERRORS, response_model_exclude_unset=True)
def search_everything(cat: Cat, q: Annotated[str, Query(min_length=1, max_length=200)],
                      limit: Annotated[int, Query(ge=1, le=50)] = 20) -> list[dict[str, Any]]:
    """Products, hubs, programs and utilities whose names match `q`, best first."""
    return search.search_all(cat, q, limit)


@router.get("/catalog", summary="The whole catalog", response_class=Response,
            responses={200: {"content": {"application/json": {"schema": {"type": "object"}}}}, **s.READ_ERRORS})
def whole_catalog(cat: Cat, request: Request) -> Response:
    """Every recipe in one JSON document (gzipped when the client accepts it), with the build version."""
    headers = {"Cache-Control": "public, max-age=300", "Vary": "Accept-Encoding"}
    if accepts_gzip(request.headers.get("accept-encoding", "")):
        return FileResponse(cat.path / "catalog.json.gz", media_type="application/json",
                            headers={**headers, "Content-Encoding": "gzip"})
    return FileResponse(cat.path / "catalog.json", media_type="application/json", headers=headers)


@router.get("/version", summary="Catalog build version", response_model=s.VersionAnswer,
            responses=s.READ_ERRORS, response_model_exclude_unset=True)
def version(cat: Cat) -> dict[str, Any]:
    return {"version": cat.version, "built_at": cat.meta["built_at"], "counts": cat.meta["counts"]}
