#!/usr/bin/env python3
"""Synthetic but valid DER Directory catalogs at scale, for benchmarks.

    python bench/synth.py OUT_DIR --devices 100000 --programs 2000 --utilities 3000 [--seed 1]

writes OUT_DIR/catalog/{devices/<category>,hubs,programs,utilities}/<id>.yaml in the real layout
(plus OUT_DIR/synth-info.json with the parameters and counts). `derdir audit --catalog OUT_DIR/catalog`
passes on the output. Everything is made up: makers, models, utilities and programs are invented
names, every source URL is on example.org, and the output is never meant for `catalog/`.

The mix is modelled on the bundled catalog: many plugs and thermostats, Tuya-style Zigbee devices
sharing `TS0601`-like model ids under per-device `_TZ3000_…` vendor names, Z-Wave and Matter ids,
unknown (null) capabilities; programs that are mostly one utility with one or two rules, a share of
"any device of this kind" rules (always with a note or requirements, as the audit demands), model
patterns, explicit device claims (a few disputed), exclusions, every incentive type and event rules.

Same arguments and seed -> byte-identical files. No set iteration order is relied upon.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import string
import sys
import time
from bisect import bisect_left
from datetime import date
from itertools import accumulate
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing

from derdir.eligibility import check_requirements, rule_matches  # noqa: E402
from derdir.facts import DeviceFacts  # noqa: E402
from derdir.normalize import id_key, key, maker_key  # noqa: E402
from derdir.recipes.device import Device  # noqa: E402
from derdir.recipes.program import DeviceRule  # noqa: E402

GENERATOR_VERSION = "1"
DEFAULT_VERIFIED = date(2026, 6, 1)
BASE = "https://example.org/synthetic"

try:
    _Base: type = yaml.CSafeDumper
except AttributeError:  # pragma: no cover
    _Base = yaml.SafeDumper


class _Dumper(_Base):  # type: ignore[misc,valid-type]
    def ignore_aliases(self, data: Any) -> bool:  # recipes may not contain anchors
        return True

# --- vocabularies ---------------------------------------------------------------------------------

HEADS = ("Volt Amp Watt Grid Ohm Joule Sun Hearth Therm Aero Lumi Nova Peak Flux Spark Terra Aqua Eco Zen Kilo "
         "Helio Pyro Cryo Omni Vela Orbi Quanta Stella Boreal Cascade Ember Frost Halo Ion Jade Kestrel Lark Meridian "
         "Nimbus Onyx Pulse Quill Rivet Sable Tidal Umbra Vireo Wren Xeno Yarrow Zephyr Argent Basalt Cobalt Delta").split()
TAILS = ("ara ix ly io wise tek gen core sense line point wave field smith works ora on ex ity ian ova eon era "
         "ant ium ella ios ent").split()
QUALIFIERS = ["Home", "Energy", "Power", "Controls", "Labs", "Electric", "Smart", "Devices", "Climate", "Thermal"]
CORP = ["Inc.", "LLC", "Co., Ltd.", "Corporation", "GmbH", "Ltd."]

PLACE_HEADS = ("Ash Brook Cedar Dun Elm Fair Glen Hill Iron Lake Maple North Oak Pine Red Silver Stone Spring West "
               "East South Clear Green High Long Mill Rock Sand White Black Wolf Bear Deer Eagle Fox Hawk Pike Salt "
               "Blue Gold Crystal Mound Prairie River Grand Little Big Twin").split()
PLACE_TAILS = "field ford ton ville wood dale burg port view ridge haven mont creek falls land water bend".split()
UTILITY_KINDS = [
    ("Electric Cooperative", "cooperative"), ("Rural Electric Membership Corporation", "cooperative"),
    ("Power and Light", "investor-owned"), ("Electric Company", "investor-owned"), ("Energy", "investor-owned"),
    ("Municipal Utilities", "municipal"), ("Light and Water", "municipal"), ("Public Power District", "public-power"),
    ("Public Utility District", "public-power"), ("Community Power", "cca"), ("Electric Membership Corporation", "cooperative"),
]
# Utilities per state, roughly as EIA-861 counts them (many co-ops and municipals in the middle of the country).
STATE_WEIGHTS = {
    "TX": 9, "MN": 8, "IA": 8, "GA": 6, "NE": 6, "WI": 6, "KS": 6, "MO": 6, "OH": 5, "IL": 5, "MI": 5, "IN": 5,
    "KY": 4, "TN": 5, "NC": 5, "OK": 4, "AL": 4, "MS": 4, "AR": 4, "LA": 3, "SD": 4, "ND": 4, "CO": 4, "CA": 5,
    "WA": 4, "OR": 4, "PA": 4, "NY": 4, "VA": 3, "SC": 3, "FL": 4, "MA": 3, "NM": 2, "AZ": 2, "ID": 2, "MT": 2,
    "WY": 2, "UT": 2, "NV": 1, "ME": 2, "VT": 2, "NH": 1, "CT": 1, "RI": 1, "NJ": 2, "DE": 1, "MD": 2, "DC": 1,
    "WV": 1, "AK": 2, "HI": 1,
}
PROVINCE_WEIGHTS = {"ON": 5, "QC": 2, "BC": 2, "AB": 2, "MB": 1, "SK": 1, "NS": 1, "NB": 1}

CATEGORIES: dict[str, dict[str, Any]] = {
    # weight: share of devices; prog: how often programs write rules for it; kw: controllable kW range
    "smart-plug": dict(weight=22, prog=6, nouns=["Smart Plug", "Wi-Fi Plug", "Outdoor Plug", "Plug Mini", "Energy Plug"],
                       kw=(0.1, 1.8), em=0.55, zigbee=0.35, zwave=0.12, matter=0.18, standards=[]),
    "thermostat": dict(weight=17, prog=30, nouns=["Smart Thermostat", "Wi-Fi Thermostat", "Learning Thermostat",
                                                   "Programmable Thermostat", "Radiator Valve"],
                       kw=(1.0, 5.0), em=0.1, zigbee=0.2, zwave=0.15, matter=0.15, standards=["openadr-2.0b"]),
    "load-controller": dict(weight=8, prog=4, nouns=["Relay Switch", "Load Controller", "DIN Rail Relay", "Smart Breaker"],
                            kw=(0.5, 7.0), em=0.6, zigbee=0.4, zwave=0.2, matter=0.05, standards=["openadr-2.0a"]),
    "light": dict(weight=9, prog=2, nouns=["Smart Bulb", "LED Strip", "Downlight", "Dimmer"],
                  kw=(0.005, 0.1), em=0.05, zigbee=0.45, zwave=0.1, matter=0.25, standards=[]),
    "energy-monitor": dict(weight=7, prog=3, nouns=["Energy Monitor", "Power Meter", "CT Clamp Meter", "Panel Monitor"],
                           kw=None, em=0.95, zigbee=0.35, zwave=0.2, matter=0.05, standards=["ieee-2030.5"]),
    "hvac": dict(weight=5, prog=8, nouns=["Mini-Split Controller", "AC Controller", "Furnace Controller"],
                 kw=(1.0, 6.0), em=0.2, zigbee=0.1, zwave=0.05, matter=0.05, standards=["openadr-2.0b", "cta-2045"]),
    "heat-pump": dict(weight=4, prog=8, nouns=["Heat Pump", "Air-to-Water Heat Pump", "Ducted Heat Pump"],
                      kw=(2.0, 8.0), em=0.3, zigbee=0.0, zwave=0.0, matter=0.02, standards=["openadr-2.0b", "cta-2045"]),
    "water-heater": dict(weight=5, prog=14, nouns=["Heat Pump Water Heater", "Electric Water Heater", "Water Heater Controller"],
                         kw=(1.5, 5.5), em=0.3, zigbee=0.0, zwave=0.05, matter=0.02, standards=["cta-2045", "openadr-2.0b"]),
    "ev-charger": dict(weight=7, prog=14, nouns=["Level 2 EV Charger", "Wall Charger", "Smart EVSE"],
                       kw=(3.8, 19.2), em=0.8, zigbee=0.0, zwave=0.02, matter=0.03, standards=["ocpp-1.6", "ocpp-2.0.1", "openadr-2.0b"]),
    "battery": dict(weight=5, prog=12, nouns=["Home Battery", "Battery Storage System", "Portable Power Station"],
                    kw=(2.0, 11.5), em=0.9, zigbee=0.0, zwave=0.0, matter=0.02, standards=["ieee-2030.5", "sunspec-modbus", "openadr-2.0b"]),
    "solar-inverter": dict(weight=5, prog=6, nouns=["Hybrid Inverter", "String Inverter", "Microinverter"],
                           kw=(3.0, 12.0), em=0.9, zigbee=0.0, zwave=0.0, matter=0.0, standards=["ieee-2030.5", "sunspec-modbus", "ieee-1547"]),
    "pool-pump": dict(weight=2, prog=3, nouns=["Variable Speed Pool Pump", "Pool Pump Controller"],
                      kw=(0.5, 2.5), em=0.3, zigbee=0.0, zwave=0.1, matter=0.0, standards=[]),
    "other": dict(weight=4, prog=0, nouns=["Smart Fan", "Dehumidifier", "Smart Blind"],
                  kw=None, em=0.1, zigbee=0.3, zwave=0.1, matter=0.1, standards=[]),
}
CAT_NAMES = list(CATEGORIES)
TS_CODES = ["TS0601", "TS011F", "TS0121", "TS0001", "TS0002", "TS0003", "TS0004", "TS000F", "TS0201", "TS0101",
            "TS0041", "TS0044", "TS0501", "TS0502", "TS0505", "TS1101", "TS130F", "TS0011", "TS0012", "TS0013"]
ECOSYSTEMS = ["home-assistant", "google-home", "alexa", "apple-home", "smartthings", "hubitat", "homey", "ifttt"]
PROGRAM_THEMES = {
    "thermostat": ["Smart Thermostat Rewards", "Bring Your Own Thermostat", "Cool Savings", "Peak Rewards", "Summer Saver"],
    "water-heater": ["Water Heater Rewards", "Hot Water Saver", "Load Shift"],
    "ev-charger": ["EV Smart Charging", "Charge Ready Rewards", "Off-Peak EV"],
    "battery": ["Battery Connect", "Virtual Power Plant", "Home Battery Rewards"],
    "solar-inverter": ["Solar Connect", "Smart Inverter Program"],
    "heat-pump": ["Heat Pump Flex", "Connected Heat Pump Rewards"],
    "hvac": ["AC Cycling", "Cool Savings", "Demand Response"],
    "smart-plug": ["Connected Home Rewards", "Smart Savings", "Energy Wise"],
    "load-controller": ["Load Control Rewards", "Demand Response"],
    "energy-monitor": ["Energy Insights", "Grid Partners"],
    "light": ["Smart Lighting Rewards"],
    "pool-pump": ["Pool Pump Rewards"],
}
AGGREGATORS = ["Gridlink Aggregation", "Peakshift Energy", "Voltmesh VPP", "Loadwise Partners", "Homegrid Services"]
INCENTIVE_TYPES = ["enrollment", "per-year", "per-month", "per-event", "per-kwh", "per-kw-season", "per-kw-year"]
INCENTIVE_AMOUNTS = {"enrollment": (25, 150), "per-year": (20, 120), "per-month": (2, 10), "per-event": (1, 10),
                     "per-kwh": (0.5, 2.0), "per-kw-season": (50, 250), "per-kw-year": (20, 120)}


class Picker:
    """Weighted choice by bisecting cumulative weights (fast for big populations)."""

    def __init__(self, items: list[Any], weights: list[float]):
        self.items = items
        self.cum = list(accumulate(weights))

    def __call__(self, rng: random.Random) -> Any:
        return self.items[bisect_left(self.cum, rng.random() * self.cum[-1])]


def zipf(n: int, s: float = 1.0) -> list[float]:
    return [1.0 / (i + 1) ** s for i in range(n)]


def slug(text: str) -> str:
    out, dash = [], False
    for ch in text.lower():
        if ch.isascii() and ch.isalnum():
            out.append(ch)
            dash = False
        elif not dash:
            out.append("-")
            dash = True
    return "".join(out).strip("-")


def src(kind: str, rid: str, title: str, supports: str, seen: date, n: int = 0) -> dict[str, Any]:
    tail = f"/{n}" if n else ""
    return {"url": f"{BASE}/{kind}/{rid}{tail}", "title": title, "supports": supports, "seen": seen}


# --- the generator --------------------------------------------------------------------------------


class Synth:
    def __init__(self, devices: int, programs: int, utilities: int, seed: int = 1, hubs: int = 12,
                 open_rule_share: float = 0.15, verified_on: date = DEFAULT_VERIFIED):
        self.n_devices, self.n_programs, self.n_utilities, self.n_hubs = devices, programs, utilities, hubs
        self.open_rule_share = open_rule_share
        self.rng = random.Random(seed)
        self.seed = seed
        self.day = verified_on
        self.used_ids: dict[str, set[str]] = {k: set() for k in ("device", "hub", "program", "utility")}
        self.used_keys: dict[str, set[str]] = {k: set() for k in ("device", "hub", "program", "utility")}
        self.utilities: dict[str, dict[str, Any]] = {}
        self.makers: list[dict[str, Any]] = []
        self.devices: dict[str, dict[str, Any]] = {}
        self.device_ids: list[str] = []
        self.by_cat: dict[str, list[str]] = {c: [] for c in CAT_NAMES}
        self.by_cat_maker: dict[tuple[str, int], list[str]] = {}
        self.hubs: dict[str, dict[str, Any]] = {}
        self.programs: dict[str, dict[str, Any]] = {}
        self.device_cat: dict[str, str] = {}

    # ids ------------------------------------------------------------------------------------------
    def _claim_id(self, kind: str, base: str) -> str:
        base = base[:100].strip("-")
        rid, n = base, 2
        while rid in self.used_ids[kind] or id_key(rid) in self.used_keys[kind] or len(rid) < 2:
            rid = f"{base}-{n}"
            n += 1
        self.used_ids[kind].add(rid)
        self.used_keys[kind].add(id_key(rid))
        return rid

    # utilities ------------------------------------------------------------------------------------
    def make_utilities(self) -> None:
        rng = self.rng
        regions = [f"US-{s}" for s in STATE_WEIGHTS] + [f"CA-{p}" for p in PROVINCE_WEIGHTS]
        pick_region = Picker(regions, list(STATE_WEIGHTS.values()) + list(PROVINCE_WEIGHTS.values()))
        eia_ids = rng.sample(range(1000, 99_999), self.n_utilities)
        for i in range(self.n_utilities):
            region = pick_region(rng)
            place = rng.choice(PLACE_HEADS) + rng.choice(PLACE_TAILS)
            if rng.random() < 0.3:
                place = f"{place} County"
            kind, ownership = rng.choice(UTILITY_KINDS)
            if region.startswith("CA-"):
                kind, ownership = rng.choice([("Hydro", "public-power"), ("Power", "municipal"), ("Energy", "investor-owned")])
            name = f"{place} {kind}"
            rid = self._claim_id("utility", slug(f"{place} {kind.split()[0]} {region[3:]}"))
            regs = [region]
            if rng.random() < 0.06:  # a few serve two neighbouring states
                other = pick_region(rng)
                if other != region and other[:2] == region[:2]:
                    regs.append(other)
            short = "".join(w[0] for w in name.split() if w[0].isupper())
            u: dict[str, Any] = {"name": name}
            if len(short) >= 2:
                u["short_name"] = short
            if rng.random() < 0.4:
                u["aliases"] = [f"{name} Inc." if ownership == "investor-owned" else f"{place} {kind.split()[0]}"]
            if region.startswith("US-"):
                u["eia_id"] = eia_ids[i]
            u["country"] = region[:2]
            u["regions"] = regs
            u["ownership"] = ownership
            u["website"] = f"{BASE}/utilities/{rid}/home"
            u["verified_on"] = self.day
            u["sources"] = [src("utilities", rid, f"{name} (synthetic EIA-861 row)", "name, EIA id, service territory", self.day)]
            self.utilities[rid] = u
        self.utility_ids = list(self.utilities)
        self.utilities_by_region: dict[str, list[str]] = {}
        for uid, u in self.utilities.items():
            for r in u["regions"]:
                self.utilities_by_region.setdefault(r, []).append(uid)
        # Big utilities run many programs, most run none: a Zipf popularity over a shuffled order.
        order = self.utility_ids[:]
        rng.shuffle(order)
        self.pick_utility = Picker(order, zipf(len(order), 0.9))

    # makers ---------------------------------------------------------------------------------------
    def make_makers(self) -> None:
        rng = self.rng
        n = max(20, self.n_devices // 60)
        used_keys: set[str] = set()
        used_prefixes: set[str] = set()
        zw_ids = rng.sample(range(0x0010, 0x0FFF), n)
        mt_ids = rng.sample(range(0x1000, 0x7FFF), n)
        cat_picker = Picker(CAT_NAMES, [c["weight"] for c in CATEGORIES.values()])

        def fresh_name() -> str:
            while True:
                name = rng.choice(HEADS) + rng.choice(TAILS)
                if rng.random() < 0.35:
                    name = f"{name} {rng.choice(QUALIFIERS)}"
                k = maker_key(name)
                if k not in used_keys and len(k) >= 4:
                    used_keys.add(k)
                    return name

        for i in range(n):
            name = fresh_name()
            brand = fresh_name().split()[0] if rng.random() < 0.3 else None
            if brand and maker_key(brand) == maker_key(name):
                brand = None
            cats: list[str] = []
            for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
                c = cat_picker(rng)
                if c not in cats:
                    cats.append(c)
            letters = "".join(ch for ch in (brand or name).upper() if ch.isalpha())
            prefix = letters[:2] + rng.choice(string.ascii_uppercase)
            while prefix in used_prefixes and len(prefix) < 5:
                prefix += rng.choice(string.ascii_uppercase)
            used_prefixes.add(prefix)
            tuya = rng.random() < 0.3
            self.makers.append({
                "name": name, "brand": brand, "cats": cats, "prefix": prefix, "corp": rng.choice(CORP),
                "tuya": tuya, "ts": rng.sample(TS_CODES[:6] if rng.random() < 0.5 else TS_CODES, 2),
                "zwave_id": zw_ids[i], "matter_vid": mt_ids[i], "ha": slug(brand or name).replace("-", "_"),
                "zb_name": name.split()[0].upper() if rng.random() < 0.5 else name,
            })
        self.pick_maker = Picker(list(range(n)), zipf(n, 0.8))  # top maker ~5% of devices

    # devices --------------------------------------------------------------------------------------
    def make_devices(self) -> None:
        rng = self.rng
        used_models: set[str] = set()
        zwave_seq: dict[int, int] = {}
        matter_seq: dict[int, int] = {}
        for _ in range(self.n_devices):
            mi = self.pick_maker(rng)
            m = self.makers[mi]
            cat = rng.choice(m["cats"])
            spec = CATEGORIES[cat]
            while True:
                num = str(rng.randint(10, 99_999))
                sep = rng.choice(["-", "", "-", " "])
                tail = rng.choice(["", "", "", "M", "S", "W", "X", "-2", "-US", "P", "Pro", "Plus", "E"])
                model = f"{m['prefix']}{sep}{num}{tail}".strip()
                if key(model) not in used_models:
                    used_models.add(key(model))
                    break
            maker_display = m["brand"] or m["name"]
            noun = rng.choice(spec["nouns"])
            product_name = f"{maker_display} {noun} {model}"
            rid = self._claim_id("device", slug(f"{maker_display} {model}"))
            d: dict[str, Any] = {"category": cat, "manufacturer": m["name"]}
            if m["brand"]:
                d["brand"] = m["brand"]
            d["product_name"] = product_name
            variants = [model]
            if rng.random() < 0.3:
                variants.append(f"{model}-{rng.choice(['US', 'CA', 'B', 'W', '2'])}")
            d["model_numbers"] = variants
            if rng.random() < 0.2:
                d["hardware_revision"] = f"{rng.randint(1, 4)}.{rng.randint(0, 9)}"
            if rng.random() < 0.5:
                d["family"] = f"{maker_display} {noun.lower()}s"
            if rng.random() < 0.25:
                d["description"] = (f"{noun} from {maker_display} for homes in North America; synthetic recipe "
                                    f"generated for benchmarks (seed {self.seed}).")
            if rng.random() < 0.3:
                d["product_url"] = f"{BASE}/products/{rid}"
            if rng.random() < 0.15:
                d["firmware"] = {"latest_version": f"{rng.randint(1, 5)}.{rng.randint(0, 20)}.{rng.randint(0, 99)}"}
            # power
            power: dict[str, Any] = {}
            r = rng.random()
            power["energy_monitoring"] = True if r < spec["em"] else (False if r < spec["em"] + 0.25 else None)
            if power["energy_monitoring"] is None:
                del power["energy_monitoring"]
            if spec["kw"] and rng.random() < 0.75:
                lo, hi = spec["kw"]
                power["controllable_kw"] = round(rng.uniform(lo, hi), 2)
            if cat == "battery":
                if rng.random() < 0.9:
                    power["battery_kwh"] = round(rng.choice([5, 6.5, 9.8, 10, 13.5, 15, 16, 20]) * rng.uniform(0.9, 1.1), 1)
            if cat in ("smart-plug", "load-controller") and rng.random() < 0.6:
                power["max_output_a"] = rng.choice([10, 15, 16, 20, 30])
                power["max_output_w"] = power["max_output_a"] * 120
            if cat == "ev-charger":
                power["max_output_a"] = rng.choice([16, 32, 40, 48, 80])
            if power:
                d["power"] = power
            # connectivity and identifiers
            conn: dict[str, Any] = {}
            ident: dict[str, Any] = {}
            zigbee = rng.random() < spec["zigbee"]
            zwave = not zigbee and rng.random() < spec["zwave"]
            matter = rng.random() < spec["matter"]
            if not zigbee and not zwave:
                conn["wifi"] = {"standards": ["b", "g", "n"], "bands": ["2.4GHz"]} if rng.random() < 0.5 else True
            if cat in ("battery", "solar-inverter", "ev-charger") and rng.random() < 0.5:
                conn["ethernet"] = True
            if cat in ("battery", "ev-charger") and rng.random() < 0.2:
                conn["cellular"] = "LTE-M"
            mnames = [m["name"]]
            if rng.random() < 0.6:
                mnames.append(f"{m['name']} {m['corp']}")
            if m["brand"]:
                mnames.append(m["brand"])
            ident["manufacturer_names"] = mnames
            ident["model_strings"] = [model] + ([f"{model}({rng.choice(['US', 'EU', 'UK'])})"] if rng.random() < 0.4 else [])
            if zigbee:
                conn["zigbee"] = rng.choice([True, "3.0"])
                if m["tuya"]:
                    vendors = sorted({f"_TZ3000_{''.join(rng.choices(string.ascii_lowercase + string.digits, k=8))}"
                                      for _ in range(rng.randint(1, 4))})
                    ident["zigbee"] = [{"model_id": rng.choice(m["ts"]), "manufacturer_names": vendors}]
                else:
                    ident["zigbee"] = [{"model_id": rng.choice([model, f"{m['ha']}.{cat.split('-')[0]}.{key(model)[-5:]}"]),
                                        "manufacturer_names": [m["zb_name"]]}]
            if zwave:
                conn["zwave"] = rng.choice([True, "800 series", "700 series"])
                seq = zwave_seq.get(m["zwave_id"], 0) + 1
                zwave_seq[m["zwave_id"]] = seq
                ident["zwave"] = [{"manufacturer_id": m["zwave_id"], "product_type": 0x0100 + seq // 200,
                                   "product_id": 0x0001 + seq % 200}]
            if matter:
                seq = matter_seq.get(m["matter_vid"], 0) + 1
                matter_seq[m["matter_vid"]] = seq
                conn["matter"] = {"role": ["device"], "transport": rng.choice(["wifi", "thread"]),
                                  "vendor_id": m["matter_vid"], "product_ids": [0x8000 + seq]}
                if conn["matter"]["transport"] == "thread":
                    conn["thread"] = True
                ident["matter"] = [{"vendor_id": m["matter_vid"], "product_id": 0x8000 + seq}]
            if rng.random() < 0.3:
                conn["bluetooth"] = True
            d["connectivity"] = conn
            # control
            ctl: dict[str, Any] = {}
            r = rng.random()
            if zigbee or zwave:
                ctl["local_api"] = True
            elif r < 0.4:
                ctl["local_api"] = True
            elif r < 0.7:
                ctl["local_api"] = False
            if not zigbee and not zwave:
                ctl["cloud_api"] = rng.random() < 0.8
            if spec["standards"] and rng.random() < 0.45:
                ctl["standards"] = sorted(rng.sample(spec["standards"], rng.randint(1, len(spec["standards"]))))
            if ctl:
                d["control"] = ctl
            # integrations
            integ: list[dict[str, Any]] = []
            if zigbee:
                integ.append({"ecosystem": "zigbee2mqtt", "url": f"{BASE}/z2m/{rid}", "connection": "local", "via": "zigbee"})
                integ.append({"ecosystem": "home-assistant", "name": "mqtt", "url": f"{BASE}/ha/mqtt",
                              "connection": "local", "via": "bridge"})
            elif zwave:
                integ.append({"ecosystem": "home-assistant", "name": "zwave_js", "url": f"{BASE}/ha/zwave_js",
                              "connection": "local", "via": "zwave"})
                if rng.random() < 0.5:
                    integ.append({"ecosystem": "smartthings", "connection": "local", "via": "zwave"})
            else:
                if rng.random() < 0.7:
                    integ.append({"ecosystem": "home-assistant", "name": m["ha"], "url": f"{BASE}/ha/{m['ha']}",
                                  "connection": rng.choice(["local", "cloud"]), "via": "native"})
                for eco in ("google-home", "alexa", "smartthings", "ifttt"):
                    if rng.random() < 0.25:
                        integ.append({"ecosystem": eco, "url": f"{BASE}/{eco}/{m['ha']}", "connection": "cloud",
                                      "via": "skill" if eco == "alexa" else "app"})
            if matter and rng.random() < 0.5:
                integ.append({"ecosystem": "apple-home", "connection": "local", "via": "matter"})
            if integ:
                d["integrations"] = integ
            if rng.random() < 0.1:
                certified = rng.random() < 0.3  # a claim needs the registry's page (audit: security-certification-source)
                d["security"] = {"cyber_trust_mark": {"certified": certified, "sources": [
                    {"url": f"{BASE}/cyber-trust-mark/{m['prefix']}", "kind": "official", "seen": self.day}]
                    if certified else []}}
            d["identifiers"] = ident
            if rng.random() < 0.4:
                d["imported"] = {"source": "synthetic-registry@1.0", "key": f"{m['prefix']}/{model}",
                                 "owned_fields": ["manufacturer", "model_numbers", "identifiers.model_strings"]}
            d["verified_on"] = self.day
            sources = [src("devices", rid, f"{maker_display} {model} product page (synthetic)",
                           "names, model numbers, radios", self.day)]
            if rng.random() < 0.5:
                sources.append(src("devices", rid, f"{maker_display} {model} spec sheet (synthetic)",
                                   "power ratings, energy monitoring, control", self.day, 2))
            d["sources"] = sources
            self.devices[rid] = d
            self.device_ids.append(rid)
            self.device_cat[rid] = cat
            self.by_cat[cat].append(rid)
            self.by_cat_maker.setdefault((cat, mi), []).append(rid)
        # former ids: a few renames
        for rid in self.device_ids:
            if rng.random() < 0.01:
                old = f"{rid}-legacy"
                if old not in self.used_ids["device"] and id_key(old) not in self.used_keys["device"]:
                    self.used_ids["device"].add(old)
                    self.used_keys["device"].add(id_key(old))
                    self.devices[rid] = {"former_ids": [old], **self.devices[rid]}

    # hubs -----------------------------------------------------------------------------------------
    def make_hubs(self) -> None:
        rng = self.rng
        top = [m for m in self.makers[:40]]
        for i in range(self.n_hubs):
            eco = ECOSYSTEMS[i % len(ECOSYSTEMS)]
            maker = f"{rng.choice(HEADS)}{rng.choice(TAILS)} Hub Works"
            model = f"HB-{100 + i}"
            rid = self._claim_id("hub", slug(f"{maker} {model}"))
            runs = []
            for j in range(rng.randint(1, 4)):
                ms = rng.sample(top, rng.randint(1, 6))
                runs.append({"name": f"{ms[0]['brand'] or ms[0]['name']} integration", "domain": ms[0]["ha"],
                             "connection": rng.choice(["local", "cloud"]),
                             "brands": [mm["brand"] or mm["name"] for mm in ms]})
            self.hubs[rid] = {
                "manufacturer": maker, "product_name": f"{maker} Smart Hub {model}", "model_numbers": [model],
                "connectivity": {"wifi": True, "ethernet": True, "zigbee": rng.random() < 0.7, "zwave": rng.random() < 0.4,
                                 "thread": rng.random() < 0.5},
                "identifiers": {"manufacturer_names": [maker], "model_strings": [model, f"{maker} {model}"]},
                "ecosystem": eco,
                "roles": {"zigbee_coordinator": rng.random() < 0.7, "zwave_controller": rng.random() < 0.4,
                          "thread_border_router": rng.random() < 0.5, "matter_controller": rng.random() < 0.6},
                "runs": runs,
                "verified_on": self.day,
                "sources": [src("hubs", rid, f"{maker} {model} (synthetic)", "radios, roles, integrations", self.day)],
            }
        self.hub_ids = list(self.hubs)

    # programs -------------------------------------------------------------------------------------
    def _rule(self, cat: str, open_rule: bool) -> dict[str, Any]:
        rng = self.rng
        rule: dict[str, Any] = {"category": cat}
        picker = self.cat_makers.get(cat)
        pool_makers: list[int] = []
        if not open_rule and picker:
            # brand lists favour big makers, like real programs do
            k = rng.choice([1, 1, 2, 2, 3, 3, 4, 5, 6, 8])
            for _ in range(k * 3):
                mi = picker(rng)
                if mi not in pool_makers:
                    pool_makers.append(mi)
                if len(pool_makers) >= k:
                    break
            names = []
            for mi in pool_makers:
                mk = self.makers[mi]
                r = rng.random()
                names.append(mk["brand"] if mk["brand"] and r < 0.5 else
                             (f"{mk['name']} {mk['corp']}" if r < 0.7 else mk["name"]))
            rule["manufacturers"] = names
            if rng.random() < 0.3:
                sample = self.by_cat_maker[(cat, pool_makers[0])]
                model = self.devices[rng.choice(sample)]["model_numbers"][0]
                k_model = key(model)
                pats = rng.choice([
                    lambda: [model[: max(3, len(model) - 3)] + "*"],
                    lambda: [model[:3] + "*", "*" + model[-2:]] if len(model) > 4 else [model + "*"],
                    lambda: [k_model[:-1] + "?"],
                ])()
                rule["models"] = pats
        req: dict[str, Any] = {}
        spec = CATEGORIES[cat]
        r = rng.random()
        if r < (0.6 if open_rule else 0.25):
            choice = rng.random()
            if cat in ("smart-plug", "load-controller", "energy-monitor") and choice < 0.6:
                req["energy_monitoring"] = True
            elif cat == "battery" and choice < 0.6:
                req["min_battery_kwh"] = rng.choice([5, 8, 10])
            elif spec["standards"] and choice < 0.5:
                req["any_standard"] = sorted(rng.sample(spec["standards"], rng.randint(1, len(spec["standards"]))))
            elif spec["kw"] and choice < 0.8:
                req["min_controllable_kw"] = round(spec["kw"][0] + (spec["kw"][1] - spec["kw"][0]) * 0.3, 1)
            else:
                req["local_api"] = True
            if self.hub_ids and rng.random() < 0.03:
                req["hubs"] = rng.sample(self.hub_ids, rng.randint(1, 2))
        if req:
            rule["requires"] = req
        if open_rule or rng.random() < 0.3:
            rule["note"] = (f"Any connected {cat.replace('-', ' ')} the program's platform can control." if open_rule
                            else f"{cat.replace('-', ' ').capitalize()}s on the program's qualified list.")
        if rng.random() < 0.1:
            rule["sources"] = [{"url": f"{BASE}/qualified-lists/{cat}", "title": f"Qualified {cat} list (synthetic)",
                                "seen": self.day}]
        return rule

    def make_programs(self) -> None:
        rng = self.rng
        prog_cats = Picker([c for c in CAT_NAMES if CATEGORIES[c]["prog"]],
                           [CATEGORIES[c]["prog"] for c in CAT_NAMES if CATEGORIES[c]["prog"]])
        self.cat_makers: dict[str, Picker] = {}
        for cat in CAT_NAMES:
            makers_with = [mi for mi in range(len(self.makers)) if (cat, mi) in self.by_cat_maker]
            if makers_with:  # brand lists favour big makers, like real programs do
                self.cat_makers[cat] = Picker(makers_with, [1.0 / (mi + 1) for mi in makers_with])
        pids: list[str] = []
        plans: list[tuple[str, list[str], list[str]]] = []
        for _ in range(self.n_programs):
            # markets
            utils: list[str] = []
            regions: list[str] = []
            r = rng.random()
            if r < 0.8:
                first = self.pick_utility(rng)
                utils.append(first)
                extra = 0 if rng.random() < 0.75 else rng.choice([1, 2, 3, 4, 6, 10, 15])
                near = self.utilities_by_region.get(self.utilities[first]["regions"][0], [])
                for uid in rng.sample(near, min(extra, len(near))):
                    if uid not in utils:
                        utils.append(uid)
                if rng.random() < 0.05:
                    regions.append(self.utilities[first]["regions"][0])
            else:
                base = self.pick_utility(rng)
                regions.append(self.utilities[base]["regions"][0])
                if rng.random() < 0.3:
                    other = self.utilities[self.pick_utility(rng)]["regions"][0]
                    if other not in regions and other[:2] == regions[0][:2]:
                        regions.append(other)
            head = self.utilities[utils[0]] if utils else None
            owner = head["name"] if head and rng.random() < 0.75 else rng.choice(AGGREGATORS)
            primary = prog_cats(rng)
            theme = rng.choice(PROGRAM_THEMES[primary])
            label = (head.get("short_name") or head["name"]) if head else regions[0]
            rid = self._claim_id("program", slug(f"{label} {theme}"))
            pids.append(rid)
            plans.append((rid, utils, regions))
            self.programs[rid] = {"_owner": owner, "_theme": theme, "_label": label, "_primary": primary}
        for rid, utils, regions in plans:
            self.programs[rid] = self._program(rid, utils, regions, pids, prog_cats)

    def _program(self, rid: str, utils: list[str], regions: list[str], pids: list[str], prog_cats: Picker) -> dict[str, Any]:
        rng = self.rng
        stub = self.programs[rid]
        p: dict[str, Any] = {"name": f"{stub['_label']} {stub['_theme']}", "operator": stub["_owner"]}
        if rng.random() < 0.5:
            p["description"] = (f"Synthetic {stub['_theme'].lower()} program: enrolled devices are adjusted during "
                                "peak events and owners earn the incentives below.")
        r = rng.random()
        p["status"] = "active" if r < 0.9 else ("paused" if r < 0.94 else ("ended" if r < 0.98 else "unknown"))
        if rng.random() < 0.3:
            p["started_on"] = date(rng.randint(2015, 2025), rng.randint(1, 12), 1)
        if p["status"] == "ended":
            p["ended_on"] = date(2025, rng.randint(1, 12), 1)
        p["urls"] = {"info": f"{BASE}/programs/{rid}"}
        if rng.random() < 0.7:
            p["urls"]["enroll"] = f"{BASE}/programs/{rid}/enroll"
        markets: dict[str, Any] = {}
        if utils:
            markets["utilities"] = utils
        if regions:
            markets["regions"] = regions
        p["markets"] = markets
        if rng.random() < 0.15:
            p["customer_classes"] = ["residential", "small-business"]
        # eligibility
        n_rules = rng.choices([1, 2, 3, 4, 5, 6], [55, 15, 12, 8, 6, 4])[0]
        cats: list[str] = []
        rules: list[dict[str, Any]] = []
        for _ in range(n_rules):
            cat = stub["_primary"] if rng.random() < 0.7 else prog_cats(rng)
            if cat not in cats:
                cats.append(cat)
            rules.append(self._rule(cat, rng.random() < self.open_rule_share))
        elig: dict[str, Any] = {}
        excluded: list[str] = []
        if rng.random() < 0.03:
            excluded = sorted({rng.choice(self.by_cat[cats[0]]) for _ in range(rng.randint(1, 3))} if self.by_cat[cats[0]] else set())
        claims = self._claims(rid, cats, rules, excluded) if rng.random() < 0.15 else []
        if claims:
            elig["devices"] = claims
        if rules:
            elig["rules"] = rules
        if excluded:
            elig["exclude_devices"] = excluded
        if rng.random() < 0.03:
            rr = rules[0]
            if rr.get("manufacturers"):
                elig["exclude_rules"] = [{"category": rr["category"], "manufacturers": rr["manufacturers"][:1],
                                          "models": ["*-2"], "note": "Older second-generation units are excluded."}]
        p["eligibility"] = elig
        p["incentives"] = self._incentives(utils, regions, cats)
        if rng.random() < 0.7:
            ev: dict[str, Any] = {}
            summer = rng.random() < 0.6
            if summer:
                ev["months"] = [6, 7, 8, 9]
            ev["start_hour"] = rng.choice([14, 15, 16, 17])
            ev["end_hour"] = ev["start_hour"] + rng.choice([2, 3, 4, 5])
            ev["days"] = rng.choice(["weekdays", "all", "non-holiday-weekdays"])
            if rng.random() < 0.8:
                ev["max_events_per_year"] = rng.choice([10, 15, 20, 30, 40, 60])
                ev["typical_events_per_year"] = max(1, ev["max_events_per_year"] // rng.choice([1, 2, 3]))
            if rng.random() < 0.5:
                ev["max_event_hours"] = rng.choice([2, 3, 4])
            if rng.random() < 0.3:
                ev["max_hours_per_year"] = rng.choice([50, 80, 100, 120])
            ev["notice"] = rng.choice(["Day-ahead notice by text or app.", "No advance notice.", "At least 2 hours' notice."])
            p["events"] = ev
        if rng.random() < 0.05:
            others = [o for o in rng.sample(pids, min(3, len(pids))) if o != rid]
            if others:
                p["excludes_programs"] = sorted(others[: rng.randint(1, 2)])
        if rng.random() < 0.4:
            p["contact"] = {"phone": f"1-800-555-{rng.randint(0, 9999):04d}", "email": f"{rid[:40]}@example.org"}
        p["verified_on"] = self.day
        p["sources"] = [src("programs", rid, f"{p['name']} program page (synthetic)",
                            "markets, eligible devices, incentives, event rules", self.day)]
        if rng.random() < 0.3:
            p["sources"].append(src("programs", rid, f"{p['name']} terms and conditions (synthetic)",
                                    "payment terms", self.day, 2))
        return p

    def _claims(self, pid: str, cats: list[str], rules: list[dict[str, Any]], excluded: list[str]) -> list[dict[str, Any]]:
        """Explicit device lists; a supported claim never contradicts a rule's requirements (audit rule)."""
        rng = self.rng
        rule_models = [DeviceRule.model_validate(r) for r in rules]
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        for _ in range(rng.choice([1, 2, 3, 5, 8, 12, 20, 40])):
            pool = self.by_cat[rng.choice(cats)]
            if not pool:
                continue
            did = rng.choice(pool)
            if did in seen or did in excluded:
                continue
            seen.add(did)
            supported = rng.random() < 0.85
            if supported:
                dev = DeviceFacts.of(did, Device.model_validate({k: v for k, v in self.devices[did].items()}))
                conflict = False
                for rm in rule_models:
                    if rule_matches(rm, dev):
                        unmet, _ = check_requirements(rm.requires, dev)
                        if [u for u in unmet if not u.startswith("needs to be connected")]:
                            conflict = True
                if conflict:
                    supported = False
            c: dict[str, Any] = {"device": did, "supported": supported}
            if rng.random() < 0.3:
                c["note"] = "Listed on the program's qualified products page." if supported else "Listed as not eligible."
                c["sources"] = [src("programs", pid, "Qualified products list (synthetic)", f"{did} listed", self.day, 3)]
            out.append(c)
        if out and rng.random() < 0.05:  # sources disagree (an audit warning, shown as 'disputed')
            first = out[0]
            out.append({"device": first["device"], "supported": not first["supported"],
                        "note": "A second list disagrees.",
                        "sources": [src("programs", pid, "Older device list (synthetic)", "device list", self.day, 4)]})
        return out

    def _incentives(self, utils: list[str], regions: list[str], cats: list[str]) -> list[dict[str, Any]]:
        rng = self.rng
        cad = any(r.startswith("CA-") for r in regions) or any(self.utilities[u]["country"] == "CA" for u in utils)
        out = []
        for _ in range(rng.choices([0, 1, 2, 3, 4], [5, 35, 35, 18, 7])[0]):
            t = rng.choice(INCENTIVE_TYPES)
            lo, hi = INCENTIVE_AMOUNTS[t]
            inc: dict[str, Any] = {"type": t}
            if rng.random() < 0.92:
                amount = round(rng.uniform(lo, hi), 2 if hi < 5 else 0)
                inc["amount"] = amount
                if rng.random() < 0.15:
                    inc["amount_max"] = round(amount * rng.uniform(1.1, 1.6), 2)
            if cad:
                inc["currency"] = "CAD"
            if t in ("enrollment", "per-year") and rng.random() < 0.25:
                inc["per"] = "account"
            if rng.random() < 0.1 and "amount" in inc:
                inc["cap"] = round(inc["amount"] * rng.choice([3, 5, 10]), 0)
            if t in ("per-month", "per-kw-season") and rng.random() < 0.5:
                inc["months"] = [6, 7, 8, 9]
            if len(cats) > 1 and rng.random() < 0.4:
                inc["categories"] = [rng.choice(cats)]
            if len(utils) > 1 and rng.random() < 0.1:
                inc["utilities"] = [utils[0]]
            inc["description"] = f"Synthetic {t.replace('-', ' ')} payment."
            out.append(inc)
        return out

    # output ---------------------------------------------------------------------------------------
    def generate(self) -> None:
        self.make_utilities()
        self.make_makers()
        self.make_devices()
        self.make_hubs()
        self.make_programs()

    def files(self) -> list[tuple[str, dict[str, Any]]]:
        out: list[tuple[str, dict[str, Any]]] = []
        for rid, d in self.devices.items():
            out.append((f"devices/{d['category']}/{rid}.yaml", d))
        for rid, h in self.hubs.items():
            out.append((f"hubs/{rid}.yaml", h))
        for rid, p in self.programs.items():
            out.append((f"programs/{rid}.yaml", p))
        for rid, u in self.utilities.items():
            out.append((f"utilities/{rid}.yaml", u))
        return out


HEADER = {"devices": "../../../schema/device.schema.json", "hubs": "../../schema/hub.schema.json",
          "programs": "../../schema/program.schema.json", "utilities": "../../schema/utility.schema.json"}


def render(rel: str, data: dict[str, Any]) -> str:
    head = f"# yaml-language-server: $schema={HEADER[rel.split('/')[0]]}\n"
    return head + yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False)


def _write_chunk(args: tuple[str, list[tuple[str, dict[str, Any]]]]) -> int:
    root, items = args
    base = Path(root)
    for rel, data in items:
        (base / rel).write_text(render(rel, data), encoding="utf-8")
    return len(items)


def write(s: Synth, out_dir: Path, jobs: int | None = None) -> dict[str, Any]:
    out_dir = Path(out_dir)
    root = out_dir / "catalog"
    if root.exists():
        shutil.rmtree(root)
    for folder in ["hubs", "programs", "utilities"] + [f"devices/{c}" for c in CAT_NAMES]:
        (root / folder).mkdir(parents=True, exist_ok=True)
    items = s.files()
    jobs = jobs or min(os.cpu_count() or 1, 8)
    if jobs > 1 and len(items) > 5000:
        from concurrent.futures import ProcessPoolExecutor

        size = math.ceil(len(items) / (jobs * 8))
        chunks = [(str(root), items[i:i + size]) for i in range(0, len(items), size)]
        with ProcessPoolExecutor(jobs) as pool:
            list(pool.map(_write_chunk, chunks))
    else:
        _write_chunk((str(root), items))
    info = {"generator_version": GENERATOR_VERSION, "seed": s.seed, "devices": len(s.devices), "hubs": len(s.hubs),
            "programs": len(s.programs), "utilities": len(s.utilities), "makers": len(s.makers),
            "open_rule_share": s.open_rule_share, "verified_on": s.day.isoformat(),
            "rules": sum(len(p["eligibility"].get("rules", [])) for p in s.programs.values()),
            "claims": sum(len(p["eligibility"].get("devices", [])) for p in s.programs.values())}
    (out_dir / "synth-info.json").write_text(json.dumps(info, indent=2) + "\n")
    return info


def generate(out_dir: Path, devices: int, programs: int, utilities: int, seed: int = 1, hubs: int = 12,
             open_rule_share: float = 0.15, verified_on: date = DEFAULT_VERIFIED, jobs: int | None = None) -> dict[str, Any]:
    """Generate and write a catalog under out_dir/catalog; returns synth-info."""
    s = Synth(devices, programs, utilities, seed, hubs, open_rule_share, verified_on)
    s.generate()
    return write(s, out_dir, jobs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--devices", type=int, default=100_000)
    ap.add_argument("--programs", type=int, default=2_000)
    ap.add_argument("--utilities", type=int, default=3_000)
    ap.add_argument("--hubs", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--open-rule-share", type=float, default=0.15,
                    help="share of program rules that admit a whole category (with a note or requirements)")
    ap.add_argument("--verified-on", type=date.fromisoformat, default=DEFAULT_VERIFIED)
    ap.add_argument("--jobs", type=int, default=None, help="processes writing files (default: cores, max 8)")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    info = generate(a.out_dir, a.devices, a.programs, a.utilities, a.seed, a.hubs, a.open_rule_share, a.verified_on, a.jobs)
    print(json.dumps({**info, "seconds": round(time.perf_counter() - t0, 1), "catalog": str(a.out_dir / "catalog")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
