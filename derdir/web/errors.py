"""Core errors on a page become HTML error pages (the API keeps problem+json)."""

from __future__ import annotations

from typing import Any, Callable, Coroutine

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from ..errors import Ambiguous, DerdirError, NotFound, OtherKind
from .render import error, href

_KIND = {"product": "device", "device": "device", "hub": "hub", "program": "program", "utility": "utility"}


def error_page(request: Request, exc: DerdirError) -> Response:
    """404 with suggestions, 409 listing the candidates, 422 naming the field."""
    if isinstance(exc, OtherKind):
        return error(request, 404, "Not found", str(exc), [(href(exc.actual, exc.rid), f"The {exc.actual} {exc.rid}")])
    if isinstance(exc, NotFound):
        kind = _KIND.get(exc.kind)
        links = [(href(kind, s), s) for s in exc.suggestions] if kind else []
        return error(request, 404, "Not found", str(exc), links)
    if isinstance(exc, Ambiguous):
        links = [(href("device", c["id"]), " ".join(filter(None, [c.get("manufacturer"), c.get("product_name"),
                                                                   c.get("model")])) or c["id"])
                 for c in exc.candidates]
        return error(request, 409, "Several products match", f"{exc.ref!r} matches several products; pick one.", links)
    return error(request, exc.status, exc.title, str(exc))


class PageRoute(APIRoute):
    """A route whose core errors and bad parameters render as HTML pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except DerdirError as exc:
                return error_page(request, exc)
            except RequestValidationError as exc:
                first = exc.errors()[0] if exc.errors() else {}
                where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body"))
                return error(request, 422, "Invalid input", f"{where or 'request'}: {first.get('msg', 'invalid')}")

        return page_handler
