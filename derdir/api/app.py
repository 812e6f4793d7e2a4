"""The HTTP service: FastAPI app over the live catalog (API now, web pages mounted beside it)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ..service import LiveCatalog
from ..web import STATIC_DIR
from ..web import router as web_router
from . import middleware, problems
from .households import router as household_router
from .routes import router

DESCRIPTION = """Which home energy devices qualify for which virtual-power-plant and demand-response
programs, in which markets, for how much, and which hubs they work with. Every answer carries
the catalog version and the evidence (source URLs and dates) behind it."""


def create_app(build_dir: Path, check_every: float = 1.0) -> FastAPI:
    """App serving the build in `build_dir`; a newly published build is picked up within `check_every` s."""
    app = FastAPI(title="DER Directory", version="1", description=DESCRIPTION, docs_url="/docs", redoc_url=None)
    app.state.live = LiveCatalog(build_dir, check_every)
    problems.install(app)
    middleware.install(app)
    app.include_router(router)
    app.include_router(household_router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": app.state.live.get().version}

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(web_router)  # last: its catch-all renders HTML 404s for unknown pages

    return app
