#!/usr/bin/env python3
"""Run every benchmark and write bench/results.json (and, with --update-readme, the table in bench/README.md).

    python bench/run_all.py [--quick] [--only household,http,build] [--update-readme]

--quick runs everything on a 10k-device catalog with short rounds (a smoke run, ~1-2 minutes once the
catalog is cached) and writes bench/.cache/results-quick.json, leaving bench/results.json (full scale)
alone; without it the scale is 100k devices / 2k programs / 3k utilities, the scale the targets are set at. The synthetic catalog is generated and built once and cached in bench/.cache/.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BENCH, CACHE, PYTHON, RESULTS, ensure_catalog, machine, scale  # noqa: E402

ORDER = ["household", "http", "build"]
SCRIPTS = {"household": "bench_household.py", "http": "bench_http.py", "build": "bench_build.py"}
START, END = "<!-- results:start -->", "<!-- results:end -->"


def fmt_ratio(t: dict) -> str:
    r = t.get("ratio")
    return "" if r is None else (f"{r:.2f}" if r < 10 else f"{r:.0f}")


def table(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"Measured {results['finished_at']} on {m['nproc']} x {m['cpu']} ({m.get('mem_gb')} GB), Python {m['python']}, "
        f"SQLite {m.get('sqlite')}; scale {results['scale']['devices']:,} devices / {results['scale']['programs']:,} programs / "
        f"{results['scale']['utilities']:,} utilities{' (--quick)' if results.get('quick') else ''}.",
        "",
        "| benchmark | target | measured | ratio | pass | notes |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for t in results["targets"]:
        ok = {True: "pass", False: "**FAIL**", None: "-"}[t["pass"]]
        lines.append(f"| {t['name']} | {t['target']} | {t['measured']} | {fmt_ratio(t)} | {ok} | {t.get('note', '')} |")
    lines += ["", "Every target is a ratio of two figures measured side by side in the same run, so it holds on any "
              "machine: contender / baseline for speed-ups and throughput (higher is better); the 100k build's cost per "
              "recipe / the bundled catalog's, a rebuild / a full build, service RSS / a bare FastAPI process's (lower "
              "is better). Absolute times are for information."]
    return "\n".join(lines)


def update_readme(text: str) -> None:
    readme = BENCH / "README.md"
    body = readme.read_text()
    if START in body and END in body:
        head, rest = body.split(START, 1)
        _, tail = rest.split(END, 1)
        readme.write_text(f"{head}{START}\n{text}\n{END}{tail}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default=",".join(ORDER), help="comma-separated subset of " + ",".join(ORDER))
    ap.add_argument("--update-readme", action="store_true", help="write the figures table into bench/README.md")
    a = ap.parse_args(argv)
    if a.quick and a.update_readme:
        ap.error("--update-readme records full-scale figures only; drop --quick")
    out_path = CACHE / "results-quick.json" if a.quick else RESULTS
    wanted = [b for b in ORDER if b in a.only.split(",")]
    sc = scale(a.quick)
    t0 = time.perf_counter()
    ensure_catalog(**sc)  # one-time generation and build, outside every benchmark's timing
    sections = {}
    for name in wanted:
        print(f"== {name} ==", flush=True)
        t = time.perf_counter()
        cmd = [PYTHON, str(BENCH / SCRIPTS[name])] + (["--quick"] if a.quick else [])
        rc = subprocess.run(cmd).returncode
        if rc != 0:
            print(f"{name} failed with exit code {rc}", file=sys.stderr)
            continue
        sections[name] = json.loads((CACHE / f"results-{name}.json").read_text())
        sections[name]["duration_s"] = round(time.perf_counter() - t, 1)
        print(f"   ({sections[name]['duration_s']:.0f} s)", flush=True)
    previous = json.loads(out_path.read_text()) if out_path.exists() else {}
    results = {
        "finished_at": time.strftime("%Y-%m-%d %H:%M %Z"),
        "quick": a.quick,
        "machine": machine(),
        "scale": sc,
        "duration_s": round(time.perf_counter() - t0, 1),
        "targets": [t for name in ORDER if name in sections for t in sections[name]["targets"]],
        **{name: sections[name] for name in sections},
    }
    if previous and set(wanted) != set(ORDER) and previous.get("quick") == a.quick:
        for name in ORDER:  # keep the sections not re-run this time
            if name not in sections and name in previous:
                results[name] = previous[name]
        results["targets"] = [t for name in ORDER if name in results for t in results[name]["targets"]]
    out_path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    text = table(results)
    print("\n" + text)
    if a.update_readme:
        update_readme(text)
    print(f"\nwrote {out_path}")
    return 0 if len(sections) == len(wanted) else 1


if __name__ == "__main__":
    raise SystemExit(main())
