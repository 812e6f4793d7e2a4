"""ZIP code -> electric territories: the vendored table under `catalog/territories/` and its corrections.

`zip-territories.csv.gz` is written by `derdir import utilities` from the Rewiring America API data
(each ZIP's electric territories, with the upstream `predominant` flag); `corrections.yaml` is written by
people, with sources: territories that are not electric utilities (gas companies, district steam), and
ZIPs where upstream marks the wrong territory as predominant. The build applies the corrections and
stores the result in its `zip_territory` table; nothing here is read while serving.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Literal

from pydantic import Field, ValidationError

from ..problem import Problem
from ..recipes.common import Model, Source, Text
from ..recipes.yamlio import YamlError, load_yaml

FOLDER = "territories"
TABLE = "zip-territories.csv.gz"
CORRECTIONS = "corrections.yaml"
COLUMNS = ["zip", "state", "territory", "predominant"]


class NotElectric(Model):
    """An upstream 'electric territory' that sells no electricity to homes: left out of electric answers."""

    territory: str = Field(description="Upstream territory key.")
    what: Literal["gas", "district-thermal"]
    reason: Text
    sources: list[Source] = Field(min_length=1)


class Prefer(Model):
    """In these ZIPs (every ZIP listing both, when `zips` is empty) `territory` serves homes and the
    `over` territories come after it."""

    territory: str
    over: list[str] = Field(min_length=1)
    zips: list[str] = Field(default_factory=list)
    reason: Text
    sources: list[Source] = Field(min_length=1)


class Corrections(Model):
    not_electric: list[NotElectric] = Field(default_factory=list)
    prefer: list[Prefer] = Field(default_factory=list)


@dataclass
class Territories:
    """Upstream rows (zip, state, territory key, predominant) and the corrections to apply."""

    rows: list[tuple[str, str, str, bool]] = field(default_factory=list)
    corrections: Corrections = field(default_factory=Corrections)

    def applied(self) -> list[tuple[str, str, bool, str | None]]:
        """(zip, territory, predominant, correction) after the corrections, non-electric rows dropped.
        `correction` names the correction that changed the row (`prefer:<territory>`), else None."""
        dropped = {n.territory for n in self.corrections.not_electric}
        rows = {(z, t): [pred, None] for z, _state, t, pred in self.rows if t not in dropped}
        for p in self.corrections.prefer:
            zips = set(p.zips) if p.zips else {z for z, t in rows if t == p.territory}
            for z in zips:
                if (z, p.territory) not in rows or not any((z, o) in rows for o in p.over):
                    continue
                for t, want in ((p.territory, True), *((o, False) for o in p.over)):
                    row = rows.get((z, t))
                    if row is not None and row[0] != want:
                        row[0], row[1] = want, f"prefer:{p.territory}"
        return [(z, t, pred, why) for (z, t), (pred, why) in rows.items()]  # in table order (sorted)

    def states(self) -> dict[str, str]:
        return {z: s for z, s, _t, _p in self.rows}

    def unnecessary(self) -> list[str]:
        """Corrections the upstream rows no longer need (upstream fixed it, or the rows are gone)."""
        keys = {t for _z, _s, t, _p in self.rows}
        out = [f"not_electric {n.territory}: no longer in the upstream electric territories"
               for n in self.corrections.not_electric if n.territory not in keys]
        upstream = Territories(self.rows, Corrections(not_electric=self.corrections.not_electric))
        before = {(z, t): p for z, t, p, _ in upstream.applied()}
        after = Territories(self.rows, self.corrections).applied()
        changed = {why for z, t, p, why in after if why and before.get((z, t)) != p}
        out += [f"prefer {p.territory} over {', '.join(p.over)}: upstream already agrees in every ZIP it names"
                for p in self.corrections.prefer if f"prefer:{p.territory}" not in changed]
        return out


def folder(root: Path) -> Path:
    return Path(root) / FOLDER


def digest(root: Path) -> str:
    """Hash of the vendored table and the corrections ('' when the catalog has none)."""
    h = hashlib.sha256()
    for name in (TABLE, CORRECTIONS):
        p = folder(root) / name
        if p.is_file():
            h.update(name.encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()[:16] if h.digest() != hashlib.sha256().digest() else ""


def read_table(path: Path) -> list[tuple[str, str, str, bool]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        lines = fh.read().splitlines()  # written by write_table: no quoting (keys and ZIPs are plain)
    if not lines or lines[0] != ",".join(COLUMNS):
        raise ValueError(f"{path}: expected columns {','.join(COLUMNS)}")
    out = []
    for n, line in enumerate(lines[1:], start=2):
        parts = line.split(",")
        if len(parts) != 4:
            raise ValueError(f"{path}: line {n}: expected 4 fields")
        out.append((parts[0], parts[1], parts[2], parts[3] == "1"))
    return out


def write_table(path: Path, rows: Iterable[tuple[str, str, str, bool]]) -> bytes:
    """The gzip bytes for `rows` (deterministic: no timestamp in the gzip header)."""
    text = io.StringIO()
    w = csv.writer(text, lineterminator="\n")
    w.writerow(COLUMNS)
    w.writerows((z, s, t, "1" if p else "0") for z, s, t, p in sorted(rows))
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(text.getvalue().encode())
    return buf.getvalue()


def read_corrections(path: Path, rel: str = f"{FOLDER}/{CORRECTIONS}") -> Corrections:
    """The corrections file, validated; problems raise `CorrectionsInvalid` naming the field."""
    if not path.is_file():
        return Corrections()
    try:
        doc = load_yaml(path.read_bytes())
        return Corrections.model_validate(doc.data)
    except YamlError as exc:
        raise CorrectionsInvalid([Problem(rel, 1, 1, "", str(exc), "yaml")]) from None
    except ValidationError as exc:
        raise CorrectionsInvalid([Problem(rel, 1, 1, ".".join(map(str, e["loc"])), e["msg"], "schema")
                                  for e in exc.errors()]) from None


class CorrectionsInvalid(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(p.render() for p in problems))


def load(root: Path) -> Territories:
    """The catalog's territory table and corrections (empty when it has none)."""
    base = folder(root)
    rows = read_table(base / TABLE) if (base / TABLE).is_file() else []
    return Territories(rows, read_corrections(base / CORRECTIONS))


__all__ = ["Corrections", "CorrectionsInvalid", "NotElectric", "Prefer", "Territories", "digest", "load",
           "read_table", "write_table"]
