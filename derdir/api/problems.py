"""Every API error is RFC 9457 problem+json: type, title, status, detail, and the field at fault."""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Match
from starlette.types import Scope

from ..errors import DerdirError

PROBLEM = "application/problem+json"
log = logging.getLogger("derdir.api")


def problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body = {"type": f"https://derdirectory.org/problems/{title.lower().replace(' ', '-')}", "title": title,
            "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


TITLES = {400: "Bad request", 404: "Not found", 405: "Method not allowed",
          413: "Payload too large", 415: "Unsupported media type", 304: "Not modified"}
# Machine addresses answer problem+json; every other address is a page and answers HTML, errors included.
MACHINE_PATHS = ("/v1/", "/static/", "/healthz", "/openapi.json") + ("/docs", "/redoc")


def title_of(status: int) -> str:
    try:
        return TITLES.get(status) or HTTPStatus(status).phrase.capitalize()
    except ValueError:
        return "Error"


def is_page(path: str) -> bool:
    return path != "/v1" and not path.startswith(MACHINE_PATHS)


def refusal(scope: Scope, status: int, detail: str, headers: dict[str, str] | None = None,
            **extra: Any) -> Response:
    """An error answer in the form the address speaks: an HTML page in a page flow, problem+json elsewhere."""
    if is_page(scope.get("path", "")):
        from ..web.render import error  # the pages import the API: imported when first needed

        response: Response = error(Request(scope), status, title_of(status), detail)
        response.headers.update(headers or {})
        return response
    return problem(status, title_of(status), detail, headers, **extra)


def _allowed(request: Request) -> set[str]:
    """Every method this address answers, HEAD with GET: the documented ones at an API address, else those
    some route fully matches (at a page address the pages' catch-all answers any GET)."""
    methods = _api_methods(request) or {
        m for m in ("GET", "POST", "PUT", "PATCH", "DELETE")
        if any(route.matches({**request.scope, "method": m})[0] == Match.FULL for route in request.app.router.routes)}
    if "GET" in methods:
        methods.add("HEAD")
    return methods


def _unreadable_json(exc: StarletteHTTPException) -> str | None:
    """Why FastAPI could not parse a JSON body it answered with a bare 400: nesting beyond the recursion
    limit (~100k deep) or an integer of thousands of digits; None for any other error."""
    cause = exc.__cause__
    if exc.status_code != 400 or not isinstance(cause, (RecursionError, ValueError)):
        return None
    if isinstance(cause, RecursionError):
        return "JSON nested too deeply"
    return f"JSON that cannot be read ({str(cause).split(';')[0]})"


def _api_methods(request: Request) -> set[str]:
    """Methods the documented API accepts at this path (the pages' catch-all answers any other GET with 404)."""
    table = getattr(request.app.state, "api_paths", None)
    if table is None:
        table = [(re.compile("^" + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(path)) + "$"), {m.upper() for m in ops})
                 for path, ops in request.app.openapi().get("paths", {}).items()]
        request.app.state.api_paths = table
    return {m for rx, methods in table if rx.match(request.url.path) for m in methods}


_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_TYPE_LABELS = {"str", "int", "float", "bool", "list", "dict", "none"}


def _field(loc: tuple[Any, ...]) -> str:
    """`('body', 'devices', 0, 'vendor_id')` -> `devices[0].vendor_id`, as the core names fields; the labels
    pydantic adds for union members (`Location`, `list[...]`, `constrained-str`) are dropped."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("body", "query", "path", "header") and not out:
            continue
        elif _NAME.match(str(part)) and part not in _TYPE_LABELS:
            out += f".{part}" if out else str(part)
    return out or str(loc[0] if loc else "request")


def _document_problems(app: FastAPI) -> None:
    """In the OpenAPI document, error responses are `application/problem+json` (what the service sends),
    not the `application/json` FastAPI assumes for `responses=` models."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        for operations in schema.get("paths", {}).values():
            for op in operations.values():
                for code, response in op.get("responses", {}).items():
                    content = response.get("content", {})
                    if code[:1] in "45" and "application/json" in content:
                        content[PROBLEM] = content.pop("application/json")
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    _document_problems(app)

    @app.exception_handler(DerdirError)
    async def _core(_: Request, exc: DerdirError) -> JSONResponse:
        return problem(exc.status, exc.title, str(exc), **exc.detail())

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field(tuple(e.get("loc", ()))), "message": e.get("msg", "invalid")} for e in exc.errors()[:20]]
        first = errors[0] if errors else {"field": "request", "message": "invalid"}
        return problem(422, "Invalid input", f"{first['field']}: {first['message']}", field=first["field"], errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        allowed = _allowed(request) if exc.status_code == 404 and not is_page(request.url.path) else set()
        if allowed and request.method not in allowed:  # an API address asked with the wrong method
            return problem(405, "Method not allowed", f"{request.url.path} accepts {', '.join(sorted(allowed))}",
                           headers={"Allow": ", ".join(sorted(allowed))})
        unreadable = _unreadable_json(exc)
        if unreadable:
            return problem(422, "Invalid input", f"body: {unreadable}", field="body")
        headers = dict(exc.headers or {})  # e.g. `Allow` on a 405
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(sorted(_allowed(request) or {"GET"}))
        field = getattr(exc, "field", None)
        return refusal(request.scope, exc.status_code, str(exc.detail), headers, **({"field": field} if field else {}))

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, _: ClientDisconnect) -> Response:
        """The client left mid-request (an upload cancelled): nothing to answer, nothing went wrong here."""
        log.info("client disconnected during %s %s", request.method, request.url.path)
        return Response(status_code=400)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:  # pragma: no cover - last resort
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return problem(500, "Internal error", "the server hit an unexpected error; it has been logged")
