"""Hub recipes (`catalog/hubs/<id>.yaml`): smart-home controllers and what they can talk to."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .common import Category, Ecosystem, Model, Name, Source, Url
from .device import ProductBase


class HubRoles(Model):
    """What the hub does with its radios; `null` is unknown."""

    zigbee_coordinator: bool | None = None
    zwave_controller: bool | None = None
    thread_border_router: bool | None = None
    matter_controller: bool | None = None
    bluetooth_proxy: bool | None = None


class HubIntegration(Model):
    """An integration the hub runs, and the device brands it brings in."""

    name: Name
    domain: Name | None = None
    url: Url | None = None
    connection: Literal["local", "cloud"] | None = None
    brands: list[Name] = Field(default_factory=list, description="Manufacturers/brands whose devices it supports.")
    categories: list[Category] = Field(default_factory=list, description="Limit to these device categories; empty = any.")
    sources: list[Source] = Field(default_factory=list)


class Hub(ProductBase):
    """A hub or controller: Home Assistant Yellow, SmartThings Station, Aqara M3…"""

    ecosystem: Ecosystem
    radio_adapter: bool | None = Field(
        None, description="A radio (USB stick, add-on module) that a hub or server of its ecosystem drives: it runs "
                          "no integration itself, so devices reach it only over its radios (Home Assistant Connect ZBT-1).")
    roles: HubRoles = Field(default_factory=HubRoles)
    runs: list[HubIntegration] = Field(default_factory=list, description="Integrations the hub runs.")
