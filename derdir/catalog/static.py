"""The static JSON API tree of a build: one file per recipe, plus the whole catalog in one document.

`catalog.json` is written in chunks of recipes (in kind and id order) and `catalog.json.gz` is one gzip
stream whose chunks are compressed independently (each ends on a full flush, so no chunk refers back
into another). A rebuild after a small change copies the unchanged chunks' bytes, plain and compressed,
from the previous build and compresses only the chunks that changed; `.catalog-chunks.json` records
where each chunk sits in both files.
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

FOLDERS = {"device": "products", "hub": "hubs", "program": "programs", "utility": "utilities",
           "manufacturer": "manufacturers", "rebate": "rebates"}
CHUNK = 1000  # recipes per chunk (about 130 KB of JSON)
CHUNKS_FILE = ".catalog-chunks.json"
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, mtime 0, unknown OS
_GZIP_FINAL = b"\x03\x00"  # an empty final deflate block
HEADER, END = "@header", "@end"


@dataclass
class Chunk:
    """Recipes of `kind` with ids from `first` ('' for the kind's first chunk) up to the next chunk's first."""

    kind: str
    first: str
    last: bool  # the kind's last chunk: closes its list
    plain_off: int = 0
    plain_len: int = 0
    gz_off: int = 0
    gz_len: int = 0


def write_entities(out: Path, texts: dict[str, dict[str, str]], previous: Path | None = None,
                   reuse: Callable[[str, str], bool] = lambda _k, _i: False) -> None:
    """One JSON file per recipe under api/v1/<folder>/. With `previous`, every file of that build
    for which `reuse(kind, id)` holds is hard-linked instead of written (same bytes, no copy)."""
    for kind, folder in FOLDERS.items():
        target = out / "api" / "v1" / folder
        target.mkdir(parents=True, exist_ok=True)
        if previous is not None and (prev := previous / "api" / "v1" / folder).is_dir():
            for entry in os.scandir(prev):
                rid = entry.name.removesuffix(".json")
                if rid not in texts.get(kind, {}) and reuse(kind, rid):
                    os.link(entry.path, target / entry.name)
        for rid, text in texts.get(kind, {}).items():
            (target / f"{rid}.json").write_text(text, encoding="utf-8")


def header_text(meta: dict[str, Any]) -> str:
    return json.dumps({"generated_by": "derdir build", **meta}, sort_keys=True, separators=(",", ":"))[:-1]


def chunk_text(chunk: Chunk, texts: Iterable[str]) -> str:
    opening = f',"{FOLDERS[chunk.kind]}":[' if chunk.first == "" else ","
    return opening + ",".join(texts) + ("]" if chunk.last else "")


class _Writer:
    """Appends chunks to catalog.json and catalog.json.gz, keeping the CRC and offsets."""

    def __init__(self, out: Path):
        self.out = out
        self.plain = open(out / "catalog.json", "wb")
        self.gz = open(out / "catalog.json.gz", "wb")
        self.gz.write(_GZIP_HEADER)
        self.crc, self.size, self.written = 0, 0, []

    def add(self, chunk: Chunk, plain: bytes, packed: bytes | None = None) -> None:
        if packed is None:
            z = zlib.compressobj(6, zlib.DEFLATED, -15)
            packed = z.compress(plain) + z.flush(zlib.Z_FULL_FLUSH)
        chunk.plain_off, chunk.plain_len = self.size, len(plain)
        chunk.gz_off, chunk.gz_len = self.gz.tell(), len(packed)
        self.plain.write(plain)
        self.gz.write(packed)
        self.crc = zlib.crc32(plain, self.crc)
        self.size += len(plain)
        self.written.append(chunk)

    def abandon(self) -> None:
        self.plain.close()
        self.gz.close()
        for name in ("catalog.json", "catalog.json.gz"):
            (self.out / name).unlink(missing_ok=True)

    def close(self) -> None:
        self.gz.write(_GZIP_FINAL + struct.pack("<II", self.crc, self.size & 0xFFFFFFFF))
        self.plain.close()
        self.gz.close()
        (self.out / CHUNKS_FILE).write_text(json.dumps([astuple(c) for c in self.written]))


def write_whole(out: Path, meta: dict[str, Any], texts: dict[str, dict[str, str]]) -> None:
    """catalog.json and catalog.json.gz of a full build (`texts`: every recipe, by kind and id): each kind's
    sorted recipes cut every CHUNK."""
    w = _Writer(out)
    w.add(Chunk(HEADER, "", False), header_text(meta).encode())
    for kind in FOLDERS:
        by_id = texts.get(kind, {})
        ids = sorted(by_id)
        starts = range(0, len(ids), CHUNK) or range(1)
        for n, start in enumerate(starts):
            group = ids[start:start + CHUNK]
            chunk = Chunk(kind, group[0] if n else "", n == len(starts) - 1)
            w.add(chunk, chunk_text(chunk, (by_id[rid] for rid in group)).encode())
    w.add(Chunk(END, "", False), b"}")
    w.close()


def rewrite_whole(out: Path, previous: Path, meta: dict[str, Any], changed: set[tuple[str, str]],
                  texts_between: Callable[[str, str, str | None], list[str]]) -> bool:
    """catalog.json(.gz) after a small change: unchanged chunks copied from `previous`, chunks holding a
    changed, added or removed recipe rebuilt from `texts_between(kind, first, upto)`. False (nothing
    written) if `previous` has no chunk table or a chunk was emptied: then the whole catalog is written."""
    try:
        chunks = [Chunk(*row) for row in json.loads((previous / CHUNKS_FILE).read_text())]
    except (OSError, ValueError, TypeError):
        return False
    body = [c for c in chunks if c.kind not in (HEADER, END)]
    hit: set[int] = set()
    for kind, rid in changed:
        owners = [i for i, c in enumerate(body) if c.kind == kind and c.first <= rid]
        if owners:
            hit.add(owners[-1])
    w = _Writer(out)
    w.add(Chunk(HEADER, "", False), header_text(meta).encode())
    with open(previous / "catalog.json", "rb") as plain, open(previous / "catalog.json.gz", "rb") as gz:
        for i, chunk in enumerate(body):
            if i in hit:
                nxt = body[i + 1] if i + 1 < len(body) and body[i + 1].kind == chunk.kind else None
                texts = texts_between(chunk.kind, chunk.first, nxt.first if nxt else None)
                if not texts and not (chunk.first == "" and chunk.last):
                    w.abandon()
                    return False  # a chunk emptied by removals: the chunks would need cutting again
                w.add(Chunk(chunk.kind, chunk.first, chunk.last), chunk_text(chunk, texts).encode())
            else:
                plain.seek(chunk.plain_off)
                gz.seek(chunk.gz_off)
                w.add(Chunk(chunk.kind, chunk.first, chunk.last), plain.read(chunk.plain_len), gz.read(chunk.gz_len))
    w.add(Chunk(END, "", False), b"}")
    w.close()
    return True
