"""Every API error is RFC 9457 problem+json: type, title, status, detail, and the field at fault."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import DerdirError

PROBLEM = "application/problem+json"
log = logging.getLogger("derdir.api")


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": f"https://derdirectory.org/problems/{title.lower().replace(' ', '-')}", "title": title,
            "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(loc[0] if loc else "request")


def install(app: FastAPI) -> None:
    @app.exception_handler(DerdirError)
    async def _core(_: Request, exc: DerdirError) -> JSONResponse:
        return problem(exc.status, exc.title, str(exc), **exc.detail())

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field(tuple(e.get("loc", ()))), "message": e.get("msg", "invalid")} for e in exc.errors()[:20]]
        first = errors[0] if errors else {"field": "request", "message": "invalid"}
        return problem(422, "Invalid input", f"{first['field']}: {first['message']}", field=first["field"], errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Not found", 405: "Method not allowed", 413: "Payload too large", 304: "Not modified"}
        return problem(exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:  # pragma: no cover - last resort
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return problem(500, "Internal error", "the server hit an unexpected error; it has been logged")
