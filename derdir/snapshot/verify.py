"""`verify_tree`: check a published tree on disk -- signature, expiry, rollback, every file's hash and size."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from . import manifest as mf
from .errors import SnapshotError
from .sign import check, load_public


def verify_manifest(data: bytes | None, sig: bytes | None, public_key: Path | bytes,
                    accepted: dict[str, Any] | None, at: datetime | None = None) -> dict[str, Any]:
    """The manifest, parsed, once its signature by the pinned key, its expiry and its age against the last
    accepted one are checked (a file is trusted only through it)."""
    if data is None:
        raise SnapshotError(mf.MANIFEST, "is missing")
    if sig is None:
        raise SnapshotError(mf.SIGNATURE, "is missing: the snapshot is unsigned")
    check(load_public(public_key), data, sig, mf.SIGNATURE)
    doc = mf.parse(data)
    mf.check_fresh(doc, mf.MANIFEST, at)
    mf.check_rollback(doc, accepted, mf.MANIFEST)
    return doc


def verify_tree(root: Path, public_key: Path | bytes, state: Path | None = None,
                at: datetime | None = None) -> dict[str, Any]:
    """Verify the tree at `root` and return its manifest; raise `SnapshotError` naming the first file wrong.
    With `state`, a manifest older than the one recorded there is refused, and this one is recorded."""
    root = Path(root)
    data = _read(root / mf.MANIFEST)
    doc = verify_manifest(data, _read(root / mf.SIGNATURE), public_key, mf.read_state(state), at)
    for name in doc["files"]:
        if not _inside(root, name):
            raise SnapshotError(name, "is a path outside the tree")
        mf.check_file(doc, name, _read(root / name))
    mf.write_state(state, doc, data)  # type: ignore[arg-type]
    return doc


def _inside(root: Path, name: str) -> bool:
    return not name.startswith("/") and ".." not in Path(name).parts and (root / name).resolve().is_relative_to(root.resolve())


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        return None
