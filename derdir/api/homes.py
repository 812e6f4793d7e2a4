"""`/v1/homes`: a household ledger over HTTP, thin over `derdir.ledger.Ledger`.

`POST /v1/homes` answers the home's id and its token, once. Every other call names the home in its path
and carries `Authorization: Bearer <token>`: without one, 401; with another home's (or a wrong) token,
404 exactly as for a home that does not exist. Requests are rate-limited per client address (429 with
Retry-After), and the ledger's own limits (homes, devices, events, readings) answer 413.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException

from ..catalog.index import Catalog
from ..kinds.incentives import INCENTIVES
from ..ledger import Ledger
from ..ledger.events import (CREDIT_SOURCES, CREDIT_STATUSES, ENROLLMENT_STATUSES, EVENT_SOURCES, KINDS, KNOWN_BY,
                             RESPONSES)
from ..recipes.common import ID_PATTERN
from . import schemas as s
from .deps import catalog, json_response
from .households import EMPTY_OR_NOT_BLANK, DeviceIn, Location

router = APIRouter(prefix="/v1/homes", tags=["homes"])
Cat = Annotated[Catalog, Depends(catalog)]
bearer = HTTPBearer(auto_error=False, description="The token `POST /v1/homes` answered, once.")
ABOUT = {401: "No bearer token", 404: "No such home for this token (or no such event, device, program)",
         413: "A limit of the ledger or a body over 1 MB", 415: "A body that is not application/json",
         422: "Invalid input; `field` names it", 429: "Too many requests from this client; see Retry-After",
         503: "The request took too long, or no catalog is built"}
ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": s.Problem, "description": d} for c, d in ABOUT.items()}
HomeId = Annotated[str, Path(max_length=32, pattern=r"^[0-9a-f]{1,32}$", description="The home's id.")]
Key = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9._:-]+$")]
When = Annotated[str, Field(max_length=40, description="ISO 8601 date-time with a UTC offset.")]
Day = Annotated[str, Field(max_length=10, description="ISO date, e.g. 2026-05-01.")]
Program = Annotated[str, Field(max_length=120, pattern=ID_PATTERN, description="A catalog program id.")]


class RateLimit:
    """At most `per_minute` requests a minute per client address, and `homes_per_hour` new homes an hour."""

    def __init__(self, per_minute: int = 120, homes_per_hour: int = 20):
        self.per_minute, self.homes_per_hour = per_minute, homes_per_hour
        self._seen: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, client: str, what: str, limit: int, window: float) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._seen) > 10_000:  # forget quiet clients rather than grow without bound
                self._seen = {k: q for k, q in self._seen.items() if q and now - q[-1] < 3600}
            q = self._seen.setdefault((what, client), deque())
            while q and now - q[0] >= window:
                q.popleft()
            if len(q) >= limit:
                wait = max(1, int(window - (now - q[0])) + 1)
                raise HTTPException(429, f"too many {what} from this client: at most {limit} per "
                                         f"{int(window)} s; try again in {wait} s", headers={"Retry-After": str(wait)})
            q.append(now)


def ledger(request: Request) -> Ledger:
    limit: RateLimit = request.app.state.homes_rate
    limit.check(request.client.host if request.client else "?", "requests", limit.per_minute, 60.0)
    return request.app.state.ledger


def token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
    if credentials is None or not credentials.credentials:
        raise HTTPException(401, "this call needs the home's token: Authorization: Bearer <token>",
                            headers={"WWW-Authenticate": "Bearer"})
    return credentials.credentials


Store = Annotated[Ledger, Depends(ledger)]
Token = Annotated[str, Depends(token)]


class Body_(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HomeDevice(DeviceIn):
    key: Key | None = Field(None, description="The hub's own id for the device (default d1, d2...).")


class HomeIn(Body_):
    location: Location | Annotated[str, Field(min_length=1, max_length=200, pattern=s.NOT_BLANK)]
    hub: str | None = Field(None, max_length=200, pattern=EMPTY_OR_NOT_BLANK)
    devices: list[HomeDevice] = Field(default_factory=list, max_length=100)


class EnrollmentIn(Body_):
    program: Program
    device: Key | None = Field(None, description="The device's key; none: the whole account.")
    status: Literal[ENROLLMENT_STATUSES] = "enrolled"  # type: ignore[valid-type]
    since: Day | None = None
    until: Day | None = None
    known_by: Literal[KNOWN_BY] = "user"  # type: ignore[valid-type]


class EventIn(Body_):
    program: Program
    start: When
    end: When
    kind: Literal[KINDS] = "shed"  # type: ignore[valid-type]
    source: Literal[EVENT_SOURCES] = "hub"  # type: ignore[valid-type]
    external_id: str | None = Field(None, min_length=1, max_length=200, description="The OpenADR event id, or the hub's.")


class ResponseIn(Body_):
    response: Literal[tuple(RESPONSES)] = Field(description="IEEE 2030.5 response status, in words.")  # type: ignore[valid-type]
    device: Key | None = None


class ReadingIn(Body_):
    start: When
    minutes: int = Field(15, ge=1, le=1440)
    kwh: float = Field(ge=-1000, le=1000, description="kWh in the interval from the grid (negative: exported).")


class ReadingsIn(Body_):
    device: Key
    readings: list[ReadingIn] = Field(max_length=5000)


class CreditIn(Body_):
    program: Program
    amount: float = Field(ge=-1_000_000, le=1_000_000)
    currency: Literal["USD", "CAD"] = "USD"
    event: int | None = Field(None, ge=1, le=2**62, description="The event it pays for, if any.")
    kind: Literal[(*INCENTIVES, "other")] = "other"  # type: ignore[valid-type]
    status: Literal[CREDIT_STATUSES] = "posted"  # type: ignore[valid-type]
    source: Literal[CREDIT_SOURCES] = "program"  # type: ignore[valid-type]
    period_start: Day | None = None
    period_end: Day | None = None
    note: str | None = Field(None, max_length=500)


class Created(BaseModel):
    id: str
    token: str = Field(description="Shown once: keep it; only its hash is stored.")
    home: dict[str, Any]


@router.post("", status_code=201, summary="Save a home", response_model=Created, responses=ERRORS)
def create_home(request: Request, cat: Cat, store: Store, body: Annotated[HomeIn, Body()]) -> Response:
    """Location, hub and devices as the hub reports them -> the home's id and token (shown once)."""
    limit: RateLimit = request.app.state.homes_rate
    limit.check(request.client.host if request.client else "?", "new homes", limit.homes_per_hour, 3600.0)
    loc = body.location if isinstance(body.location, str) else body.location.model_dump(exclude_none=True)
    devices = [d.model_dump(exclude_none=True, exclude_defaults=True) for d in body.devices]
    home_id, secret = store.create_home(cat, loc, body.hub or None, devices)
    out = json_response({"id": home_id, "token": secret, "home": store.home(home_id, secret)})
    out.status_code = 201
    out.headers["Location"] = f"/v1/homes/{home_id}"
    out.headers["Cache-Control"] = "no-store"
    return out


def _private(data: Any, status: int = 200) -> Response:
    out = json_response(data)
    out.status_code = status
    out.headers["Cache-Control"] = "no-store"
    return out


@router.get("/{home_id}", summary="A saved home", responses=ERRORS)
def get_home(store: Store, secret: Token, home_id: HomeId) -> Response:
    """The home: location, hub, devices (as reported, and the product each resolved to), enrollments."""
    return _private(store.home(home_id, secret))


@router.delete("/{home_id}", status_code=204, summary="Delete a home and all its data", responses=ERRORS)
def delete_home(store: Store, secret: Token, home_id: HomeId) -> Response:
    """Removes the home, its devices, enrollments, events, readings and credits."""
    store.delete(home_id, secret)
    return Response(status_code=204)


@router.post("/{home_id}/enrollments", status_code=201, summary="Enroll a device (or the account)", responses=ERRORS)
def post_enrollment(cat: Cat, store: Store, secret: Token, home_id: HomeId,
                    body: Annotated[EnrollmentIn, Body()]) -> Response:
    """Record that a device is applied/enrolled/paused/ended in a program; posting again updates it."""
    return _private(store.enroll(cat, home_id, secret, **body.model_dump()), 201)


@router.post("/{home_id}/events", status_code=201, summary="Post a program event", responses=ERRORS)
def post_event(cat: Cat, store: Store, secret: Token, home_id: HomeId, body: Annotated[EventIn, Body()]) -> Response:
    """An event the hub saw (OhmConnect, Tesla grid services...), one entered by hand, or one from OpenADR."""
    return _private(store.post_event(cat, home_id, secret, **body.model_dump()), 201)


@router.post("/{home_id}/events/{event_id}/responses", summary="Respond to an event", responses=ERRORS)
def post_response(store: Store, secret: Token, home_id: HomeId,
                  event_id: Annotated[int, Path(ge=1, le=2**62)], body: Annotated[ResponseIn, Body()]) -> Response:
    """A device's (or the account's) response: received, started, completed, opted-out, partial-opt-out..."""
    return _private(store.respond(home_id, secret, event_id, body.response, body.device))


@router.post("/{home_id}/readings", summary="Post a device's interval readings", responses=ERRORS)
def post_readings(store: Store, secret: Token, home_id: HomeId, body: Annotated[ReadingsIn, Body()]) -> Response:
    """kWh per interval; a reading for a start already stored replaces it."""
    return _private(store.post_readings(home_id, secret, body.device, [r.model_dump() for r in body.readings]))


@router.get("/{home_id}/credits", summary="Credits of a season", responses=ERRORS)
def get_credits(cat: Cat, store: Store, secret: Token, home_id: HomeId,
                season: Annotated[str | None, Query(max_length=4, pattern=r"^[0-9]{4}$",
                                                    description="A year, e.g. 2026 (default: this year).")] = None
                ) -> Response:
    """Per event: baseline, actual and delta kWh, the estimate so far, what the program posted, the difference;
    per program and in total, per currency."""
    return _private(store.credits(cat, home_id, secret, season))


@router.post("/{home_id}/credits", status_code=201, summary="Post a credit the program paid", responses=ERRORS)
def post_credit(cat: Cat, store: Store, secret: Token, home_id: HomeId, body: Annotated[CreditIn, Body()]) -> Response:
    """A credit the program (or a bill) posted; kept beside the estimate, never replacing it."""
    return _private(store.post_actual_credit(cat, home_id, secret, **body.model_dump()), 201)


@router.get("/{home_id}/export", summary="Everything recorded for a home", responses=ERRORS)
def get_export(store: Store, secret: Token, home_id: HomeId) -> Response:
    """Devices, enrollments, events, responses, readings and posted credits, as JSON."""
    return _private(store.export(home_id, secret))


@router.get("/{home_id}/evaluate", summary="Household answer for a saved home", response_model=s.EvaluateAnswer,
            responses=ERRORS, response_model_exclude_unset=True)
def get_evaluate(cat: Cat, store: Store, secret: Token, home_id: HomeId) -> Response:
    """As `POST /v1/households/evaluate`, with the home's enrolled programs counted as enrolled."""
    return _private(store.evaluate(cat, home_id, secret))
