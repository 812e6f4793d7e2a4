"""`derdir audit`: one bad recipe per rule, each reported as path:line:col: field: message [rule]."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from derdir.audit import audit_catalog
from derdir.cli.app import app
from derdir.cli import commands  # noqa: F401
from tests.conftest import SEED, recipe

runner = CliRunner()


def rules_of(root: Path) -> list[tuple[str, str, int, str]]:
    return [(p.rule, p.path, p.line, p.field) for p in audit_catalog(root)]


def test_seed_catalog_is_clean(mini) -> None:
    assert audit_catalog(mini({})) == []


def test_unknown_reference_with_did_you_mean(mini) -> None:
    text = SEED["programs/acme-rewards.yaml"].replace("utilities: [pge]", "utilities: [pgee]")
    root = mini({"programs/acme-rewards.yaml": text})
    problems = audit_catalog(root)
    assert len(problems) == 1
    p = problems[0]
    assert (p.rule, p.path, p.line, p.field) == ("unknown-reference", "catalog/programs/acme-rewards.yaml", 4, "markets.utilities[0]")
    assert "did you mean 'pge'" in p.message
    assert p.render().startswith("catalog/programs/acme-rewards.yaml:4:")


def test_unknown_device_claim(mini) -> None:
    root = mini({"programs/claims.yaml": recipe("""
        name: C
        operator: O
        urls: {info: https://example.org/}
        markets: {utilities: [pge]}
        eligibility:
          devices:
          - device: acme-plugg
    """)})
    problems = audit_catalog(root)
    assert [(p.rule, p.field) for p in problems] == [("unknown-reference", "eligibility.devices[0].device")]
    assert "did you mean 'acme-plug'" in problems[0].message


def test_duplicate_id_across_category_folders(mini) -> None:
    root = mini({"devices/light/acme-plug.yaml": SEED["devices/smart-plug/acme-plug.yaml"].replace("smart-plug", "light")})
    assert ("duplicate-id", "catalog/devices/smart-plug/acme-plug.yaml", 1, "id") in rules_of(root)


def test_ids_colliding_after_normalisation(mini) -> None:
    root = mini({"utilities/p-ge.yaml": SEED["utilities/pge.yaml"]})
    assert [r[0] for r in rules_of(root)] == ["id-collision"]


def test_former_id_may_not_shadow_a_live_id(mini) -> None:
    root = mini({"utilities/sce.yaml": "former_ids: [pge]\n" + SEED["utilities/sce.yaml"]})
    assert [(r[0], r[3]) for r in rules_of(root)] == [("duplicate-alias", "former_ids[0]")]


def test_open_rule_needs_a_note(mini) -> None:
    root = mini({"programs/open.yaml": recipe("""
        name: Open
        operator: O
        urls: {info: https://example.org/}
        markets: {utilities: [pge]}
        eligibility:
          rules:
          - category: thermostat
    """)})
    assert [(r[0], r[3]) for r in rules_of(root)] == [("open-rule", "eligibility.rules[0]")]


def test_claim_conflicting_with_device_recipe(mini) -> None:
    root = mini({"programs/acme-rewards.yaml": SEED["programs/acme-rewards.yaml"].replace(
        "eligibility:\n", "eligibility:\n  devices:\n  - device: acme-dumb-plug\n")})
    problems = audit_catalog(root)
    assert [(p.rule, p.field) for p in problems] == [("claim-conflict", "eligibility.devices[0]")]
    assert "needs energy monitoring" in problems[0].message


def test_disputed_claims_are_a_warning_not_an_error(mini) -> None:
    root = mini({"programs/acme-rewards.yaml": SEED["programs/acme-rewards.yaml"].replace(
        "eligibility:\n", "eligibility:\n  devices:\n  - device: acme-plug\n  - device: acme-plug\n    supported: false\n")})
    problems = audit_catalog(root)
    assert [(p.rule, p.severity) for p in problems] == [("disputed-claim", "warning")]


def test_stale_recipe_warning(mini) -> None:
    root = mini({"utilities/sce.yaml": SEED["utilities/sce.yaml"].replace("2026-11-01", "2020-01-01")})
    assert [(p.rule, p.severity, p.field) for p in audit_catalog(root)] == [("stale", "warning", "verified_on")]


def test_a_broken_file_does_not_stop_the_run(mini) -> None:
    root = mini({"utilities/broken.yaml": "name: [unclosed\n", "utilities/empty.yaml": ""})
    got = sorted((p.path, p.rule) for p in audit_catalog(root))
    assert got == [("catalog/utilities/broken.yaml", "yaml"), ("catalog/utilities/empty.yaml", "yaml")]


def test_cli_exit_codes_and_format(mini) -> None:
    root = mini({})
    ok = runner.invoke(app, ["audit", "--catalog", str(root)])
    assert ok.exit_code == 0 and "0 error(s)" in ok.output
    (root / "utilities" / "bad.yaml").write_text("name: X\ncountry: US\nregions: [US-CA]\nwebsite: javascript:x\n"
                                                 "verified_on: 2026-01-01\nsources: [{url: 'https://e.org', seen: 2026-01-01}]\n")
    bad = runner.invoke(app, ["audit", "--catalog", str(root)])
    assert bad.exit_code == 1
    assert "catalog/utilities/bad.yaml:4:1: website: URL scheme must be http or https [url-scheme]" in bad.output


def test_cli_audits_only_the_given_files(mini) -> None:
    root = mini({"utilities/bad.yaml": "name: [\n"})
    result = runner.invoke(app, ["audit", "--catalog", str(root), str(root / "utilities" / "pge.yaml")])
    assert result.exit_code == 0, result.output


def test_cli_json_format(mini) -> None:
    root = mini({"utilities/bad.yaml": "name: [\n"})
    result = runner.invoke(app, ["audit", "--catalog", str(root), "--format", "json"])
    import json

    data = json.loads(result.output)
    assert result.exit_code == 1 and data["errors"] == 1 and data["problems"][0]["rule"] == "yaml"
