"""`/v1` routes for hubs sending a whole home: resolve, evaluate, recommend."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from .. import household, recommendations
from ..catalog.index import Catalog
from ..kinds.conditions import CONDITIONS
from ..recipes.common import ID_PATTERN
from ..resolve import DeviceReport, resolve_many
from . import schemas as s
from .deps import catalog, json_response

router = APIRouter(prefix="/v1")
Cat = Annotated[Catalog, Depends(catalog)]
MAX_BATCH = 500


EMPTY_OR_NOT_BLANK = "^$|" + s.NOT_BLANK  # empty means "not given"; only spaces is a mistake the schema can name


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")
    utility: str | None = Field(None, max_length=200, pattern=EMPTY_OR_NOT_BLANK,
                                description="Utility id, name, short name or EIA id.")
    state: str | None = Field(None, max_length=60, pattern=EMPTY_OR_NOT_BLANK,
                              description="US state or Canadian province (code or name).")
    zip: str | None = Field(None, max_length=10, pattern=r"^$|^[0-9]{5}(-[0-9]{4})?$", description="US ZIP code.")


Ident = Annotated[str, Field(max_length=300)]
Pairs = Annotated[list[Annotated[list[Ident], Field(min_length=1, max_length=2)]], Field(max_length=20)]


class DeviceIn(DeviceReport):
    """One device as a hub reports it. Over HTTP the JSON types are as documented: numbers are
    numbers (not `true`), identifiers are `[domain, id]` string pairs or a `{domain: id}` object
    (the CLI reads hub files more leniently through `DeviceReport`)."""

    identifiers: Pairs | Annotated[dict[str, Ident], Field(max_length=20)] = Field(  # type: ignore[assignment]
        default_factory=list, description="[domain, id] pairs as in Home Assistant's device registry, or {domain: id}.")

    connections: Pairs = Field(  # type: ignore[assignment]
        default_factory=list, description="[type, id] pairs, e.g. ['mac', 'aa:bb:cc:dd:ee:ff'] (to merge duplicates).")

    @field_validator("identifiers", "connections", mode="before")
    @classmethod
    def _pairs(cls, value: Any) -> Any:  # overrides DeviceReport's coercion: validate, don't convert
        return value

    @field_validator("serial_number", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:  # overrides DeviceReport's coercion: over HTTP a string is a string
        if value is not None and not isinstance(value, str):
            raise ValueError("must be a JSON string")
        return value

    @field_validator("vendor_id", "product_id", mode="before")
    @classmethod
    def _json_number(cls, value: Any) -> Any:
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise ValueError("must be a JSON number")
        return value

    @field_validator("identifiers", mode="after")
    @classmethod
    def _as_pairs(cls, value: Any) -> list[list[str]]:
        return [[k, v] for k, v in value.items()] if isinstance(value, dict) else value


class ResolveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    devices: list[DeviceIn] = Field(max_length=MAX_BATCH)


class HouseholdRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    location: Location | Annotated[str, Field(min_length=1, max_length=200, pattern=s.NOT_BLANK)]
    hub: str | None = Field(None, max_length=200, pattern=EMPTY_OR_NOT_BLANK)
    devices: list[DeviceIn] = Field(default_factory=list, max_length=MAX_BATCH)
    conditions: dict[Annotated[str, Field(max_length=200)], StrictBool] = Field(
        default_factory=dict, max_length=50,
        description="What the household confirms (true) or denies (false): a condition kind for every program "
                    "('solar', 'owner') or 'program-id:kind' for one ('tesla-virtual-power-plant:retail-plan'). Kinds: "
                    + ", ".join(CONDITIONS) + ".")
    enrolled: list[Annotated[str, Field(max_length=120, pattern=ID_PATTERN)]] = Field(
        default_factory=list, max_length=100, description="Programs the household is already enrolled in (ids).")


class RecommendRequest(HouseholdRequest):
    limit: int = Field(10, ge=1, le=50)


def _loc(loc: Location | str) -> Any:
    return loc if isinstance(loc, str) else loc.model_dump(exclude_none=True)


@router.post("/resolve", summary="Resolve devices as a hub reports them", response_model=s.ResolveAnswer,
             responses=s.BODY_ERRORS, response_model_exclude_unset=True)
def post_resolve(cat: Cat, body: Annotated[ResolveRequest, Body()]) -> Response:
    """One result per device, in order: the matched product (or a maker+kind 'family'), candidates, reason."""
    return json_response({"results": [r.as_dict() for r in resolve_many(cat, body.devices)], "catalog_version": cat.version})


@router.post("/households/evaluate", summary="Evaluate a home", response_model=s.EvaluateAnswer,
             responses=s.BODY_ERRORS, response_model_exclude_unset=True)
def post_evaluate(cat: Cat, body: Annotated[HouseholdRequest, Body()]) -> Response:
    """Per device: resolution; programs that qualify, are conditional (what to confirm), need the utility,
    are closed, or nearly qualify; the best combination of programs counted in the home's totals."""
    return json_response(household.evaluate(cat, _loc(body.location), body.devices, body.hub,
                                            body.conditions, body.enrolled))


@router.post("/households/recommendations", summary="Devices to add", response_model=s.RecommendAnswer,
             responses=s.BODY_ERRORS, response_model_exclude_unset=True)
def post_recommendations(cat: Cat, body: Annotated[RecommendRequest, Body()]) -> Response:
    """Devices the home lacks that work with its hub and qualify for programs in its market, by added yearly earnings."""
    return json_response(recommendations.recommend(cat, _loc(body.location), body.hub, body.devices, body.limit,
                                                           body.conditions, body.enrolled))
