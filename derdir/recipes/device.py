"""Device recipes (`catalog/devices/<category>/<id>.yaml`) and the parts hubs share with them.

A value of `null` (or a missing key) always means *unknown*; `false` means the source says no.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from .common import Category, Ecosystem, Id, Model, Name, Recipe, Source, Text, Url

Str = Name  # short strings (model numbers, versions, identifiers): no markup or control characters either


class DRStandard(StrEnum):
    """Demand-response and device-control standards a program can require."""

    OPENADR_2A = "openadr-2.0a"
    OPENADR_2B = "openadr-2.0b"
    OPENADR_3 = "openadr-3"
    CTA_2045 = "cta-2045"
    IEEE_2030_5 = "ieee-2030.5"
    SUNSPEC_MODBUS = "sunspec-modbus"
    IEEE_1547 = "ieee-1547"
    OCPP_16 = "ocpp-1.6"
    OCPP_201 = "ocpp-2.0.1"
    MODBUS = "modbus"
    MATTER_ENERGY = "matter-energy-management"


class Firmware(Model):
    latest_version: Str | None = None
    download_url: Url | None = None


class Power(Model):
    """Electrical facts used by eligibility rules and earnings estimates."""

    energy_monitoring: bool | None = Field(None, description="Measures its own power/energy use.")
    max_output_w: float | None = Field(None, ge=0, description="Maximum switched or delivered power, W.")
    max_output_a: float | None = Field(None, ge=0, description="Maximum output current, A.")
    rated_input_w: float | None = Field(None, ge=0, description="Rated input power, W.")
    input: Str | None = Field(None, description="Supply, e.g. '120 V AC' or '12 V DC barrel'.")
    battery_kwh: float | None = Field(None, ge=0, le=1_000_000, description="Usable storage capacity, kWh.")
    battery: Str | None = Field(None, description="Replaceable cell such as CR2032, if any.")
    controllable_kw: float | None = Field(None, ge=0, le=100_000,
                                          description="Load it can shift or curtail (or export), kW.")
    poe: Str | None = Field(None, description="Power over Ethernet class, e.g. 802.3at.")


class WiFi(Model):
    standards: list[Literal["a", "b", "g", "n", "ac", "ax", "be"]] = Field(default_factory=list)
    bands: list[Literal["2.4GHz", "5GHz", "6GHz"]] = Field(default_factory=list)
    setup_ssid_prefix: Str | None = None


class Matter(Model):
    role: list[Literal["device", "bridge", "controller", "border-router"]] = Field(default_factory=lambda: ["device"])
    transport: Literal["wifi", "thread", "ethernet"] | None = None
    spec_version: Str | None = None
    vendor_id: int | None = Field(None, ge=0, le=0xFFFF)
    product_ids: list[Annotated[int, Field(ge=0, le=0xFFFF)]] = Field(default_factory=list)


class Connectivity(Model):
    """Radios and wires. `true` = present (version unknown), a string = present with that version."""

    wifi: WiFi | bool | None = None
    ethernet: bool | Str | None = None
    bluetooth: bool | Str | None = None
    thread: bool | None = None
    zigbee: bool | Str | None = None
    zwave: bool | Str | None = None
    matter: Matter | bool | None = None
    cellular: bool | Str | None = None
    lora: bool | None = None
    rs485: bool | None = None


class Control(Model):
    local_api: bool | None = Field(None, description="Controllable on the local network without a cloud.")
    cloud_api: bool | None = None
    standards: list[DRStandard] = Field(default_factory=list)
    api_docs: Url | None = None


class Integration(Model):
    """How the device joins one ecosystem."""

    ecosystem: Ecosystem
    name: Name | None = Field(None, description="Integration name or domain, e.g. 'tplink'.")
    url: Url | None = None
    connection: Literal["local", "cloud"] | None = None
    via: Literal["native", "matter", "zigbee", "zwave", "thread", "bridge", "skill", "app"] | None = None
    sources: list[Source] = Field(default_factory=list)


class Certification(Model):
    """A certification's status. `certified: true` needs a source of kind official or manufacturer (audit rule
    `security-certification-source`); `false` means a source (or the registry) says it is not certified."""

    certified: bool | None = None
    level: Str | None = None
    url: Url | None = Field(None, description="The registry or certificate page.")
    certified_on: date | None = None
    sources: list[Source] = Field(default_factory=list)


class LocalControl(Model):
    """Can the owner (or a hub on the home network) control it with no cloud? `derived: true` when it follows
    from the protocol or an integration's local connection rather than a source saying so."""

    available: bool | None = Field(None, description="Controllable locally (LAN API, local hub or coordinator) without a cloud.")
    how: Text | None = Field(None, description="How, e.g. 'Modbus TCP (SunSpec) on the LAN', 'through a Zigbee coordinator'.")
    cloud_functions: list[Name] = Field(default_factory=list,
                                        description="Functions that still need the maker's cloud (app, remote access, program events...).")
    derived: bool = Field(False, description="Derived (from the protocol or an integration), not a sourced statement.")
    reason: Text | None = Field(None, description="Why it was derived, or a note on the sources.")
    sources: list[Source] = Field(default_factory=list)


class CloudRequirement(Model):
    """Does it need the maker's account or an internet connection to operate (its basic function)?"""

    account_required: bool | None = Field(None, description="A maker's cloud account is needed to operate it.")
    internet_required: bool | None = Field(None, description="An internet connection is needed to operate it.")
    for_setup_only: bool | None = Field(None, description="The account or connection is needed only to set it up.")
    note: Text | None = None
    derived: bool = False
    reason: Text | None = None
    sources: list[Source] = Field(default_factory=list)


class UpdatePolicy(Model):
    """The published security-update support period, or that none was found (with the date looked)."""

    status: Literal["stated", "no-statement-found"]
    period_years: float | None = Field(None, ge=0, le=50, description="Minimum years of security updates stated.")
    counted_from: Literal["release", "purchase", "end-of-sale", "other"] | None = Field(
        None, description="What the period counts from.")
    until: date | None = Field(None, description="Security updates stated until this date.")
    statement: Text | None = Field(None, description="The statement in brief, in the maker's words where possible.")
    looked_on: date | None = Field(None, description="When the maker's pages were searched (required for no-statement-found).")
    where_looked: Text | None = None
    sources: list[Source] = Field(default_factory=list)


class Advisory(Model):
    """A published security advisory (the maker's or a national CERT's page)."""

    id: Str | None = Field(None, description="Advisory or CVE id, e.g. ICSA-24-011-01, CVE-2023-1234.")
    title: Name
    url: Url
    issuer: Name | None = Field(None, description="Who published it: the maker, CISA, CERT@VDE...")
    published: date | None = None
    fixed_in: Str | None = Field(None, description="Firmware version that fixes it, if stated.")
    seen: date


class Security(Model):
    """Security facts a homeowner can use. Unknown stays null; facts a maker states for all its products
    (update period, disclosure policy, advisories) go in its manufacturer recipe and are inherited."""

    local_control: LocalControl | None = None
    cloud: CloudRequirement | None = None
    cyber_trust_mark: Certification | None = Field(None, description="U.S. Cyber Trust Mark (FCC).")
    psa_certified: Certification | None = None
    matter_certified: Certification | None = Field(None, description="CSA Matter certification.")
    update_policy: UpdatePolicy | None = None
    vulnerability_disclosure: Url | None = Field(None, description="The maker's vulnerability-disclosure policy page.")
    advisories: list[Advisory] = Field(default_factory=list)


class ZigbeeId(Model):
    model_id: Str
    manufacturer_names: list[Str] = Field(default_factory=list)


class ZWaveId(Model):
    manufacturer_id: int = Field(ge=0, le=0xFFFF)
    product_type: int = Field(ge=0, le=0xFFFF)
    product_id: int = Field(ge=0, le=0xFFFF)


class MatterId(Model):
    vendor_id: int = Field(ge=0, le=0xFFFF)
    product_id: int | None = Field(None, ge=0, le=0xFFFF)


class Identifiers(Model):
    """What hubs report, for matching a hub's device registry to this recipe."""

    manufacturer_names: list[Str] = Field(default_factory=list)
    model_strings: list[Str] = Field(default_factory=list)
    zigbee: list[ZigbeeId] = Field(default_factory=list)
    zwave: list[ZWaveId] = Field(default_factory=list)
    matter: list[MatterId] = Field(default_factory=list)


class ImportRecord(Model):
    """Set by importers: which upstream package wrote this recipe."""

    source: Str = Field(description="package@version")
    key: Str = Field(description="The upstream record's key, for idempotent re-runs.")
    owned_fields: list[Str] = Field(default_factory=list)


class ProductBase(Recipe):
    """Facts shared by devices and hubs."""

    manufacturer: Name
    brand: Name | None = None
    product_name: Name
    model_numbers: list[Str] = Field(min_length=1, description="Canonical model first, then variants and regional SKUs.")
    hardware_revision: Str | None = None
    family: Name | None = Field(None, description="Product line, e.g. 'Kasa smart plugs'.")
    description: Text | None = None
    product_url: Url | None = None
    firmware: Firmware | None = None
    power: Power = Field(default_factory=Power)
    connectivity: Connectivity = Field(default_factory=Connectivity)
    control: Control = Field(default_factory=Control)
    integrations: list[Integration] = Field(default_factory=list)
    security: Security = Field(default_factory=Security)
    identifiers: Identifiers = Field(default_factory=Identifiers)
    imported: ImportRecord | None = None


class Device(ProductBase):
    """An energy device: plug, thermostat, water heater, charger, battery, inverter…"""

    category: Category
    white_label_of: Id | None = Field(
        None, description="Id of the device this one is a rebadged copy of (same hardware and identifiers)."
    )
