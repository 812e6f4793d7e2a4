"""Per-request access to the live catalog: one build for the whole request."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request, Response

from ..catalog.index import Catalog


async def catalog(request: Request) -> Catalog:
    """The build that answers this request (async: no worker thread just to hand it out)."""
    cat = request.app.state.live.get()
    request.state.catalog_version = cat.version
    return cat


def json_response(data: Any) -> Response:
    """Serialise a core answer once, directly.

    The routes still declare their response models (for the OpenAPI document and its fuzz tests),
    but a large answer run through FastAPI's generic encoder and validation costs more than the
    query itself; the core already returns plain JSON types. orjson writes compact UTF-8 several
    times faster than the standard library (recipes forbid NaN and infinities, so there are none)."""
    return Response(orjson.dumps(data), media_type="application/json")
