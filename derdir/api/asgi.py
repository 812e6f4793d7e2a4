"""ASGI entry point for uvicorn: `uvicorn derdir.api.asgi:app` (reads DERDIR_BUILD, and DERDIR_HOMES_DB for the ledger)."""

from __future__ import annotations

import os
from pathlib import Path

from .app import create_app

app = create_app(Path(os.environ.get("DERDIR_BUILD", "build")), homes_db=os.environ.get("DERDIR_HOMES_DB") or None)
