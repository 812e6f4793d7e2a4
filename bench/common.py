"""Helpers shared by the benchmarks: the cached synthetic catalog, machine facts, statistics, results.

Benchmarks are not tests: nothing here asserts a time. Each benchmark measures its contenders side
by side in one run (interleaved, repeated, medians) and reports the ratio, plus absolute figures for
information, into bench/results.json.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = BENCH / ".cache"
RESULTS = BENCH / "results.json"
PYTHON = sys.executable

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

FULL = {"devices": 100_000, "programs": 2_000, "utilities": 3_000}
QUICK = {"devices": 10_000, "programs": 200, "utilities": 300}


def scale(quick: bool) -> dict[str, int]:
    return dict(QUICK if quick else FULL)


# --- the synthetic catalog, generated and built once -------------------------------------------------

def _generator_hash() -> str:
    return hashlib.sha256((BENCH / "synth.py").read_bytes()).hexdigest()[:8]


def synth_dir(devices: int, programs: int, utilities: int, seed: int = 1) -> Path:
    return CACHE / f"synth-d{devices}-p{programs}-u{utilities}-s{seed}-g{_generator_hash()}"


BUILD_SOURCES = ["derdir/catalog/*.py", "derdir/catalog/*.sql", "derdir/recipes/*.py", "derdir/audit/*.py",
                 "derdir/eligibility.py", "derdir/normalize.py", "derdir/facts.py"]


def code_hash() -> str:
    """Hash of the code that decides what a build contains: a cached build is rebuilt when it changes."""
    digest = hashlib.sha256()
    for pattern in BUILD_SOURCES:
        for path in sorted(ROOT.glob(pattern)):
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:8]


def ensure_catalog(devices: int, programs: int, utilities: int, seed: int = 1, build: bool = True,
                   say=print) -> tuple[Path, Path]:
    """(catalog root, build dir) of the cached synthetic catalog; generates and builds it when missing."""
    out = synth_dir(devices, programs, utilities, seed)
    root, build_dir = out / "catalog", out / f"build-{code_hash()}"
    if not (out / "synth-info.json").is_file():
        say(f"generating synthetic catalog {out.name} (one-time)…")
        t = time.perf_counter()
        run([PYTHON, str(BENCH / "synth.py"), str(out), "--devices", str(devices), "--programs", str(programs),
             "--utilities", str(utilities), "--seed", str(seed)])
        say(f"  generated in {time.perf_counter() - t:.0f} s")
    if build and not (build_dir / "current").exists():
        for old in out.glob("build*"):  # builds made by older code: stale, and large
            shutil.rmtree(old, ignore_errors=True)
        say(f"building {out.name}/{build_dir.name} (one-time, cached until the build code changes)…")
        t = time.perf_counter()
        run([str(Path(PYTHON).parent / "derdir"), "build", "--catalog", str(root), "--build-dir", str(build_dir), "--json"])
        say(f"  built in {time.perf_counter() - t:.0f} s")
    return root, build_dir


def current_build(build_dir: Path) -> Path:
    return (build_dir / "current").resolve()


def run(cmd: Sequence[str], timeout: float | None = None, **kw: Any) -> subprocess.CompletedProcess:
    return subprocess.run(list(cmd), check=True, timeout=timeout, text=True, **kw)


# --- machine ---------------------------------------------------------------------------------------

def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "mem_gb": mem, "python": platform.python_version(),
            "platform": platform.platform(), "sqlite": __import__("sqlite3").sqlite_version,
            "loadavg_1m": round(os.getloadavg()[0], 2),  # other work on the machine shows up here
            "code": code_state()}


def code_state() -> dict[str, Any]:
    """Which derdir code was measured: commit, uncommitted changes under derdir/, build-code hash."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    dirty = [line for line in git("status", "--porcelain", "--", "derdir").splitlines() if line]
    return {"commit": git("rev-parse", "--short", "HEAD"), "derdir_uncommitted_files": len(dirty),
            "build_code_hash": code_hash()}


def pin_to_one_core() -> int | None:
    """Run this process on one core (the last), so 'per household on one core' means that."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpus[-1]})
        return cpus[-1]
    except (AttributeError, OSError):
        return None


# --- statistics ------------------------------------------------------------------------------------

def pct(values: Sequence[float], q: float) -> float:
    """q-th percentile (0-100), nearest-rank on the sorted values."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(q / 100 * len(s) + 0.5)) - 1))
    return s[k]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summary(values: Sequence[float], unit_scale: float = 1e3, digits: int = 3) -> dict[str, Any]:
    """median / p95 / min / max of a list of seconds, in ms by default."""
    r = lambda v: round(v * unit_scale, digits)  # noqa: E731
    return {"n": len(values), "median": r(median(values)), "p95": r(pct(values, 95)), "min": r(min(values)),
            "max": r(max(values))}


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    box: list[float] = []
    t = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - t)


# --- results ---------------------------------------------------------------------------------------

def target(name: str, goal: str, measured: Any, ratio: float | None, ok: bool | None, note: str = "") -> dict[str, Any]:
    return {"name": name, "target": goal, "measured": measured, "ratio": None if ratio is None else round(ratio, 3),
            "pass": ok, "note": note}


def save_section(name: str, data: dict[str, Any], path: Path | None = None) -> Path:
    """Write one benchmark's results to bench/.cache/results-<name>.json (run_all merges them)."""
    path = path or CACHE / f"results-{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"benchmark": name, "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": machine(), **data}
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 120.0, proc: subprocess.Popen | None = None) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering {url}")
        try:
            if httpx.get(url, timeout=2.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(url)


def rss_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in kB, from /proc/<pid>/status."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            out[line.split(":")[0]] = int(line.split()[1])
    return out


def children_pids(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def profile_top(prof: Any, n: int = 20) -> list[dict[str, Any]]:
    """Top functions of a cProfile.Profile by own time, with their share of the total."""
    import pstats

    st = pstats.Stats(prof)
    total = st.total_tt or 1e-9  # type: ignore[attr-defined]
    rows = []
    for (file, line, func), (cc, nc, tt, ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
        rows.append({"function": f"{Path(file).name}:{line}({func})", "calls": nc, "own_s": round(tt, 3),
                     "own_share": round(tt / total, 3), "cum_s": round(ct, 3), "cum_share": round(ct / total, 3)})
    rows.sort(key=lambda r: -r["own_s"])
    return rows[:n]


def profile_cumulative(prof: Any, names: Sequence[str]) -> dict[str, float]:
    """Share of total time spent inside (cumulatively) functions whose name matches one of `names`."""
    import pstats

    st = pstats.Stats(prof)
    total = st.total_tt or 1e-9  # type: ignore[attr-defined]
    out: dict[str, float] = {}
    for (file, line, func), (cc, nc, tt, ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
        label = f"{Path(file).stem}.{func}"
        if label in names:
            out[label] = round(max(out.get(label, 0.0), ct / total), 3)
    return out
