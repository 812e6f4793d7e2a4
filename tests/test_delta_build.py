"""A rebuild after a small change updates the previous build (`catalog/delta.py`). It must publish
exactly what a build from scratch publishes: every table, every static file, the whole-catalog JSON."""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import zlib
from pathlib import Path
from typing import Any, Callable

import pytest

from derdir.catalog.build import build, current_build
from derdir.errors import CatalogInvalid
from derdir.recipes.yamlio import dump_yaml, load_yaml

from conftest import copy_catalog

TABLES = ["entity", "former_id", "device", "device_facet", "ident", "maker_device", "candidate_pair", "open_rule",
          "zip", "source", "search"]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The bundled catalog and its full build, copied by each test before it edits them."""
    where = tmp_path_factory.mktemp("delta-base")
    root = copy_catalog(where / "catalog")
    build(root, where / "build")
    return root, where / "build"


def fresh(base: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    root = Path(shutil.copytree(base[0], tmp_path / "catalog"))
    out = Path(shutil.copytree(base[1], tmp_path / "build", symlinks=True, copy_function=os.link))
    return root, out


def snapshot(build_path: Path) -> dict[str, Any]:
    """Everything a build publishes, in a form two builds of the same catalog share (no build time)."""
    db = sqlite3.connect(build_path / "catalog.sqlite")
    out: dict[str, Any] = {t: sorted(db.execute(f"SELECT * FROM {t}")) for t in TABLES}
    out["meta"] = sorted(r for r in db.execute("SELECT key, value FROM meta") if r[0] != "built_at")
    db.close()
    api = build_path / "api" / "v1"
    out["api"] = {str(p.relative_to(api)): p.read_bytes() for p in sorted(api.rglob("*.json"))}
    plain = (build_path / "catalog.json").read_bytes()
    stream = zlib.decompressobj(16 + zlib.MAX_WBITS)  # one gzip member, as HTTP clients decode Content-Encoding
    assert stream.decompress((build_path / "catalog.json.gz").read_bytes()) == plain
    assert stream.eof and not stream.unused_data
    whole = json.loads(plain)
    assert whole.pop("built_at")
    out["catalog.json"] = whole
    return out


def edit(root: Path, rel: str, change: Callable[[dict[str, Any]], None], new: str | None = None) -> str:
    """Apply `change` to a recipe's data; with `new`, write the result as another recipe (same folder)."""
    path = root / rel
    data = dict(load_yaml(path.read_bytes()).data)
    change(data)
    target = path.with_name(f"{new}.yaml") if new else path
    target.write_text(dump_yaml(data))
    return str(target.relative_to(root))


def pick(root: Path, folder: str, rng: random.Random, where: Callable[[dict], bool] = lambda d: True) -> str:
    files = sorted(p for p in (root / folder).rglob("*.yaml"))
    rng.shuffle(files)
    for p in files:
        if where(load_yaml(p.read_bytes()).data):
            return str(p.relative_to(root))
    raise LookupError(folder)


def same_as_full(root: Path, out: Path, tmp_path: Path, expect_delta: bool = True) -> None:
    info = build(root, out)
    assert info.delta is expect_delta and not info.reused
    full = build(root, tmp_path / "full")
    assert not full.delta and full.version == info.version
    assert snapshot(info.path) == snapshot(full.path)


def test_edited_devices_programs_hubs_and_utilities(base, tmp_path: Path) -> None:
    root, out = fresh(base, tmp_path)
    rng = random.Random(1)

    def flip_monitoring(d: dict) -> None:
        power = d.setdefault("power", {})
        power["energy_monitoring"] = not power.get("energy_monitoring")
    for _ in range(5):
        edit(root, pick(root, "devices", rng), flip_monitoring)
    edit(root, pick(root, "devices/thermostat", rng), lambda d: d.update(manufacturer="ecobee"))
    edit(root, pick(root, "devices/smart-plug", rng), lambda d: d.update(model_numbers=["ZZ-TEST-1"], brand="Kasa"))

    def open_first_rule(d: dict) -> None:
        d["eligibility"]["rules"][0].pop("manufacturers")
        d["eligibility"]["rules"][0]["note"] = "every device of the category, for this test"
    edit(root, pick(root, "programs", rng, lambda d: any("manufacturers" in r for r in d.get("eligibility", {}).get("rules", []))),
         open_first_rule)
    device = Path(pick(root, "devices/battery", rng)).stem
    edit(root, pick(root, "programs", rng, lambda d: "eligibility" in d),
         lambda d: d["eligibility"].setdefault("devices", []).append(
             {"device": device, "supported": True, "sources": d["sources"][:1]}))
    edit(root, pick(root, "hubs", rng), lambda d: d.update(model_numbers=[*d["model_numbers"], "HUB-TEST-2"]))
    edit(root, pick(root, "utilities", rng), lambda d: d.update(name=d["name"] + " Test"))
    same_as_full(root, out, tmp_path)


def test_added_recipes(base, tmp_path: Path) -> None:
    root, out = fresh(base, tmp_path)
    rng = random.Random(2)
    edit(root, pick(root, "devices/smart-plug", rng), lambda d: d.update(model_numbers=["NEW-PLUG-9"]), new="aaa-new-plug")
    edit(root, pick(root, "devices/thermostat", rng), lambda d: d.update(model_numbers=["NEW-TSTAT-9"]), new="zzz-new-thermostat")
    edit(root, pick(root, "programs", rng), lambda d: d.update(name="A New Program"), new="aaa-new-program")
    same_as_full(root, out, tmp_path)


def test_many_edits_in_one_chunk_and_across_chunks(base, tmp_path: Path, monkeypatch) -> None:
    """catalog.json is cut in chunks (1,000 recipes); here in chunks of 50, so edits fall in several."""
    monkeypatch.setattr("derdir.catalog.static.CHUNK", 50)
    root, out = fresh(base, tmp_path)
    build(root, out, force=True)  # a previous build with small chunks
    rng = random.Random(3)
    for i in range(40):
        edit(root, pick(root, "devices", rng), lambda d, i=i: d.update(notes=f"edited {i}"))
    edit(root, pick(root, "devices/ev-charger", rng), lambda d: d.update(model_numbers=["NEW-EV-1"]), new="zzzz-last-charger")
    same_as_full(root, out, tmp_path)


def test_a_broken_change_is_reported_as_a_full_build_reports_it(base, tmp_path: Path) -> None:
    root, out = fresh(base, tmp_path)
    before = current_build(out)
    rng = random.Random(4)
    rel = edit(root, pick(root, "programs", rng, lambda d: "eligibility" in d),
               lambda d: d["eligibility"].setdefault("exclude_devices", []).append("no-such-device"))
    with pytest.raises(CatalogInvalid) as delta_error:
        build(root, out)
    assert current_build(out) == before
    with pytest.raises(CatalogInvalid) as full_error:
        build(root, tmp_path / "full")
    assert delta_error.value.problems == full_error.value.problems
    assert any(p.path.endswith(rel) and "no-such-device" in p.message for p in delta_error.value.problems)


@pytest.mark.parametrize("clash", ["id-collision", "duplicate-id"])
def test_a_new_id_clashing_with_an_old_one_is_refused(base, tmp_path: Path, clash: str) -> None:
    root, out = fresh(base, tmp_path)
    before = current_build(out)
    rel = pick(root, "devices/smart-plug", random.Random(5), lambda d: True)
    stem = Path(rel).stem
    if clash == "id-collision":  # one hyphen fewer: the same id once normalised
        new = edit(root, rel, lambda d: None, new=stem.replace("-", "", 1))
    else:  # the same id in another category folder
        new = str((root / "devices" / "light" / f"{stem}.yaml").relative_to(root))
        (root / new).write_text((root / rel).read_text().replace("category: smart-plug", "category: light"))
    with pytest.raises(CatalogInvalid) as delta_error:
        build(root, out)
    assert current_build(out) == before
    assert any(p.rule == clash and Path(new).name in p.path + p.message for p in delta_error.value.problems)


def test_removed_and_renamed_recipes(base, tmp_path: Path) -> None:
    root, out = fresh(base, tmp_path)
    rng = random.Random(6)
    named = {c["device"] for p in (root / "programs").glob("*.yaml")
             for c in load_yaml(p.read_bytes()).data.get("eligibility", {}).get("devices", [])}
    (root / pick(root, "devices/light", rng, lambda d: d.get("white_label_of") is None)).unlink()
    plug = root / pick(root, "devices/smart-plug", rng)
    while plug.stem in named:
        plug = root / pick(root, "devices/smart-plug", rng)
    plug.rename(plug.with_name("zz-renamed-plug.yaml"))  # a rename: one id removed, another added
    same_as_full(root, out, tmp_path)


def test_removing_a_recipe_another_names_is_refused(base, tmp_path: Path) -> None:
    root, out = fresh(base, tmp_path)
    before = current_build(out)
    program = next(p for p in sorted((root / "programs").glob("*.yaml"))
                   if load_yaml(p.read_bytes()).data.get("eligibility", {}).get("devices"))
    device = load_yaml(program.read_bytes()).data["eligibility"]["devices"][0]["device"]
    next((root / "devices").rglob(f"{device}.yaml")).unlink()
    with pytest.raises(CatalogInvalid) as error:
        build(root, out)
    assert current_build(out) == before
    assert any(p.rule == "unknown-reference" and p.path.endswith(program.name) and device in p.message
               for p in error.value.problems)


def test_removing_a_manufacturer_builds_in_full(base, tmp_path: Path) -> None:
    root, out = fresh(base, tmp_path)
    maker = sorted((root / "manufacturers").glob("*.yaml"))[0]
    maker.unlink()
    same_as_full(root, out, tmp_path, expect_delta=False)


def test_an_edited_device_contradicting_an_unchanged_programs_claim_is_refused(base, tmp_path: Path) -> None:
    """The problem is in a file that did not change (the program's claim): the delta audit must still see it."""
    root, out = fresh(base, tmp_path)
    edit(root, "devices/smart-plug/tp-link-kasa-kp125m.yaml", lambda d: d["power"].update(energy_monitoring=False))
    with pytest.raises(CatalogInvalid) as error:
        build(root, out)
    assert any(p.rule == "claim-conflict" and p.path.endswith("programs/olivine-climateresponse.yaml")
               for p in error.value.problems)


def test_derdir_build_says_when_it_updated_the_previous_build(base, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from derdir.cli import commands  # noqa: F401  (registers the commands)
    from derdir.cli.app import app

    root, out = fresh(base, tmp_path)
    edit(root, pick(root, "utilities", random.Random(7)), lambda d: d.update(name=d["name"] + " (edited)"))
    run = CliRunner().invoke(app, ["build", "--catalog", str(root), "--build-dir", str(out)])
    assert run.exit_code == 0 and run.output.split()[0] == "updated", run.output
    again = CliRunner().invoke(app, ["build", "--catalog", str(root), "--build-dir", str(out), "--json"])
    assert json.loads(again.output)["reused"] is True
    forced = CliRunner().invoke(app, ["build", "--catalog", str(root), "--build-dir", str(out), "--force", "--json"])
    assert json.loads(forced.output)["delta"] is False and json.loads(forced.output)["reused"] is False


def test_a_chunk_emptied_by_removals_builds_in_full(base, tmp_path: Path, monkeypatch) -> None:
    """catalog.json's chunks are cut by a full build; one left empty is not patched over."""
    import derdir.catalog.delta as delta

    monkeypatch.setattr("derdir.catalog.static.CHUNK", 2)
    # catalog.json is written in this process only below the parallel threshold (a spawned worker would not
    # see the patched CHUNK); the bundled catalog is larger than that now
    monkeypatch.setattr("derdir.catalog.build.PARALLEL_THRESHOLD", 10**9)
    root, out = fresh(base, tmp_path)
    build(root, out, force=True)
    devices = sorted((root / "devices").rglob("*.yaml"), key=lambda p: p.stem)
    data = {p.stem: load_yaml(p.read_bytes()).data for p in devices}
    named = {c["device"] for p in (root / "programs").glob("*.yaml")
             for c in load_yaml(p.read_bytes()).data.get("eligibility", {}).get("devices", [])}
    named |= {d.get("white_label_of") for d in data.values()}
    pair = next(devices[i:i + 2] for i in range(2, len(devices) - 2, 2) if not {p.stem for p in devices[i:i + 2]} & named)
    for p in pair:
        p.unlink()
    answers: list[bool] = []
    real = delta.rewrite_whole
    monkeypatch.setattr(delta, "rewrite_whole", lambda *a: answers.append(real(*a)) or answers[-1])
    same_as_full(root, out, tmp_path, expect_delta=False)
    assert answers == [False]  # the delta got as far as catalog.json, and gave way there
