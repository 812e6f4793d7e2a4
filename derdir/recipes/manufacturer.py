"""Manufacturer recipes (`catalog/manufacturers/<id>.yaml`): one maker and every name it goes by.

Hubs and radio stacks rarely use the marketing name: Z-Wave devices say "AEON Labs" for Aeotec,
Mysa's HomeKit accessories say "Empowered Homes Inc.", Hue bulbs say "Signify Netherlands B.V.".
Listing those names here lets the resolver and the search treat them as one maker.
"""

from __future__ import annotations

from pydantic import Field

from .common import Category, Model, Name, Recipe, Url
from .device import Advisory, CloudRequirement, LocalControl, UpdatePolicy


class MakerDevices(Model):
    """Local-control and cloud facts the maker states for all its devices of some categories."""

    categories: list[Category] = Field(min_length=1)
    local_control: LocalControl | None = None
    cloud: CloudRequirement | None = None


class MakerSecurity(Model):
    """Policies stated once for the maker's products, inherited by its devices and hubs (theirs win)."""

    update_policy: UpdatePolicy | None = None
    vulnerability_disclosure: Url | None = Field(None, description="The maker's vulnerability-disclosure policy page.")
    advisories: list[Advisory] = Field(default_factory=list)
    devices: list[MakerDevices] = Field(default_factory=list)


class Manufacturer(Recipe):
    name: Name = Field(description="The name the maker uses today.")
    aliases: list[Name] = Field(default_factory=list,
                                description="Former names, legal names, and names hubs or radio stacks report.")
    brands: list[Name] = Field(default_factory=list, description="Brands it sells devices under.")
    website: Url | None = None
    matter_vendor_id: int | None = Field(None, ge=0, le=0xFFFF, description="CSA-assigned vendor id (Matter/Zigbee).")
    security: MakerSecurity | None = None
