"""Response models of the HTTP API: the documented shape of every answer and every error.

They mirror the dicts the core functions return (`product.product`, `support.support`,
`compat.compat`, `search.*`, `resolve.Resolution.as_dict`, `household.evaluate/recommend`) so that
OpenAPI describes what the service really sends, and FastAPI checks each answer against it
(a mismatch is a 500, which the schema fuzz tests catch). Keys the core only sometimes sets are
optional here and routes use `response_model_exclude_unset=True`, so nothing is added or dropped.
Recipes are served in their one JSON form (`catalog.rows.recipe_text`): the recipe models
themselves plus `id` and `kind`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..recipes.device import Device
from ..recipes.hub import Hub
from ..recipes.program import Incentive, Program
from ..recipes.utility import Utility

PROBLEM = "application/problem+json"
# A reference needs a character that Python's str.strip() keeps, so blank input is a 422 from the schema rather
# than passing it and failing in the core. The characters are listed, not written `\s`: regex engines (Python,
# Rust in pydantic, ECMAScript in JSON Schema tools) disagree on what `\s` covers (\x1c-\x1f, \x85).
NOT_BLANK = "[^" + "".join(c for c in map(chr, range(0x3001)) if c.isspace()) + "]"


class Out(BaseModel):
    """Base of response models: the answer is exactly what the core returned."""

    model_config = ConfigDict(extra="forbid")


# --- recipes as served -------------------------------------------------------------------------

class DeviceRecipe(Device):
    """A device recipe as the catalog serves it."""

    id: str
    kind: Literal["device"]


class HubRecipe(Hub):
    """A hub recipe as the catalog serves it."""

    id: str
    kind: Literal["hub"]


class ProgramRecipe(Program):
    """A program recipe as the catalog serves it."""

    id: str
    kind: Literal["program"]


class UtilityRecipe(Utility):
    """A utility recipe as the catalog serves it."""

    id: str
    kind: Literal["utility"]


# --- shared parts ------------------------------------------------------------------------------

class Evidence(Out):
    """One source behind an answer."""

    url: str
    title: str | None
    seen: str = Field(description="Date the source was read (YYYY-MM-DD).")
    says: str | None
    supported: bool | None


class Market(Out):
    """Where the home is, as resolved from a utility, state or ZIP code."""

    utility: str | None
    region: str | None
    utility_candidates: list[str] = Field(description="Utilities serving the region, when no single one was given.")
    resolved_by: str


class ProgramSummary(Out):
    id: str
    name: str
    operator: str
    status: Literal["active", "paused", "ended", "unknown"]
    enroll_url: str
    info_url: str


class VerdictBrief(Out):
    supported: bool | None = Field(description="true, false, or null (unknown or disputed).")
    basis: Literal["claim", "rule", "excluded", "disputed", "not-listed", "requirements"]
    reason: str
    unmet: list[str]
    unknown: list[str]


class VerdictFields(VerdictBrief):
    evidence: list[Evidence]


class Verdict(VerdictFields):
    """Whether a device qualifies for a program (market aside), and why."""


class IncentiveTerm(Incentive):
    """A program's payment term as published, with a plain-language summary."""

    summary: str


class Estimate(Out):
    """Yearly earnings range for one device (or account) in one program."""

    currency: str
    low: float | None
    typical: float | None
    high: float | None
    includes_first_year_only: float | None
    assumptions: list[str]
    unknown: list[str]


class Totals(Out):
    """Summed yearly earnings in one currency."""

    low: float
    typical: float
    high: float
    includes_first_year_only: float


class ProductSummary(Out):
    id: str
    category: str
    manufacturer: str
    brand: str | None
    product_name: str
    model: str


# --- product, support, compat -------------------------------------------------------------------

class ProductProgramBrief(ProgramSummary, VerdictBrief):
    """A program naming this product, with its verdict, when no market was chosen (see `ProductProgram`)."""

    markets: list[str]


class ProductProgram(ProductProgramBrief):
    """A program naming this product in the chosen market: its verdict, evidence, incentives and earnings."""

    evidence: list[Evidence]
    incentives: list[IncentiveTerm]
    estimate: Estimate | None


class ProductAnswer(Out):
    id: str
    product: DeviceRecipe
    market: Market | None
    programs: list[ProductProgram] | list[ProductProgramBrief] = Field(
        description="With `market`: the programs there, with incentives, estimate and evidence. Without: every "
                    "program naming the product, briefly (ask per market, or /programs/{program_id}, for the rest).")
    catalog_version: str


class MarketSupport(Out):
    supported: bool | None
    program_status: Literal["active", "paused", "ended", "unknown"]
    incentives: list[IncentiveTerm]
    estimate: Estimate | None
    evidence: list[Evidence]
    verified_on: str


class SupportAnswer(Out):
    product: str
    program: ProgramSummary
    verdict: Verdict
    markets: dict[str, MarketSupport] = Field(description="Per market the program serves (utility id or region).")
    catalog_version: str


class IntegrationPath(Out):
    type: Literal["integration"]
    name: str | None
    url: str | None
    connection: Literal["local", "cloud"] | None
    via: str | None
    reason: str


class ProtocolPath(Out):
    type: Literal["protocol"]
    protocol: Literal["zigbee", "zwave", "matter"]
    connection: Literal["local", "cloud"]
    reason: str


CompatPath = IntegrationPath | ProtocolPath


class CompatEvidence(Out):
    url: str
    title: str | None
    seen: str
    of: Literal["product", "hub"]


class VerifiedOn(Out):
    product: str
    hub: str


class CompatAnswer(Out):
    product: str
    hub: str
    ecosystem: str
    compatible: bool | None
    reason: str
    how: CompatPath | None
    paths: list[CompatPath]
    evidence: list[CompatEvidence]
    verified_on: VerifiedOn
    catalog_version: str


# --- lists and search ---------------------------------------------------------------------------

class ProductPage(Out):
    total: int
    page: int
    per_page: int
    items: list[ProductSummary]
    catalog_version: str


class ProgramListItem(ProgramSummary):
    utilities: list[str]
    regions: list[str]
    categories: list[str]
    has_amounts: bool


class HubListItem(Out):
    id: str
    manufacturer: str
    product_name: str
    ecosystem: str
    roles: dict[str, bool]


class UtilityListItem(Out):
    id: str
    name: str
    short_name: str | None
    eia_id: int | None
    regions: list[str]
    programs: list[str]


class SearchHit(Out):
    kind: Literal["device", "hub", "program", "utility"]
    id: str
    title: str


class VersionAnswer(Out):
    version: str
    built_at: str
    counts: dict[str, int]


# --- resolve, households ------------------------------------------------------------------------

class Match(Out):
    """A product (level 'product'), or a maker + kind when the model is unknown (level 'family')."""

    id: str | None
    level: Literal["product", "family"]
    kind: Literal["hub"] | None = None
    category: str | None = None
    manufacturer: str
    brand: str | None = None
    product_name: str
    model_numbers: list[str]
    confidence: float
    family_members: list[str] | None = None


class Resolution(Out):
    match: Match | None
    candidates: list[Match]
    reason: str


class ResolveAnswer(Out):
    results: list[Resolution]
    catalog_version: str


class HomeProgramEntry(ProgramSummary, VerdictFields):
    estimate: Estimate | None
    note: str | None = None


class NearMiss(ProgramSummary):
    why_not: list[str]
    markets: list[str] | None = None


class SlotCompat(Out):
    hub: str
    compatible: bool | None
    reason: str


class DeviceResult(Out):
    index: int
    input: dict[str, Any] = Field(description="The device as sent (fields given).")
    status: Literal["qualifies", "maybe", "nearly", "no-programs", "duplicate", "hub", "not-energy", "unknown-device"]
    match: Match | None
    candidates: list[Match]
    reason: str
    programs: list[HomeProgramEntry]
    nearly: list[NearMiss]
    compat: SlotCompat | None = None
    duplicate_of: int | None = None


class HomeProgram(ProgramSummary):
    devices: list[int]
    estimate: dict[str, Totals]
    unknown: list[str]
    excludes: list[str]
    counted: bool
    not_counted_because: str | None = None


class EvaluateAnswer(Out):
    market: Market
    hub: str | None
    devices: list[DeviceResult]
    programs: list[HomeProgram]
    totals: dict[str, Totals]
    counts: dict[str, int]
    catalog_version: str


class Unlock(ProgramSummary):
    estimate: Estimate | None
    already_enrolled: bool
    reason: str


class Recommendation(Out):
    id: str
    category: str
    manufacturer: str
    brand: str | None
    product_name: str
    added_yearly: dict[str, float] = Field(description="Recurring earnings per year, by currency.")
    added_first_year: dict[str, float] | None = Field(None, description="First year, one-time payments included.")
    programs: list[Unlock]
    why: str


class RecommendAnswer(Out):
    market: Market
    hub: str | None
    recommendations: list[Recommendation]
    catalog_version: str


# --- errors -------------------------------------------------------------------------------------

class FieldError(Out):
    field: str
    message: str


class Problem(Out):
    """RFC 9457 problem details (`application/problem+json`); `field` names the input at fault."""

    type: str
    title: str
    status: int
    detail: str
    field: str | None = None
    errors: list[FieldError] | None = None
    kind: str | None = None
    ref: str | None = None
    suggestions: list[str] | None = None
    candidates: list[ProductSummary] | None = None
    actual_kind: Literal["hub", "program", "utility"] | None = Field(
        None, description="The reference names an entity of this other kind (a hub asked for as a product)")
    actual_id: str | None = None


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries documenting problem+json errors (problems.install moves them to that media type)."""
    about = {
        400: "Malformed request",
        404: "Nothing matches an id or name; `suggestions` lists close ids",
        409: "A name matches several products; `candidates` lists them",
        413: "Request body over 1 MB (counted as read, with or without Content-Length)",
        415: "A body that is not application/json, or is compressed (Content-Encoding)",
        422: "Invalid input; `field` names it",
        503: "The request took too long, or no catalog is built",
    }
    return {code: {"model": Problem, "description": about[code]} for code in codes}


READ_ERRORS = problems(404, 422, 503)
PRODUCT_ERRORS = problems(404, 409, 422, 503)
BODY_ERRORS = problems(400, 404, 413, 415, 422, 503)
