"""Score the resolver on the labelled set of real hub registry entries (bench/labelled/entries.jsonl).

    python bench/resolve_score.py                # builds the bundled catalog into a temporary folder
    python bench/resolve_score.py --build build  # or reads an existing build
    python bench/resolve_score.py --half test --wrong   # list what the test half gets wrong

Prints, for each half (dev, test), accuracy on energy devices by category and by integration, and the
false positives among non-energy entries. The split is fixed in the file (`half`); the test half is
for reporting only: nothing in the resolver or the catalog is tuned on its entries.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from derdir.catalog.index import Catalog  # noqa: E402
from derdir.normalize import key, maker_key  # noqa: E402
from derdir.resolve import DeviceReport, resolve_many  # noqa: E402

ENTRIES = ROOT / "bench" / "labelled" / "entries.jsonl"


def load(path: Path = ENTRIES) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _maker_names(cat: Catalog, name: str | None) -> set[str]:
    """A maker's key with every alias and brand its manufacturer recipe lists."""
    k = maker_key(name or "")
    out = {k} if k else set()
    for m in cat.manufacturers.values():
        names = {maker_key(n) for n in [m.name, *m.aliases, *m.brands]}
        if k in names:
            out |= names
    return out


def _makers_agree(a: set[str], b: set[str]) -> bool:
    return any(x == y or (min(len(x), len(y)) >= 4 and (x in y or y in x)) for x in a for y in b)


def judge(cat: Catalog, entry: dict[str, Any], match: dict[str, Any] | None) -> bool:
    """Is the resolver's answer right for this labelled entry?"""
    exp = entry["expect"]
    if exp["kind"] in ("not-energy", "service", "hub"):
        return match is None
    if match is None:
        return False
    if exp["kind"] == "product":
        if match.get("id") in exp["ids"]:
            return True
        # a system-level answer naming the expected product among its members
        return match.get("level") == "system" and bool(set(match.get("family_members") or []) & set(exp["ids"]))
    # family: right maker and kind. A product answer is right only if that product carries the reported model
    # (the label said the catalog lacks it; then the label was incomplete, not the answer wrong).
    if match.get("category") != exp["category"]:
        return False
    if match.get("id"):
        return _carries(cat, match["id"], entry["input"])
    if not exp.get("manufacturer"):  # the hub reported no maker: the kind is all there is to get right
        return True
    want = _maker_names(cat, exp["manufacturer"])
    got = _maker_names(cat, match.get("manufacturer")) | _maker_names(cat, match.get("brand"))
    return _makers_agree(want, got)


def _carries(cat: Catalog, rid: str, report: dict[str, Any]) -> bool:
    """Does the product's recipe list the reported model: as a model number or string, as a Zigbee model id
    with the reported radio maker, or as a Zigbee model id no other product shares?"""
    reported = {key(v) for v in (report.get("model"), report.get("model_id")) if v}
    if not reported:
        return False
    rows = cat.sql("SELECT kind, value FROM ident WHERE id = ? AND kind IN ('model', 'zigbee', 'zigbee-maker')", (rid,))
    if reported & {v for k, v in rows if k == "model"}:
        return True
    mk = key(report.get("manufacturer") or "")
    if any(k == "zigbee-maker" and v in {f"{mk}|{r}" for r in reported} for k, v in rows):
        return True
    for k, v in rows:
        if k == "zigbee" and v in reported:
            owners = cat.sql("SELECT count(DISTINCT id) FROM ident WHERE kind = 'zigbee' AND value = ?", (v,))[0][0]
            if owners == 1:
                return True
    return False


def score(cat: Catalog, entries: list[dict[str, Any]]) -> dict[str, Any]:
    reports = [DeviceReport.model_validate(e["input"]) for e in entries]
    answers = resolve_many(cat, reports)
    out: dict[str, Any] = {}
    for half in ("dev", "test"):
        rows = [(e, a) for e, a in zip(entries, answers) if e["half"] == half]
        energy = [(e, a) for e, a in rows if e["expect"]["kind"] in ("product", "family")]
        other = [(e, a) for e, a in rows if e["expect"]["kind"] not in ("product", "family")]
        by_cat: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        by_int: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # right, energy, false positives, others
        wrong = []
        for e, a in energy:
            ok = judge(cat, e, a.match)
            for table, k in ((by_cat, e["expect"]["category"]), (by_int, e["integration"])):
                table[k][0] += ok
                table[k][1] += 1
            if not ok:
                wrong.append((e, a))
        false_pos = [(e, a) for e, a in other if a.match is not None]
        for e, a in other:
            by_int[e["integration"]][2] += a.match is not None
            by_int[e["integration"]][3] += 1
        out[half] = {"energy": len(energy), "right": sum(v[0] for v in by_cat.values()),
                     "non_energy": len(other), "false_positives": len(false_pos),
                     "by_category": dict(sorted(by_cat.items())), "by_integration": dict(sorted(by_int.items())),
                     "wrong": wrong, "false_pos": false_pos}
    return out


def _table(title: str, rows: dict[str, list[int]]) -> str:
    if all(len(v) == 2 for v in rows.values()):
        lines = [f"| {title} | right | of | % |", "| --- | ---: | ---: | ---: |"]
        for k, (ok, n) in rows.items():
            if n:
                lines.append(f"| {k} | {ok} | {n} | {100 * ok / n:.0f}% |")
        return "\n".join(lines)
    lines = [f"| {title} | energy right | of | % | non-energy matched (false +) | of |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for k, (ok, n, fp, neg) in rows.items():
        lines.append(f"| {k} | {ok} | {n} | {f'{100 * ok / n:.0f}%' if n else '-'} | {fp} | {neg} |")
    return "\n".join(lines)


def report(result: dict[str, Any], halves: list[str], show_wrong: bool = False, by_integration: bool = True) -> str:
    parts = []
    for half in halves:
        r = result[half]
        pct = 100 * r["right"] / r["energy"] if r["energy"] else 0.0
        parts.append(f"## {half} half: {r['right']}/{r['energy']} energy devices right ({pct:.1f}%), "
                     f"{r['false_positives']} false positives in {r['non_energy']} non-energy entries "
                     f"({25 * r['false_positives'] / max(r['non_energy'], 1):.2f} per 25)\n")
        parts.append(_table("category", r["by_category"]) + "\n")
        if by_integration:
            parts.append(_table("integration", r["by_integration"]) + "\n")
        if show_wrong:
            for e, a in r["wrong"]:
                m = a.match
                parts.append(f"WRONG {e['id']} {e['integration']} {json.dumps(e['input'], ensure_ascii=False)} "
                             f"want {json.dumps(e['expect'], ensure_ascii=False)} got "
                             f"{m and (m.get('id') or m.get('product_name'))} ({a.reason})")
            for e, a in r["false_pos"]:
                parts.append(f"FALSE+ {e['id']} {e['integration']} {json.dumps(e['input'], ensure_ascii=False)} got "
                             f"{a.match.get('id') or a.match.get('product_name')} ({a.reason})")
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", type=Path, help="an existing build folder (with current/); default: build the catalog")
    ap.add_argument("--half", choices=["dev", "test", "both"], default="both")
    ap.add_argument("--wrong", action="store_true", help="list the entries it gets wrong")
    ap.add_argument("--no-integrations", action="store_true", help="leave out the per-integration table")
    args = ap.parse_args(argv)
    halves = ["dev", "test"] if args.half == "both" else [args.half]
    entries = load()
    if args.build:
        cat = Catalog((args.build / "current").resolve())
        print(report(score(cat, entries), halves, args.wrong, not args.no_integrations))
        return 0
    from derdir.catalog.build import build

    with tempfile.TemporaryDirectory() as tmp:
        build(ROOT / "catalog", Path(tmp))
        cat = Catalog((Path(tmp) / "current").resolve())
        print(report(score(cat, entries), halves, args.wrong, not args.no_integrations))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
