"""The HTTP service: FastAPI app over the live catalog (API now, web pages mounted beside it)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ..service import LiveCatalog
from ..web import STATIC_DIR
from ..web import router as web_router
from . import docs, middleware, problems
from .households import router as household_router
from .routes import router

DESCRIPTION = """Which home energy devices qualify for which virtual-power-plant and demand-response
programs, in which markets, for how much, and which hubs they work with. Every answer carries
the catalog version and the evidence (source URLs and dates) behind it."""


def public_base(url: str) -> str:
    """'https://der.example/' -> 'https://der.example'; '' stays '' (canonical links are then relative)."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if url and (parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment):
        raise ValueError(f"base URL must be an http(s) address such as https://der.example, not {url!r}")
    return url


def create_app(build_dir: Path, check_every: float = 1.0, base_url: str | None = None,
               homes_db: str | None = None) -> FastAPI:
    """App serving the build in `build_dir`; a newly published build is picked up within `check_every` s.
    `base_url` (or DERDIR_BASE_URL) is the public address pages name as their canonical URL. `homes_db`
    (a SQLAlchemy URL) turns on the household ledger at /v1/homes; None leaves it off."""
    app = FastAPI(title="DER Directory", version="1", description=DESCRIPTION, docs_url=None, redoc_url=None)
    app.state.live = LiveCatalog(build_dir, check_every)
    app.state.base_url = public_base(base_url if base_url is not None else os.environ.get("DERDIR_BASE_URL", ""))
    problems.install(app)
    middleware.install(app)
    app.include_router(router)
    app.include_router(household_router)
    app.state.ledger = None
    if homes_db:
        from ..ledger import Ledger
        from .homes import RateLimit
        from .homes import router as homes_router

        app.state.ledger = Ledger(homes_db)
        app.state.homes_rate = RateLimit()
        app.include_router(homes_router)
    docs.install(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": app.state.live.get().version}

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(web_router)  # last: its catch-all renders HTML 404s for unknown pages

    return app
