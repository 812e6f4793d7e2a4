"""Read a catalog folder: every recipe file, loaded in parallel, problems collected not raised."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..problem import Problem
from ..recipes.load import FOLDERS, Loaded, load_recipe

PARALLEL_THRESHOLD = 2000


@dataclass
class CatalogFiles:
    """What a catalog folder holds: loaded recipes by kind and id, plus per-file problems."""

    root: Path
    recipes: dict[str, dict[str, Loaded]] = field(default_factory=lambda: {k: {} for k in FOLDERS.values()})
    problems: list[Problem] = field(default_factory=list)
    duplicates: list[tuple[Loaded, Loaded]] = field(default_factory=list)

    def all(self) -> Iterable[Loaded]:
        for by_id in self.recipes.values():
            yield from by_id.values()

    def add(self, loaded: Loaded) -> None:
        by_id = self.recipes[loaded.kind]
        if loaded.id in by_id:
            self.duplicates.append((by_id[loaded.id], loaded))
        else:
            by_id[loaded.id] = loaded


def recipe_paths(root: Path) -> list[Path]:
    """Every recipe file under the catalog's kind folders, sorted for determinism."""
    out: list[Path] = []
    for folder in FOLDERS:
        base = root / folder
        if base.is_dir():
            out.extend(p for p in base.rglob("*") if p.is_file() and not p.name.startswith("."))
    return sorted(out)


def _load_one(args: tuple[str, str]) -> tuple[Loaded | None, list[Problem]]:
    loaded, problems = load_recipe(Path(args[0]), Path(args[1]))
    if loaded is not None and not problems:
        loaded.doc = None  # re-read on demand; not worth copying back from a worker process
    return loaded, problems


def read_catalog(root: Path, paths: list[Path] | None = None, progress=None) -> CatalogFiles:
    """Load every recipe (or just `paths`). Large catalogs are parsed on all cores."""
    root = Path(root)
    files = CatalogFiles(root)
    todo = recipe_paths(root) if paths is None else sorted(paths)
    jobs = [(str(p), str(root)) for p in todo]
    if len(jobs) >= PARALLEL_THRESHOLD and (os.cpu_count() or 1) > 1:
        with ProcessPoolExecutor() as pool:
            results = pool.map(_load_one, jobs, chunksize=256)
            for loaded, problems in results:
                _collect(files, loaded, problems, progress)
    else:
        for job in jobs:
            loaded, problems = _load_one(job)
            _collect(files, loaded, problems, progress)
    return files


def _collect(files: CatalogFiles, loaded: Loaded | None, problems: list[Problem], progress) -> None:
    files.problems.extend(problems)
    if loaded is not None:
        files.add(loaded)
    if progress:
        progress()
