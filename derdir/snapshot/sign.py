"""Ed25519 keys and detached signatures of the manifest (`cryptography` does the work).

The signature file names the key (`key_id`: the first 16 hex digits of the sha256 of the raw public key), so
a new key can be rolled out beside the old one: a client pins a set of keys and picks the one named.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .errors import SnapshotError

PRIVATE, PUBLIC = "signing.key", "signing.pub"
ALG = "Ed25519"


def keygen(out_dir: Path) -> tuple[Path, Path]:
    """Write a new key pair, `signing.key` (PKCS#8 PEM, mode 0600) and `signing.pub` (PEM), into `out_dir`;
    an existing key is never overwritten."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    private, public = out / PRIVATE, out / PUBLIC
    for p in (private, public):
        if p.exists():
            raise SnapshotError(str(p), "exists; remove it first (a key is never overwritten)")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public


def load_private(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise SnapshotError(str(path), f"not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SnapshotError(str(path), "not an Ed25519 key")
    return key


def load_public(key: Path | bytes) -> Ed25519PublicKey:
    """A pinned public key: a PEM file, PEM bytes, or the 32 raw bytes."""
    name = str(key) if isinstance(key, Path) else "public key"
    data = Path(key).read_bytes() if isinstance(key, Path) else key
    try:
        loaded = (Ed25519PublicKey.from_public_bytes(data) if len(data) == 32
                  else serialization.load_pem_public_key(data))
    except (ValueError, TypeError) as exc:
        raise SnapshotError(name, f"not a PEM or raw Ed25519 public key ({exc})") from None
    if not isinstance(loaded, Ed25519PublicKey):
        raise SnapshotError(name, "not an Ed25519 key")
    return loaded


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def signature(private: Ed25519PrivateKey, manifest: bytes) -> bytes:
    """The detached signature file's bytes for the manifest's exact bytes."""
    sig = private.sign(manifest)
    doc = {"alg": ALG, "key_id": key_id(private.public_key()), "signature": base64.b64encode(sig).decode()}
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode()


def check(public: Ed25519PublicKey, manifest: bytes, sig_file: bytes, name: str) -> None:
    """Raise unless `sig_file` is a signature of `manifest` by the pinned key (`name`: the file, for messages)."""
    try:
        doc = json.loads(sig_file)
        alg, kid, raw = doc["alg"], doc["key_id"], base64.b64decode(doc["signature"], validate=True)
    except (ValueError, KeyError, TypeError):
        raise SnapshotError(name, "not a signature file (expected alg, key_id, signature)") from None
    if alg != ALG:
        raise SnapshotError(name, f"algorithm {alg!r} is not {ALG}")
    if kid != key_id(public):
        raise SnapshotError(name, f"signed by key {kid}, not by the pinned key {key_id(public)}")
    try:
        public.verify(raw, manifest)
    except InvalidSignature:
        raise SnapshotError(name, "signature does not match the manifest (tampered)") from None
