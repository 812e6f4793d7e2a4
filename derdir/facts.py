"""The facts about a device that answers are computed from, flat and precomputed.

Matching, eligibility, compatibility and earnings need a dozen facts of a device, not its whole
recipe. `DeviceFacts.of` derives them from a validated `Device` once, at build time; the build
stores them in the index, and queries read them back with one JSON parse instead of validating
a recipe with pydantic (the difference between a 2 ms and a 6 ms household at 100k devices).
"""

from __future__ import annotations

import json
from typing import NamedTuple

import orjson

from .normalize import key, maker_key
from .recipes.device import Device, ProductBase


def maker_names(product: ProductBase) -> set[str]:
    """Maker keys a product answers to: manufacturer, brand and the names hubs report."""
    names = {product.manufacturer, *product.identifiers.manufacturer_names}
    if product.brand:
        names.add(product.brand)
    return {k for k in map(maker_key, names) if k}


def model_names(product: ProductBase) -> set[str]:
    """Model keys a product answers to: model numbers, product name and reported model strings."""
    names = {*product.model_numbers, product.product_name, *product.identifiers.model_strings}
    return {k for k in map(key, names) if k}


def _on(value: object) -> bool:
    return value not in (None, False)


class DeviceFacts(NamedTuple):
    """One device as the answering code sees it, stored as a JSON array in field order.

    A named tuple of plain lists (sorted, so builds stay byte-identical): it loads from its stored
    form in one JSON parse, which is what a household evaluation does for every matched device."""

    id: str
    category: str
    manufacturer: str
    brand: str | None
    product_name: str
    model_numbers: list[str]
    white_label_of: str | None
    imported: bool
    makers: list[str]
    known_as: list[str]  # makers plus the aliases its manufacturer recipe lists: what reports are compared with
    models: list[str]
    energy_monitoring: bool | None
    local_api: bool | None
    standards: list[str]
    battery_kwh: float | None
    controllable_kw: float | None
    # connectivity, as present (True) or not known to be present (False)
    wifi: bool
    ethernet: bool
    cellular: bool
    zigbee: bool
    zwave: bool
    matter: bool
    matter_transport: str | None
    # (ecosystem, name, url, connection, via) per integration, in recipe order
    integrations: list[list[str | None]]

    @classmethod
    def of(cls, rid: str, d: Device, aliases: dict[str, set[str]] | None = None) -> "DeviceFacts":
        """`aliases`: maker key -> keys of the same manufacturer (from manufacturer recipes)."""
        c = d.connectivity
        makers = maker_names(d)
        known_as = makers.union(*((aliases or {}).get(k, ()) for k in makers))
        return cls(
            rid, d.category, d.manufacturer, d.brand, d.product_name, list(d.model_numbers), d.white_label_of,
            d.imported is not None, sorted(makers), sorted(known_as), sorted(model_names(d)),
            d.power.energy_monitoring, d.control.local_api, sorted(d.control.standards),
            d.power.battery_kwh, d.power.controllable_kw,
            _on(c.wifi), _on(c.ethernet), _on(c.cellular), _on(c.zigbee), _on(c.zwave), _on(c.matter),
            None if isinstance(c.matter, bool) or c.matter is None else c.matter.transport,
            [[i.ecosystem, i.name, i.url, i.connection, i.via] for i in d.integrations])

    def dumps(self) -> str:
        return json.dumps(self, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def loads(cls, text: str) -> "DeviceFacts":
        return cls._make(orjson.loads(text))
