"""The manifest: what a published tree holds (sha256 and size of every file), when it was made and until when
it may be used; and the checks a reader makes of it before using any file it lists."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .errors import SnapshotError

FORMAT = 1
MANIFEST, SIGNATURE = "manifest.json", "manifest.json.sig"
STATE = "accepted.json"  # the last manifest a reader accepted: what a rollback is judged against


def now() -> datetime:
    return datetime.now(timezone.utc)


def entry(data: bytes) -> dict[str, Any]:
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def make(catalog_version: str, built_at: str, files: dict[str, bytes], expires_days: float, key_id: str | None,
         catalog: str, shards: dict[str, str], created: datetime | None = None) -> bytes:
    """The manifest's bytes (sorted keys: the same tree gives the same manifest but for its dates)."""
    made = (created or now()).astimezone(timezone.utc)
    doc = {"format": FORMAT, "generated_by": "derdir publish", "catalog_version": catalog_version,
           "built_at": built_at, "created": made.isoformat(), "expires": (made + timedelta(days=expires_days)).isoformat(),
           "serial": int(made.timestamp() * 1_000_000), "key_id": key_id, "catalog": catalog, "shards": shards,
           "files": {name: entry(data) for name, data in sorted(files.items())}}
    return (json.dumps(doc, sort_keys=True, separators=(",", ":")) + "\n").encode()


def parse(data: bytes, name: str = MANIFEST) -> dict[str, Any]:
    try:
        doc = json.loads(data)
        if not isinstance(doc, dict):
            raise ValueError("not an object")
        if doc.get("format") != FORMAT:
            raise SnapshotError(name, f"manifest format {doc.get('format')!r}; this derdir reads {FORMAT}")
        for key in ("created", "expires"):
            doc[f"_{key}"] = datetime.fromisoformat(doc[key])
        int(doc["serial"])
        if not isinstance(doc["files"], dict):
            raise ValueError("files is not an object")
    except (ValueError, KeyError, TypeError) as exc:
        raise SnapshotError(name, f"not a manifest ({exc})") from None
    return doc


def check_fresh(doc: dict[str, Any], name: str, at: datetime | None = None) -> None:
    """Refuse a manifest past its `expires`."""
    when = at or now()
    if when >= doc["_expires"]:
        raise SnapshotError(name, f"expired on {doc['expires']} (created {doc['created']}); publish a new snapshot")


def check_rollback(doc: dict[str, Any], accepted: dict[str, Any] | None, name: str) -> None:
    """Refuse a manifest older than the last one accepted (an attacker or a stale mirror serving old data)."""
    if not accepted:
        return
    if int(doc["serial"]) < int(accepted["serial"]):
        raise SnapshotError(name, f"created {doc['created']} is older than the snapshot already accepted "
                                  f"(created {accepted['created']}): rollback refused")


def read_state(path: Path | None) -> dict[str, Any] | None:
    if path is None or not Path(path).is_file():
        return None
    try:
        state = json.loads(Path(path).read_text())
        int(state["serial"])
        return state
    except (ValueError, KeyError, TypeError, OSError):
        raise SnapshotError(str(path), "is not a record of an accepted snapshot; remove it to start over") from None


def write_state(path: Path | None, doc: dict[str, Any], manifest: bytes) -> None:
    """Record `doc` as accepted (never moving back: the newer of it and the recorded one stays)."""
    if path is None:
        return
    path = Path(path)
    old = read_state(path)
    if old and int(old["serial"]) > int(doc["serial"]):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({"serial": doc["serial"], "created": doc["created"],
                               "catalog_version": doc["catalog_version"],
                               "manifest_sha256": hashlib.sha256(manifest).hexdigest()}, indent=1) + "\n")
    tmp.replace(path)


def check_file(doc: dict[str, Any], name: str, data: bytes | None) -> None:
    """Refuse a listed file whose bytes are missing or are not the ones the manifest names."""
    want = doc["files"].get(name)
    if want is None:
        raise SnapshotError(name, "is not listed in the manifest")
    if data is None:
        raise SnapshotError(name, "is missing")
    got = entry(data)
    if got["size"] != want.get("size"):
        raise SnapshotError(name, f"is {got['size']} bytes, the manifest says {want.get('size')} (tampered or truncated)")
    if got["sha256"] != want.get("sha256"):
        raise SnapshotError(name, "sha256 does not match the manifest (tampered)")
