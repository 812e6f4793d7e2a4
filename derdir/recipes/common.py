"""Types shared by every recipe kind: ids, URLs, sources, regions.

Every recipe model forbids unknown keys so that a misspelt field is an audit error,
not a silently ignored line.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_HTML_TAG = re.compile(r"<[a-zA-Z/!?]")  # what a browser reads as markup: "a < b > c" is text to it
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0 (but tab and newline), DEL, C1
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")  # embeddings, overrides, isolates
_ANY_BAD_TEXT = re.compile("|".join(p.pattern for p in (_HTML_TAG, _CONTROL, _BIDI)))


class Model(BaseModel):
    """Base for recipe parts: unknown keys are errors, enums serialise as strings."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True, validate_default=False, allow_inf_nan=False)


# The common case, checked fast: no userinfo, no backslash (browsers read it as "/"), no control characters.
_GOOD_URL = re.compile(r"https?://[^\s/?#@\[\]\\\x00-\x1f\x7f]+(?:[/?#][^\s\\\x00-\x1f\x7f]*)?", re.IGNORECASE)


# Set while re-reading recipes this process (or its workers) already validated, e.g. from the build's
# parse cache: the string checks below then pass values through instead of checking them twice.
trusted_input: ContextVar[bool] = ContextVar("trusted_input", default=False)


def _check_url(value: str) -> str:
    if _GOOD_URL.fullmatch(value) or trusted_input.get():
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise ValueError("URL scheme must be http or https")
    if not parts.netloc or any(c.isspace() for c in value) or _CONTROL.search(value):
        raise ValueError("not a valid absolute URL")
    if "\\" in value:
        raise ValueError("URLs cannot contain a backslash (browsers read it as '/', so the host is not what it seems)")
    if "@" in parts.netloc:
        raise ValueError("URLs cannot contain user:password@ (it hides the real host)")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise ValueError("not a valid absolute URL") from None
    if not parts.hostname:
        raise ValueError("not a valid absolute URL")
    return value


def _check_text(value: str) -> str:
    if trusted_input.get() or not _ANY_BAD_TEXT.search(value):
        return value
    if _HTML_TAG.search(value):
        raise ValueError("HTML markup is not allowed in recipe text; write plain text")
    if _CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    if _BIDI.search(value):
        raise ValueError("bidirectional-override characters are not allowed (they make text display differently)")
    return value


Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, min_length=2, max_length=120)]
Url = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_check_url)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=4000), AfterValidator(_check_text)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_check_text)]

US_STATES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP"
).split()
CA_PROVINCES = "AB BC MB NB NL NS NT NU ON PE QC SK YT".split()
REGIONS = frozenset([f"US-{s}" for s in US_STATES] + [f"CA-{p}" for p in CA_PROVINCES])


def _check_region(value: str) -> str:
    if value not in REGIONS:
        raise ValueError(f"unknown region {value!r}: use ISO 3166-2 codes such as US-CA or CA-ON")
    return value


Region = Annotated[str, AfterValidator(_check_region)]


class Category(StrEnum):
    """Device categories; each has a folder under catalog/devices/."""

    THERMOSTAT = "thermostat"
    SMART_PLUG = "smart-plug"
    WATER_HEATER = "water-heater"
    EV_CHARGER = "ev-charger"
    BATTERY = "battery"
    SOLAR_INVERTER = "solar-inverter"
    HEAT_PUMP = "heat-pump"
    HVAC = "hvac"
    POOL_PUMP = "pool-pump"
    ENERGY_MONITOR = "energy-monitor"
    LOAD_CONTROLLER = "load-controller"
    LIGHT = "light"
    VEHICLE = "vehicle"
    OTHER = "other"


class Ecosystem(StrEnum):
    """Smart-home ecosystems a device can integrate with and a hub can belong to."""

    HOME_ASSISTANT = "home-assistant"
    GOOGLE_HOME = "google-home"
    ALEXA = "alexa"
    APPLE_HOME = "apple-home"
    SMARTTHINGS = "smartthings"
    HUBITAT = "hubitat"
    IFTTT = "ifttt"
    HOMEY = "homey"
    HUE = "hue"
    AQARA = "aqara"
    ZIGBEE2MQTT = "zigbee2mqtt"
    OPENHAB = "openhab"


SourceKind = Literal["official", "manufacturer", "upstream-data", "registry", "news", "installer", "other"]


class Source(Model):
    """Where a fact comes from: the page, what kind of page it is, what it supports, and when it was seen."""

    url: Url
    kind: SourceKind | None = Field(None, description=(
        "official: the program's or utility's own pages (their hosted FAQ sites too); manufacturer; upstream-data: "
        "a package or dataset; registry: a community list; news; installer; other."))
    title: Name | None = None
    supports: Text | None = Field(None, description="Which facts of the recipe this source backs.")
    seen: date = Field(description="Date the page or package was read.")


class Recipe(Model):
    """Fields every recipe carries: provenance and stable-id bookkeeping."""

    former_ids: list[Id] = Field(
        default_factory=list,
        description="Ids this recipe had before a rename; links and API clients using them keep working.",
    )
    notes: Text | None = Field(None, description="Free-form notes for maintainers.")
    verified_on: date = Field(description="Date a person or importer last checked the recipe against its sources.")
    sources: list[Source] = Field(min_length=1, description="Every fact needs a source with a URL and a date.")
