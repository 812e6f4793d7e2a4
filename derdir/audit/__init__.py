"""`derdir audit`: per-file validation plus catalog-wide rules, reported as `Problem`s."""

from __future__ import annotations

from pathlib import Path

from ..catalog.source import CatalogFiles, read_catalog
from .catalog_rules import ADVISORY, RULES
from ..problem import Problem

__all__ = ["Problem", "audit_catalog", "audit_files"]


def audit_files(files: CatalogFiles, only: set[Path] | None = None, blocking: bool = False) -> list[Problem]:
    """All problems of a loaded catalog; with `only`, just those in the given files; with `blocking`, only the
    rules that can find an error (what a build needs: advisory rules' warnings never stop one)."""
    problems = list(files.problems)
    for name, rule in RULES.items():
        if not (blocking and name in ADVISORY):
            problems.extend(rule(files))
    if only is not None:
        wanted = {str(p) for p in only}
        problems = [p for p in problems if p.path in wanted]
    return sorted(set(problems))


def audit_catalog(root: Path, paths: list[Path] | None = None) -> list[Problem]:
    """Audit the whole catalog at `root`, reporting only problems in `paths` when given.

    Cross-references are always checked against the whole catalog, so a single file
    naming a device that exists elsewhere is not a false alarm.
    """
    files = read_catalog(root)
    only = None
    if paths:
        extra = [p for p in paths if not _inside(p, root)]
        if extra:
            files.problems.extend(read_catalog(root, extra).problems)
        only = {_rel(p, root) for p in paths}
    return audit_files(files, only)


def _inside(path: Path, root: Path) -> bool:
    try:
        (path.parent.resolve() / path.name).relative_to(root.resolve())
        return True
    except ValueError:
        return False


def _rel(path: Path, root: Path) -> Path:
    try:
        return (path.parent.resolve() / path.name).relative_to(root.resolve().parent)
    except ValueError:
        return path
