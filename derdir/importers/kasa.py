"""TP-Link Kasa and Tapo devices from python-kasa's device list.

Input: one JSON row per python-kasa test fixture with the facts derived from it — model, region,
hardware and firmware version, protocol, device type, device name and whether it has an energy
meter (`kasa_export.py`). The fixtures themselves are GPL-3.0 test data; only these facts are used,
nothing of the fixtures is copied.

One recipe per model: regions become model strings such as `KP125M(US)`, hardware versions are
listed in the notes. Cameras, hubs, doorbells, chimes and robot vacuums are skipped (not energy
devices; hubs belong in `catalog/hubs/`). Bulbs are kept as lights; python-kasa estimates their
power rather than measuring it, so they are not marked as energy monitoring.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from .common import ImportContext, dedupe, device_id, owned_paths, short_text, source, unique_ids
from .homeassistant import HAIndex

PACKAGE = "python-kasa"
REPO = "https://github.com/python-kasa/python-kasa"
MANUFACTURER = "TP-Link"
_SKIP_TYPES = ("CAMERA", "HUB", "DOORBELL", "CHIME", "ROBOVAC")
_STRIPS = re.compile(r"^(HS300|KP303|KP400|P300|P304M|P306|KP200|EP40|EP40M|KP405)$")


def load(path: Path) -> list[dict[str, Any]]:
    """Read the exported rows. The export may end with a summary line after the JSON; it is ignored."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path} is a directory: export the fixture facts to JSON first and pass the .json file")
    text = path.read_text(encoding="utf-8")
    data, _ = json.JSONDecoder().raw_decode(text.lstrip())
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of fixture rows")
    return data


def _model(row: dict[str, Any]) -> str | None:
    """The model; rows whose fixture name did not parse carry `C100_4.0_1.3.14.json` as model."""
    model = row.get("model")
    if not isinstance(model, str) or not model.strip():
        return None
    if model.endswith(".json"):
        model = model.split("_", 1)[0]
    return model.strip()


def _kind(dtype: str, model: str, names: list[str]) -> tuple[str, str] | None:
    """(category, generic product noun) from the python-kasa device type, or None to skip."""
    if any(s in dtype for s in _SKIP_TYPES) or not dtype:
        return None
    name = " ".join(names).lower()
    if "BULB" in dtype:
        return "light", "smart light strip" if re.match(r"^(KL4|L9)", model) else "smart bulb"
    if "SWITCH" in dtype and "PLUGSWITCH" not in dtype:
        return "light", "smart dimmer switch" if "dimmer" in name or model.endswith("D") else "smart light switch"
    if "PLUG" in dtype:
        if "dimmer" in name and "plug" not in name:
            return "light", "smart dimmer switch"
        if "light switch" in name or re.match(r"^(HS2|KS2|ES2)", model):
            return "light", "smart dimmer switch" if "dimmer" in name or model in ("HS220", "KS220", "KS230") else "smart light switch"
        if _STRIPS.match(model):
            return "smart-plug", "smart multi-outlet plug"
        return "smart-plug", "smart plug"
    return None


def _brand(dtypes: set[str]) -> str:
    """Tapo devices report SMART.TAPO* types; everything else python-kasa covers is sold as Kasa."""
    return "Tapo" if any("TAPO" in t for t in dtypes) else "Kasa"


def import_kasa(rows: list[dict[str, Any]], ctx: ImportContext, ha: HAIndex | None = None) -> list[dict[str, Any]]:
    """One recipe dict per energy-relevant model (plugs, strips, switches, dimmers, bulbs)."""
    by_model: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if isinstance(row, dict) and (model := _model(row)):
            by_model[model].append(row)
    native = ha.integration_for(MANUFACTURER) if ha else None
    out: list[dict[str, Any]] = []
    for model in sorted(by_model):
        group = by_model[model]
        dtypes = {str(r.get("device_type") or "") for r in group}
        protocols = {str(r.get("protocol") or "") for r in group}
        names = sorted({n for r in group if (n := short_text(r.get("dev_name")))})
        kinds = {k for t in sorted(dtypes) if (k := _kind(t, model, names))}
        if not kinds or any(s in t for t in dtypes for s in _SKIP_TYPES):
            continue
        category, noun = sorted(kinds)[0]
        brand = _brand(dtypes)
        bulb = any("BULB" in t for t in dtypes)
        emeter = any(bool(r.get("energy_monitoring")) for r in group)
        regions = sorted({r["region"] for r in group if isinstance(r.get("region"), str) and r["region"]})
        hw = sorted({(str(r.get("region") or ""), str(r.get("hw_ver"))) for r in group if r.get("hw_ver")})
        if names and not bulb:
            lead = "" if names[0].lower().startswith(brand.lower()) else f"{brand} "
            product = f"{lead}{names[0]} {model}"
        else:
            product = f"{brand} {model} {noun}"
        rec: dict[str, Any] = {
            "id": device_id(MANUFACTURER, model),
            "category": category,
            "manufacturer": MANUFACTURER,
            "brand": brand,
            "product_name": short_text(product) or model,
            "model_numbers": [model],
        }
        if emeter and not bulb:
            rec["power"] = {"energy_monitoring": True}
        rec["connectivity"] = {"wifi": True}
        rec["control"] = {"local_api": True}
        if native:
            rec["integrations"] = [native]
        rec["identifiers"] = {
            "manufacturer_names": dedupe([MANUFACTURER, brand]),
            "model_strings": dedupe([model] + [f"{model}({r})" for r in regions]),
        }
        if hw:
            listed = ", ".join(f"{reg} {ver}".strip() for reg, ver in hw)
            rec["notes"] = f"Hardware versions with python-kasa {ctx.version} test data: {listed}."
        rec["verified_on"] = ctx.seen
        folders = sorted(p for p in protocols if p)
        facts = "model, regions, hardware versions, device type"
        facts += ", energy meter" if emeter and not bulb else ""
        rec["sources"] = [
            source(f"{REPO}/tree/{ctx.version}/tests/fixtures/{p}",
                   f"python-kasa {ctx.version} device fixtures ({p}) for {model}", facts + ", local control", ctx.seen)
            for p in folders
        ] or [source(REPO, f"python-kasa {ctx.version} ({model})", facts, ctx.seen)]
        rec["imported"] = {"source": ctx.source, "key": model, "owned_fields": owned_paths(rec)}
        out.append(rec)
    ids = unique_ids((r["imported"]["key"], r["id"]) for r in out)
    for r in out:
        r["id"] = ids[r["imported"]["key"]]
    return out
