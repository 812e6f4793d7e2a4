"""The CLI on the bundled catalog: the answers the README promises, as JSON and as tables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from derdir.cli import commands  # noqa: F401
from derdir.cli.app import app
from tests.conftest import CATALOG

runner = CliRunner()


def cli(real_build: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--catalog", str(CATALOG), "--build-dir", str(real_build)])
    return result.exit_code, result.output


def cli_json(real_build: Path, *args: str) -> dict:
    code, out = cli(real_build, *args, "--json")
    assert code == 0, out
    return json.loads(out)


def test_support_kp125m_ohmconnect_answers_every_market_with_evidence(real_build: Path) -> None:
    data = cli_json(real_build, "support", "tp-link-kasa-kp125m", "renew-home-ohmconnect")
    assert set(data["markets"]) == {"pge", "sce", "sdge"}
    for entry in data["markets"].values():
        assert entry["evidence"], "every market answer carries evidence"
        assert {e["supported"] for e in entry["evidence"]} == {True, False}  # the known conflict is shown
        assert entry["supported"] is None
    assert data["verdict"]["basis"] == "disputed"


def test_support_rheem_wattersaver_in_pge(real_build: Path) -> None:
    data = cli_json(real_build, "support", "rheem-proterra-proph65-t2-rh375-s", "pge-wattersaver")
    assert data["markets"]["pge"]["supported"] is True
    assert {i["type"] for i in data["markets"]["pge"]["incentives"]} == {"enrollment", "per-month"}


def test_compat_kp125m_home_assistant_yellow(real_build: Path) -> None:
    data = cli_json(real_build, "compat", "tp-link-kasa-kp125m", "home-assistant-yellow")
    assert data["compatible"] is True
    assert data["how"]["name"] == "tplink" and data["how"]["connection"] == "local"


def test_info_by_name_and_market(real_build: Path) -> None:
    data = cli_json(real_build, "info", "Kasa KP125M", "--market", "Pacific Gas & Electric Co")
    assert data["id"] == "tp-link-kasa-kp125m" and data["market"]["utility"] == "pge"
    assert "olivine-climateresponse" in [p["id"] for p in data["programs"]]


def test_tables_for_people(real_build: Path) -> None:
    code, out = cli(real_build, "compat", "tp-link-kasa-kp125m", "home-assistant-yellow")
    assert code == 0 and "compatible" in out
    code, out = cli(real_build, "programs", "--market", "pge")
    assert code == 0 and " programs" in out.splitlines()[0] and "┃ id" in out


def test_not_found_exits_2_with_suggestion(real_build: Path) -> None:
    code, out = cli(real_build, "info", "tp-link-kasa-kp125mx")
    assert code == 2 and "did you mean" in out


def test_search_json(real_build: Path) -> None:
    data = cli_json(real_build, "search", "KP125M")
    assert data["items"][0]["id"] == "tp-link-kasa-kp125m"


def test_new_scaffolds_a_valid_recipe(mini) -> None:
    root = mini({})
    result = runner.invoke(app, ["new", "device", "--category", "thermostat", "--manufacturer", "Acme",
                                 "--name", "Acme Stat", "--model", "AS-1", "--source", "https://example.org/as1",
                                 "--catalog", str(root)])
    assert result.exit_code == 0, result.output
    path = root / "devices" / "thermostat" / "acme-as-1.yaml"
    assert path.is_file()
    audit = runner.invoke(app, ["audit", "--catalog", str(root), str(path)])
    assert audit.exit_code == 0, audit.output
    again = runner.invoke(app, ["new", "device", "--category", "thermostat", "--manufacturer", "Acme",
                                "--name", "Acme Stat", "--model", "AS-1", "--source", "https://example.org/as1",
                                "--catalog", str(root)])
    assert again.exit_code == 1 and "already exists" in again.output


def test_every_command_has_an_example_in_its_help() -> None:
    import typer.main

    group = typer.main.get_command(app)
    assert len(group.commands) >= 10
    for name, command in group.commands.items():
        subs = command.commands.values() if hasattr(command, "commands") else [command]
        for sub in subs:
            assert "Example:" in (sub.help or ""), f"{name} {sub.name} has no example"


# --- file arguments (issue 17, item 14) ---------------------------------------------------------------------

FILE_ARGS = [
    ("check", "--location", "pge", "--devices", "{path}"),
    ("check", "--location", "pge", "--ha-registry", "{path}"),
    ("recommend", "--location", "pge", "--devices", "{path}"),
    ("recommend", "--location", "pge", "--ha-registry", "{path}"),
    ("resolve", "--jsonl", "{path}"),
]


@pytest.mark.parametrize("args", FILE_ARGS, ids=[" ".join(a[:1] + a[-2:-1]) for a in FILE_ARGS])
@pytest.mark.parametrize("what", ["missing", "folder", "unreadable", "binary"])
def test_every_file_argument_fails_in_one_line(real_build: Path, tmp_path: Path, args: tuple[str, ...],
                                               what: str) -> None:
    import os

    path = tmp_path / "nope.json"
    if what == "folder":
        path.mkdir()
    elif what == "unreadable":
        if os.geteuid() == 0:
            pytest.skip("root reads every file")
        path.write_text("[]")
        path.chmod(0)
    elif what == "binary":
        path.write_bytes(b"\xff\xfe\x00\x01")
    result = runner.invoke(app, [a.format(path=path) for a in args] + ["--catalog", str(CATALOG), "--build-dir",
                                                                       str(real_build)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    if what != "binary":
        assert str(path) in lines[0]


# --- info on every kind (issue 17, item 13) -------------------------------------------------------------------


@pytest.mark.parametrize(("ref", "kind", "rid", "says"), [
    ("home-assistant-yellow", "hub", "home-assistant-yellow", "derdir compat <product> home-assistant-yellow"),
    ("YELLOW-KIT-POE", "hub", "home-assistant-yellow", "works with"),
    ("pge-wattersaver", "program", "pge-wattersaver", "derdir support <product> pge-wattersaver"),
    ("pge", "utility", "pge", "derdir programs --market pge"),
    ("Pacific Gas & Electric Co", "utility", "pge", "US-CA"),
])
def test_info_answers_for_hubs_programs_and_utilities(real_build: Path, ref: str, kind: str, rid: str, says: str) -> None:
    code, out = cli(real_build, "info", ref)
    assert code == 0, out
    assert f"({kind} {rid})" in out and says in out and "Traceback" not in out
    data = cli_json(real_build, "info", ref)
    assert data["id"] == rid and data["kind"] == kind


def test_info_without_a_market_lists_where_each_program_runs(real_build: Path) -> None:
    code, out = cli(real_build, "info", "tp-link-kasa-kp125m")
    assert code == 0, out
    assert "renew-home-ohmconnect" in out and "pge, sce, sdge" in out


def test_piped_output_prints_full_values_on_one_line(real_build: Path) -> None:
    """Piped (not a terminal), tables neither fold ids nor cut reasons and URLs at 80 columns (issue 17 item 16)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    out = subprocess.run([sys.executable, "-m", "derdir", "info", "tp-link-kasa-kp125m", "--catalog", str(CATALOG),
                          "--build-dir", str(real_build)], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    row = next(line for line in out.stdout.splitlines() if "renew-home-ohmconnect" in line)
    assert "sources disagree about this device; see evidence" in row and "pge, sce, sdge" in row, out.stdout
    assert max(map(len, out.stdout.splitlines())) > 80


# --- finding hubs (issue 17, item 20) -------------------------------------------------------------------------


def test_hubs_lists_every_hub_with_its_id(real_build: Path) -> None:
    data = cli_json(real_build, "hubs")
    ids = {h["id"] for h in data}
    assert {"home-assistant-yellow", "hubitat-elevation-c-8", "philips-hue-bridge"} <= ids
    code, out = cli(real_build, "hubs")
    assert code == 0 and "hubitat-elevation-c-8" in out and f"{len(data)} hubs" in out


def test_search_for_a_hub_says_where_it_is(real_build: Path) -> None:
    code, out = cli(real_build, "search", "home assistant")
    assert code == 0
    assert "hub home-assistant-yellow" in out and "derdir info home-assistant-yellow" in out


@pytest.mark.parametrize(("given", "hub"), [("hubitat", "hubitat-elevation-c-8"), ("Hubitat Elevation", "hubitat-elevation-c-8"),
                                            ("hue", "philips-hue-bridge"), ("Hue Bridge", "philips-hue-bridge")])
def test_compat_accepts_a_unique_part_of_a_hub_name(real_build: Path, given: str, hub: str) -> None:
    data = cli_json(real_build, "compat", "tp-link-kasa-kp125m", given)
    assert data["hub"] == hub, data


def test_compat_names_the_hubs_an_ambiguous_part_could_be(real_build: Path) -> None:
    code, out = cli(real_build, "compat", "tp-link-kasa-kp125m", "home-assistant")
    assert code == 2 and "home-assistant-yellow" in out and "home-assistant-green" in out


# --- data oddities checked against their sources (issue 17, item 21) -------------------------------------------


def test_a_usb_radio_is_not_a_hub_for_wifi_devices(real_build: Path) -> None:
    """Home Assistant Connect ZBT-1 is a USB Zigbee/Thread radio (home-assistant.io/connectzbt1): a Wi-Fi plug
    does not reach it "via the tplink integration"; a Zigbee device does reach it as a coordinator."""
    data = cli_json(real_build, "compat", "tp-link-kasa-kp125m", "home-assistant-connect-zbt-1")
    assert data["compatible"] is None and "radio adapter" in data["reason"]
    assert all(p["type"] == "protocol" for p in data["paths"])
    assert cli_json(real_build, "compat", "tp-link-kasa-kp125m", "home-assistant-yellow")["compatible"] is True


def test_hubitat_runs_an_ecobee_integration(real_build: Path) -> None:
    """Hubitat ships the built-in Ecobee Integration app (docs.hubitat.com, Ecobee_Integration)."""
    data = cli_json(real_build, "compat", "ecobee-ecobee3-lite", "hubitat")
    assert data["compatible"] is True and data["how"]["connection"] == "cloud"
    assert data["how"]["url"] == "https://docs.hubitat.com/index.php?title=Ecobee_Integration"
