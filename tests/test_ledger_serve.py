"""`derdir serve` keeps the ledger across restarts, and a killed server (SIGKILL) loses no committed write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

# Timing-sensitive servers: run on one worker, one after another (`--dist loadgroup`), never beside each other
pytestmark = pytest.mark.xdist_group("servers")


def start(real_build: Path, tmp_path: Path, db: str | None = None, *extra: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [sys.executable, "-m", "derdir", "serve", "--port", str(port), "--build-dir", str(real_build),
           "--catalog", str(tmp_path / "none"), *(["--homes-db", db] if db else []), *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "DERDIR_HOMES_DB": ""})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("derdir serve did not start")


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    proc.send_signal(sig)
    proc.wait(20)


def test_homes_survive_a_restart_and_a_kill(real_build: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'homes.sqlite3'}"
    proc, url = start(real_build, tmp_path, db)
    try:
        r = httpx.post(url + "/v1/homes", json={"location": "pge", "devices": [{"key": "wh", "model": "x"}]})
        assert r.status_code == 201, r.text
        home, token = r.json()["id"], r.json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        ok = httpx.post(f"{url}/v1/homes/{home}/enrollments", headers=auth, json={"program": "pge-wattersaver"})
        assert ok.status_code == 201
    finally:
        stop(proc)
    proc, url = start(real_build, tmp_path, db)
    try:
        got = httpx.get(f"{url}/v1/homes/{home}", headers=auth).json()
        assert [e["program"] for e in got["enrollments"]] == ["pge-wattersaver"]
        readings = [{"start": f"2026-07-01T{h:02d}:00:00Z", "minutes": 60, "kwh": 1.0} for h in range(24)]
        assert httpx.post(f"{url}/v1/homes/{home}/readings", headers=auth,
                          json={"device": "wh", "readings": readings}).json()["stored"] == 24
    finally:
        stop(proc, signal.SIGKILL)  # answered means committed: nothing of it may be lost
    proc, url = start(real_build, tmp_path, db)
    try:
        assert len(httpx.get(f"{url}/v1/homes/{home}/export", headers=auth).json()["readings"]) == 24
    finally:
        stop(proc)


def test_no_homes_turns_the_ledger_off(real_build: Path, tmp_path: Path) -> None:
    proc, url = start(real_build, tmp_path, None, "--no-homes")
    try:
        assert httpx.post(url + "/v1/homes", json={"location": "pge"}).status_code in (404, 405)
    finally:
        stop(proc)


def test_a_store_that_cannot_be_opened_is_one_line(real_build: Path, tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.run([sys.executable, "-m", "derdir", "serve", "--port", str(port), "--build-dir", str(real_build),
                           "--catalog", str(tmp_path / "none"), "--homes-db", "mysql://nobody@nowhere/x"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "not supported" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
