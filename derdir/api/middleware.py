"""Cross-cutting HTTP behaviour: body-size limit, timeouts, ETag/304, caching, CORS and security headers."""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import problem, refusal

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
# The documentation pages: scripts from this server only (no CDN, no inline script). Swagger UI styles itself
# from its stylesheet; ReDoc (styled-components) writes <style> elements and parses in a blob: worker.
DOCS_CSP = {
    "/docs": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
             "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    "/redoc": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
              "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; form-action 'self'; "
              "frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
}


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
        if scope["type"] != "http" or scope["method"] != "GET" or not path.startswith("/v1/") or path == "/v1/catalog" \
                or any(k == b"authorization" for k, _ in scope.get("headers", ())):  # one caller's answer (a home's)
            await self.app(scope, receive, send)
            return
        live = getattr(scope["app"].state, "live", None)
        version = live.get().version if live else ""
        gzip_ok = accepts_gzip(Headers(scope=scope).get("accept-encoding", ""))
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
    """Add caching (ETag, 304), version and security headers to every answer, refusals and preflights too."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        if request.url.path in DOCS_CSP:
            response.headers.setdefault("Content-Security-Policy", DOCS_CSP[request.url.path])
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        version = getattr(request.state, "catalog_version", None)
        if version:  # which build answered: the same one for the whole request
            response.headers[VERSION_HEADER] = version
        private = "no-store" in response.headers.get("Cache-Control", "")  # a saved home's answers: never validated
        if request.method == "GET" and response.status_code == 200 and version and not private:
            tag = 'W/"' + hashlib.sha1(f"{version}|{request.url.path}|{request.url.query}".encode()).hexdigest()[:20] + '"'
            response.headers["ETag"] = tag
            response.headers.setdefault("Cache-Control", "public, max-age=300")
            wanted = [t.strip() for t in request.headers.get("if-none-match", "").split(",")]
            if tag in wanted or "*" in wanted:
                return Response(status_code=304, headers={"ETag": tag, "Cache-Control": response.headers["Cache-Control"],
                                                          VERSION_HEADER: version, **SECURITY_HEADERS})
        return response


class BodyTooLarge(HTTPException):
    """Raised from `receive` once a body has sent more bytes than its path allows."""

    field = "body"

    def __init__(self, limit: int) -> None:  # the rest of the body is not wanted: the connection is closed
        super().__init__(413, f"request body over {limit} bytes", headers={"Connection": "close"})


class Body:
    """Bound every request body by the bytes actually read, whatever its headers say (a chunked body has no
    Content-Length, and header values are case-insensitive), and refuse before reading what cannot be read:
    a Content-Length over the limit or not a number, a compressed body, an API body that is not JSON."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = MAX_UPLOAD if scope["path"] in UPLOAD_PATHS else MAX_BODY
        refusal = self._refuse(scope, Headers(scope=scope), limit)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)

    @staticmethod
    def _refuse(scope: Scope, headers: Headers, limit: int) -> Response | None:
        """A refusal for a body the service will not read, else None."""
        length = headers.get("content-length")
        if length is not None:
            if not length.strip().isdigit():
                return refusal(scope, 400, "content-length is not a number", field="body")
            if int(length) > limit:
                return refusal(scope, 413, f"request body over {limit} bytes", {"Connection": "close"}, field="body")
        encoding = headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            return refusal(scope, 415, f"request bodies are read as sent: Content-Encoding {encoding} is not "
                                       "accepted, send the body uncompressed", field="content-encoding")
        if scope["method"] in ("POST", "PUT", "PATCH") and scope["path"].startswith("/v1/"):
            media = headers.get("content-type", "application/json").partition(";")[0].strip().lower()
            if media != "application/json" and not media.endswith("+json"):
                return refusal(scope, 415, f"send the body as application/json, not {media or 'nothing'}",
                               field="content-type")
        return None


class Head:
    """HEAD is GET without the body (RFC 9110 9.3.2), on every GET route; the headers are GET's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body"):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


def accepts_gzip(value: str) -> bool:
    """Whether an Accept-Encoding value asks for gzip with a weight above 0 (`gzip;q=0` refuses it)."""
    for part in value.lower().split(","):
        name, _, params = part.partition(";")
        if name.strip() != "gzip":
            continue
        for param in params.split(";"):
            key, _, weight = param.partition("=")
            if key.strip() == "q":
                try:
                    return float(weight) > 0
                except ValueError:
                    return False
        return True
    return False


class Compress:
    """gzip answers for clients that accept it (by weight, not by the word appearing in the header)."""

    def __init__(self, app: ASGIApp, **options: Any) -> None:
        self.plain = app
        self.gzip = GZipMiddleware(app, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        wants = scope["type"] == "http" and accepts_gzip(Headers(scope=scope).get("accept-encoding", ""))
        await (self.gzip if wants else self.plain)(scope, receive, send)


def install(app: FastAPI) -> None:
    # Level 6 (zlib's default, not Starlette's 9): a third less CPU per 37 KB product answer for <1% more bytes.
    app.add_middleware(Compress, minimum_size=2048, compresslevel=6)
    app.add_middleware(ResponseCache)  # outside Compress: a hit is served already compressed
    app.add_middleware(Deadline)
    app.add_middleware(Body)
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
                       allow_headers=["Content-Type", "If-None-Match"], expose_headers=["ETag", VERSION_HEADER], max_age=3600)
    app.add_middleware(Guard)  # outside CORS: preflight answers carry the security headers too
    app.add_middleware(Head)
