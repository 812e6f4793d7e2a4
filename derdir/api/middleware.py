"""Cross-cutting HTTP behaviour: body-size limit, timeouts, ETag/304, caching, CORS and security headers."""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import problem

MAX_BODY = 1024 * 1024
MAX_UPLOAD = 6 * 1024 * 1024  # the "check my home" page takes a Home Assistant registry file (parser limit 5 MB)
UPLOAD_PATHS = ("/check",)
TIMEOUT_S = 10.0
VERSION_HEADER = "X-Catalog-Version"

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
}
# FastAPI's /docs page loads Swagger UI from a CDN and starts it with an inline script; the API-wide policy
# would leave it blank. This page only, and it shows no catalog text, so the looser policy is confined to it.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
            "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


class Deadline:
    """Answer 503 problem+json when the app has not begun its response within TIMEOUT_S.

    Pure ASGI, racing the app in its own task: awaiting a timed-out app (as `asyncio.wait_for` inside
    BaseHTTPMiddleware does) would hold the answer until the slow route finished anyway. An async route
    is cancelled; a sync route's thread cannot be stopped, so it runs on but anything it sends is dropped.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._late: set[asyncio.Task[None]] = set()  # timed-out tasks, kept referenced until they end

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = late = False

        async def send_in_time(message: Message) -> None:
            nonlocal started
            if late:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, send_in_time))
        try:
            done, _ = await asyncio.wait({task}, timeout=TIMEOUT_S)
        except asyncio.CancelledError:
            task.cancel()
            raise
        if done or started:  # finished, or already streaming its answer: let it end as it will
            await task
            return
        late = True
        task.cancel()
        self._late.add(task)
        task.add_done_callback(self._forget)
        await problem(503, "Timeout", f"the request took longer than {TIMEOUT_S:g} s")(scope, receive, send)

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._late.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved, so asyncio does not log it as never retrieved


class ResponseCache:
    """Keep recent GET /v1 answers, keyed by catalog version, path and query.

    A build never changes once published, so an answer computed for one version stays right for
    that version; a new build changes the key. Cache hits skip the query and the serialisation.
    """

    MAX_ENTRIES = 4096
    MAX_BODY = 256 * 1024
    MAX_BYTES = 32 * 1024 * 1024  # bodies kept in all

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # entries are tuples of bytes, which the garbage collector stops walking: thousands are kept
        self._entries: OrderedDict[tuple[str, str, bytes], tuple[int, tuple[tuple[bytes, bytes], ...], bytes]] = OrderedDict()
        self._bytes = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] != "GET" or not path.startswith("/v1/") or path == "/v1/catalog":
            await self.app(scope, receive, send)
            return
        live = getattr(scope["app"].state, "live", None)
        version = live.get().version if live else ""
        gzip_ok = any(k == b"accept-encoding" and b"gzip" in v for k, v in scope.get("headers", []))
        key = (version, path, scope.get("query_string", b"") + (b"#gzip" if gzip_ok else b""))
        hit = self._entries.get(key)
        if hit is not None:
            self._entries.move_to_end(key)
            scope.setdefault("state", {})["catalog_version"] = version
            status, headers, body = hit
            await send({"type": "http.response.start", "status": status, "headers": list(headers)})
            await send({"type": "http.response.body", "body": body})
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def keep(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":  # copied now: outer middleware edits headers in place
                start = {**message, "headers": list(message.get("headers", []))}
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, keep)
        used = scope.get("state", {}).get("catalog_version")
        body = b"".join(chunks)
        if start and start["status"] == 200 and used and len(body) <= self.MAX_BODY:
            old = self._entries.pop((used, path, key[2]), None)
            self._bytes += len(body) - (len(old[2]) if old else 0)
            self._entries[(used, path, key[2])] = (200, tuple(map(tuple, start["headers"])), body)
            while len(self._entries) > self.MAX_ENTRIES or self._bytes > self.MAX_BYTES:
                self._bytes -= len(self._entries.popitem(last=False)[1][2])


class Guard(BaseHTTPMiddleware):
    """Reject oversize bodies early; add caching (ETag, 304), version and security headers."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = self._refuse(request) or await call_next(request)
        if request.url.path in ("/docs", "/docs/oauth2-redirect"):
            response.headers.setdefault("Content-Security-Policy", DOCS_CSP)
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        version = getattr(request.state, "catalog_version", None)
        if version:  # which build answered: the same one for the whole request
            response.headers[VERSION_HEADER] = version
        if request.method == "GET" and response.status_code == 200 and version:
            tag = 'W/"' + hashlib.sha1(f"{version}|{request.url.path}|{request.url.query}".encode()).hexdigest()[:20] + '"'
            response.headers["ETag"] = tag
            response.headers.setdefault("Cache-Control", "public, max-age=300")
            wanted = [t.strip() for t in request.headers.get("if-none-match", "").split(",")]
            if tag in wanted or "*" in wanted:
                return Response(status_code=304, headers={"ETag": tag, "Cache-Control": response.headers["Cache-Control"],
                                                          VERSION_HEADER: version, **SECURITY_HEADERS})
        return response

    @staticmethod
    def _refuse(request: Request) -> Response | None:
        """A problem response for a body the service will not read, else None."""
        length = request.headers.get("content-length")
        if length is None and request.method in ("POST", "PUT", "PATCH") and "chunked" in request.headers.get("transfer-encoding", ""):
            return problem(411, "Length required", "send a Content-Length header with the body", field="body")
        if length is not None:
            if not length.isdigit():
                return problem(400, "Bad request", "content-length is not a number", field="body")
            limit = MAX_UPLOAD if request.url.path in UPLOAD_PATHS else MAX_BODY
            if int(length) > limit:
                return problem(413, "Payload too large", f"request body over {limit} bytes", field="body")
        return None


def install(app: FastAPI) -> None:
    # Level 6 (zlib's default, not Starlette's 9): a third less CPU per 37 KB product answer for <1% more bytes.
    app.add_middleware(GZipMiddleware, minimum_size=2048, compresslevel=6)
    app.add_middleware(ResponseCache)  # outside GZip: a hit is served already compressed
    app.add_middleware(Deadline)
    app.add_middleware(Guard)
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "OPTIONS"],
                       allow_headers=["Content-Type", "If-None-Match"], expose_headers=["ETag", VERSION_HEADER], max_age=3600)
