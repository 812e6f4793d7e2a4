"""`/v1` routes for hubs sending a whole home: resolve, evaluate, recommend."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends
from pydantic import BaseModel, ConfigDict, Field

from .. import household
from ..catalog.index import Catalog
from ..resolve import DeviceReport, resolve
from .deps import catalog

router = APIRouter(prefix="/v1")
Cat = Annotated[Catalog, Depends(catalog)]
MAX_BATCH = 500


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")
    utility: str | None = Field(None, max_length=200, description="Utility id, name, short name or EIA id.")
    state: str | None = Field(None, max_length=60, description="US state or Canadian province (code or name).")
    zip: str | None = Field(None, max_length=10, description="US ZIP code.")


class ResolveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    devices: list[DeviceReport] = Field(max_length=MAX_BATCH)


class HouseholdRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    location: Location | Annotated[str, Field(min_length=1, max_length=200)]
    hub: str | None = Field(None, max_length=200)
    devices: list[DeviceReport] = Field(default_factory=list, max_length=MAX_BATCH)


class RecommendRequest(HouseholdRequest):
    limit: int = Field(10, ge=1, le=50)


def _loc(loc: Location | str) -> Any:
    return loc if isinstance(loc, str) else loc.model_dump(exclude_none=True)


@router.post("/resolve", summary="Resolve devices as a hub reports them")
def post_resolve(cat: Cat, body: Annotated[ResolveRequest, Body()]) -> dict[str, Any]:
    """One result per device, in order: the matched product (or a maker+kind 'family'), candidates, reason."""
    return {"results": [resolve(cat, d).as_dict() for d in body.devices], "catalog_version": cat.version}


@router.post("/households/evaluate", summary="Evaluate a home")
def post_evaluate(cat: Cat, body: Annotated[HouseholdRequest, Body()]) -> dict[str, Any]:
    """Per device: resolution, qualifying programs with estimated earnings, near misses; totals for the home."""
    return household.evaluate(cat, _loc(body.location), body.devices, body.hub)


@router.post("/households/recommendations", summary="Devices to add")
def post_recommendations(cat: Cat, body: Annotated[RecommendRequest, Body()]) -> dict[str, Any]:
    """Devices the home lacks that work with its hub and qualify for programs in its market, by added yearly earnings."""
    return household.recommend(cat, _loc(body.location), body.hub, body.devices, body.limit)
