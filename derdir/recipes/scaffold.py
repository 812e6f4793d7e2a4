"""`derdir new`: a minimal valid recipe for each kind, in the right place, plus the template."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from ..normalize import fold
from .docs import template
from .load import FOLDERS
from .yamlio import dump_yaml

FOLDER_OF = {kind: folder for folder, kind in FOLDERS.items()}


def slug(*parts: str | None) -> str:
    words: list[str] = []
    for part in parts:
        for w in re.findall(r"[a-z0-9]+", fold(part or "")):
            if not words or words[-1] != w:
                words.append(w)
    return "-".join(words)


def recipe_path(root: Path, kind: str, rid: str, category: str | None = None) -> Path:
    folder = root / FOLDER_OF[kind]
    return (folder / category if kind == "device" else folder) / f"{rid}.yaml"


def scaffold(kind: str, fields: dict[str, Any], source_url: str, today: date | None = None) -> str:
    """YAML text: the given fields, provenance, then the commented template of optional fields."""
    today = today or date.today()
    data = {k: v for k, v in fields.items() if v not in (None, "", [])}
    data["verified_on"] = today
    data["sources"] = [{"url": source_url, "supports": "everything above (edit to say which facts)", "seen": today}]
    depth = "../../../" if kind == "device" else "../../"
    head = f"# yaml-language-server: $schema={depth}schema/{kind}.schema.json\n"
    return head + dump_yaml(data) + "\n# --- optional fields (uncomment what your sources support) ---\n" + template(kind)
