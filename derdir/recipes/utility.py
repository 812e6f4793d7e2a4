"""Utility recipes (`catalog/utilities/<id>.yaml`): the markets programs serve."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .common import Id, Name, Recipe, Region, Url
from .device import ImportRecord, Str


class Utility(Recipe):
    """An electric utility (or community choice aggregator) and its service regions."""

    name: Name = Field(description="Legal or common full name.")
    short_name: Name | None = Field(None, description="What people call it, e.g. PG&E.")
    aliases: list[Name] = Field(default_factory=list, description="Other names as hubs and bills write them.")
    eia_id: int | None = Field(None, ge=1, description="EIA-861 utility id.")
    country: Literal["US", "CA"]
    regions: list[Region] = Field(min_length=1, description="ISO 3166-2 codes of the states/provinces served.")
    ownership: Literal["investor-owned", "municipal", "cooperative", "public-power", "cca", "retail-provider",
                       "federal", "other"] | None = None
    website: Url | None = None
    territories: list[Str] = Field(
        default_factory=list,
        description="Keys of the electric territories this utility stands for in the Rewiring America API data "
                    "(catalog/territories/): the ZIP codes it serves come from them.")
    serves_within: list[Id] = Field(
        default_factory=list,
        description="For a supplier that does not own the wires (a community choice aggregator, a Texas retail "
                    "provider): the distribution utilities whose customers it serves. Their programs are open to "
                    "its customers too.")
    imported: ImportRecord | None = None
