"""Recipe models: what a valid recipe may say, and the located problems for what it may not."""

from __future__ import annotations

from pathlib import Path

import pytest

from derdir.recipes import Device, Program, load_recipe
from tests.conftest import SEED, recipe


def load(root: Path, rel: str, text: str):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return load_recipe(path, root)


def test_seed_recipes_validate(tmp_path: Path) -> None:
    for rel, text in SEED.items():
        loaded, problems = load(tmp_path / "catalog", rel, text)
        assert problems == [] and loaded is not None, rel


def test_device_model_keeps_unknown_as_none(tmp_path: Path) -> None:
    loaded, _ = load(tmp_path / "catalog", "devices/smart-plug/acme-dumb-plug.yaml", SEED["devices/smart-plug/acme-dumb-plug.yaml"])
    d: Device = loaded.model
    assert d.power.energy_monitoring is False and d.power.max_output_w is None and d.connectivity.wifi is None


def test_unknown_field_is_located(tmp_path: Path) -> None:
    text = recipe("""
        category: smart-plug
        manufacturer: Acme
        product_name: P
        model_numbers: [X]
        power:
          energy_monitor: true
    """)
    loaded, problems = load(tmp_path / "catalog", "devices/smart-plug/acme-x.yaml", text)
    assert loaded is None
    assert [(p.line, p.column, p.field, p.rule) for p in problems] == [(6, 3, "power.energy_monitor", "unknown-field")]


def test_wrong_type_and_missing_field(tmp_path: Path) -> None:
    text = recipe("""
        category: smart-plug
        manufacturer: Acme
        model_numbers: [X]
        power: {max_output_w: lots}
    """)
    _, problems = load(tmp_path / "catalog", "devices/smart-plug/acme-x.yaml", text)
    got = {(p.field, p.rule) for p in problems}
    assert ("product_name", "required-field") in got
    assert ("power.max_output_w", "type") in got


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,hi", "ftp://example.org/x", "//example.org"])
def test_only_http_urls(tmp_path: Path, url: str) -> None:
    text = recipe(f"""
        category: smart-plug
        manufacturer: Acme
        product_name: P
        model_numbers: [X]
        product_url: "{url}"
    """)
    _, problems = load(tmp_path / "catalog", "devices/smart-plug/acme-x.yaml", text)
    assert [p.field for p in problems] == ["product_url"]


def test_html_in_text_is_rejected(tmp_path: Path) -> None:
    text = recipe("""
        category: smart-plug
        manufacturer: Acme
        product_name: <script>alert(1)</script>
        model_numbers: [X]
    """)
    _, problems = load(tmp_path / "catalog", "devices/smart-plug/acme-x.yaml", text)
    assert problems and problems[0].field == "product_name" and "HTML" in problems[0].message


def test_category_must_match_folder(tmp_path: Path) -> None:
    _, problems = load(tmp_path / "catalog", "devices/thermostat/acme-plug.yaml", SEED["devices/smart-plug/acme-plug.yaml"])
    assert [(p.field, p.rule) for p in problems] == [("category", "layout")]


def test_id_must_be_kebab_case(tmp_path: Path) -> None:
    _, problems = load(tmp_path / "catalog", "utilities/PG_E.yaml", SEED["utilities/pge.yaml"])
    assert problems[0].rule == "id-format"


def test_sources_are_required(tmp_path: Path) -> None:
    text = recipe("""
        name: X
        country: US
        regions: [US-CA]
        verified_on: 2026-01-01
    """, provenance=False)
    _, problems = load(tmp_path / "catalog", "utilities/x.yaml", text)
    assert [(p.field, p.rule) for p in problems] == [("sources", "required-field")]


def test_region_codes_are_checked(tmp_path: Path) -> None:
    text = recipe("""
        name: X
        country: US
        regions: [California]
    """)
    _, problems = load(tmp_path / "catalog", "utilities/x.yaml", text)
    assert problems[0].field == "regions[0]" and "ISO 3166-2" in problems[0].message


def test_incentive_range_must_be_ordered(tmp_path: Path) -> None:
    text = recipe("""
        name: P
        operator: O
        urls: {info: https://example.org/}
        markets: {utilities: [pge]}
        incentives:
        - {type: per-kw-season, amount: 275, amount_max: 225}
    """)
    _, problems = load(tmp_path / "catalog", "programs/p.yaml", text)
    assert problems[0].field == "incentives[0]" and "amount_max" in problems[0].message


def test_program_needs_a_market(tmp_path: Path) -> None:
    text = recipe("""
        name: P
        operator: O
        urls: {info: https://example.org/}
        markets: {}
    """)
    _, problems = load(tmp_path / "catalog", "programs/p.yaml", text)
    assert problems[0].field == "markets" and "at least one" in problems[0].message


def test_program_defaults(tmp_path: Path) -> None:
    loaded, _ = load(tmp_path / "catalog", "programs/acme-rewards.yaml", SEED["programs/acme-rewards.yaml"])
    p: Program = loaded.model
    assert p.status == "active" and p.customer_classes == ["residential"] and p.incentives[0].currency == "USD"
