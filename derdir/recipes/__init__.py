"""Recipe models: the schema of the catalog, defined once, exported to `schema/` as JSON Schema."""

from .common import Category, Ecosystem, Recipe, Source
from .device import Device, DRStandard
from .hub import Hub
from .load import FOLDERS, KINDS, Loaded, load_recipe
from .program import DeviceRule, Incentive, Program
from .rebate import Rebate, RebateTerm
from .utility import Utility

__all__ = [
    "Category",
    "DRStandard",
    "Device",
    "DeviceRule",
    "Ecosystem",
    "FOLDERS",
    "Hub",
    "Incentive",
    "KINDS",
    "Loaded",
    "Program",
    "Rebate",
    "RebateTerm",
    "Recipe",
    "Source",
    "Utility",
    "load_recipe",
]
