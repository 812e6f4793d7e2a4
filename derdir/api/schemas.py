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
from ..provenance import Confidence
from ..recipes.common import SourceKind
from ..recipes.program import Incentive, Program
from ..recipes.utility import Utility

PROBLEM = "application/problem+json"
CONFIDENCE = ("official: at least one source is the program's or utility's own page or the manufacturer's; "
              "secondary: it rests only on registries, news, installers or other pages (`derdir.provenance`).")
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


# --- security facts (derdir.security) ------------------------------------------------------------

Basis = Literal["stated", "inherited", "derived"] | None


class SecurityLocalControl(Out):
    available: bool | None = Field(description="Controllable on the home network without the maker's cloud; null = unknown.")
    how: str | None = None
    cloud_functions: list[str] = Field(default_factory=list)
    basis: Basis = Field(description="stated (the recipe), inherited (the maker's recipe), derived (protocol or "
                                     "category; see reason), null when unknown.")
    reason: str | None = None
    from_manufacturer: str | None = None
    sources: list[dict[str, Any]] = Field(default_factory=list)


class SecurityCloud(Out):
    account_required: bool | None = Field(description="A maker's account is needed to operate it; null = unknown.")
    internet_required: bool | None
    for_setup_only: bool | None = None
    note: str | None = None
    basis: Basis
    reason: str | None = None
    from_manufacturer: str | None = None
    sources: list[dict[str, Any]] = Field(default_factory=list)


class SecurityFacts(Out):
    """A product's security facts, its own or its maker's (inherited) or derived, each saying which."""

    manufacturer: str | None = Field(description="The manufacturer recipe whose policies are inherited.")
    local_control: SecurityLocalControl
    cloud: SecurityCloud
    update_policy: dict[str, Any] | None = Field(
        description="{status: stated|no-statement-found, period_years, until, looked_on, sources, basis}; null = not looked up.")
    vulnerability_disclosure: dict[str, Any] | None
    certifications: list[dict[str, Any]]
    advisories: list[dict[str, Any]]
    plain: list[str] = Field(description="The facts in plain words.")


class SecurityDevice(Out):
    index: int
    id: str
    programs: list[str] | None = Field(None, description="Programs it qualifies for (or conditionally) here.")
    account_required: bool | None = None
    internet_required: bool | None = None
    looked_on: str | None = None
    certification: str | None = None
    basis: Basis = None


class SecuritySummary(Out):
    """A household's security in brief; every device listed has a stated, inherited or derived fact behind it."""

    needs_cloud: list[SecurityDevice] = Field(description="Devices that need the maker's account or internet to operate.")
    no_update_period: list[SecurityDevice] = Field(description="The maker's pages were searched: no update period found.")
    update_period_unknown: list[SecurityDevice] = Field(description="Not looked up yet: unknown, not a risk found.")
    certified: list[SecurityDevice]
    facts_unknown: list[SecurityDevice] = Field(description="Neither local control nor cloud requirement is known.")
    plain: list[str]


# --- shared parts ------------------------------------------------------------------------------

class Evidence(Out):
    """One source behind an answer."""

    url: str
    title: str | None
    seen: str = Field(description="Date the source was read (YYYY-MM-DD).")
    says: str | None
    supported: bool | None
    kind: SourceKind | None = Field(description="What the source is: official, manufacturer, upstream-data, registry, "
                                    "news, installer, other (null: not recorded).")
    confidence: Confidence = Field(description=CONFIDENCE + " Of the claim or rule this source backs (its own "
                                   "sources, else the program's).")


class UtilityCandidate(Out):
    id: str
    name: str
    share: float | None = Field(description="Share of the ZIP code the utility serves, where the data gives one.")
    basis: str = Field(description="How the candidate was found (territory data, a correction, the state).")


class Market(Out):
    """Where the home is, as resolved from a utility, state, ZIP or postal code."""

    utility: str | None = Field(description="The utility, when one clearly serves the location; else null.")
    region: str | None
    utility_candidates: list[UtilityCandidate] = Field(
        description="For a ZIP code: its utilities, best first (the one taken first). Otherwise the utilities "
                    "of the region or name, when no single one was found.")
    resolved_by: str
    distribution_utilities: list[str] = Field(
        default_factory=list, description="For a CCA or retail provider: the utilities whose wires it serves over.")


class UtilitySuggestion(Out):
    id: str
    name: str
    regions: list[str]


class MarketAnswer(Market):
    """`GET /v1/markets`: the market and the programs known there."""

    programs: list[str]
    catalog_version: str
    note: str | None = None


class ProgramSummary(Out):
    id: str
    name: str
    operator: str
    status: Literal["active", "paused", "ended", "unknown"]
    enroll_url: str | None = Field(description="None where no new customer can join.")
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
    """A program's payment term as published, with a plain-language summary and how well it is sourced."""

    summary: str
    confidence: Confidence = Field(description=CONFIDENCE + " Of the term's own sources, else the program's.")


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

EnrollmentStatus = Literal["open", "waitlist", "closed", "ended", "unknown", "depends"]
JudgementStatus = Literal["qualifies", "enrolled", "conditional", "maybe", "closed", "ended", "needs-utility",
                          "outside", "nearly", "no"]


class Source(Out):
    url: str
    kind: str | None = Field(None, description="official, manufacturer, upstream-data, registry, news, installer, other.")
    title: str | None = None
    supports: str | None = None
    seen: str


class Enrollment(Out):
    """Whether a new customer can join here, since when, and where that is said."""

    status: EnrollmentStatus
    since: str | None
    words: str = Field(description="The status in plain words, e.g. 'closed to new customers since April 2024'.")
    note: str | None
    sources: list[Source]


class ConditionState(Out):
    """A condition of the program here and whether the household has said it meets it."""

    kind: str
    text: str
    met: bool | None = Field(description="true (confirmed), false (not met), null (not said).")
    question: str
    term: str | None = Field(description="The payment term (type) this condition alone gates; null: joining the program.")


class UtilityOffer(Out):
    utility: str
    name: str
    estimate: Estimate | None


class JudgedProgram(Out):
    """A program for a device in one place: status, enrollment, conditions, verdict, incentives, estimate."""

    id: str
    name: str
    operator: str
    status: JudgementStatus = Field(description="qualifies, enrolled (counted); conditional, maybe, closed, ended, "
                                                "needs-utility, outside, nearly, no (not counted).")
    program_status: Literal["active", "paused", "ended", "unknown"]
    enrollment: Enrollment
    enroll_url: str | None = Field(description="Only where a new customer can join (or the household is enrolled).")
    info_url: str
    supported: bool | None
    basis: Literal["claim", "rule", "excluded", "disputed", "not-listed", "requirements"]
    reason: str
    unmet: list[str]
    unknown: list[str]
    conditions: list[ConditionState]
    counted: bool
    why_not: list[str]
    incentives: list[IncentiveTerm]
    estimate: Estimate | None = Field(description="What the terms counted here pay (those needing a condition aside).")
    estimate_if_confirmed: Estimate | None = Field(None, description="With the terms that need a condition confirmed.")
    evidence: list[Evidence]
    markets: list[str] | None = None
    by_utility: list[UtilityOffer] | None = None


class ProductProgramBrief(ProgramSummary, VerdictBrief):
    """A program naming this product, with its verdict, when no market was chosen (see `ProductProgram`)."""

    markets: list[str]
    enrollment: dict[str, EnrollmentStatus] = Field(description="Per market: can a new customer join there.")


class ProductProgram(JudgedProgram):
    """A program naming this product in the chosen market, judged there."""

    markets: list[str]  # type: ignore[assignment]


class ProductAnswer(Out):
    id: str
    product: DeviceRecipe
    market: Market | None
    programs: list[ProductProgram] | list[ProductProgramBrief] = Field(
        description="With `market`: the programs there, with incentives, estimate and evidence. Without: every "
                    "program naming the product, briefly (ask per market, or /programs/{program_id}, for the rest).")
    security: SecurityFacts = Field(description="Security facts in plain words (local control, cloud, update period...).")
    catalog_version: str


class MarketSupport(Out):
    supported: bool | None
    status: JudgementStatus
    program_status: Literal["active", "paused", "ended", "unknown"]
    enrollment: Enrollment
    enroll_url: str | None
    conditions: list[ConditionState]
    incentives: list[IncentiveTerm]
    estimate: Estimate | None
    estimate_if_confirmed: Estimate | None = None
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
    incentives: list[str] = Field(description="Each payment term in plain words (where each is paid: see the program).")
    enrollment: Enrollment | None = Field(None, description="With `market`: can a new customer join there.")


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

class Capabilities(Out):
    energy_monitoring: bool | None = None


class Match(Out):
    """A product (level 'product'); a maker + kind when the model is unknown (level 'family'; no
    `family_members` when the catalog has nothing of that maker and kind); or one maker's products of
    several kinds the evidence does not tell apart, answered as the main kind (level 'system')."""

    id: str | None
    level: Literal["product", "family", "system"]
    kind: Literal["hub"] | None = None
    category: str | None = None
    manufacturer: str
    brand: str | None = None
    product_name: str
    model_numbers: list[str]
    confidence: float
    family_members: list[str] | None = None
    capabilities: Capabilities | None = Field(None, description="What the device's entities show it can do.")


class Resolution(Out):
    match: Match | None
    candidates: list[Match]
    reason: str


class ResolveAnswer(Out):
    results: list[Resolution]
    catalog_version: str


class SlotCompat(Out):
    hub: str
    compatible: bool | None
    reason: str


class DeviceResult(Out):
    index: int
    input: dict[str, Any] = Field(description="The device as sent (fields given).")
    status: Literal["qualifies", "enrolled", "conditional", "needs-utility", "maybe", "closed", "ended", "nearly",
                    "no-programs", "duplicate", "hub", "not-energy", "service", "unknown-device"]
    match: Match | None
    candidates: list[Match]
    reason: str
    programs: list[JudgedProgram] = Field(description="Qualifies, enrolled, or eligibility unknown (maybe).")
    conditional: list[JudgedProgram] = Field(description="Eligible and open, with conditions to confirm.")
    needs_utility: list[JudgedProgram] = Field(description="Offered by some utilities of the region only.")
    closed: list[JudgedProgram] = Field(description="Eligible, but closed to new customers or ended.")
    nearly: list[JudgedProgram] = Field(description="A requirement unmet, a condition not met, or outside the territory.")
    compat: SlotCompat | None = None
    duplicate_of: int | None = None


class HomeProgram(Out):
    id: str
    name: str
    operator: str
    status: JudgementStatus
    enrollment: Enrollment
    enroll_url: str | None
    info_url: str
    devices: list[int]
    estimate: dict[str, Totals]
    unknown: list[str]
    conditions: list[ConditionState]
    excludes: list[str]
    excludes_all_programs: bool
    counted: bool
    not_counted_because: str | None = None


class NeedsUtility(Out):
    why: str
    candidates: list[Any]
    programs: list[str]


class EvaluateAnswer(Out):
    market: Market
    hub: str | None
    enrolled: list[str]
    needs_utility: NeedsUtility | None = None
    devices: list[DeviceResult]
    programs: list[HomeProgram]
    totals: dict[str, Totals]
    counts: dict[str, int]
    security: SecuritySummary = Field(description="Which devices need a cloud account (for the programs they take "
                                                  "part in), which have no published update period, which are certified.")
    catalog_version: str


class Unlock(ProgramSummary):
    estimate: Estimate | None
    already_enrolled: bool
    reason: str
    counted: bool = Field(description="false: a condition to confirm first (see `conditions`), or it cannot be combined "
                                      "with a program the home is in or one that adds more; not in `added_yearly`.")
    conditions: list[ConditionState]
    not_counted_because: str | None = None


class RebateValue(Out):
    currency: str
    typical: float | None
    high: float | None


class RebateOffer(Out):
    """A purchase rebate for the device here (one term of a rebate program), and whether it counts."""

    id: str
    rebate: str = Field(description="The rebate recipe's id.")
    name: str
    operator: str | None
    status: str = Field(description="current, upcoming, expired or stale.")
    description: str | None
    categories: list[str]
    payment_methods: list[str]
    amount: dict[str, Any] = Field(description="The amount as its source states it (number, percent, unit, minimum, maximum).")
    value: RebateValue
    owner_status: list[str]
    starts_on: str | None
    ends_on: str | None
    conditions: list[ConditionState]
    unmet: list[str]
    unknown: list[str]
    counted: bool
    not_counted_because: str | None = None
    excludes: list[str]
    info_url: str | None
    sources: list[Source]


class FirstYearParts(Out):
    programs: dict[str, float]
    rebates: dict[str, float]


class Recommendation(Out):
    id: str
    category: str
    manufacturer: str
    brand: str | None
    product_name: str
    added_yearly: dict[str, float] = Field(description="Recurring earnings per year, by currency.")
    added_first_year: dict[str, float] | None = Field(None, description="First year, one-time payments and rebates included.")
    first_year_parts: FirstYearParts | None = Field(None, description="The first year split into program earnings and rebates.")
    programs: list[Unlock]
    rebates: list[RebateOffer] = Field(default_factory=list, description="Purchase rebates here; only those `counted` are in the first year.")
    why: str


class RecommendAnswer(Out):
    market: Market
    hub: str | None
    needs_utility: str | None = None
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
