"""Realistic workloads drawn from a built catalog: devices as a hub reports them, and whole homes.

A home has 20 devices as Home Assistant would list them: catalog energy devices reported the way each
radio or integration reports them (Zigbee chip-vendor names and model ids, Z-Wave
`manufacturer:type:id` identifiers, Matter vendor/product ids, Wi-Fi integrations' manufacturer and
model strings with regional suffixes), one device whose maker is known but whose model is not,
non-energy devices (cameras, speakers, phones, a car), unknown devices and the hub itself.
"""

from __future__ import annotations

import random
from typing import Any

from derdir.catalog.index import Catalog
from derdir.normalize import key

HOME_MIX = {  # what a home has, by category (weights)
    "smart-plug": 4, "light": 2, "thermostat": 1.5, "load-controller": 1, "energy-monitor": 1, "water-heater": 0.6,
    "ev-charger": 0.6, "battery": 0.4, "solar-inverter": 0.4, "hvac": 0.5, "heat-pump": 0.3, "pool-pump": 0.2,
    "other": 1,
}
NON_ENERGY = [
    ("Google", "Nest Cam (battery)", "nest", "Front door camera"), ("Sonos", "One SL", "sonos", "Kitchen speaker"),
    ("Apple", "Apple TV 4K", "apple_tv", "Living room TV"), ("Ring", "Video Doorbell Pro 2", "ring", "Doorbell"),
    ("Roku", "Roku Ultra", "roku", "Bedroom TV"), ("Samsung", "SM-S921U", "mobile_app", "Pat's phone"),
    ("Philips", "Hue motion sensor", "hue", "Hall motion"), ("IKEA of Sweden", "TRADFRI remote control", "zha", "Remote"),
    ("Amazon", "Echo Dot (5th Gen)", "alexa_devices", "Echo"), ("Tesla", "Model Y", "tesla_fleet", "Car"),
    ("Met.no", "Forecast", "met", "Home weather"), ("Ubiquiti", "UniFi Dream Router", "unifi", "Router"),
    ("iRobot", "Roomba j7", "roomba", "Robot vacuum"), ("Yale", "Assure Lock 2", "zwave_js", "Front door lock"),
]
UNKNOWN = [
    ("Shenzhen Qiyun Technology Co., Ltd.", "QY-SK7", "tuya"), ("Espressif", "ESP32-C3", "esphome"),
    ("Generic", "Zigbee Smart Socket", "zha"), ("ESPHome", "athom-smart-plug-v2", "esphome"),
    ("Unk Manufacturer", "HS-9000", None), ("Xiqor", "XQ-110 controller", "xiqor"),
]


class Workload:
    """Draws reports and homes from one built catalog; deterministic for a seed."""

    def __init__(self, cat: Catalog, seed: int = 7):
        self.cat = cat
        self.rng = random.Random(seed)
        self.by_cat: dict[str, list[str]] = {}
        for did, category in cat.sql("SELECT id, category FROM device ORDER BY id"):
            self.by_cat.setdefault(category, []).append(did)
        self.mix = [(c, w) for c, w in HOME_MIX.items() if self.by_cat.get(c)]
        self.markets = sorted({p.markets.utilities[0] for p in cat.programs.values()
                               if p.status == "active" and p.markets.utilities})
        self.market_weights = [len(cat.programs_by_utility.get(u, ())) for u in self.markets]
        self.hub_ids = sorted(cat.hubs)

    # one device ------------------------------------------------------------------------------------
    def pick_device(self) -> str:
        cats, weights = zip(*self.mix)
        return self.rng.choice(self.by_cat[self.rng.choices(cats, weights)[0]])

    def report(self, did: str) -> tuple[dict[str, Any], str]:
        """(report, how) for catalog device `did`, the way a hub would describe it."""
        rng, d = self.rng, self.cat.entity_json("device", did)
        assert d is not None
        ident = d.get("identifiers", {})
        names = ident.get("manufacturer_names") or [d["manufacturer"]]
        models = ident.get("model_strings") or d["model_numbers"]
        ha = next((i.get("name") for i in d.get("integrations", []) if i["ecosystem"] == "home-assistant" and i.get("name")), None)
        zig, zw = ident.get("zigbee"), ident.get("zwave")
        mt = ident.get("matter")
        r = rng.random()
        if zig and r < 0.85:
            z = rng.choice(zig)
            if rng.random() < 0.6:  # ZHA: the chip vendor's name and the model id
                mfr = rng.choice(z.get("manufacturer_names") or names)
                return {"manufacturer": mfr, "model": z["model_id"], "integration": "zha",
                        "identifiers": [["zha", _mac(rng)]]}, "zigbee-zha"
            return {"manufacturer": d.get("brand") or d["manufacturer"],  # Zigbee2MQTT over MQTT
                    "model": f"{d['product_name']} ({d['model_numbers'][0]})", "model_id": z["model_id"],
                    "integration": "mqtt", "identifiers": [["mqtt", f"zigbee2mqtt_{_mac(rng)}"]]}, "zigbee-z2m"
        if zw and r < 0.85:
            z = rng.choice(zw)
            home, node = rng.randint(10**8, 4 * 10**9), rng.randint(2, 200)
            return {"manufacturer": d["manufacturer"], "model": d["product_name"], "integration": "zwave_js",
                    "identifiers": [["zwave_js", f"{home}-{node}"],
                                    ["zwave_js", f"{home}-{node}-{z['manufacturer_id']}:{z['product_type']}:{z['product_id']}"]]
                    }, "zwave"
        if mt and r < 0.7:
            m = rng.choice(mt)
            return {"manufacturer": d.get("brand") or d["manufacturer"], "model": d["product_name"], "integration": "matter",
                    "vendor_id": m["vendor_id"], "product_id": m.get("product_id")}, "matter"
        model = rng.choice(models)
        model = rng.choice([model, model, f"{model} (hw {rng.randint(1, 3)}.0)", f"{model}, firmware {rng.randint(1, 9)}.{rng.randint(0, 9)}"])
        return {"manufacturer": rng.choice(names), "model": model, "integration": ha or rng.choice(["cloud", None]),
                "name": f"{rng.choice(['Kitchen', 'Garage', 'Office', 'Basement', 'Den'])} {d['category'].replace('-', ' ')}"
                }, "model-string"

    def family_report(self) -> dict[str, Any]:
        """A device whose maker is in the catalog but whose model string is not (a 'family' answer)."""
        d = self.cat.entity_json("device", self.pick_device())
        assert d is not None
        noun = {"smart-plug": "Smart Plug", "thermostat": "Smart Thermostat", "water-heater": "Water Heater",
                "ev-charger": "EV Charger", "battery": "Home Battery", "light": "Smart Bulb"}.get(d["category"], "Device")
        return {"manufacturer": d["manufacturer"], "model": noun, "integration": None, "name": noun}

    def other_reports(self) -> list[tuple[dict[str, Any], str]]:
        rng = self.rng
        out = []
        for mfr, model, integ, name in rng.sample(NON_ENERGY, 3):
            out.append(({"manufacturer": mfr, "model": model, "integration": integ, "name": name}, "not-energy"))
        for mfr, model, integ in rng.sample(UNKNOWN, 2):
            out.append(({"manufacturer": mfr, "model": model, "integration": integ}, "unknown"))
        if self.hub_ids:
            h = self.cat.hubs[rng.choice(self.hub_ids)]
            out.append(({"manufacturer": h.manufacturer, "model": h.model_numbers[0],
                         "integration": "homeassistant_hardware"}, "hub"))
        return out

    # a home ----------------------------------------------------------------------------------------
    def household(self, size: int = 20) -> dict[str, Any]:
        rng = self.rng
        others = self.other_reports()
        reports: list[tuple[dict[str, Any], str]] = []
        reports.append((self.family_report(), "family"))
        while len(reports) + len(others) < size:
            did = self.pick_device()
            rep, how = self.report(did)
            reports.append((rep, how))
        reports += others
        rng.shuffle(reports)
        if rng.random() < 0.1:  # hubs sometimes list a device twice
            reports[-1] = reports[0]
        location = rng.choices(self.markets, self.market_weights)[0]
        hub = rng.choice(self.hub_ids) if self.hub_ids and rng.random() < 0.5 else None
        return {"location": location, "hub": hub, "devices": [r for r, _ in reports], "kinds": [k for _, k in reports]}

    def reports(self, n: int) -> list[tuple[dict[str, Any], str]]:
        """A stream of single reports with a home's mix (for resolver throughput)."""
        out: list[tuple[dict[str, Any], str]] = []
        while len(out) < n:
            home = self.household()
            out += list(zip(home["devices"], home["kinds"]))
        return out[:n]


def _mac(rng: random.Random) -> str:
    return ":".join(f"{rng.randint(0, 255):02x}" for _ in range(8))


def model_keys_of(d: dict[str, Any]) -> set[str]:
    ident = d.get("identifiers", {})
    return {key(x) for x in [*d["model_numbers"], d["product_name"], *ident.get("model_strings", [])] if key(x)}
