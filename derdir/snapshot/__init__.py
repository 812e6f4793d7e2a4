"""Signed snapshots: the catalog as static files any host can serve, and a client that verifies them and
answers locally (see `publish.py` for the tree, `client.py` for the client, `errors.py` for the one error)."""

from __future__ import annotations

from .client import Snapshot, SnapshotClient
from .errors import SnapshotError
from .publish import publish
from .sign import keygen
from .verify import verify_tree

__all__ = ["Snapshot", "SnapshotClient", "SnapshotError", "keygen", "publish", "verify_tree"]
