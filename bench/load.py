"""Steady-rate load against the HTTP API: a mix of endpoints at a fixed arrival rate, errors and latency.

    python bench/load.py                                   # serve the bundled catalog on a free port, 100 req/s, 3 min
    python bench/load.py --rate 200 --duration 60          # other rate / length
    python bench/load.py --url http://127.0.0.1:8000       # against a server already running
    python bench/load.py --workers 2 --json out.json       # uvicorn with 2 worker processes; results as JSON too

Open loop: request i is due at start + i/rate whatever happened to the ones before, so a slow server
shows up as latency rather than as a lower rate (no coordinated omission). Latency is measured from the
moment a request was due; "service" latency, from when it was sent, is reported beside it. An error is a
transport failure, a timeout, a 5xx, or any status the request did not expect. Only 127.0.0.1 is used.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, free_port, machine, pct  # noqa: E402

# (name, weight): what a hub integration and the web pages' JSON calls would send, roughly.
MIX = [("version", 1), ("product", 5), ("product-market", 4), ("support", 3), ("compat", 3), ("search-products", 3),
       ("programs-market", 2), ("hub", 1), ("search", 2), ("resolve", 2), ("evaluate", 2), ("recommend", 1),
       ("not-found", 1), ("invalid", 1)]
MARKETS = ["pge", "94105", "CA", "US-MN", "Pacific Gas & Electric Co", "sce", "US-NY", "10001", "US-TX", "ON"]


@dataclass
class Targets:
    """Real ids and reports drawn from the catalog being served."""

    products: list[dict[str, Any]]
    programs: list[str]
    hubs: list[str]
    markets: list[str]  # locations as hubs send them: utility ids and names, ZIP codes, states

    @classmethod
    def fetch(cls, http: httpx.Client) -> "Targets":
        products: list[dict[str, Any]] = []
        for page in range(1, 6):
            r = http.get("/v1/products", params={"page": page, "per_page": 100})
            r.raise_for_status()
            products += r.json()["items"]
        programs = [p["id"] for p in http.get("/v1/programs").json()]
        hubs = [h["id"] for h in http.get("/v1/hubs").json()]
        utilities = http.get("/v1/utilities").json()
        markets = MARKETS
        if not any(u["id"] == MARKETS[0] for u in utilities):  # another catalog (the synthetic one): its own
            picks = random.Random(len(utilities)).sample(utilities, min(6, len(utilities)))
            ids, regions = [u["id"] for u in picks], sorted({r for u in picks for r in u.get("regions", [])})
            markets = ids[:2] + regions[:2] + ids[2:] + regions[2:4]  # states among the first six, as above
        return cls(products, programs, hubs, markets)


def make_request(name: str, t: Targets, rnd: random.Random) -> tuple[str, str, dict[str, Any], set[int]]:
    """(method, path, httpx kwargs, expected statuses) for one request of kind `name`."""
    p = rnd.choice(t.products)
    ok = {200}
    if name == "version":
        return "GET", "/v1/version", {}, ok
    if name == "product":
        return "GET", f"/v1/products/{p['id']}", {}, ok
    if name == "product-market":
        return "GET", f"/v1/products/{p['id']}", {"params": {"market": rnd.choice(t.markets)}}, ok
    if name == "support":
        return "GET", f"/v1/products/{p['id']}/programs/{rnd.choice(t.programs)}", {}, ok
    if name == "compat":
        return "GET", f"/v1/products/{p['id']}/hubs/{rnd.choice(t.hubs)}", {}, ok
    if name == "search-products":
        q = rnd.choice(["plug", "thermostat", "kasa", "ecobee", "battery", "charger", "water heater", "shelly", "zigbee"])
        params = {"q": q, "per_page": 20}
        if rnd.random() < 0.5:
            params["market"] = rnd.choice(t.markets)
        return "GET", "/v1/products", {"params": params}, ok
    if name == "programs-market":
        return "GET", "/v1/programs", {"params": {"market": rnd.choice(t.markets)}}, ok
    if name == "hub":
        return "GET", f"/v1/hubs/{rnd.choice(t.hubs)}", {}, ok
    if name == "search":
        return "GET", "/v1/search", {"params": {"q": rnd.choice(["kasa", "pge", "home assistant", "tesla", "nest"])}}, ok
    reports = [{"manufacturer": d.get("manufacturer"), "model": d.get("model"), "name": d.get("product_name")}
               for d in rnd.sample(t.products, 20)]
    reports += [{"manufacturer": "Sonos", "model": "One SL", "integration": "sonos"},
                {"manufacturer": "Unk Manufacturer", "model": "HS-9000"}]
    if name == "resolve":
        return "POST", "/v1/resolve", {"json": {"devices": reports}}, ok
    if name == "evaluate":
        body = {"location": rnd.choice(t.markets[:6]), "hub": rnd.choice(t.hubs), "devices": reports}
        return "POST", "/v1/households/evaluate", {"json": body}, ok
    if name == "recommend":
        body = {"location": rnd.choice(t.markets[:6]), "hub": rnd.choice(t.hubs), "devices": reports[:5], "limit": 10}
        return "POST", "/v1/households/recommendations", {"json": body}, ok
    if name == "not-found":
        return "GET", f"/v1/products/{p['id']}-nope", {}, {404, 409}
    if name == "invalid":
        return "GET", "/v1/products", {"params": {"per_page": 1000}}, {422}
    raise ValueError(name)


@dataclass
class Results:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # from when due
    service: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # from when sent
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, name: str, due: float, sent: float, done: float, status: int | None, error: str | None) -> None:
        with self.lock:
            self.latency[name].append(done - due)
            self.service[name].append(done - sent)
            if status is not None:
                self.statuses[status] += 1
            if error:
                self.errors[name].append(error)


def run_load(base: str, rate: float, duration: float, warmup: float, timeout: float, seed: int,
             say: Callable[[str], None] = print) -> dict[str, Any]:
    with httpx.Client(base_url=base, timeout=30) as http:
        targets = Targets.fetch(http)
        version = http.get("/v1/version").json()
    say(f"catalog {version['version']}: {version['counts']}; {len(targets.products)} products sampled")
    rnd = random.Random(seed)
    names = [n for n, _ in MIX]
    weights = [w for _, w in MIX]
    total = int((warmup + duration) * rate)
    plan = [(i, rnd.choices(names, weights)[0]) for i in range(total)]
    requests = [(i, name, *make_request(name, targets, rnd)) for i, name in plan]
    results = Results()
    local = threading.local()
    workers = max(8, min(256, int(rate * 0.5) + 8))

    def client() -> httpx.Client:
        if not hasattr(local, "http"):
            local.http = httpx.Client(base_url=base, timeout=timeout,
                                      limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))
        return local.http

    def send(item: tuple, due: float, record: bool) -> None:
        _, name, method, path, kwargs, expect = item
        sent = time.perf_counter()
        status, error = None, None
        try:
            r = client().request(method, path, **kwargs)
            status = r.status_code
            if status not in expect:
                error = f"{status} {method} {path}: {r.text[:160]}"
            elif status == 200:
                r.json()
        except (httpx.HTTPError, ValueError) as exc:
            error = f"{type(exc).__name__} {method} {path}: {exc}"
        if record:
            results.add(name, due, sent, time.perf_counter(), status, error)

    start = time.perf_counter() + 0.5
    warm_until = start + warmup
    load_before = _loadavg()
    say(f"{rate:g} req/s for {warmup:g} s warm-up + {duration:g} s, {workers} client threads -> {base}")
    with ThreadPoolExecutor(workers) as pool:
        last_report = start
        for item in requests:
            due = start + item[0] / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(send, item, due, due >= warm_until)
            now = time.perf_counter()
            if now - last_report >= 30:
                last_report = now
                done = sum(len(v) for v in results.latency.values())
                errs = sum(len(v) for v in results.errors.values())
                say(f"  {now - start:5.0f} s: {done} measured, {errs} errors")
        lag = time.perf_counter() - (start + total / rate)
    measured_s = duration
    all_lat = [v for vs in results.latency.values() for v in vs]
    all_srv = [v for vs in results.service.values() for v in vs]
    errors = {k: v for k, v in results.errors.items() if v}
    per = {}
    for name in names:
        lat = results.latency.get(name, [])
        per[name] = {"requests": len(lat), "errors": len(results.errors.get(name, [])),
                     "p50_ms": round(pct(lat, 50) * 1000, 1), "p99_ms": round(pct(lat, 99) * 1000, 1),
                     "max_ms": round(max(lat, default=float("nan")) * 1000, 1)}
    return {
        "base": base, "catalog": version, "rate_target": rate, "duration_s": measured_s, "warmup_s": warmup,
        "requests": len(all_lat), "achieved_rate": round(len(all_lat) / measured_s, 1),
        "errors": sum(len(v) for v in errors.values()), "error_samples": {k: v[:3] for k, v in errors.items()},
        "statuses": dict(sorted(results.statuses.items())),
        "latency_ms": {q: round(pct(all_lat, q) * 1000, 1) for q in (50, 90, 99, 99.9)} | {"max": round(max(all_lat, default=0) * 1000, 1)},
        "service_ms": {q: round(pct(all_srv, q) * 1000, 1) for q in (50, 90, 99)},
        "mean_ms": round(statistics.fmean(all_lat) * 1000, 1) if all_lat else None,
        "schedule_lag_s": round(max(lag, 0.0), 2), "client_threads": workers, "per_endpoint": per,
        "machine": machine(), "load_average": {"before": load_before, "after": _loadavg()},
    }


def _loadavg() -> list[float] | None:
    """1/5/15-minute load averages: other work on the machine shows up here (and in the tail latency)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover - not on every platform
        return None


def serve(build_dir: Path, workers: int) -> tuple[str, subprocess.Popen]:
    """uvicorn over `build_dir` on a free 127.0.0.1 port, as `derdir serve` runs it."""
    port = free_port()
    env = {**os.environ, "DERDIR_BUILD": str(build_dir)}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "derdir.api.asgi:app", "--host", "127.0.0.1",
                             "--port", str(port), "--workers", str(workers), "--log-level", "warning",
                             "--no-access-log"], env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return base, proc
        except httpx.TransportError:
            pass
        if proc.poll() is not None:
            raise SystemExit("the server exited while starting")
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit("the server did not start within 60 s")


def report(res: dict[str, Any], say: Callable[[str], None] = print) -> None:
    say("")
    say(f"{res['requests']} requests in {res['duration_s']:g} s = {res['achieved_rate']} req/s "
        f"(target {res['rate_target']:g}); errors: {res['errors']}; statuses: {res['statuses']}")
    lat, srv = res["latency_ms"], res["service_ms"]
    say(f"latency from due time  p50 {lat[50]} ms  p90 {lat[90]} ms  p99 {lat[99]} ms  p99.9 {lat[99.9]} ms  max {lat['max']} ms")
    say(f"service latency        p50 {srv[50]} ms  p90 {srv[90]} ms  p99 {srv[99]} ms")
    say(f"{'endpoint':18} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, row in res["per_endpoint"].items():
        say(f"{name:18} {row['requests']:>8} {row['errors']:>6} {row['p50_ms']:>8} {row['p99_ms']:>8} {row['max_ms']:>8}")
    for name, samples in res["error_samples"].items():
        say(f"errors in {name}: {samples}")
    m = res["machine"]
    say(f"machine: {m['nproc']} CPUs ({m['cpu']}), {m['mem_gb']} GiB, {m['platform']}, Python {m['python']}; "
        f"load average before {res['load_average']['before']}, after {res['load_average']['after']}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n", 1)[1])
    ap.add_argument("--url", help="a running server (127.0.0.1 only); default: start one over --build-dir")
    ap.add_argument("--build-dir", type=Path, default=ROOT / "build", help="build folder to serve (rebuilt when stale)")
    ap.add_argument("--catalog", type=Path, default=ROOT / "catalog", help="catalog to build when --build-dir has none")
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes when starting the server")
    ap.add_argument("--rate", type=float, default=100, help="requests per second (default 100)")
    ap.add_argument("--duration", type=float, default=180, help="measured seconds (default 180)")
    ap.add_argument("--warmup", type=float, default=5, help="seconds sent first and not measured (default 5)")
    ap.add_argument("--timeout", type=float, default=10, help="client timeout per request, seconds")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)

    proc = None
    if args.url:
        host = httpx.URL(args.url).host
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit("load is only sent to this machine (127.0.0.1)")
        base = args.url.rstrip("/")
    else:
        from derdir.service import open_catalog

        print(f"opening {args.build_dir} (rebuilt from {args.catalog} when stale)…")
        open_catalog(args.catalog, args.build_dir)
        base, proc = serve(args.build_dir, args.workers)
    try:
        res = run_load(base, args.rate, args.duration, args.warmup, args.timeout, args.seed)
        res["server_workers"] = args.workers if proc else None
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
    report(res)
    if args.json:
        args.json.write_text(json.dumps(res, indent=2, default=str) + "\n")
    return 1 if res["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
