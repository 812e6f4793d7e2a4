"""Requirement kinds: capabilities a program's device rule can ask of a device.

An entry holds the recipe field (`requires.<name>`), its type and description, the device fact it
reads (`DeviceFacts` field, or the hub the device is connected through), its check and its phrase.
`recipes.program.Requirements` is made from this registry, so the field, its check and its words
cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Literal

from ..facts import DeviceFacts
from ..recipes.common import Id
from ..recipes.device import DRStandard

Check = Callable[[Any, DeviceFacts, "str | None"], "bool | None"]  # (required value, device, hub id) -> met?


@dataclass(frozen=True)
class RequirementKind:
    name: str  # the field under a rule's `requires`
    annotation: Any  # its type in the recipe
    default: Any
    description: str
    reads: str  # the device fact it depends on ("hub": the hub the device is connected through)
    check: Check
    phrase: Callable[[Any], str]  # "needs ..." as verdicts and pages say it
    constraints: dict[str, Any] | None = None  # pydantic Field constraints (ge=0...)

    def used(self, value: Any) -> bool:
        """Does a rule with this value require anything? (false, empty and unset do not)"""
        return value is not None and value is not False and value != []


def _flag(fact: str) -> Check:
    return lambda wanted, device, hub: getattr(device, fact)


def _at_least(fact: str) -> Check:
    def check(wanted: float, device: DeviceFacts, hub: str | None) -> bool | None:
        have = getattr(device, fact)
        return None if have is None else have >= wanted
    return check


def _any_standard(wanted: list[str], device: DeviceFacts, hub: str | None) -> bool | None:
    if not set(wanted).isdisjoint(device.standards):
        return True
    return None if not device.standards else False


def _any_link(wanted: list[str], device: DeviceFacts, hub: str | None) -> bool | None:
    if not set(wanted).isdisjoint(device.links):
        return True
    return None if not device.links else False


Link = Literal["wifi", "ethernet", "cellular", "zigbee", "zwave", "matter"]


def _not_recorded(wanted: Any, device: DeviceFacts, hub: str | None) -> bool | None:
    """A certification no device recipe records yet (ENERGY STAR): unknown for every device, so a rebate
    or program that asks for it is never counted as sure until the fact is added."""
    return None


def _hub(wanted: list[str], device: DeviceFacts, hub: str | None) -> bool | None:
    return None if hub is None else hub in wanted


REQUIREMENTS: dict[str, RequirementKind] = {k.name: k for k in (
    RequirementKind("energy_monitoring", bool | None, None, "Device must measure its own energy use.",
                    "energy_monitoring", _flag("energy_monitoring"), lambda v: "needs energy monitoring"),
    RequirementKind("any_standard", list[DRStandard], [], "Device must support one of these.",
                    "standards", _any_standard, lambda v: "needs one of: " + ", ".join(v)),
    RequirementKind("local_api", bool | None, None, "Device must be controllable locally, without a cloud.",
                    "local_api", _flag("local_api"), lambda v: "needs local control"),
    RequirementKind("min_battery_kwh", float | None, None, "Device must store at least this many kWh.",
                    "battery_kwh", _at_least("battery_kwh"), lambda v: f"needs at least {v:g} kWh of storage",
                    {"ge": 0}),
    RequirementKind("min_controllable_kw", float | None, None, "Device must control at least this many kW.",
                    "controllable_kw", _at_least("controllable_kw"), lambda v: f"needs at least {v:g} kW controllable",
                    {"ge": 0}),
    RequirementKind("connectivity", list[Link], [], "Device must connect in one of these ways (e.g. wifi for a program "
                    "that reaches thermostats through their makers' clouds).", "links", _any_link,
                    lambda v: "needs to connect by " + " or ".join(v)),
    RequirementKind("hubs", list[Id], [], "Device must be connected through one of these hubs (hub ids).",
                    "hub", _hub, lambda v: "needs to be connected through: " + ", ".join(v)),
    RequirementKind("energy_star", bool | None, None, "Device must be ENERGY STAR certified (as rebates often ask); "
                    "device recipes do not record it yet, so it is unknown for every device.",
                    "category", _not_recorded, lambda v: "needs ENERGY STAR certification"),
)}


def check(requires: Any, device: DeviceFacts, hub_id: str | None = None) -> tuple[list[str], list[str]]:
    """(unmet, unknown) phrases of a rule's `requires` for this device."""
    unmet: list[str] = []
    unknown: list[str] = []
    for kind in REQUIREMENTS.values():
        value = getattr(requires, kind.name)
        if not kind.used(value):
            continue
        met = kind.check(value, device, hub_id)
        if met is None:
            unknown.append(kind.phrase(value))
        elif not met:
            unmet.append(kind.phrase(value))
    return unmet, unknown


def phrases(requires: Any) -> list[str]:
    """Each requirement a rule states, as 'needs ...' phrases (the words verdicts use)."""
    return [k.phrase(getattr(requires, k.name)) for k in REQUIREMENTS.values() if k.used(getattr(requires, k.name))]


def reads(requires: Any) -> set[str]:
    """The device facts (and 'hub') a rule's requirements depend on."""
    return {k.reads for k in REQUIREMENTS.values() if k.used(getattr(requires, k.name))}
