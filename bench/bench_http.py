#!/usr/bin/env python3
"""HTTP product lookups vs a constant endpoint on the same server stack (target >= 0.8x).

    python bench/bench_http.py [--quick] [--seconds S] [--rounds N] [--connections C]

One uvicorn worker on 127.0.0.1 serves the real app (bench.apps:real_app: derdir's create_app over the
synthetic build plus GET /bench/constant, added here and not in the product). The load generator --
`wrk` when it is installed, else httpx in a thread pool -- drives GET /v1/products/<random id> and
GET /bench/constant in alternating bounded-time rounds. Server and load generator are pinned to
different cores when there are two. Reports requests/s, p99 and the ratio (medians over rounds).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PYTHON, ROOT, current_build, ensure_catalog, free_port, median, pct, save_section, scale, target, wait_http  # noqa: E402

TARGET_RATIO = 0.8
LUA = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local i = math.random(#paths)
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def cpus() -> list[int]:
    try:
        return sorted(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        return []


def start_server(build_dir: Path, cpu: int | None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [PYTHON, "-m", "uvicorn", "bench.apps:real_app", "--factory", "--host", "127.0.0.1", "--port", str(port),
           "--log-level", "info", "--timeout-graceful-shutdown", "5"]
    if cpu is not None and shutil.which("taskset"):
        cmd = ["taskset", "-c", str(cpu)] + cmd
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "DERDIR_BUILD": str(build_dir)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/bench/constant", proc=proc)
    return proc, url


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    if not m:
        return float("nan")
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else (v * 1000 if unit == "s" else v)


def run_wrk(url: str, paths_file: Path, seconds: float, connections: int, cpu: int | None) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(LUA)
        script = f.name
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "-s", script, url]
    if cpu is not None and shutil.which("taskset"):
        cmd = ["taskset", "-c", str(cpu)] + cmd
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=seconds + 60,
                             env={**os.environ, "BENCH_PATHS": str(paths_file)}).stdout
    finally:
        os.unlink(script)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50_ms": _ms(p50.group(1)) if p50 else None, "p99_ms": _ms(p99.group(1)) if p99 else None,
            "requests": total, "non_2xx": int(bad.group(1)) if bad else 0, "socket_errors": errors.group(1) if errors else None}


def run_httpx(url: str, paths: list[str], seconds: float, connections: int) -> dict[str, Any]:
    """Fallback load generator: `connections` threads, each with a keep-alive httpx client."""
    import httpx

    lat: list[float] = []
    bad = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(k: int) -> None:
        rng = random.Random(k)
        mine: list[float] = []
        nbad = 0
        with httpx.Client(base_url=url, timeout=30.0) as c:
            while time.perf_counter() < deadline:
                t = time.perf_counter()
                r = c.get(rng.choice(paths))
                mine.append(time.perf_counter() - t)
                nbad += r.status_code >= 400
        with lock:
            lat.extend(mine)
            bad[0] += nbad

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(connections)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    took = time.perf_counter() - t0
    return {"rps": len(lat) / took, "p50_ms": pct(lat, 50) * 1e3, "p99_ms": pct(lat, 99) * 1e3, "requests": len(lat),
            "non_2xx": bad[0], "socket_errors": None}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="10k-device catalog, short rounds (smoke run)")
    ap.add_argument("--seconds", type=float, default=None, help="length of one round (default 6, quick 2)")
    ap.add_argument("--rounds", type=int, default=None, help="rounds per endpoint (default 4, quick 2)")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--generator", choices=["auto", "wrk", "httpx"], default="auto")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    seconds = a.seconds or (2.0 if a.quick else 6.0)
    rounds = a.rounds or (2 if a.quick else 4)
    sc = scale(a.quick)
    _root, build_dir = ensure_catalog(**sc, seed=a.seed)
    gen = a.generator if a.generator != "auto" else ("wrk" if shutil.which("wrk") else "httpx")
    cores = cpus()
    server_cpu, client_cpu = (cores[0], cores[1]) if len(cores) >= 2 else (None, None)

    import sqlite3

    db = sqlite3.connect(f"file:{current_build(build_dir) / 'catalog.sqlite'}?mode=ro", uri=True)
    ids = [r[0] for r in db.execute("SELECT id FROM device ORDER BY id")]
    utilities = [r[0] for r in db.execute("SELECT id FROM entity WHERE kind = 'utility' ORDER BY id")]
    db.close()
    rng = random.Random(9)
    rng.shuffle(ids)
    # "product": ids drawn without replacement across the whole run, so the API's answer cache never
    # hits (the worst case: every lookup computed). "product-popular": ids drawn Zipf(1) from the
    # catalog, the same distribution every round, as popular devices repeat in real traffic.
    fresh = iter(ids * 3)
    fresh_market = iter(ids[::-1] * 3)  # "product-market": as a hub asks, with the home's utility
    fresh_stored = iter((ids[len(ids) // 2:] + ids[:len(ids) // 2]) * 3)  # "stored": the floor, see bench/apps.py
    popular_pick = [ids[min(len(ids) - 1, int(rng.paretovariate(1.0)) - 1)] for _ in range(50_000)]
    tmp = Path(tempfile.mkdtemp(prefix="derdir-bench-http-"))
    constant_file = tmp / "constant.txt"
    constant_file.write_text("/bench/constant\n")
    popular_file = tmp / "popular.txt"
    popular_file.write_text("\n".join(f"/v1/products/{i}" for i in popular_pick) + "\n")

    def paths_for(which: str, n: int) -> tuple[Path, list[str]]:
        if which == "constant":
            return constant_file, ["/bench/constant"]
        if which == "product-popular":
            return popular_file, [f"/v1/products/{i}" for i in popular_pick]
        if which == "product-market":
            chunk = [f"/v1/products/{next(fresh_market)}?market={rng.choice(utilities)}" for _ in range(n)]
            f = tmp / f"market-{time.monotonic_ns()}.txt"
            f.write_text("\n".join(chunk) + "\n")
            return f, chunk
        if which == "stored":
            chunk = [f"/bench/stored/{next(fresh_stored)}" for _ in range(n)]
            f = tmp / f"stored-{time.monotonic_ns()}.txt"
            f.write_text("\n".join(chunk) + "\n")
            return f, chunk
        chunk = [f"/v1/products/{next(fresh)}" for _ in range(n)]
        f = tmp / f"product-{time.monotonic_ns()}.txt"
        f.write_text("\n".join(chunk) + "\n")
        return f, chunk

    proc, url = start_server(build_dir, server_cpu)
    runs: list[dict[str, Any]] = []
    try:
        def drive(which: str, secs: float) -> dict[str, Any]:
            path_file, paths = paths_for(which, int(secs * 4000))  # more ids than a round can use
            if gen == "wrk":
                return run_wrk(url, path_file, secs, a.connections, client_cpu)
            return run_httpx(url, paths, secs, a.connections)

        drive("constant", 1)  # warm-up: imports, thread pool, SQLite pages
        drive("product", 1)
        order = ["constant", "product", "product-market", "product-popular", "stored"]
        for r in range(rounds):
            for which in (order if r % 2 == 0 else order[::-1]):
                res = drive(which, seconds)
                res.update(endpoint=which, round=r)
                runs.append(res)
                print(f"  round {r} {which:15s}: {res['rps']:8.0f} req/s  p50 {res['p50_ms']:.2f} ms  "
                      f"p99 {res['p99_ms']:.2f} ms  non-2xx {res['non_2xx']}", flush=True)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)

    def agg(which: str) -> dict[str, Any]:
        rs = [x for x in runs if x["endpoint"] == which]
        return {"rps": round(median([x["rps"] for x in rs]), 1), "p99_ms": round(median([x["p99_ms"] for x in rs]), 2),
                "p50_ms": round(median([x["p50_ms"] for x in rs]), 2), "non_2xx": sum(x["non_2xx"] for x in rs),
                "requests": sum(x["requests"] for x in rs)}

    prod, const, pop, mkt = agg("product"), agg("constant"), agg("product-popular"), agg("product-market")
    floor = agg("stored")
    ratio_floor = floor["rps"] / const["rps"]
    ratio = prod["rps"] / const["rps"]
    ratio_pop = pop["rps"] / const["rps"]
    ratio_mkt = mkt["rps"] / const["rps"]
    print(f"product lookup {prod['rps']:.0f} req/s (p99 {prod['p99_ms']} ms) vs constant {const['rps']:.0f} req/s "
          f"(p99 {const['p99_ms']} ms): {ratio:.2f}x; in a market {mkt['rps']:.0f} req/s: {ratio_mkt:.2f}x; popular products {pop['rps']:.0f} req/s: {ratio_pop:.2f}x; floor (stored answer) {floor['rps']:.0f} req/s: {ratio_floor:.2f}x", flush=True)
    results = {
        "scale": sc, "generator": gen, "connections": a.connections, "seconds_per_round": seconds, "rounds": rounds,
        "server_cpu": server_cpu, "client_cpu": client_cpu, "uvicorn_workers": 1,
        "product": prod, "product_popular": pop, "product_market": mkt, "stored": floor, "constant": const, "ratio": round(ratio, 3),
        "ratio_popular": round(ratio_pop, 3), "ratio_market": round(ratio_mkt, 3), "ratio_stored": round(ratio_floor, 3), "runs": runs,
        "targets": [target("HTTP product lookup vs constant endpoint, same stack", f">= {TARGET_RATIO}x",
                           f"{prod['rps']:.0f} req/s, p99 {prod['p99_ms']} ms", ratio, ratio >= TARGET_RATIO,
                           f"constant {const['rps']:.0f} req/s, p99 {const['p99_ms']} ms; {gen}, {a.connections} connections, "
                           "1 uvicorn worker" + (f"; NON-2XX: product {prod['non_2xx']}, constant {const['non_2xx']}"
                                                 if prod["non_2xx"] or const["non_2xx"] else "")),
                  target("HTTP product lookup in a market (?market=utility, as a hub asks) vs constant", "(information)",
                         f"{mkt['rps']:.0f} req/s, p99 {mkt['p99_ms']} ms", ratio_mkt, None, ""),
                  target("HTTP popular-product lookup (Zipf ids, answer cache hits) vs constant", "(information)",
                         f"{pop['rps']:.0f} req/s, p99 {pop['p99_ms']} ms", ratio_pop, None, ""),
                  target("floor: one catalog read and a body of an answer's size, nothing computed, vs constant",
                         "(information)", f"{floor['rps']:.0f} req/s, p99 {floor['p99_ms']} ms", ratio_floor, None,
                         "what a product answer stored whole per device would reach at best")],
    }
    save_section("http", results)
    return results


if __name__ == "__main__":
    main()
