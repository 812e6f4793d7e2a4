#!/usr/bin/env python3
"""`derdir build` at 100k devices, rebuild after one recipe changes, whole-catalog JSON size, service memory.

    python bench/bench_build.py [--quick] [--timeout S] [--skip-build] [--skip-memory]

- full build of the synthetic catalog (target <= 60 s on 2 cores), timed by phase;
- rebuild after one device recipe changes (target <= 5 s), and the no-change check;
- the bundled catalog built side by side, for seconds per 1000 recipes at both scales (the scaling ratio);
- whole-catalog JSON (catalog.json.gz) bytes per device (Homebrew's formula.json: ~650 B per formula);
- RSS of a process serving the 100k build after a mix of requests (target <= 300 MB), as a ratio to a
  bare FastAPI process on the same uvicorn.

Builds run `derdir.catalog.build.build` -- the function `derdir build` calls (the command adds only a
progress bar) -- in a child process with timers around its phases, on a hard-linked copy of the cached
synthetic catalog (the cache itself is never modified).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (CACHE, PYTHON, ROOT, current_build, ensure_catalog, free_port, median,  # noqa: E402
                    rss_kb, save_section, scale, target, wait_http)

# Targets are ratios measured side by side, so they hold on any machine:
TARGET_BUILD_SCALING = 1.0  # a 100k build's seconds per recipe <= 1.0x the bundled catalog's, built alongside
TARGET_REBUILD_SHARE = 0.1  # a rebuild after one change <= 0.1x the full build
TARGET_RSS_RATIO = 3.0  # service RSS <= 3x a bare FastAPI process's
HOMEBREW_GZ_PER_FORMULA = 650


# --- the build child process -----------------------------------------------------------------------

def run_build_child(root: str, out: str, force: bool) -> None:
    """Run one build with phase timers; print a JSON line. (Called as `bench_build.py --child ...`.)"""
    sys.path.insert(0, str(ROOT))
    import derdir.catalog.build as B

    phases: dict[str, float] = {}

    def timed(name: str, fn):
        def wrapper(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                phases[name] = phases.get(name, 0.0) + time.perf_counter() - t
        return wrapper

    # (`_write_static` runs beside `_write_sqlite`, in another process for a large catalog: it cannot be
    # wrapped here, and its time is within the total.)
    for name in ("catalog_version", "read_catalog", "audit_files", "_write_sqlite", "candidates", "build_delta"):
        if hasattr(B, name):
            setattr(B, name, timed(name.lstrip("_"), getattr(B, name)))
    t = time.perf_counter()
    info = B.build(Path(root), Path(out), force=force)
    total = time.perf_counter() - t
    extra: dict[str, Any] = {}
    if not info.reused:
        import sqlite3

        db = sqlite3.connect(f"file:{info.path / 'catalog.sqlite'}?mode=ro", uri=True)
        for table in ("entity", "ident", "candidate", "device_facet"):
            try:
                extra[f"rows_{table}"] = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            except sqlite3.Error:
                pass
        db.close()
        extra["sqlite_bytes"] = (info.path / "catalog.sqlite").stat().st_size
        for name in ("catalog.json", "catalog.json.gz"):
            if (info.path / name).exists():
                extra[name.replace(".", "_") + "_bytes"] = (info.path / name).stat().st_size
    print(json.dumps({"seconds": total, "phases": phases, "reused": info.reused, "delta": info.delta, "version": info.version,
                      "counts": info.counts, "path": str(info.path), **extra}), flush=True)


def timed_build(root: Path, out: Path, force: bool, timeout: float) -> dict[str, Any]:
    cmd = [PYTHON, str(Path(__file__).resolve()), "--child", str(root), str(out)] + (["--force"] if force else [])
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the build's own process group (it may have parser workers)
        proc.communicate()
        return {"seconds": None, "timed_out_after_s": timeout, "wall_s": time.perf_counter() - t}
    if proc.returncode != 0:
        raise RuntimeError(f"build failed ({proc.returncode}):\n{stderr[-3000:]}")
    data = json.loads(stdout.strip().splitlines()[-1])
    data["wall_s"] = time.perf_counter() - t
    return data


def link_tree(src: Path, dst: Path) -> None:
    """A copy of a catalog folder made of hard links (instant; files are replaced, never edited in place)."""
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, copy_function=os.link)


def change_one_recipe(root: Path, rng: random.Random) -> Path:
    """Edit one device recipe the way a contributor would (a new note), replacing the hard link."""
    folder = root / "devices" / "thermostat"
    files = sorted(folder.iterdir()) if folder.is_dir() else sorted((root / "devices").rglob("*.yaml"))
    path = rng.choice(files)
    text = path.read_text()
    path.unlink()
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("verified_on:"))
    lines.insert(at, f"notes: Benchmark edit {time.time_ns()}.\n")
    path.write_text("".join(lines))
    return path


# --- memory ----------------------------------------------------------------------------------------

def serve(app: str, env: dict[str, str], factory: bool) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [PYTHON, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port), "--log-level", "info",
           "--timeout-graceful-shutdown", "5"] + (["--factory"] if factory else [])
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_http(url + ("/healthz" if not factory else "/bench/constant"), proc=proc)
    return proc, url


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def request_mix(url: str, cat_path: Path, n_products: int, n_homes: int, seed: int = 3) -> dict[str, int]:
    """Product lookups, homes, searches, lists and the whole catalog; returns status counts."""
    import httpx

    sys.path.insert(0, str(ROOT))
    from derdir.catalog.index import Catalog

    from workload import Workload

    cat = Catalog(cat_path)
    rng = random.Random(seed)
    ids = [r[0] for r in cat.sql("SELECT id FROM device ORDER BY id")]
    wl = Workload(cat, seed)
    statuses: dict[str, int] = {}
    with httpx.Client(base_url=url, timeout=120.0) as c:
        def hit(method: str, path: str, **kw: Any) -> None:
            r = c.request(method, path, **kw)
            statuses[str(r.status_code)] = statuses.get(str(r.status_code), 0) + 1
        for _ in range(n_products):
            hit("GET", f"/v1/products/{rng.choice(ids)}")
        for _ in range(n_homes):
            h = wl.household()
            hit("POST", "/v1/households/evaluate", json={"location": h["location"], "hub": h["hub"], "devices": h["devices"]})
        for q in ["thermostat", "plug", "battery", "charger", "heat pump"]:
            hit("GET", "/v1/products", params={"q": q, "per_page": 20})
            hit("GET", "/v1/search", params={"q": q})
        hit("GET", "/v1/programs")
        hit("GET", "/v1/utilities")
        hit("GET", "/v1/hubs")
        hit("GET", "/v1/catalog", headers={"accept-encoding": "gzip"})
        hit("POST", "/v1/households/recommendations", json={"location": wl.markets[0], "limit": 10})
    return statuses


def measure_memory(build_dir: Path, rounds: int, n_products: int, n_homes: int) -> dict[str, Any]:
    cat_path = current_build(build_dir)
    real, bare, detail = [], [], []
    for r in range(rounds):
        for who in (["bare", "real"] if r % 2 == 0 else ["real", "bare"]):
            if who == "real":
                proc, url = serve("derdir.api.asgi:app", {"DERDIR_BUILD": str(build_dir)}, factory=False)
                t = time.perf_counter()
                statuses = request_mix(url, cat_path, n_products, n_homes)
                took = time.perf_counter() - t
            else:
                proc, url = serve("bench.apps:bare_app", {}, factory=True)
                import httpx

                t = time.perf_counter()
                with httpx.Client(base_url=url) as c:
                    codes = [c.get("/bench/constant").status_code for _ in range(n_products + n_homes + 15)]
                statuses = {str(s): codes.count(s) for s in set(codes)}
                took = time.perf_counter() - t
            mem = rss_kb(proc.pid)
            stop(proc)
            (real if who == "real" else bare).append(mem["VmRSS"] / 1024)
            detail.append({"process": who, "round": r, "rss_mb": round(mem["VmRSS"] / 1024, 1),
                           "peak_rss_mb": round(mem["VmHWM"] / 1024, 1), "requests_s": round(took, 1), "statuses": statuses})
            print(f"  memory {who}: RSS {mem['VmRSS'] / 1024:.0f} MB (peak {mem['VmHWM'] / 1024:.0f} MB) "
                  f"after {sum(statuses.values())} requests {statuses}", flush=True)
    return {"service_rss_mb": round(median(real), 1), "bare_fastapi_rss_mb": round(median(bare), 1),
            "ratio": round(median(real) / median(bare), 2), "runs": detail}


# --- main ------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="10k-device catalog (smoke run)")
    ap.add_argument("--timeout", type=float, default=None, help="seconds before a build is stopped (default 330, quick 120)")
    ap.add_argument("--skip-build", action="store_true")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--child", nargs=2, metavar=("ROOT", "OUT"), help=argparse.SUPPRESS)
    ap.add_argument("--force", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        run_build_child(a.child[0], a.child[1], a.force)
        return {}
    timeout = a.timeout or (120.0 if a.quick else 330.0)
    sc = scale(a.quick)
    root, build_dir = ensure_catalog(**sc, seed=a.seed, build=not a.skip_memory)
    results: dict[str, Any] = {"scale": sc, "targets": []}
    rng = random.Random(5)

    if not a.skip_build:
        work = CACHE / "work-build"
        link_tree(root, work / "catalog")
        shutil.rmtree(work / "build", ignore_errors=True)
        real_out = Path(tempfile.mkdtemp(prefix="derdir-bench-real-"))
        real_runs = []
        try:
            real_runs.append(timed_build(ROOT / "catalog", real_out, True, timeout))
            print(f"  bundled catalog build: {real_runs[-1]['seconds']:.1f} s", flush=True)
            full = timed_build(work / "catalog", work / "build", True, timeout)
            print(f"  synthetic full build: {full['seconds'] if full['seconds'] is not None else 'timed out'} s "
                  f"{ {k: round(v, 1) for k, v in full.get('phases', {}).items()} }", flush=True)
            real_runs.append(timed_build(ROOT / "catalog", real_out, True, timeout))
            print(f"  bundled catalog build: {real_runs[-1]['seconds']:.1f} s", flush=True)
            unchanged = timed_build(work / "catalog", work / "build", False, timeout) if full["seconds"] else None
            changed_path = change_one_recipe(work / "catalog", rng)
            rebuild = timed_build(work / "catalog", work / "build", False, timeout)
            print(f"  rebuild after editing {changed_path.name}: "
                  f"{rebuild['seconds'] if rebuild['seconds'] is not None else 'timed out'} s "
                  f"{ {k: round(v, 1) for k, v in rebuild.get('phases', {}).items()} }", flush=True)
        finally:
            shutil.rmtree(real_out, ignore_errors=True)
        n_synth = sum(sc.values()) + 12
        n_real = sum(real_runs[0]["counts"].values())
        real_s = median([r["seconds"] for r in real_runs])
        per_k_real = real_s / n_real * 1000
        per_k_synth = full["seconds"] / n_synth * 1000 if full["seconds"] else None
        gz_source = full if full.get("catalog_json_gz_bytes") else None
        gz_per_device = gz_source["catalog_json_gz_bytes"] / sc["devices"] if gz_source else None
        real_gz = real_runs[0].get("catalog_json_gz_bytes")
        real_gz_per_device = real_gz / real_runs[0]["counts"]["device"] if real_gz else None
        results["build"] = {
            "full": full, "unchanged_check": unchanged, "rebuild_one_change": rebuild, "changed_file": str(changed_path.name),
            "bundled_catalog": {"recipes": n_real, "runs_s": [round(r["seconds"], 2) for r in real_runs],
                                "s_per_1000_recipes": round(per_k_real, 3), "gz_bytes_per_device": real_gz_per_device},
            "synthetic_s_per_1000_recipes": None if per_k_synth is None else round(per_k_synth, 3),
            "scaling_ratio": None if per_k_synth is None else round(per_k_synth / per_k_real, 2),
            "gz_bytes_per_device": None if gz_per_device is None else round(gz_per_device, 1),
        }
        fs = full["seconds"]
        rs = rebuild["seconds"]
        results["targets"] += [
            target(f"derdir build, {sc['devices']:,} devices, cost per recipe vs the bundled catalog's",
                   f"<= {TARGET_BUILD_SCALING:g}x",
                   f"{per_k_synth:.2f} vs {per_k_real:.2f} s per 1000 recipes" if per_k_synth else f"> {timeout:g} s (stopped)",
                   None if per_k_synth is None else per_k_synth / per_k_real,
                   bool(per_k_synth and per_k_synth / per_k_real <= TARGET_BUILD_SCALING),
                   f"{fs:.1f} s in all on {os.cpu_count()} cores" if fs else ""),
            target("rebuild after one recipe changes, vs the full build", f"<= {TARGET_REBUILD_SHARE:g}x",
                   f"{rs:.1f} s" if rs else f"> {timeout:g} s (stopped)", (rs / fs) if rs and fs else None,
                   bool(rs and fs and rs / fs <= TARGET_REBUILD_SHARE),
                   ("the previous build updated (delta)" if rebuild.get("delta") else "built in full")),
        ]
        if gz_per_device is not None:
            results["targets"].append(target(
                "whole-catalog JSON, gzipped, per device", f"Homebrew ~{HOMEBREW_GZ_PER_FORMULA} B/formula",
                f"{gz_per_device:.0f} B", gz_per_device / HOMEBREW_GZ_PER_FORMULA, None,
                f"bundled catalog: {real_gz_per_device:.0f} B/device" if real_gz_per_device else ""))

    if not a.skip_memory:
        mem = measure_memory(build_dir, rounds=2, n_products=40 if a.quick else 200, n_homes=10 if a.quick else 50)
        results["memory"] = mem
        results["targets"].append(target(
            "service RSS serving the catalog, vs a bare FastAPI process", f"<= {TARGET_RSS_RATIO:g}x",
            f"{mem['service_rss_mb']:.0f} MB", mem["ratio"], mem["ratio"] <= TARGET_RSS_RATIO,
            f"bare FastAPI process {mem['bare_fastapi_rss_mb']:.0f} MB"))
    save_section("build", results)
    return results


if __name__ == "__main__":
    main()
