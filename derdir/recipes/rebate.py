"""Rebate recipes (`catalog/rebates/<state>/<id>.yaml`): money for buying a device, beside program payments.

One recipe per rebate program (who offers it, where), with its terms: each term pays for some device
categories, with an amount kept in its source's structure (dollars, a share of the cost, dollars per unit,
a minimum and a maximum), who may claim it (owner, renter), conditions of its own (income), the dates it
runs and the terms it cannot be combined with. Imported from the Rewiring America incentives data
(`derdir import rebates`); hand-written recipes use the same format.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from .common import Category, Id, Model, Name, Recipe, Text, Url
from .device import ImportRecord, Str
from .program import MAX_AMOUNT, Condition, Markets, Requirements

AmountType = Literal["dollar_amount", "percent", "dollars_per_unit"]
Unit = Literal["kilowatt", "kilowatt_hour", "watt", "ton", "square_foot", "btuh10k", "cfm50"]
PaymentMethod = Literal["rebate", "pos_rebate", "account_credit", "assistance_program", "tax_credit",
                        "performance_rebate"]
Owner = Literal["homeowner", "renter"]


class RebateAmount(Model):
    """What a term pays, in the structure its source states."""

    type: AmountType = Field(description="dollar_amount: a sum; percent: a share of the cost; dollars_per_unit.")
    number: float = Field(ge=0, le=MAX_AMOUNT, description="Dollars; for percent a share from 0 to 1.")
    unit: Unit | None = Field(None, description="For dollars_per_unit: per what.")
    minimum: float | None = Field(None, ge=0, le=MAX_AMOUNT, description="Least it pays, in dollars.")
    maximum: float | None = Field(None, ge=0, le=MAX_AMOUNT, description="Most it pays, in dollars.")

    @model_validator(mode="after")
    def _consistent(self) -> "RebateAmount":
        if self.type == "percent" and self.number > 1:
            raise ValueError("a percent amount is a share from 0 to 1 (0.3 for 30%)")
        if (self.type == "dollars_per_unit") != (self.unit is not None):
            raise ValueError("dollars_per_unit needs a unit, and only it has one")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError("minimum is larger than maximum")
        return self


class RebateTerm(Model):
    """One incentive of the rebate program: what it pays for which devices, to whom, and when."""

    id: Id = Field(description="Unique across the catalog, e.g. ra-co-43 for Rewiring America's CO-43.")
    categories: list[Category] = Field(min_length=1, description="Device categories it pays for.")
    items: list[Str] = Field(default_factory=list, description="The source's own item names (e.g. smart_thermostat).")
    payment_methods: list[PaymentMethod] = Field(default_factory=list)
    amount: RebateAmount
    owner_status: list[Owner] = Field(default_factory=lambda: ["homeowner", "renter"],
                                      description="Who may claim it: homeowner, renter or both.")
    conditions: list[Condition] = Field(default_factory=list, description="What else a household must be (income...).")
    requires: Requirements = Field(default_factory=Requirements, description="What the device itself must have.")
    starts_on: date | None = None
    ends_on: date | None = Field(None, description="Last day; past it the term is expired and the recipe stale.")
    paused: bool = Field(False, description="The source says it is paused (takes no applications for now).")
    excludes: list[Id] = Field(default_factory=list, description="Other rebate terms it cannot be combined with.")
    excludes_programs: list[Id] = Field(default_factory=list, description="Programs it cannot be combined with.")
    description: Text | None = None
    url: Url | None = Field(None, description="The official page of this term.")


class RebateUrls(Model):
    info: Url


class Rebate(Recipe):
    """A purchase-rebate program: who offers it, where, and its terms."""

    name: Name
    operator: Name = Field(description="Who pays: the utility, state agency, city or non-profit.")
    operator_type: Literal["utility", "gas_utility", "state", "county", "city", "other"] | None = None
    urls: RebateUrls
    markets: Markets = Field(description="Where it is offered; a state when the operator is not a catalog utility.")
    conditions: list[Condition] = Field(default_factory=list, description="What every term needs of a household "
                                        "(e.g. to live in the city that offers it).")
    terms: list[RebateTerm] = Field(min_length=1)
    imported: ImportRecord | None = None
