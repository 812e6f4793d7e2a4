"""Program recipes (`catalog/programs/<id>.yaml`): VPP and demand-response programs.

Eligibility is said two ways: explicit device claims (each with its evidence, so conflicting
claims can coexist and be shown) and rules (category + manufacturer + model patterns +
capability requirements).
"""

from __future__ import annotations

import re
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, StringConstraints, create_model, model_validator

from ..kinds.conditions import CONDITIONS
from ..kinds.incentives import INCENTIVES
from ..kinds.requirements import REQUIREMENTS
from ..kinds.requirements import reads as requirement_reads
from ..normalize import maker_key, model_pattern
from .common import Category, Id, Model, Name, Recipe, Region, Source, Text, Url
from .device import DRStandard

Pattern = Annotated[str, StringConstraints(min_length=1, max_length=100)]
# Upper bounds far above any real program, so that earnings arithmetic stays finite (JSON has no Infinity).
MAX_AMOUNT = 1_000_000
MAX_EVENTS = 10_000
HOURS_PER_YEAR = 8784
Month = Annotated[int, Field(ge=1, le=12)]


class ProgramUrls(Model):
    info: Url
    enroll: Url | None = None
    manage: Url | None = None


class Markets(Model):
    """Where the program is offered: named utilities, and/or whole states/provinces."""

    utilities: list[Id] = Field(default_factory=list)
    regions: list[Region] = Field(default_factory=list, description="Statewide: any customer in these regions.")

    @model_validator(mode="after")
    def _not_empty(self) -> "Markets":
        if not self.utilities and not self.regions:
            raise ValueError("a program needs at least one utility or region")
        return self


def _field(default: object, **kw: object) -> object:
    return Field(default_factory=list, **kw) if default == [] else Field(default, **kw)  # type: ignore[call-overload]


# Capabilities a device must have; each unmet one is a reason a device 'nearly' qualifies. One field per
# entry of `derdir.kinds.requirements.REQUIREMENTS`, which also holds its check and its words.
_RequirementFields: type[Model] = create_model(  # type: ignore[call-overload]
    "_RequirementFields", __base__=Model,
    **{k.name: (k.annotation, _field(k.default, description=k.description, **(k.constraints or {})))
       for k in REQUIREMENTS.values()})


class Requirements(_RequirementFields):  # type: ignore[misc,valid-type]  # a base made from the registry
    """Capabilities a device must have (`derdir.kinds.requirements`)."""


class DeviceRule(Model):
    """Eligible (or excluded) devices by kind: category, maker, model patterns."""

    category: Category
    manufacturers: list[Name] = Field(default_factory=list, description="Manufacturer or brand names; empty = any.")
    models: list[Pattern] = Field(
        default_factory=list, description="Model patterns (* and ? wildcards, case-insensitive); empty = any model."
    )
    requires: Requirements = Field(default_factory=Requirements)
    note: Text | None = None
    sources: list[Source] = Field(default_factory=list)

    # Compiled on first use: a rule is matched against millions of devices in a build.
    @cached_property
    def maker_keys(self) -> frozenset[str]:
        return frozenset(maker_key(m) for m in self.manufacturers)

    @cached_property
    def model_patterns(self) -> tuple[re.Pattern[str], ...]:
        return tuple(model_pattern(p) for p in self.models)


class DeviceClaim(Model):
    """One source's statement that a specific device is (or is not) supported."""

    device: Id
    supported: bool = True
    note: Text | None = None
    sources: list[Source] = Field(default_factory=list, description="Evidence; defaults to the program's sources.")


class Eligibility(Model):
    devices: list[DeviceClaim] = Field(default_factory=list)
    rules: list[DeviceRule] = Field(default_factory=list)
    exclude_devices: list[Id] = Field(default_factory=list)
    exclude_rules: list[DeviceRule] = Field(default_factory=list)

    @cached_property
    def claims_by_device(self) -> dict[str, list[DeviceClaim]]:
        """Claims per device id, built on first use: some programs list hundreds of devices."""
        out: dict[str, list[DeviceClaim]] = {}
        for c in self.devices:
            out.setdefault(c.device, []).append(c)
        return out

    @cached_property
    def excluded(self) -> frozenset[str]:
        return frozenset(self.exclude_devices)

    @cached_property
    def rules_by_category(self) -> dict[str, list[tuple[int, DeviceRule]]]:
        """(index, rule) per category: a device is only ever checked against its own category's rules."""
        out: dict[str, list[tuple[int, DeviceRule]]] = {}
        for i, r in enumerate(self.rules):
            out.setdefault(r.category, []).append((i, r))
        return out

    @cached_property
    def reads(self) -> dict[str, tuple[str, ...]]:
        """Per category: the device facts its rules and exclusion rules look at ('makers', 'models', the
        requirement facts, and 'hub' for a hub requirement). A rule verdict depends on nothing else, so
        it is remembered under exactly these (`derdir.eligibility.verdict`)."""
        out: dict[str, set[str]] = {}
        for r in self.rules:
            out.setdefault(r.category, set()).update(
                {name for name, used in (("makers", r.manufacturers), ("models", r.models)) if used},
                requirement_reads(r.requires))
        for r in self.exclude_rules:
            out.setdefault(r.category, set()).update(name for name, used in (("makers", r.manufacturers), ("models", r.models)) if used)
        return {c: tuple(sorted(names)) for c, names in out.items()}

    @cached_property
    def verdicts(self) -> dict[tuple, object]:
        """Memo of rule verdicts by what they depend on (filled by `derdir.eligibility.verdict`)."""
        return {}

    def compile(self) -> None:
        """Make every lookup structure above now rather than on first use (a service does this before
        moving its catalog out of the garbage collector's reach, so that these go with it)."""
        for name in ("claims_by_device", "excluded", "rules_by_category", "reads", "verdicts"):
            getattr(self, name)
        for rule in (*self.rules, *self.exclude_rules):
            _ = rule.maker_keys, rule.model_patterns


if TYPE_CHECKING:  # the registries' keys, which a type checker cannot read
    IncentiveType = str
    ConditionKind = str
else:
    IncentiveType = Literal[tuple(INCENTIVES)]  # `derdir.kinds.incentives`
    ConditionKind = Literal[tuple(CONDITIONS)]  # `derdir.kinds.conditions`


class Scope(Model):
    """Where something applies: these utilities' customers and/or anyone in these regions. Empty: everywhere
    the program is offered."""

    utilities: list[Id] = Field(default_factory=list, description="Applies only to these utilities' customers.")
    regions: list[Region] = Field(default_factory=list, description="Applies only in these states/provinces.")


class Condition(Scope):
    """Something a household must be or do beyond owning an eligible device (`derdir.kinds.conditions`)."""

    kind: ConditionKind
    text: Text = Field(description="The condition in plain words, e.g. 'on the Tesla Electric retail plan'.")
    sources: list[Source] = Field(default_factory=list, description="Evidence; defaults to the program's sources.")


EnrollmentStatus = Literal["open", "waitlist", "closed", "ended"]


class Enrollment(Scope):
    """Whether new customers can join, in the markets of its scope (all the program's markets if empty)."""

    status: EnrollmentStatus = Field(description="open; waitlist; closed (to new customers); ended (no longer runs).")
    since: date | None = Field(None, description="Date the status began, as a source states it.")
    note: Text | None = None
    sources: list[Source] = Field(min_length=1, description="Where the status is stated.")


class Incentive(Model):
    """One structured payment term. `amount: null` means a payment exists but no source states it."""

    type: IncentiveType
    amount: float | None = Field(None, ge=0, le=MAX_AMOUNT, description="Amount, or the low end of a range.")
    amount_max: float | None = Field(None, ge=0, le=MAX_AMOUNT, description="High end of a range such as $225-$275/kW.")
    currency: Literal["USD", "CAD"] = "USD"
    per: Literal["device", "account"] = "device"
    cap: float | None = Field(None, ge=0, le=MAX_AMOUNT, description="Most it pays in a year.")
    months: list[Month] = Field(default_factory=list, description="Season in which it is paid; empty = all year.")
    categories: list[Category] = Field(default_factory=list, description="Applies only to these categories.")
    utilities: list[Id] = Field(default_factory=list, description="Paid only to these utilities' customers.")
    regions: list[Region] = Field(default_factory=list, description="Paid only in these states/provinces.")
    conditions: list[Condition] = Field(default_factory=list, description="What this term alone needs of a household.")
    description: Text | None = None
    sources: list[Source] = Field(default_factory=list)

    @model_validator(mode="after")
    def _range(self) -> "Incentive":
        if self.amount_max is not None and (self.amount is None or self.amount_max < self.amount):
            raise ValueError("amount_max needs an amount that is not larger than it")
        return self


class EventRules(Model):
    months: list[Month] = Field(default_factory=list)
    start_hour: int | None = Field(None, ge=0, le=23)
    end_hour: int | None = Field(None, ge=1, le=24)
    days: Literal["weekdays", "all", "non-holiday-weekdays"] | None = None
    max_events_per_year: int | None = Field(None, ge=0, le=MAX_EVENTS)
    max_hours_per_year: float | None = Field(None, ge=0, le=HOURS_PER_YEAR)
    max_event_hours: float | None = Field(None, ge=0, le=HOURS_PER_YEAR)
    typical_events_per_year: int | None = Field(None, ge=0, le=MAX_EVENTS,
                                                description="As published; used for earnings estimates.")
    notice: Text | None = None


class Contact(Model):
    phone: Annotated[str, StringConstraints(max_length=40, pattern=r"^[0-9+()\- .x]+$")] | None = None
    email: Annotated[str, StringConstraints(max_length=200, pattern=r"^[^@\s<>]+@[^@\s<>]+\.[a-z]{2,}$")] | None = None
    url: Url | None = None


class HubSignal(Model):
    """How a hub sees, in an entity another integration already creates, that a home is in the program or that an
    event is on (Tesla's integrations: `grid_services_active`). The hub reads it; it never adds a cloud client."""

    hub: Literal["home-assistant"]
    integration: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,64}$")] = Field(
        description="The integration (Home Assistant domain) that creates the entity, e.g. tesla_fleet.")
    domain: Literal["binary_sensor", "sensor"]
    key: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,100}$")] | None = Field(None, description=(
        "The entity's translation key in that integration; absent: any entity of that domain it creates."))
    shows: Literal["enrolled", "event", "power"] = Field(description=(
        "enrolled: the home is in the program; event: one is on; power: the kW the device delivers for it."))
    on_states: list[Annotated[str, StringConstraints(min_length=1, max_length=40)]] = Field(
        default_factory=lambda: ["on"], description="States that mean yes.")
    note: Text | None = None
    sources: list[Source] = Field(min_length=1)


class Program(Recipe):
    """A VPP or demand-response program."""

    name: Name
    operator: Name
    description: Text | None = None
    status: Literal["active", "paused", "ended", "unknown"] = "active"
    started_on: date | None = None
    ended_on: date | None = None
    urls: ProgramUrls
    markets: Markets
    customer_classes: list[Literal["residential", "small-business", "commercial", "industrial", "agricultural"]] = Field(
        default_factory=lambda: ["residential"]
    )
    eligibility: Eligibility = Field(default_factory=Eligibility)
    incentives: list[Incentive] = Field(default_factory=list)
    events: EventRules | None = None
    enrollment: list[Enrollment] = Field(default_factory=list, description=(
        "Whether new customers can join, per market; where no entry applies, `status` decides (active: open)."))
    conditions: list[Condition] = Field(default_factory=list, description="What a household must be or do to join.")
    excludes_programs: list[Id] = Field(default_factory=list, description="Programs a customer cannot join at the same time.")
    excludes_all_programs: bool = Field(False, description="No other demand-response program at the same time.")
    contact: Contact | None = None
    hub_signals: list[HubSignal] = Field(default_factory=list, description=(
        "Entities of other hub integrations that show enrollment or an event (read by the Home Assistant integration)."))
