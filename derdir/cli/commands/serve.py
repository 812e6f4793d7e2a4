"""`derdir serve`: build if needed, then serve the API (and web pages)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..app import app
from ..common import BuildOption, CatalogOption, build_root, catalog_root, console, fail, handle_errors, progress_bar
from .home import default_homes_db


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", help="Worker processes."),
    base_url: Optional[str] = typer.Option(None, "--base-url", envvar="DERDIR_BASE_URL",
                                           help="Public address pages give as their canonical URL, e.g. "
                                                "https://der.example (default: relative links)."),
    no_homes: bool = typer.Option(False, "--no-homes", help="Leave the household ledger (/v1/homes) off."),
    homes_db: Optional[str] = typer.Option(None, "--homes-db", envvar="DERDIR_HOMES_DB",
                                           help="The ledger's store: a SQLAlchemy URL such as postgresql://user@host/db "
                                                "(default: SQLite, homes.sqlite3 in the build folder)."),
    catalog: Optional[Path] = CatalogOption,
    build_dir: Optional[Path] = BuildOption,
) -> None:
    """Serve the HTTP API at /v1 (OpenAPI docs at /docs), building the catalog first when stale.

    Example: derdir serve --port 8000 & curl localhost:8000/v1/products/tp-link-kasa-kp125m
    """
    import asyncio
    import os

    import uvicorn

    from ...api.app import public_base
    from ...api.server import DeadlineProtocol, port_taken
    from ...service import open_catalog

    try:
        base = public_base(base_url or "")
    except ValueError as exc:
        fail(str(exc))
    taken = port_taken(host, port)
    if taken:
        fail(taken)
    root = catalog_root(catalog)
    out = build_root(build_dir, root)
    with handle_errors(), progress_bar("opening the catalog") as step:
        cat = open_catalog(root, out, progress=step)
    os.environ["DERDIR_BUILD"] = str(out)
    os.environ["DERDIR_BASE_URL"] = base
    os.environ["DERDIR_HOMES_DB"] = "" if no_homes else homes_db or default_homes_db(out)
    if not no_homes:
        with handle_errors():  # a store that cannot be opened (or migrated) fails here, in one line
            from ...ledger import Ledger

            Ledger(os.environ["DERDIR_HOMES_DB"]).close()
    message = f"serving catalog {cat.version} on http://{host}:{port}/ (docs at /docs)"
    if workers > 1:  # uvicorn's process manager: the port was free a moment ago
        console.print(message, highlight=False)
    options = dict(host=host, port=port, log_level="info", timeout_graceful_shutdown=5, http=DeadlineProtocol)
    if workers > 1:
        uvicorn.run("derdir.api.asgi:app", workers=workers, **options)  # type: ignore[arg-type]
        return
    server = uvicorn.Server(uvicorn.Config("derdir.api.asgi:app", **options))  # type: ignore[arg-type]

    async def run() -> None:  # "serving" is said once the server listens, not before
        task = asyncio.ensure_future(server.serve())
        while not server.started and not task.done():
            await asyncio.sleep(0.05)
        if server.started:
            console.print(message, highlight=False)
        await task

    asyncio.run(run())
