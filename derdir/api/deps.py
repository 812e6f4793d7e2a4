"""Per-request access to the live catalog: one build for the whole request."""

from __future__ import annotations

from fastapi import Request

from ..catalog.index import Catalog


def catalog(request: Request) -> Catalog:
    cat = request.app.state.live.get()
    request.state.catalog_version = cat.version
    return cat
