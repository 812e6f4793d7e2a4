"""`derdir import utilities FOLDER`: one utility recipe per electric territory of the Rewiring America API data.

FOLDER is that repository's `scripts/data` (geographies.csv, zip-to-geography-approx.csv). The import
- writes `catalog/territories/zip-territories.csv.gz` (ZIP -> electric territories, the upstream
  `predominant` flag kept) and `source.json` (where it came from); the build applies
  `corrections.yaml` to it;
- merges each territory into the utility recipe that already stands for it (its `territories` list, or
  the same name or EIA id in the same state): those files gain the territory key and the source, nothing
  else of theirs changes; the other territories get recipes of their own (one per territory; territories
  in several states that match one EIA utility by name share one recipe);
- sets `eia_id` where the territory's name matches exactly one EIA utility name in PUDL's crosswalk.
Re-runs are idempotent as for devices (`imported.owned_fields`; hand edits kept; dates alone change nothing).
"""

from __future__ import annotations

import csv
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..catalog import territories as terr
from ..markets import name_key
from ..normalize import id_key
from ..recipes.common import REGIONS
from ..recipes.yamlio import YamlError, dump_yaml, load_yaml
from .common import slug
from .write import _atomic_write, _undated, merge

PACKAGE = "rewiringamerica-api"
REPO = "https://github.com/rewiringamerica/api.rewiringamerica.org"
PUDL_URL = "https://github.com/catalyst-cooperative/pudl/blob/main/src/pudl/package_data/glue/utility_id_pudl.csv"
PUDL_TITLE = "PUDL EIA utility id crosswalk (catalystcoop-pudl {version})"
HEADER = "# yaml-language-server: $schema=../../schema/utility.schema.json\n"
ORDER = ["name", "short_name", "aliases", "eia_id", "country", "regions", "ownership", "website", "territories",
         "serves_within", "former_ids", "notes", "verified_on", "sources", "imported"]


@dataclass
class Upstream:
    version: str
    territories: dict[str, tuple[str, str]]  # key -> (name, state)
    rows: list[tuple[str, str, str, bool]]  # (zip, state, territory key, predominant)


@dataclass
class UtilityReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    merged: dict[str, list[str]] = field(default_factory=dict)  # existing recipe -> territory keys
    gone: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # territories left out (not electric / unknown state)
    territories: int = 0
    with_eia: int = 0
    zips: int = 0
    unnecessary: list[str] = field(default_factory=list)  # corrections upstream no longer needs

    def counts(self) -> dict[str, Any]:
        return {"created": len(self.created), "updated": len(self.updated), "unchanged": len(self.unchanged),
                "merged": len(self.merged), "gone": len(self.gone), "skipped": len(self.skipped),
                "territories": self.territories, "territories_with_eia_id": self.with_eia,
                "eia_match_rate": round(self.with_eia / self.territories, 3) if self.territories else 0.0,
                "zips": self.zips}


def version_of(folder: Path) -> str | None:
    """'…/rewiringamerica-api-16ad9bf/scripts/data' -> '16ad9bf'."""
    for part in (folder.resolve(), *folder.resolve().parents):
        m = re.search(r"-([0-9a-f]{7,40})$", part.name)
        if m:
            return m.group(1)
    return None


def load(folder: Path, version: str | None = None) -> Upstream:
    folder = Path(folder)
    version = version or version_of(folder)
    if not version:
        raise ValueError(f"cannot tell the upstream commit from {folder}; pass --package-version")
    for name in ("geographies.csv", "zip-to-geography-approx.csv"):
        if not (folder / name).is_file():
            raise ValueError(f"{folder} has no {name}: give the Rewiring America API's scripts/data folder")
    csv.field_size_limit(sys.maxsize)  # geographies.csv carries GeoJSON in one column
    ids: dict[str, tuple[str, str, str]] = {}
    with open(folder / "geographies.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["type"] == "electric_territory" and row["key"]:
                ids[row["id"]] = (row["key"], row["name"].strip(), row["state"])
    rows = []
    with open(folder / "zip-to-geography-approx.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            hit = ids.get(row["geography_id"])
            if hit:
                rows.append((row["zip"], hit[2], hit[0], row["predominant"] == "1"))
    return Upstream(version, {k: (n, s) for k, n, s in ids.values()}, sorted(set(rows)))


@dataclass
class EIA:
    by_key: dict[str, set[int]] = field(default_factory=dict)  # eia_key(name) -> ids
    names: dict[int, str] = field(default_factory=dict)
    states: dict[int, str] = field(default_factory=dict)  # from names such as 'City of Logan - (UT)'
    version: str | None = None


def eia_index(path: Path | None) -> EIA:
    """PUDL's EIA utilities by name, and the PUDL version from the file name."""
    out = EIA()
    if path is None:
        return out
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            try:
                uid = int(row["utility_id_eia"])
            except (KeyError, ValueError):
                continue
            name = (row.get("utility_name_eia") or "").strip()
            if name:
                out.names[uid] = name
                out.by_key.setdefault(eia_key(name), set()).add(uid)
                st = _STATE_SUFFIX.search(name)
                if st:
                    out.states[uid] = st.group(1)
    m = re.search(r"pudl-(\d+\.\d+\.\d+)", Path(path).name)
    out.version = m.group(1) if m else None
    return out


# EIA names abbreviate ("Chugach Electric Assn Inc", "satilla rural elec member corp"): both sides are
# written out the same way before comparing.
_WORDS = {"elec": "electric", "assn": "association", "coop": "cooperative", "co-op": "cooperative",
          "dist": "district", "utils": "utilities", "util": "utility", "dept": "department", "comm": "commission",
          "pwr": "power", "lt": "light", "&": "and", "member": "membership", "mun": "municipal", "muni": "municipal",
          "pub": "public", "svc": "service", "sys": "system", "auth": "authority", "e": "", "m": "", "c": "",
          "emc": "", "remc": "", "corp": "", "inc": "", "people's": "peoples", "pud": "peoples utility district"}
_STATE_SUFFIX = re.compile(r"\s*-\s*\(([A-Z]{2})\)\s*$")


def eia_key(name: str) -> str:
    """'Chugach Electric Assn Inc' and 'Chugach Electric Association' -> the same key."""
    m = re.fullmatch(r"(.+?)\s*\((city|town|village) of\)", name.strip(), re.I)
    if m:  # 'Atka (City of)' -> 'City of Atka'
        name = f"{m.group(2)} of {m.group(1)}"
    words = re.findall(r"[\w'&-]+", _STATE_SUFFIX.sub("", name).lower().replace("&", " & "))
    return name_key(" ".join(_WORDS.get(w, w) for w in words))


def match_eia(name: str, state: str, by_key: dict[str, set[int]], states: dict[int, str]) -> int | None:
    """The one EIA id whose name matches (the one in `state`, when the EIA names carry states)."""
    ids = {i for i in by_key.get(eia_key(name), set()) if states.get(i, state) == state}
    if len(ids) > 1:
        ids = {i for i in ids if states.get(i) == state} or ids
    return next(iter(ids)) if len(ids) == 1 else None


@dataclass
class _File:
    path: Path
    data: dict[str, Any]


def _scan(folder: Path) -> dict[str, _File]:
    out: dict[str, _File] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            data = load_yaml(path.read_bytes()).data
        except (YamlError, OSError) as exc:
            raise ValueError(f"{path} does not parse ({exc}); fix it first (derdir audit)") from None
        if isinstance(data, dict):
            out[path.stem] = _File(path, data)
    return out


def _names(data: dict[str, Any]) -> set[str]:
    vals = [data.get("name"), data.get("short_name"), *(data.get("aliases") or [])]
    return {name_key(v) for v in vals if isinstance(v, str) and name_key(v)}


def plan(up: Upstream, files: dict[str, _File], eia: EIA,
         not_electric: set[str]) -> tuple[dict[str, list[str]], dict[str, int], list[str]]:
    """Territory keys grouped by the recipe id that will hold them, EIA ids found, territories skipped."""
    found = {k: match_eia(n, s, eia.by_key, eia.states) for k, (n, s) in up.territories.items()}
    sticky = {t: rid for rid, f in files.items() for t in (f.data.get("territories") or [])
              if isinstance(t, str)}
    groups: dict[str, list[str]] = {}
    skipped: list[str] = []
    fresh: dict[tuple, list[str]] = {}
    for k, (name, state) in sorted(up.territories.items()):
        nk = name_key(name)
        if k in not_electric or f"US-{state}" not in REGIONS:
            skipped.append(k)
            continue
        if k in sticky:
            groups.setdefault(sticky[k], []).append(k)
            continue
        region = f"US-{state}"
        keys = {name_key(name), name_key(re.sub(r"\s*\(.*?\)", "", name))} - {""}  # 'Pacific Power (PacifiCorp)'
        hits = sorted(rid for rid, f in files.items()
                      if region in (f.data.get("regions") or []) and not _full(f.data)
                      and (keys & _names(f.data) or (found[k] and f.data.get("eia_id") == found[k])))
        if len(hits) == 1:
            groups.setdefault(hits[0], []).append(k)
            continue
        fresh.setdefault((found[k], nk) if found[k] else (k,), []).append(k)
    taken = {id_key(rid) for rid in files} | {id_key(rid) for rid in groups}
    for keys in sorted(fresh.values()):
        rid = keys[0] if len(keys) == 1 else slug(up.territories[keys[0]][0])
        if id_key(rid) in taken and len(keys) > 1:
            rid = keys[0]
        n = 2
        base = rid
        while id_key(rid) in taken:
            rid, n = f"{base}-{n}", n + 1
        taken.add(id_key(rid))
        groups[rid] = keys
    return groups, {k: v for k, v in found.items() if v}, skipped


def _ours(data: dict[str, Any]) -> bool:
    imp = data.get("imported")
    return isinstance(imp, dict) and str(imp.get("source", "")).startswith(PACKAGE + "@")


def _full(data: dict[str, Any]) -> bool:
    """A recipe the importer wrote (not a hand-written one it only linked to its territories)."""
    owned = (data.get("imported") or {}).get("owned_fields") or [] if _ours(data) else []
    return any(f != "territories" and not f.startswith("sources[") for f in owned)


def _ra_source(up: Upstream, seen: date) -> dict[str, Any]:
    return {"url": f"{REPO}/tree/{up.version}/scripts/data", "title": f"Rewiring America API data, commit {up.version} (Apache-2.0)",
            "supports": "name, state and territory key (geographies.csv); ZIP codes served (zip-to-geography-approx.csv)",
            "seen": seen}


def recipe_for(up: Upstream, keys: list[str], eia_id: int | None, eia_name: str | None, pudl: str | None,
               seen: date, existing: dict[str, Any] | None) -> dict[str, Any]:
    """What the importer writes for `keys` (a new file), or the fields it adds to an existing recipe."""
    src = _ra_source(up, seen)
    imported = {"source": f"{PACKAGE}@{up.version}", "key": keys[0]}
    if existing is not None and not _full(existing):  # a hand-written recipe: only the link and its source
        return {"territories": keys, "sources": [src], "imported": {**imported, "owned_fields": ["territories", f"sources[{src['url']}]"]}}
    name = up.territories[keys[0]][0]
    out: dict[str, Any] = {"name": name}
    if eia_name and name_key(eia_name) != name_key(name):
        out["aliases"] = [eia_name]
    if eia_id:
        out["eia_id"] = eia_id
    out.update({"country": "US", "regions": sorted({f"US-{up.territories[k][1]}" for k in keys}), "territories": keys,
                "verified_on": seen, "sources": [src]})
    if eia_id:
        out["sources"].append({"url": PUDL_URL, "title": PUDL_TITLE.format(version=pudl or "?"),
                               "supports": f"eia_id {eia_id} (EIA name: {eia_name}), matched by name", "seen": seen})
    owned = [k for k in out if k != "sources"] + [f"sources[{s['url']}]" for s in out["sources"]]
    out["imported"] = {**imported, "owned_fields": owned}
    return out


def _ordered(data: dict[str, Any]) -> dict[str, Any]:
    keys = [k for k in ORDER if k in data] + [k for k in data if k not in ORDER]
    return {k: data[k] for k in keys}


def import_utilities(folder: Path, catalog: Path, pudl: Path | None = None, seen: date | None = None,
                     version: str | None = None, dry_run: bool = False, progress=None) -> UtilityReport:
    seen = seen or date.today()
    up = load(folder, version)
    eia = eia_index(pudl)
    catalog = Path(catalog)
    base = terr.folder(catalog)
    corrections = terr.read_corrections(base / terr.CORRECTIONS)
    not_electric = {n.territory for n in corrections.not_electric}
    folder_u = catalog / "utilities"
    files = _scan(folder_u)
    groups, found, skipped = plan(up, files, eia, not_electric)
    report = UtilityReport(skipped=skipped)
    for rid, keys in sorted(groups.items()):
        existing = files.get(rid)
        ids = {found.get(k) for k in keys}
        eia_id = ids.pop() if len(ids) == 1 else None
        new = recipe_for(up, keys, eia_id, eia.names.get(eia_id) if eia_id else None, eia.version, seen,
                         existing.data if existing else None)
        merged = _ordered(merge(existing.data if existing else None, new))
        if existing is not None and not _ours(existing.data):
            report.merged[rid] = keys
        if existing is not None and _undated(merged) == _undated(existing.data) and list(merged) == list(existing.data):
            report.unchanged.append(rid)
        else:
            if not dry_run:
                _atomic_write(folder_u / f"{rid}.yaml", HEADER + dump_yaml(merged))
            (report.updated if existing is not None else report.created).append(rid)
        report.territories += len(keys)
        report.with_eia += sum(1 for k in keys if merged.get("eia_id"))
        if progress:
            progress()
    used = {k for keys in groups.values() for k in keys}
    report.gone = sorted(rid for rid, f in files.items() if _ours(f.data) and rid not in groups
                         and not set(f.data.get("territories") or []) & used)
    table = terr.Territories([r for r in up.rows], corrections)
    report.unnecessary = table.unnecessary()
    report.zips = len({z for z, *_ in up.rows})
    if not dry_run:
        base.mkdir(parents=True, exist_ok=True)
        blob = terr.write_table(base / terr.TABLE, up.rows)
        if not (base / terr.TABLE).is_file() or (base / terr.TABLE).read_bytes() != blob:
            (base / terr.TABLE).write_bytes(blob)
        info = {"source": f"{PACKAGE}@{up.version}", "repository": REPO, "commit": up.version, "licence": "Apache-2.0",
                "files": ["scripts/data/geographies.csv", "scripts/data/zip-to-geography-approx.csv"],
                "electric_territories": len(up.territories), "zips": report.zips, "rows": len(up.rows)}
        text = json.dumps(info, indent=2, sort_keys=True) + "\n"
        if not (base / "source.json").is_file() or (base / "source.json").read_text() != text:
            (base / "source.json").write_text(text)
    return report
