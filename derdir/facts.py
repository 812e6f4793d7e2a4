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

    A named tuple of tuples (sorted, so builds stay byte-identical): it loads from its stored form in
    one JSON parse, which is what a household evaluation does for every matched device. Tuples, not
    lists: a service keeps thousands of these cached, and tuples of strings are dropped from the
    garbage collector's view where lists would be walked at every full collection."""

    id: str
    category: str
    manufacturer: str
    brand: str | None
    product_name: str
    model_numbers: tuple[str, ...]
    white_label_of: str | None
    imported: bool
    makers: tuple[str, ...]
    known_as: tuple[str, ...]  # makers plus the aliases its manufacturer recipe lists: what reports are compared with
    models: tuple[str, ...]
    energy_monitoring: bool | None
    local_api: bool | None
    standards: tuple[str, ...]
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
    integrations: tuple[tuple[str | None, ...], ...]

    @classmethod
    def of(cls, rid: str, d: Device, aliases: dict[str, set[str]] | None = None) -> "DeviceFacts":
        """`aliases`: maker key -> keys of the same manufacturer (from manufacturer recipes)."""
        c = d.connectivity
        makers = maker_names(d)
        known_as = makers.union(*((aliases or {}).get(k, ()) for k in makers))
        return cls(
            rid, d.category, d.manufacturer, d.brand, d.product_name, tuple(d.model_numbers), d.white_label_of,
            d.imported is not None, tuple(sorted(makers)), tuple(sorted(known_as)), tuple(sorted(model_names(d))),
            d.power.energy_monitoring, d.control.local_api, tuple(sorted(d.control.standards)),
            d.power.battery_kwh, d.power.controllable_kw,
            _on(c.wifi), _on(c.ethernet), _on(c.cellular), _on(c.zigbee), _on(c.zwave), _on(c.matter),
            None if isinstance(c.matter, bool) or c.matter is None else c.matter.transport,
            tuple((i.ecosystem, i.name, i.url, i.connection, i.via) for i in d.integrations))

    @property
    def links(self) -> tuple[str, ...]:
        """The ways it connects, as far as its recipe says: 'wifi', 'zigbee'... (empty: not known)."""
        return tuple(name for name in LINKS if getattr(self, name))

    def dumps(self) -> str:
        return json.dumps(self, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def loads(cls, text: str) -> "DeviceFacts":
        values = orjson.loads(text)
        for i in _SEQUENCES:
            values[i] = tuple(values[i])
        values[-1] = tuple(map(tuple, values[-1]))
        return cls._make(values)


LINKS = ("wifi", "ethernet", "cellular", "zigbee", "zwave", "matter")
_SEQUENCES = [i for i, name in enumerate(DeviceFacts._fields)
              if name in ("model_numbers", "makers", "known_as", "models", "standards")]
