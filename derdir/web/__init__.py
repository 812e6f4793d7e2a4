"""Web pages served beside the API: server-rendered HTML (Jinja2) over the same core query functions.

Pages work without JavaScript; `static/site.js` only adds instant search and small conveniences.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.exceptions import HTTPException

from . import check, contribute, entities, pages, places
from .render import error

STATIC_DIR = Path(__file__).parent / "static"

router = APIRouter(include_in_schema=False)
for _module in (pages, entities, places, check, contribute):
    router.include_router(_module.router)


@router.get("/{path:path}", response_class=HTMLResponse)
def not_found(request: Request, path: str) -> HTMLResponse:
    """Any other page address: an HTML 404 (API addresses keep problem+json)."""
    if path == "v1" or path.startswith(("v1/", "static/")):
        raise HTTPException(404, f"no route {request.url.path}")
    return error(request, 404, "Page not found", f"There is no page at {request.url.path}.")


__all__ = ["STATIC_DIR", "router"]
