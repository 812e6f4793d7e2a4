"""`derdir serve`: build if needed, then serve the API (and web pages)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..app import app
from ..common import BuildOption, CatalogOption, build_root, catalog_root, console, handle_errors


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", help="Worker processes."),
    catalog: Optional[Path] = CatalogOption,
    build_dir: Optional[Path] = BuildOption,
) -> None:
    """Serve the HTTP API at /v1 (OpenAPI docs at /docs), building the catalog first when stale.

    Example: derdir serve --port 8000 & curl localhost:8000/v1/products/tp-link-kasa-kp125m
    """
    import os

    import uvicorn

    from ...service import open_catalog

    root = catalog_root(catalog)
    out = build_root(build_dir, root)
    with handle_errors():
        cat = open_catalog(root, out)
    console.print(f"serving catalog {cat.version} on http://{host}:{port}/ (docs at /docs)", highlight=False)
    os.environ["DERDIR_BUILD"] = str(out)
    uvicorn.run("derdir.api.asgi:app", host=host, port=port, workers=workers, log_level="info",
                timeout_graceful_shutdown=5)
