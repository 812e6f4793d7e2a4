"""`derdir build`: deterministic, atomic, and never replaces a good build with a broken catalog."""

from __future__ import annotations

import gzip
import json
import sqlite3
import time
from pathlib import Path

import pytest

from derdir.catalog.build import build, current_build
from derdir.catalog.rows import maker_aliases
from derdir.catalog.index import Catalog
from derdir.errors import CatalogInvalid
from tests.conftest import SEED


def test_build_writes_index_and_static_api(mini, tmp_path: Path) -> None:
    root, out = mini({}), tmp_path / "build"
    info = build(root, out)
    cur = current_build(out)
    assert cur == info.path and cur.name == info.version
    assert info.counts == {"device": 2, "hub": 2, "program": 1, "utility": 2, "manufacturer": 0, "rebate": 0}
    product = json.loads((cur / "api/v1/products/acme-plug.json").read_text())
    assert product["id"] == "acme-plug" and product["power"]["energy_monitoring"] is True
    whole = json.loads(gzip.decompress((cur / "catalog.json.gz").read_bytes()))
    assert whole["version"] == info.version and [p["id"] for p in whole["programs"]] == ["acme-rewards"]
    db = sqlite3.connect(cur / "catalog.sqlite")
    assert db.execute("SELECT program_id FROM candidate WHERE device_id = 'acme-plug'").fetchall() == [("acme-rewards",)]
    assert db.execute("SELECT id FROM search WHERE search MATCH '\"energy\"*'").fetchall()


def test_version_is_a_content_hash(mini, tmp_path: Path) -> None:
    root = mini({})
    first = build(root, tmp_path / "b1")
    again = build(root, tmp_path / "b1")
    assert again.reused and again.version == first.version
    other = build(root, tmp_path / "b2", force=True)
    assert other.version == first.version
    (root / "utilities" / "sce.yaml").write_text(SEED["utilities/sce.yaml"].replace("Southern", "Southern "))
    assert build(root, tmp_path / "b1").version != first.version


def test_broken_catalog_keeps_the_last_good_build(mini, tmp_path: Path) -> None:
    root, out = mini({}), tmp_path / "build"
    good = build(root, out)
    (root / "programs" / "bad.yaml").write_text("name: [\n")
    with pytest.raises(CatalogInvalid) as info:
        build(root, out)
    assert info.value.problems[0].path == "catalog/programs/bad.yaml"
    assert current_build(out) == good.path
    assert not [p for p in out.iterdir() if p.name.startswith(".tmp")]
    assert Catalog(current_build(out)).version == good.version


@pytest.mark.parametrize("writer", ["derdir.catalog.build._write_static", "derdir.catalog.delta.write_entities",
                                    "derdir.catalog.delta.rewrite_whole"])
def test_a_failure_while_writing_leaves_no_half_build(mini, tmp_path: Path, monkeypatch, writer: str) -> None:
    """Whether the build is made from scratch (`_write_static`) or by updating the last one (`delta`)."""
    root, out = mini({}), tmp_path / "build"
    good = build(root, out)
    (root / "utilities" / "sce.yaml").write_text(SEED["utilities/sce.yaml"].replace("Edison", "Edison Co"))

    def boom(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(writer, boom)
    with pytest.raises(OSError):
        build(root, out, force="build." in writer)
    assert current_build(out) == good.path
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted([good.version, "current"])


@pytest.mark.parametrize("large", [False, True])
def test_old_builds_are_pruned(mini, tmp_path: Path, monkeypatch, large: bool) -> None:
    """A large catalog's old builds are deleted by a process of their own, after the build returns."""
    monkeypatch.setattr("derdir.catalog.build.PRUNE_GRACE_S", 0)
    if large:
        monkeypatch.setattr("derdir.catalog.build.PARALLEL_THRESHOLD", 1)
    root, out = mini({}), tmp_path / "build"
    versions = []
    for i in range(4):
        (root / "utilities" / "sce.yaml").write_text(SEED["utilities/sce.yaml"].replace("Edison", f"Edison {i}"))
        versions.append(build(root, out).version)
    kept = {p.name for p in out.iterdir() if p.name != "current" and not p.name.startswith(".")}
    assert versions[-1] in kept and len(kept) <= 2
    deadline = time.monotonic() + 20
    while any(p.name.startswith(".trash-") for p in out.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p.name for p in out.iterdir() if p.name.startswith(".trash-")]


def test_recent_builds_survive_pruning(mini, tmp_path: Path) -> None:
    """A server may still answer from the previous build; it is not deleted under it."""
    root, out = mini({}), tmp_path / "build"
    versions = []
    for i in range(3):
        (root / "utilities" / "sce.yaml").write_text(SEED["utilities/sce.yaml"].replace("Edison", f"Edison {i}"))
        versions.append(build(root, out).version)
    assert set(versions) <= {p.name for p in out.iterdir()}


def test_rebuild_reuses_parsed_recipes_and_sees_every_change(mini, tmp_path: Path, monkeypatch) -> None:
    """A full build (--force; the default after a small change is to update the previous build) takes
    unchanged files from the parse cache; a changed, added or removed file is read again."""
    import derdir.catalog.source as source

    root, out = mini({}), tmp_path / "build"
    build(root, out)
    parsed: list[str] = []
    real = source.load_recipe
    monkeypatch.setattr(source, "load_recipe", lambda path, r, raw=None: parsed.append(path.name) or real(path, r, raw))
    (root / "utilities" / "sce.yaml").write_text(SEED["utilities/sce.yaml"].replace("Edison", "Edison Co"))
    (root / "hubs" / "wifi-hub.yaml").unlink()
    info = build(root, out, force=True)
    assert parsed == ["sce.yaml"] and not info.delta
    cat = Catalog(info.path)
    assert cat.utilities["sce"].name == "Southern California Edison Co" and "wifi-hub" not in cat.hubs
    (root / "programs" / "acme-rewards.yaml").write_text("name: [\n")  # a broken file is never served from cache
    with pytest.raises(CatalogInvalid):
        build(root, out)


def test_stored_device_facts_are_the_recipes_facts(cat: Catalog) -> None:
    """Answers read devices' facts from the index, not the recipes: they must say what the recipes say."""
    from derdir.catalog.source import read_catalog
    from derdir.facts import DeviceFacts

    files = read_catalog(Path(__file__).resolve().parents[1] / "catalog")
    aliases = maker_aliases(files.recipes["manufacturer"].values())
    devices = files.recipes["device"]
    stored = cat.facts_of(list(devices))
    assert len(stored) == len(devices) > 1000
    for rid, rec in devices.items():
        assert stored[rid] == DeviceFacts.of(rid, rec.model, aliases), rid
    # the kinds of fact the seed devices are known for survive the round trip
    kp = stored["tp-link-kasa-kp125m"]
    assert kp.energy_monitoring is True and kp.category == "smart-plug" and "tplink" in kp.makers
    assert any(f.integrations for f in stored.values()) and any(f.matter_transport for f in stored.values())
    assert any(f.controllable_kw for f in stored.values()) and any(f.standards for f in stored.values())


def test_programs_read_with_a_device_are_its_candidate_pairs(cat: Catalog) -> None:
    """Household evaluation reads a device's candidate programs from its row; they must be the index's."""
    view: dict[str, set[str]] = {}
    for did, pid in cat.sql("SELECT device_id, program_id FROM candidate"):
        view.setdefault(did, set()).add(pid)
    facts = cat.facts_of([r[0] for r in cat.sql("SELECT id FROM device")])
    got = cat.candidates_of(facts.values())
    assert sum(map(len, got.values())) > 1000
    assert {d: sorted(p) for d, p in view.items()} == {d: p for d, p in got.items() if p}


def test_a_build_in_another_format_is_refused_with_a_clear_message(mini, tmp_path: Path) -> None:
    """A build from an older derdir lacks tables this code reads: say so instead of failing mid-query."""
    from derdir.errors import BuildMissing

    info = build(mini({}), tmp_path / "build")
    db = sqlite3.connect(info.path / "catalog.sqlite")
    db.execute("UPDATE meta SET value = '\"2\"' WHERE key = 'format'")
    db.commit()
    db.close()
    with pytest.raises(BuildMissing, match="another version of derdir"):
        Catalog(info.path)


def test_a_large_catalog_writes_its_static_tree_in_a_second_process(mini, tmp_path: Path, monkeypatch) -> None:
    """Past the threshold the static tree is written by a spawned process beside the index: same output."""
    root = mini({})
    small = build(root, tmp_path / "thread")
    monkeypatch.setattr("derdir.catalog.build.PARALLEL_THRESHOLD", 1)
    large = build(root, tmp_path / "process")
    assert large.version == small.version
    for rel in ("api/v1/products/acme-plug.json", "api/v1/programs/acme-rewards.json"):
        assert (large.path / rel).read_bytes() == (small.path / rel).read_bytes(), rel

    def whole(raw: bytes) -> dict:
        data = json.loads(raw)
        data.pop("built_at")  # the one thing that differs between two builds
        return data

    assert whole((large.path / "catalog.json").read_bytes()) == whole((small.path / "catalog.json").read_bytes())
    assert whole(gzip.decompress((large.path / "catalog.json.gz").read_bytes())) == whole((small.path / "catalog.json").read_bytes())
    assert len(list((large.path / "api/v1/products").iterdir())) == len(list((small.path / "api/v1/products").iterdir()))


# --- publishing aside, content-keyed caches, leftovers (issue 17, items 3, 8, 9) ---------------------------------


def test_force_never_touches_the_folder_being_served(mini, tmp_path: Path) -> None:
    """--force builds the same version again: it is published beside the served folder, which stays whole
    (a server reading it saw a 500, truncated answers and read errors when it was deleted and replaced)."""
    import os

    root, out = mini({}), tmp_path / "build"
    first = build(root, out)
    served = Catalog(current_build(out))
    before = {p.relative_to(first.path): (p.stat().st_ino, p.stat().st_size) for p in first.path.rglob("*") if p.is_file()}
    again = build(root, out, force=True)
    assert again.version == first.version and again.path != first.path and current_build(out) == again.path
    assert {p.relative_to(first.path): (p.stat().st_ino, p.stat().st_size)
            for p in first.path.rglob("*") if p.is_file()} == before
    assert served.entity_json("device", "acme-plug")["id"] == "acme-plug"  # still answering from it
    assert build(root, out).reused  # the republished build counts as current
    from derdir.service import open_catalog

    assert open_catalog(root, out).path == again.path
    assert os.readlink(out / "current") == again.path.name


@pytest.mark.parametrize("force", [False, True])
def test_a_same_size_edit_with_its_mtime_kept_is_seen(mini, tmp_path: Path, force: bool) -> None:
    """`cp -p` or `rsync -a` bring a file with the same size and mtime: the build must read it again."""
    import os

    root, out = mini({}), tmp_path / "build"
    first = build(root, out)
    path = root / "utilities" / "sce.yaml"
    st = path.stat()
    text = path.read_text()
    assert "Edison" in text
    path.write_text(text.replace("Edison", "Edisun"))  # same size
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    info = build(root, out, force=force)
    assert not info.reused and info.version != first.version
    assert Catalog(info.path).utilities["sce"].name == "Southern California Edisun"


def test_leftovers_of_killed_builds_are_swept(mini, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    root, out = mini({}), tmp_path / "build"
    build(root, out)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    live = os.getppid()  # a build still running beside this one
    for pid in (dead.pid, live):
        (out / f".tmp-0123456789abcdef-{pid}-42").mkdir()
        (out / f".tmp-0123456789abcdef-{pid}-42" / "catalog.sqlite").write_bytes(b"x" * 1000)
        (out / f".parse-cache.pickle-{pid}.tmp").write_bytes(b"x")
        (out / f".digests.pickle-{pid}.tmp").write_bytes(b"x")
        os.symlink("nowhere", out / f".current-{pid}-7")
    (root / "utilities" / "sce.yaml").write_text(SEED["utilities/sce.yaml"].replace("Edison", "Edison Co"))
    build(root, out)
    names = {p.name for p in out.iterdir()}
    assert not {n for n in names if str(dead.pid) in n}, names
    assert {f".tmp-0123456789abcdef-{live}-42", f".parse-cache.pickle-{live}.tmp", f".digests.pickle-{live}.tmp",
            f".current-{live}-7"} <= names


def test_build_reports_its_phases_and_every_recipe_read(mini, tmp_path: Path) -> None:
    """What `derdir build` draws its progress bar from (it printed nothing for ~10 s)."""
    root, out = mini({}), tmp_path / "build"
    calls: list[tuple] = []
    info = build(root, out, lambda *args: calls.append(args))
    phases = [c for c in calls if c[0] is not None]
    assert [p[0].split()[0] for p in phases] == ["reading", "auditing", "writing"]
    total = sum(info.counts.values())
    assert phases[0] == (f"reading {total} recipes", total)
    assert len([c for c in calls if c == (None,)]) == total


def test_the_cli_progress_bar_counts_the_recipes(mini, tmp_path: Path, monkeypatch) -> None:
    import io

    from rich.console import Console

    from derdir.cli import common

    root = mini({})
    screen = io.StringIO()
    monkeypatch.setattr(common, "err_console", Console(file=screen, force_terminal=True, width=120))
    with common.progress_bar("building") as step:
        build(root, tmp_path / "build", step)
        step(None)
    text = screen.getvalue()
    assert "reading 7 recipes" in text and "7/7" in text, text[-500:]
