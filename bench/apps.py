"""ASGI app factories for the HTTP and memory benchmarks (uvicorn --factory bench.apps:<name>).

`real_app`: the product app (derdir.api.app.create_app over DERDIR_BUILD) plus one extra route,
GET /bench/constant, that returns a constant through the same middleware stack, and GET
/bench/stored/<id>, the floor of any product lookup (one catalog read, a body of an answer's size); they
live here, not in the product code. Both are `async def`, as the product route is: a plain `def` would
run in FastAPI's thread pool, which costs ~0.2 ms a request more on this stack and would flatter every
ratio against it. `bare_app`: a bare FastAPI app with only the constant route, as the memory floor.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI, Response

CONSTANT = {"status": "ok", "constant": True}


def real_app() -> FastAPI:
    from derdir.api.app import create_app

    app = create_app(Path(os.environ["DERDIR_BUILD"]))

    @app.get("/bench/constant", include_in_schema=False)
    async def constant() -> dict[str, object]:
        return CONSTANT

    pad = b" " * _mean_answer_bytes(app)

    @app.get("/bench/stored/{product_id}", include_in_schema=False)
    async def stored(product_id: str) -> Response:
        """The least any lookup could do: read the product's stored recipe (one indexed SQLite read through
        the catalog's connection pool) and send a body as large as the mean product answer."""
        cat = app.state.live.get()
        rows = cat.sql("SELECT json FROM entity WHERE kind = 'device' AND id = ?", (product_id,))
        return Response(b'{"product":' + rows[0][0].encode() + b',"padding":"' + pad + b'"}', media_type="application/json")

    # first in the routing table, so that no catch-all route of the web pages shadows them
    app.router.routes[:0] = [app.router.routes.pop(), app.router.routes.pop()]
    return app


def _mean_answer_bytes(app: FastAPI, sample: int = 50) -> int:
    """Mean size of a product answer (no market) beyond the recipe it carries, over the first `sample` devices."""
    import orjson

    from derdir.product import product

    cat = app.state.live.get()
    ids = [r[0] for r in cat.sql("SELECT id FROM device ORDER BY id LIMIT ?", (sample,))]
    sizes = [len(orjson.dumps(product(cat, i))) - len(cat.sql("SELECT json FROM entity WHERE kind = 'device' AND id = ?", (i,))[0][0])
             for i in ids]
    return max(0, sum(sizes) // max(1, len(sizes)))


def bare_app() -> FastAPI:
    app = FastAPI()

    @app.get("/bench/constant")
    async def constant() -> dict[str, object]:
        return CONSTANT

    return app
