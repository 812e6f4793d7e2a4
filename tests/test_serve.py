"""`derdir serve` as a network service: a deadline on request headers (slow clients are closed) and a clear
refusal when the port is taken. Servers here listen on 127.0.0.1 only, and are stopped by the test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest
import uvicorn

from derdir.api import server as served
from derdir.api.app import create_app

SLOW_CLIENTS = 60

# Timing-sensitive servers: run on one worker, one after another (`--dist loadgroup`), never beside each other
pytestmark = pytest.mark.xdist_group("servers")


@pytest.fixture
def deadline_server(real_build: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A uvicorn server in this process with the service's protocol and a 0.5 s header deadline."""
    monkeypatch.setattr(served, "HEADER_TIMEOUT_S", 0.5)
    # the listening socket is bound here (port 0), so no server another test starts can take its port between
    # choosing it and listening on it
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(real_build), host="127.0.0.1", port=port, log_level="warning",
                                           http=served.DeadlineProtocol, timeout_keep_alive=30))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(10)


def _closed(sock: socket.socket, within: float) -> bool:
    sock.settimeout(within)
    try:
        return sock.recv(1024) == b""
    except (socket.timeout, TimeoutError):
        return False
    except ConnectionResetError:
        return True


def test_connections_that_never_finish_their_headers_are_closed(deadline_server: int) -> None:
    port = deadline_server
    slow = []
    for i in range(SLOW_CLIENTS):
        sock = socket.create_connection(("127.0.0.1", port))
        if i % 3:
            sock.sendall(b"GET /v1/version HTTP/1.1\r\nHost: x\r\n")  # headers begun, never ended
        slow.append(sock)  # every third sends nothing at all
    try:
        start = time.monotonic()
        assert all(_closed(s, 5.0) for s in slow)
        assert time.monotonic() - start < 5.0
        assert httpx.get(f"http://127.0.0.1:{port}/v1/version", timeout=5).status_code == 200  # others are served
    finally:
        for s in slow:
            s.close()


@pytest.mark.xfail(reason="misses its deadline when the whole suite runs (since the ledger merge); alone it passes: see issue 16 note", strict=False)
def test_a_kept_alive_connection_gets_the_deadline_for_each_request(deadline_server: int) -> None:
    with socket.create_connection(("127.0.0.1", deadline_server)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.settimeout(5)
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        time.sleep(0.8)  # idle longer than the header deadline: keep-alive (30 s here) governs idling
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # the next request's headers, never ended
        assert _closed(sock, 5.0)


def test_a_request_whose_headers_arrive_in_time_is_answered(deadline_server: int) -> None:
    with socket.create_connection(("127.0.0.1", deadline_server)) as sock:
        for part in (b"GET /healthz HTTP/1.1\r\n", b"Host: x\r\n", b"\r\n"):
            sock.sendall(part)
            time.sleep(0.1)
        sock.settimeout(5)
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")


def test_serve_on_a_taken_port_says_so_and_exits_non_zero(real_build: Path, tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "derdir", "serve", "--port", str(port), "--build-dir",
                               str(real_build), "--catalog", str(tmp_path / "none")],
                              capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 1
    assert f"port {port} on 127.0.0.1 is taken" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert "serving" not in proc.stdout
