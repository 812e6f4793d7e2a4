"""/docs (Swagger UI) and /redoc (ReDoc), served offline: the assets come from the installed
`fastapi-offline` package instead of a CDN, and the pages run without inline scripts, so their CSP
allows scripts from this server only."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/docs/assets"

_SWAGGER = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>DER Directory API - Swagger UI</title>
<link rel="icon" href="{assets}/favicon.png"><link rel="stylesheet" href="{assets}/swagger-ui.css"></head>
<body><div id="swagger-ui" data-openapi="{openapi}"></div>
<script src="{assets}/swagger-ui-bundle.js"></script><script src="/static/docs.js"></script></body></html>
"""
_REDOC = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>DER Directory API - ReDoc</title>
<link rel="icon" href="{assets}/favicon.png"></head>
<body><redoc spec-url="{openapi}"></redoc><script src="{assets}/redoc.standalone.js"></script></body></html>
"""


def install(app: FastAPI) -> None:
    """Add the two documentation pages and their assets (create the app with docs_url=None, redoc_url=None)."""
    openapi, assets = app.openapi_url or "/openapi.json", ASSETS_URL

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(_SWAGGER.format(assets=assets, openapi=openapi))

    @app.get("/redoc", include_in_schema=False, response_class=HTMLResponse)
    def redoc() -> HTMLResponse:
        return HTMLResponse(_REDOC.format(assets=assets, openapi=openapi))

    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")
