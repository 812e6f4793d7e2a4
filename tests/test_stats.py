"""`derdir stats`, and the coverage the bundled catalog promises (issue: a real corpus)."""

from __future__ import annotations

import json
from datetime import date

from typer.testing import CliRunner

from derdir.catalog.source import read_catalog
from derdir.cli import commands  # noqa: F401
from derdir.cli.app import app
from derdir.stats import catalog_stats
from tests.conftest import CATALOG, SEED


def test_stats_counts_a_small_catalog(mini) -> None:
    data = catalog_stats(read_catalog(mini({})), today=date(2026, 11, 26))
    assert (data["devices"], data["hubs"], data["programs"], data["utilities"]) == (2, 2, 1, 2)
    assert data["regions"] == 1 and data["programs_with_amounts"] == 1
    assert data["devices_by_category"] == {"smart-plug": 2}
    assert data["stale"]["device"] == 0


def test_staleness_is_reported(mini) -> None:
    root = mini({"utilities/sce.yaml": SEED["utilities/sce.yaml"].replace("2026-11-01", "2024-01-01")})
    data = catalog_stats(read_catalog(root), today=date(2026, 11, 26))
    assert data["stale"]["utility"] == 1 and data["stale_ids"]["utility"] == ["sce"]


def test_bundled_catalog_coverage() -> None:
    result = CliRunner().invoke(app, ["stats", "--json", "--catalog", str(CATALOG)])
    data = json.loads(result.output)
    assert data["active_programs"] >= 60 and data["regions_with_incentives"] >= 25
    assert data["programs_with_amounts_pct"] >= 80
    assert data["devices"] >= 1000 and data["hubs"] >= 15
    assert data["programs_with_sources"] == data["programs"] and data["devices_with_sources"] == data["devices"]
