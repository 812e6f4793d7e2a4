"""How `derdir serve` runs uvicorn: a deadline on reading request headers, and a port check before it starts.

Uvicorn times out idle keep-alive connections but not a client that sends its headers slowly (or never
finishes them): 400 such connections were held open for 40 s and none was closed. The protocol below
closes a connection whose request headers have not all arrived HEADER_TIMEOUT_S after its first byte (or
after the connection opened); bodies are bounded by the Body middleware and the request deadline.
"""

from __future__ import annotations

import asyncio
import errno
import socket
from typing import Any

HEADER_TIMEOUT_S = 10.0


class _HeaderDeadline:
    """Mixin for uvicorn's HTTP protocols (both keep the request being answered in `self.cycle`)."""

    cycle: Any
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    _header_timer: asyncio.TimerHandle | None = None
    _waiting_since: Any = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._await_headers()

    def _await_headers(self) -> None:
        self._waiting_since = self.cycle  # headers are complete once uvicorn has begun another cycle
        self._header_timer = self.loop.call_later(HEADER_TIMEOUT_S, self._headers_too_slow)

    def data_received(self, data: bytes) -> None:
        if self._header_timer is None and (self.cycle is None or self.cycle.response_complete):
            self._await_headers()  # the first bytes of the next request on a kept-alive connection
        super().data_received(data)  # type: ignore[misc]
        if self._header_timer is not None and self.cycle is not self._waiting_since:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        super().connection_lost(exc)  # type: ignore[misc]


try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Fastest
except ImportError:  # pragma: no cover - httptools ships with uvicorn[standard]
    from uvicorn.protocols.http.h11_impl import H11Protocol as _Fastest  # type: ignore[assignment]


class DeadlineProtocol(_HeaderDeadline, _Fastest):  # type: ignore[misc]
    """uvicorn's fastest HTTP protocol (httptools where installed, else h11) with the header deadline."""


def port_taken(host: str, port: int) -> str | None:
    """Why `host:port` cannot be listened on (taken by another server, or not an address here), else None."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        return f"{host} is not an address this machine has ({exc.strerror})"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: TIME_WAIT is no obstacle
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is taken: another server is listening there (choose another with --port)"
            return f"cannot listen on {host}:{port}: {exc.strerror}"
    return None
