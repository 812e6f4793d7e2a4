"""Real homes, written from the programs' official pages: what a household check must answer.

Each `tests/scenarios/*.yaml` is one home: its location, its devices as a hub reports them, what the
household says of itself (conditions, programs it is in), and what the answer must be -- the programs
counted in its totals (exactly), those it must list as conditional, closed, needing the utility or
nearly, those it must never count, and the totals. The `why` and `sources` of each scenario say where
its expectations come from, so a failing scenario is checked against the program's pages, not the code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from derdir.catalog.index import Catalog
from derdir.household import evaluate

HERE = Path(__file__).parent / "scenarios"
SCENARIOS = sorted(HERE.glob("*.yaml"))
LISTED = {"conditional": "conditional", "closed": "closed", "needs_utility": "needs_utility", "nearly": "nearly"}
KEYS = {"why", "sources", "location", "hub", "devices", "conditions", "enrolled", "expect"}
EXPECT = {"counted", "not_counted", "absent", "totals", *LISTED}


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict) and set(data) <= KEYS, f"{path.name}: keys must be among {sorted(KEYS)}"
    assert data.get("why") and data.get("sources"), f"{path.name}: say why and cite the program pages"
    assert set(data["expect"]) <= EXPECT, f"{path.name}: expect keys must be among {sorted(EXPECT)}"
    return data


def test_there_are_enough_scenarios() -> None:
    assert len(SCENARIOS) >= 30


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(cat: Catalog, path: Path) -> None:
    s = _load(path)
    answer = evaluate(cat, s["location"], s.get("devices", []), s.get("hub"), s.get("conditions"), s.get("enrolled"))
    expect = s["expect"]
    rows = {r["id"]: r for r in answer["programs"]}
    counted = sorted(pid for pid, r in rows.items() if r["counted"])
    assert counted == sorted(expect.get("counted", [])), f"counted programs: {rows}"
    for key, field in LISTED.items():
        listed = {p["id"] for d in answer["devices"] for p in d.get(field, [])}
        missing = set(expect.get(key, [])) - listed
        assert not missing, f"expected {key}: {sorted(missing)}; listed there: {sorted(listed)}"
    for pid in expect.get("not_counted", []):
        assert pid in rows and not rows[pid]["counted"] and rows[pid].get("not_counted_because"), pid
    qualifying = {p["id"] for d in answer["devices"] for p in d["programs"] if p["status"] == "qualifies"}
    for pid in expect.get("absent", []):
        assert pid not in counted and pid not in qualifying, f"{pid} must not qualify or be counted"
    for currency, want in (expect.get("totals") or {}).items():
        got = answer["totals"].get(currency, {})
        for k, v in want.items():
            assert got.get(k) == pytest.approx(v, abs=0.5), f"totals {currency}.{k}: {got}"
    if not expect.get("totals"):
        assert not expect.get("counted") or answer["totals"] is not None
