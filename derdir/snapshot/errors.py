"""The one error of snapshots: what was refused, naming the file.

    DerdirError
    └── SnapshotError   a snapshot file is missing, tampered, unsigned, expired or older than one accepted
"""

from __future__ import annotations

from ..errors import DerdirError


class SnapshotError(DerdirError):
    """A snapshot (or one of its files) cannot be used; the message names the file and why."""

    title = "Snapshot refused"

    def __init__(self, file: str, message: str):
        self.file = file
        super().__init__(f"{file}: {message}")
