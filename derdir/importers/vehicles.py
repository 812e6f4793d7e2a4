"""Electric vehicles from the open-ev-data dataset (CDLA-Permissive-2.0).

Input: a checkout of `open-ev-data/open-ev-data-dataset` (the folder holding `src/`, or `src/`
itself). The dataset is layered: `src/<make>/<model>/base.json` holds what every version of a model
shares and `src/<make>/<model>/<year>/<variant>.json` what one model year and variant adds; a
variant record is the base deep-merged with its file (see the dataset's docs/ARCHITECTURE.md and
docs/SCHEMA.md).

One recipe per make + model: years and variants are folded. The capacities earnings estimates
need are taken from one representative record, the newest model year's standard variant (the file
named like the model; else the first variant of that year): `power.battery_kwh` is its usable
(net) battery capacity, `power.controllable_kw` its maximum AC charging power, which is the load a
managed-charging program can shift. The spread over all variants is written in the notes. Models
only announced (no variant in production or discontinued) are skipped.

Model strings: only those a vehicle integration is known to report. Home Assistant's tesla_fleet
integration names a car by the fourth character of its VIN (`MODELS` in its const.py: 'Model S',
'Model 3', 'Model X', 'Model Y', 'Cybertruck'); other makes get none until a source shows them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .common import ImportContext, dedupe, device_id, owned_paths, short_text, source, unique_ids
from .homeassistant import HAIndex

PACKAGE = "open-ev-data-dataset"
REPO = "https://github.com/open-ev-data/open-ev-data-dataset"
LICENCE = "CDLA-Permissive-2.0"
_COMMIT = re.compile(r"(?:^|-)([0-9a-f]{7,40})$")

# What Home Assistant's vehicle integrations report as a device's model, by (make slug, model slug).
# tesla_fleet (and teslemetry, whose entity uses the same MODELS map) decode it from the VIN.
HA_TESLA = ("https://github.com/home-assistant/core/blob/09c011a38b5c6981c7dee477e0dd7f0f6878ebab/"
            "homeassistant/components/tesla_fleet/const.py")
HA_MODEL_STRINGS: dict[tuple[str, str], list[str]] = {
    ("tesla", "model_s"): ["Model S"],
    ("tesla", "model_3"): ["Model 3"],
    ("tesla", "model_x"): ["Model X"],
    ("tesla", "model_y"): ["Model Y"],
    ("tesla", "cybertruck"): ["Cybertruck"],
}
# Vehicle integrations by make (Home Assistant domains that run a make's cars through its cloud API).
HA_INTEGRATIONS: dict[str, list[str]] = {"tesla": ["tesla_fleet", "teslemetry", "tessie"]}
_TYPES = {"passenger_car": "car", "suv": "SUV", "pickup": "pickup truck", "van": "van"}
_SKIP_TYPES = ("bus", "motorcycle", "scooter", "truck", "commercial")


def version_of(path: Path) -> str | None:
    """The dataset commit from a folder name such as 'open-ev-data-dataset-8edb266'."""
    for part in (Path(path).name, Path(path).parent.name):
        m = _COMMIT.search(part)
        if m:
            return m.group(1)
    return None


def _deep(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _deep(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load(path: Path) -> list[dict[str, Any]]:
    """One row per model: {'make', 'model', 'path', 'variants': [merged records with '_file']}."""
    path = Path(path)
    src = path / "src" if (path / "src").is_dir() else path
    if not src.is_dir():
        raise ValueError(f"{path}: expected the open-ev-data-dataset folder (with src/) or its src/ folder")
    rows: list[dict[str, Any]] = []
    for base_file in sorted(src.glob("*/*/base.json")):
        try:
            base = json.loads(base_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"{base_file}: {exc}") from exc
        variants = []
        for f in sorted(base_file.parent.glob("*/*.json")):
            try:
                rec = _deep(base, json.loads(f.read_text(encoding="utf-8")))
            except (OSError, ValueError) as exc:
                raise ValueError(f"{f}: {exc}") from exc
            rec["_file"] = f.relative_to(src).as_posix()
            variants.append(rec)
        rows.append({"make": base_file.parent.parent.name, "model": base_file.parent.name,
                     "path": base_file.parent.relative_to(src).as_posix(), "base": base, "variants": variants})
    if not rows:
        raise ValueError(f"{src}: no <make>/<model>/base.json files found")
    return rows


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 else None


def _net(rec: dict[str, Any]) -> float | None:
    return _num((rec.get("battery") or {}).get("pack_capacity_kwh_net"))


def _ac(rec: dict[str, Any]) -> float | None:
    return _num(((rec.get("charging") or {}).get("ac") or {}).get("max_power_kw"))


def _year(rec: dict[str, Any]) -> int:
    y = rec.get("year")
    return y if isinstance(y, int) else 0


def _status(rec: dict[str, Any]) -> str | None:
    av = rec.get("availability")
    return av.get("status") if isinstance(av, dict) and isinstance(av.get("status"), str) else None


def _representative(model_slug: str, variants: list[dict[str, Any]]) -> dict[str, Any]:
    newest = max(_year(v) for v in variants)
    pool = [v for v in variants if _year(v) == newest]
    standard = [v for v in pool if Path(v["_file"]).stem == model_slug]
    return (standard or sorted(pool, key=lambda v: v["_file"]))[0]


def _fmt(x: float) -> str:
    return f"{x:g}"


def _spread(values: list[float], unit: str) -> str:
    lo, hi = min(values), max(values)
    return f"{_fmt(lo)} {unit}" if lo == hi else f"{_fmt(lo)}-{_fmt(hi)} {unit}"


def import_vehicles(rows: list[dict[str, Any]], ctx: ImportContext, ha: HAIndex | None = None) -> list[dict[str, Any]]:
    """One recipe dict per make and model (battery-electric cars, SUVs, pickups and vans)."""
    out: list[dict[str, Any]] = []
    tree = f"{REPO}/tree/{ctx.version}/src"
    for row in rows:
        base, variants = row["base"], row["variants"]
        make = (base.get("make") or {}) if isinstance(base.get("make"), dict) else {}
        model = (base.get("model") or {}) if isinstance(base.get("model"), dict) else {}
        make_name = short_text(make.get("name"), name=True)
        model_name = short_text(model.get("name"), name=True)
        if not make_name or not model_name or not variants:
            continue
        vtype = base.get("vehicle_type")
        if vtype in _SKIP_TYPES:
            continue
        statuses = {_status(v) for v in variants}
        if statuses <= {"announced", "concept", "prototype"}:
            continue  # not sold yet: nothing in a home reports it
        rep = _representative(row["model"], variants)
        years = sorted({_year(v) for v in variants if _year(v)})
        nets = [x for v in variants if (x := _net(v))]
        acs = [x for v in variants if (x := _ac(v))]
        noun = _TYPES.get(str(vtype), "vehicle")
        lead = model_name if model_name.lower().startswith(make_name.lower()) else f"{make_name} {model_name}"
        rec: dict[str, Any] = {
            "id": device_id(make_name, model_name),
            "category": "vehicle",
            "manufacturer": make_name,
            "product_name": lead,
            "model_numbers": [model_name],
            "family": f"{make_name} electric vehicles",
        }
        span = f"{years[0]}-{years[-1]}" if len(years) > 1 else (str(years[0]) if years else "")
        desc = f"Battery-electric {noun} by {make_name}"
        if span:
            desc += f"; open-ev-data lists model years {span}"
        rec["description"] = desc + "."
        power: dict[str, Any] = {}
        if (net := _net(rep)) is not None:
            power["battery_kwh"] = net
        if (ac := _ac(rep)) is not None:
            power["controllable_kw"] = ac
        if power:
            rec["power"] = power
        domains = [d for d in HA_INTEGRATIONS.get(row["make"], []) if ha is None or d in ha.by_domain]
        if ha is not None and domains:
            rec["integrations"] = [ha._entry(ha.by_domain[d], "native", "Home Assistant vehicle integration and "
                                              "whether it runs locally or in a cloud") for d in domains]
        strings = HA_MODEL_STRINGS.get((row["make"], row["model"]), [])
        rec["identifiers"] = {"manufacturer_names": [make_name]}
        if strings:
            rec["identifiers"]["model_strings"] = dedupe(strings)
        notes = [f"Battery and AC charging facts from the {_fmt_year(rep)} record {rep['_file']}."]
        if len(variants) > 1 and (nets or acs):
            parts = []
            if nets:
                parts.append(f"usable battery {_spread(nets, 'kWh')}")
            if acs:
                parts.append(f"AC charging {_spread(acs, 'kW')}")
            notes.append(f"Across its {len(variants)} year/variant records: {', '.join(parts)}.")
        rec["notes"] = " ".join(notes)
        rec["verified_on"] = ctx.seen
        facts = "make, model, model years, usable battery capacity (pack_capacity_kwh_net), maximum AC charging power"
        rec["sources"] = [source(f"{tree}/{row['path']}", f"open-ev-data dataset {ctx.version} ({LICENCE}): "
                                 f"{make_name} {model_name}", facts, ctx.seen)]
        if strings:
            rec["sources"].append(source(
                HA_TESLA, "Home Assistant tesla_fleet integration const.py (MODELS)",
                f"device model reported as {', '.join(repr(s) for s in strings)} (decoded from the VIN)", ctx.seen))
        rec["imported"] = {"source": ctx.source, "key": row["path"], "owned_fields": owned_paths(rec)}
        out.append(rec)
    ids = unique_ids((r["imported"]["key"], r["id"]) for r in out)
    for r in out:
        r["id"] = ids[r["imported"]["key"]]
    return out


def _fmt_year(rec: dict[str, Any]) -> str:
    return str(_year(rec)) if _year(rec) else "undated"
