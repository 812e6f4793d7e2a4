"""ASGI app factories for the HTTP and memory benchmarks (uvicorn --factory bench.apps:<name>).

`real_app`: the product app (derdir.api.app.create_app over DERDIR_BUILD) plus one extra route,
GET /bench/constant, that returns a constant through the same middleware stack; it lives here, not in
the product code. It is an `async def`, as the product route is: a plain `def` would run in FastAPI's
thread pool, which costs ~0.2 ms a request more on this stack and would flatter every ratio against it. `bare_app`: a bare FastAPI app with only that constant route, as the memory floor.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

CONSTANT = {"status": "ok", "constant": True}


def real_app() -> FastAPI:
    from derdir.api.app import create_app

    app = create_app(Path(os.environ["DERDIR_BUILD"]))

    @app.get("/bench/constant", include_in_schema=False)
    async def constant() -> dict[str, object]:
        return CONSTANT

    # first in the routing table, so that no catch-all route of the web pages shadows it
    app.router.routes.insert(0, app.router.routes.pop())
    return app


def bare_app() -> FastAPI:
    app = FastAPI()

    @app.get("/bench/constant")
    async def constant() -> dict[str, object]:
        return CONSTANT

    return app
