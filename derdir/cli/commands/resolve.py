"""`derdir resolve`: map devices as a hub reports them to catalog products (JSON lines in and out)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from pydantic import ValidationError

from ... import jsonsafe
from ...resolve import DeviceReport, resolve as resolve_one
from ..app import app
from ..common import BuildOption, CatalogOption, fail, open_cli_catalog


@app.command()
def resolve(
    jsonl: str = typer.Option(..., "--jsonl", help="File with one JSON object per line, or - for stdin."),
    catalog: Optional[Path] = CatalogOption,
    build_dir: Optional[Path] = BuildOption,
) -> None:
    """Exactly one output line per input line, in order: {"match": ..., "candidates": [...], "reason": ...}.

    Input lines have manufacturer, model, model_id, integration and optional identifiers.

    Example: echo '{"manufacturer": "TP-Link", "model": "KP125M(US)"}' | derdir resolve --jsonl -
    """
    cat = open_cli_catalog(catalog, build_dir)
    stream = sys.stdin if jsonl == "-" else open(jsonl, encoding="utf-8")
    bad = 0
    with stream:
        for n, line in enumerate(stream, 1):
            if not line.strip():
                print(json.dumps({"match": None, "candidates": [], "reason": "empty line"}))
                continue
            try:
                report = DeviceReport.model_validate(jsonsafe.loads(line))
            except (jsonsafe.JSONDecodeError, ValidationError) as exc:
                bad += 1
                msg = str(exc).splitlines()[0]
                print(json.dumps({"match": None, "candidates": [], "error": f"line {n}: {msg}"}))
                continue
            print(json.dumps(resolve_one(cat, report).as_dict(), ensure_ascii=False), flush=False)
    sys.stdout.flush()
    if bad:
        fail(f"{bad} input line(s) could not be read")
