"""Audit rule `rule-coverage`: a program's maker + model patterns should match that maker's catalog devices."""

from __future__ import annotations

from derdir.audit import audit_catalog

from tests.conftest import recipe

BATTERY = """
    category: battery
    manufacturer: Enphase Energy
    product_name: {name}
    family: Enphase IQ Battery
    model_numbers: [{model}]
"""


def _program(models: str) -> str:
    return recipe(f"""
        name: Battery Rewards
        operator: Some Utility
        urls: {{info: https://example.org/batteries}}
        markets: {{utilities: [pge]}}
        eligibility:
          rules:
          - category: battery
            manufacturers: [Enphase]
            models: [{models}]
        incentives:
        - {{type: enrollment, amount: 50}}
    """)


def _mini_with(mini, models: str):  # type: ignore[no-untyped-def]
    return mini({
        "manufacturers/enphase.yaml": recipe("""
            name: Enphase Energy
            aliases: [Enphase]
        """),
        "devices/battery/enphase-iq3.yaml": recipe(BATTERY.format(name="Encharge 3", model="B03-A01-US00-1-3")),
        "devices/battery/enphase-iq5p.yaml": recipe(BATTERY.format(name="IQ Battery 5P", model="IQBATTERY-5P-1P-NA")),
        "programs/battery-rewards.yaml": _program(models),
    })


def test_patterns_missing_every_device_of_the_maker_warn_on_the_rule(mini) -> None:  # type: ignore[no-untyped-def]
    problems = [p for p in audit_catalog(_mini_with(mini, "Powerwall*")) if p.rule == "rule-coverage"]
    assert len(problems) == 1 and problems[0].severity == "warning"
    assert problems[0].path.endswith("battery-rewards.yaml") and problems[0].field == "eligibility.rules[0].models"
    assert "match none of the catalog's 2 Enphase battery devices" in problems[0].message
    assert "B03-A01-US00-1-3" in problems[0].message


def test_a_family_member_the_patterns_miss_warns_on_the_device(mini) -> None:  # type: ignore[no-untyped-def]
    problems = [p for p in audit_catalog(_mini_with(mini, "IQ Battery*")) if p.rule == "rule-coverage"]
    assert [(p.path.split("/")[-1], p.field, p.severity) for p in problems] == [
        ("enphase-iq3.yaml", "model_numbers", "warning")]
    assert "'battery-rewards'" in problems[0].message and "IQ Battery*" in problems[0].message


def test_patterns_that_cover_the_family_are_quiet(mini) -> None:  # type: ignore[no-untyped-def]
    assert not [p for p in audit_catalog(_mini_with(mini, "IQ Battery*, B03*")) if p.rule == "rule-coverage"]


def test_the_bundled_catalog_example() -> None:
    """enphase-vpp's rule said `IQ Battery*` while the catalog's Encharge 3 is model B03-A01-US00-1-3; the rule now
    names the model numbers Enphase's pages support, and the warning is gone (the inline cases above keep the rule
    honest)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "catalog"
    found = [p for p in audit_catalog(root) if p.rule == "rule-coverage"]
    assert all(p.severity == "warning" for p in found)
    assert not any(p.path.endswith("enphase-encharge-iq3-b03-a01-us00-1-3.yaml") and "'enphase-vpp'" in p.message
                   for p in found)
