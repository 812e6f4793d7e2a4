"""Cross-cutting HTTP behaviour: body-size limit, timeouts, ETag/304, caching, CORS and security headers."""

from __future__ import annotations

import asyncio
import hashlib

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from .problems import problem

MAX_BODY = 1024 * 1024
TIMEOUT_S = 10.0

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
}


class Guard(BaseHTTPMiddleware):
    """Reject oversize bodies early, bound every request's time, add caching and security headers."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        length = request.headers.get("content-length")
        if length is None and request.method in ("POST", "PUT", "PATCH") and "chunked" in request.headers.get("transfer-encoding", ""):
            return problem(411, "Length required", "send a Content-Length header with the body", field="body")
        if length is not None:
            if not length.isdigit():
                return problem(400, "Bad request", "content-length is not a number")
            if int(length) > MAX_BODY:
                return problem(413, "Payload too large", f"request body over {MAX_BODY} bytes", field="body")
        try:
            response = await asyncio.wait_for(call_next(request), TIMEOUT_S)
        except asyncio.TimeoutError:
            return problem(503, "Timeout", f"the request took longer than {TIMEOUT_S:g} s")
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        version = getattr(request.state, "catalog_version", None)
        if request.method == "GET" and response.status_code == 200 and version:
            tag = 'W/"' + hashlib.sha1(f"{version}|{request.url.path}|{request.url.query}".encode()).hexdigest()[:20] + '"'
            response.headers["ETag"] = tag
            response.headers.setdefault("Cache-Control", "public, max-age=300")
            if tag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
                return Response(status_code=304, headers={"ETag": tag, "Cache-Control": response.headers["Cache-Control"],
                                                          **SECURITY_HEADERS})
        return response


def install(app: FastAPI) -> None:
    app.add_middleware(GZipMiddleware, minimum_size=2048)
    app.add_middleware(Guard)
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST", "OPTIONS"],
                       allow_headers=["Content-Type", "If-None-Match"], expose_headers=["ETag"], max_age=3600)
