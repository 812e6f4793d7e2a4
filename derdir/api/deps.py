"""Per-request access to the live catalog: one build for the whole request."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request, Response

from ..catalog.index import Catalog


def catalog(request: Request) -> Catalog:
    cat = request.app.state.live.get()
    request.state.catalog_version = cat.version
    return cat


def json_response(data: Any) -> Response:
    """Serialise a core answer once, directly.

    The routes still declare their response models (for the OpenAPI document and its fuzz tests),
    but a large answer run through FastAPI's generic encoder and validation costs more than the
    query itself; the core already returns plain JSON types."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
    return Response(body, media_type="application/json")
