"""Signed snapshots (issue 20): keygen -> publish -> verify from the CLI, every way a tree can be wrong
refused with the file named (a changed byte, a missing or foreign signature, an expired manifest, an older
signed manifest swapped in), and the client evaluating homes on a tree served over HTTP with the same answers
as the server's catalog, falling back to its last verified copy when the host is gone."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest
from typer.testing import CliRunner

from derdir.catalog.build import build
from derdir.catalog.index import Catalog
from derdir.cli import commands  # noqa: F401  (registers the commands)
from derdir.cli.app import app
from derdir.household import evaluate
from derdir.snapshot import SnapshotClient, SnapshotError, keygen, publish, verify_tree

from tests.conftest import SEED

runner = CliRunner()
HOMES: list[tuple[Any, list[dict[str, Any]]]] = [
    ("pge", [{"manufacturer": "Acme", "model": "AP-1"}]),
    ("US-CA", [{"manufacturer": "Acme", "model": "AP-1"}, {"manufacturer": "Nobody", "model": "X"}]),
    ("sce", [{"manufacturer": "Acme", "model": "AP-1"}]),
    ("US-TX", []),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("snap") / "catalog"
    for rel, text in SEED.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    build(root, root.parent / "build")
    return root


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return keygen(tmp_path_factory.mktemp("keys"))


@pytest.fixture
def tree(built: Path, keys: tuple[Path, Path], tmp_path: Path) -> Path:
    out = tmp_path / "public"
    r = runner.invoke(app, ["publish", str(out), "--key", str(keys[0]), "--catalog", str(built)])
    assert r.exit_code == 0, r.output
    return out


def _verify(tree: Path, pub: Path, *extra: str) -> Any:
    return runner.invoke(app, ["verify", str(tree), "--pubkey", str(pub), *extra])


def test_keygen_publish_verify(tree: Path, keys: tuple[Path, Path], tmp_path: Path) -> None:
    r = _verify(tree, keys[1])
    assert r.exit_code == 0 and "ok:" in r.output
    manifest = json.loads((tree / "manifest.json").read_text())
    assert manifest["catalog_version"] and manifest["expires"] > manifest["created"]
    assert "v1/catalog.json.gz" in manifest["files"] and any(f.startswith("v1/shards/US-CA") for f in manifest["files"])
    assert all({"sha256", "size"} <= set(e) for e in manifest["files"].values())
    again = runner.invoke(app, ["keygen", "--out", str(keys[0].parent)])
    assert again.exit_code == 1 and "never overwritten" in again.output


@pytest.mark.parametrize("victim", ["v1/catalog.json.gz", "v1/shards/US-CA.json.gz", "manifest.json"])
def test_one_changed_byte_is_refused_naming_the_file(tree: Path, keys: tuple[Path, Path], victim: str) -> None:
    path = tree / victim
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    r = _verify(tree, keys[1])
    assert r.exit_code == 1
    assert (victim if victim != "manifest.json" else "manifest") in r.output


def test_an_unsigned_tree_or_another_key_is_refused(tree: Path, keys: tuple[Path, Path], tmp_path: Path) -> None:
    other = keygen(tmp_path / "other")
    assert _verify(tree, other[1]).exit_code == 1
    next(tree.glob("manifest.json.sig*")).unlink()
    r = _verify(tree, keys[1])
    assert r.exit_code == 1 and "unsigned" in r.output


def test_an_expired_manifest_is_refused(built: Path, keys: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "old"
    publish(Catalog((built.parent / "build" / "current").resolve()), out, keys[0], catalog_root=built,
            regions=["US-CA"], entities=False, expires_days=1)
    verify_tree(out, keys[1])
    with pytest.raises(SnapshotError, match="expired"):
        verify_tree(out, keys[1], at=datetime.now(timezone.utc) + timedelta(days=2))


def test_an_older_signed_manifest_swapped_in_is_a_rollback(built: Path, keys: tuple[Path, Path], tmp_path: Path) -> None:
    cat = Catalog((built.parent / "build" / "current").resolve())
    old, new = tmp_path / "old", tmp_path / "new"
    publish(cat, old, keys[0], catalog_root=built, regions=["US-CA"], entities=False)
    publish(cat, new, keys[0], catalog_root=built, regions=["US-CA"], entities=False)
    state = tmp_path / "accepted.json"
    assert _verify(new, keys[1], "--state", str(state)).exit_code == 0
    r = _verify(old, keys[1], "--state", str(state))
    assert r.exit_code == 1 and "rollback" in r.output


@pytest.fixture
def served(tree: Path) -> Iterator[tuple[str, http.server.ThreadingHTTPServer]]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(tree)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_port}", srv
    srv.shutdown()


def _strip(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "catalog_version"}


def test_the_client_evaluates_locally_with_the_servers_answers(built: Path, keys: tuple[Path, Path], tmp_path: Path,
                                                              served: tuple[str, Any]) -> None:
    url, srv = served
    server = Catalog((built.parent / "build" / "current").resolve())
    client = SnapshotClient(url, keys[1], tmp_path / "cache")
    for region in (None, "US-CA"):
        snap = client.load(region)
        assert snap.offline is False and snap.stale is False
        for location, devices in HOMES:
            if region and location in ("US-TX",):
                continue
            assert _strip(evaluate(snap.catalog, location, devices)) == _strip(evaluate(server, location, devices))
    srv.shutdown()  # the host is gone: the last verified copy, saying how old it is
    offline = SnapshotClient(url, keys[1], tmp_path / "cache").load("US-CA")
    assert offline.offline is True and _strip(evaluate(offline.catalog, "pge", HOMES[0][1])) == \
        _strip(evaluate(server, "pge", HOMES[0][1]))


def test_the_client_refuses_a_tampered_tree_and_keeps_its_verified_copy(tree: Path, keys: tuple[Path, Path],
                                                                         tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    before = SnapshotClient(tree, keys[1], cache).load("US-CA")
    shard = tree / "v1" / "shards" / "US-CA.json.gz"
    data = bytearray(shard.read_bytes())
    data[-1] ^= 1
    shard.write_bytes(bytes(data))
    fresh = tmp_path / "fresh-cache"
    with pytest.raises(SnapshotError, match="US-CA"):
        SnapshotClient(tree, keys[1], fresh).load("US-CA")
    # a client holding the verified copy (cached by its manifest hash) keeps using it, never the tampered file
    kept = SnapshotClient(tree, keys[1], cache).load("US-CA")
    assert kept.catalog.meta["counts"] == before.catalog.meta["counts"]
    shutil.rmtree(fresh, ignore_errors=True)
