"""The benchmark's synthetic catalog generator (bench/synth.py) keeps writing valid catalogs."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from derdir.audit import audit_catalog
from derdir.catalog.build import build
from derdir.catalog.index import Catalog

SYNTH = Path(__file__).resolve().parents[1] / "bench" / "synth.py"


def _synth():
    spec = importlib.util.spec_from_file_location("bench_synth", SYNTH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_synth", module)
    spec.loader.exec_module(module)
    return module


def test_tiny_synthetic_catalog_audits_clean_and_builds(tmp_path: Path) -> None:
    synth = _synth()
    info = synth.generate(tmp_path / "a", devices=200, programs=20, utilities=30, seed=3, jobs=1)
    root = tmp_path / "a" / "catalog"
    assert (info["devices"], info["programs"], info["utilities"]) == (200, 20, 30)
    assert len(list((root / "devices").rglob("*.yaml"))) == 200

    problems = audit_catalog(root)
    errors = [p.render() for p in problems if p.severity == "error"]
    assert errors == []
    # disputed claims on purpose; rules whose random model patterns miss a random maker's devices by chance;
    # synthetic sources record no kind (so amounts are secondary) and are dated on the generator's fixed day
    assert {p.rule for p in problems} <= {"disputed-claim", "rule-coverage", "secondary-money", "stale-fact"}

    cat = Catalog(build(root, tmp_path / "build").path)
    assert cat.count("device") == 200 and len(cat.programs) == 20 and len(cat.utilities) == 30
    assert cat.sql("SELECT count(*) FROM candidate")[0][0] > 0
    kinds = {k for (k,) in cat.sql("SELECT DISTINCT kind FROM ident")}
    assert {"model", "maker", "zigbee", "zwave", "matter"} <= kinds
    types = {i.type for p in cat.programs.values() for i in p.incentives}
    assert len(types) >= 5


def test_same_seed_same_files(tmp_path: Path) -> None:
    synth = _synth()
    synth.generate(tmp_path / "a", devices=60, programs=6, utilities=10, seed=5, jobs=1)
    synth.generate(tmp_path / "b", devices=60, programs=6, utilities=10, seed=5, jobs=1)
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a" / "catalog").rglob("*.yaml"))
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b" / "catalog").rglob("*.yaml"))
    assert files_a == files_b
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files_a)
