"""Manufacturer recipes (`catalog/manufacturers/<id>.yaml`): one maker and every name it goes by.

Hubs and radio stacks rarely use the marketing name: Z-Wave devices say "AEON Labs" for Aeotec,
Mysa's HomeKit accessories say "Empowered Homes Inc.", Hue bulbs say "Signify Netherlands B.V.".
Listing those names here lets the resolver and the search treat them as one maker.
"""

from __future__ import annotations

from pydantic import Field

from .common import Name, Recipe, Url


class Manufacturer(Recipe):
    name: Name = Field(description="The name the maker uses today.")
    aliases: list[Name] = Field(default_factory=list,
                                description="Former names, legal names, and names hubs or radio stacks report.")
    brands: list[Name] = Field(default_factory=list, description="Brands it sells devices under.")
    website: Url | None = None
    matter_vendor_id: int | None = Field(None, ge=0, le=0xFFFF, description="CSA-assigned vendor id (Matter/Zigbee).")
