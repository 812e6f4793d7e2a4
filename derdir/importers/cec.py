"""Grid-tied solar inverters from the California Energy Commission list shipped in pvlib (BSD-3-Clause).

Input: `pvlib/data/sam-library-cec-inverters-2019-03-05.csv` from the `pvlib` wheel (SAM's copy of
the CEC inverter list: one row per inverter and grid voltage, named `Maker: MODEL [240V]`; two
header rows of units and SAM names follow the column names).

One recipe per maker and model: the rows of one model at several grid voltages ([208V], [240V],
[277V]) are folded, the voltage is not part of the model number. `power.max_output_w` is the rated
AC output (Paco) at 240 V if listed, else the largest listed, and `power.controllable_kw` the same in
kW (what the inverter can export or curtail); the per-voltage ratings go in the notes.

The cut is residential: every row of the model rated at most 15 kW AC, and at least one row at a
single-phase home voltage (120, 208 or 240 V) or with no voltage given. Homes in North America take
120/240 V split-phase (208 V in some apartment buildings); the largest single-phase residential
string inverters are rated 11.4 kW, while 277 V and 480 V rows and ratings above 15 kW are commercial
three-phase equipment, which no household check needs.

Maker names are the CEC's, with the legal suffixes the CSV mangles ('Co - Ltd', ' - Inc') removed,
and the makers the catalog already has mapped to its names (MAKERS below).
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from .common import ImportContext, device_id, owned_paths, source, unique_ids
from .homeassistant import HAIndex

PACKAGE = "pvlib"
FILE = "pvlib/data/sam-library-cec-inverters-2019-03-05.csv"
REPO = "https://github.com/pvlib/pvlib-python"
MAX_W = 15_000
HOME_VOLTS = {"120", "208", "240", "0", ""}
_VOLT = re.compile(r"\s*\[([^\]]*)\]\s*$")
_LEGAL = re.compile(
    r"(\s*-\s*|\s+)(co\s*-\s*ltd|inc|ltd|llc|gmbh|s\s*a|s\s*a\s*de\s*c\s*v|corp|corporation|co|limited|limit)\.?\s*$",
    re.I)
# CEC maker name (after suffix removal) -> (manufacturer as the catalog writes it, brand or None)
MAKERS: dict[str, tuple[str, str | None]] = {
    "Enphase Energy": ("Enphase Energy", "Enphase"),
    "SolarEdge Technologies": ("SolarEdge", None),
    "SMA America": ("SMA", None),
    "Fronius USA": ("Fronius", None),
    "Fronius International": ("Fronius", None),
    "ABB": ("ABB", None),
    "Power-One": ("Power-One", None),
    "LG Electronics": ("LG Electronics", "LG"),
    "Huawei Technologies": ("Huawei", None),
    "Ningbo Ginlong Technologies": ("Ginlong Technologies", "Solis"),
    "Shenzhen Growatt New Energy Technology": ("Growatt", None),
    "Delta Electronics": ("Delta Electronics", "Delta"),
    "Schneider Electric Solar Inverters USA": ("Schneider Electric", None),
    "OutBack Power Technologies": ("OutBack Power", None),
    "Hoymiles Converter Technology": ("Hoymiles", None),
    "Altenergy Power System": ("APsystems", "APsystems"),
    "Yaskawa Solectria Solar": ("Yaskawa Solectria Solar", "Solectria"),
    "Chint Power Systems America": ("CPS", "Chint Power Systems"),
    "SunPower": ("SunPower", None),
    "Tabuchi Electric": ("Tabuchi Electric", None),
    "Kostal Solar Electric": ("Kostal", None),
    "Generac": ("Generac", None),
    "Sol-Ark": ("Sol-Ark", None),
    "Pika Energy": ("Pika Energy", None),
    "Canadian Solar": ("Canadian Solar", None),
    "Jinko Solar": ("Jinko Solar", None),
    "Darfon Electronics": ("Darfon Electronics", None),
    "Samil Power": ("Samil Power", None),
    "Xantrex Technology": ("Xantrex", None),
    "Eaton": ("Eaton", None),
    "NeoVolta": ("NeoVolta", None),
    "Chilicon Power": ("Chilicon Power", None),
}


def version_of(path: Path) -> str | None:
    """The pvlib version from a path inside an unpacked wheel or sdist ('pvlib-0.16.1/pvlib/data/…')."""
    for part in reversed(Path(path).resolve().parts):
        m = re.fullmatch(r"pvlib-(\d+\.\d+\.\d+)(?:\.dist-info|\.data)?", part)
        if m:
            return m.group(1)
    return None


def load(path: Path) -> list[dict[str, Any]]:
    """The CSV rows (after the two header rows), as dicts keyed by the column names."""
    path = Path(path)
    if path.is_dir():
        cand = path / FILE
        if not cand.is_file():
            raise ValueError(f"{path}: no {FILE} inside; pass the CSV file")
        path = cand
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "Name" not in reader.fieldnames or "Paco" not in reader.fieldnames:
        raise ValueError(f"{path}: not the CEC inverter CSV (expected Name and Paco columns)")
    rows = [r for r in reader if r.get("Name") and r["Name"] not in ("Units", "[0]")]
    return rows


def maker_name(raw: str) -> tuple[str, str | None]:
    """'Enphase Energy Inc ' -> ('Enphase Energy', 'Enphase'); unknown makers keep the CEC's name, tidied."""
    name = re.sub(r"\s+", " ", raw).strip()
    for _ in range(2):
        name = _LEGAL.sub("", name).strip(" -")
    return MAKERS.get(name, (name, None))


def split_name(name: str) -> tuple[str, str, str | None]:
    """'ABB: UNO-3.8 [240V]' -> ('ABB', 'UNO-3.8', '240V')."""
    maker, _, rest = name.partition(":")
    volt = _VOLT.search(rest)
    model = _VOLT.sub("", rest).strip()
    return maker.strip(), re.sub(r"\s+", " ", model), volt.group(1).strip() if volt else None


def _watts(value: Any) -> float | None:
    try:
        w = float(value)
    except (TypeError, ValueError):
        return None
    return w if w > 0 else None


def import_cec(rows: list[dict[str, Any]], ctx: ImportContext, ha: HAIndex | None = None) -> list[dict[str, Any]]:
    """One recipe per residential-size inverter model."""
    groups: dict[tuple[str, str], list[tuple[str | None, dict[str, Any]]]] = defaultdict(list)
    raw_maker: dict[tuple[str, str], str] = {}
    for r in rows:
        maker, model, volt = split_name(str(r.get("Name") or ""))
        if not maker or not model:
            continue
        manufacturer, _ = maker_name(maker)
        groups[(manufacturer, model)].append((volt, r))
        raw_maker.setdefault((manufacturer, model), maker)
    url = f"{REPO}/blob/v{ctx.version}/{FILE}"
    out: list[dict[str, Any]] = []
    for (manufacturer, model), entries in sorted(groups.items()):
        watts = [(v, w) for v, r in entries if (w := _watts(r.get("Paco"))) is not None]
        if not watts or any(w > MAX_W for _, w in watts):
            continue
        if not any(str(r.get("Vac") or "").strip() in HOME_VOLTS for _, r in entries):
            continue
        by_volt = {v: w for v, w in watts}
        rated = by_volt.get("240V") or max(w for _, w in watts)
        _, brand = maker_name(raw_maker[(manufacturer, model)])
        cec_maker = re.sub(r"\s+", " ", raw_maker[(manufacturer, model)]).strip()
        types = sorted({str(r.get("CEC_Type") or "").strip() for _, r in entries} - {""})
        micro = rated <= 2000 and bool(re.search(r"micro|^M\d|^IQ|^YC|^DS3|^QS1|^HM-|^MI-", model, re.I))
        noun = "microinverter" if micro else "solar inverter"
        rec: dict[str, Any] = {
            "id": device_id(manufacturer, model),
            "category": "solar-inverter",
            "manufacturer": manufacturer,
        }
        if brand:
            rec["brand"] = brand
        lead = brand or manufacturer
        named = model if model.lower().startswith(lead.lower()) else f"{lead} {model}"
        rec["product_name"] = f"{named} {noun}"[:200]
        rec["model_numbers"] = [model]
        rec["description"] = (f"Grid-tied {noun} on the California Energy Commission's inverter list, rated "
                              f"{rated / 1000:g} kW AC.")
        rec["power"] = {"max_output_w": rated, "controllable_kw": round(rated / 1000, 3)}
        volts = ", ".join(f"{w / 1000:g} kW at {v}" for v, w in sorted(watts, key=lambda x: str(x[0])) if v)
        note = f"CEC list (SAM library 2019-03-05) maker {cec_maker!r}, {len(entries)} entr{'y' if len(entries) == 1 else 'ies'}"
        note += f"; rated AC output {volts}" if volts else ""
        if types:
            note += f"; type {', '.join(types)}"
        rec["notes"] = note + "."
        rec["verified_on"] = ctx.seen
        rec["sources"] = [source(url, f"pvlib {ctx.version} CEC inverter list (sam-library-cec-inverters-2019-03-05)",
                                 "maker, model, rated AC output (Paco) per grid voltage", ctx.seen)]
        rec["imported"] = {"source": ctx.source, "key": f"{manufacturer}: {model}", "owned_fields": owned_paths(rec)}
        out.append(rec)
    ids = unique_ids((r["imported"]["key"], r["id"]) for r in out)
    for r in out:
        r["id"] = ids[r["imported"]["key"]]
    return out
