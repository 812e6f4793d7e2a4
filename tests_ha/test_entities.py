"""The home's entities on a real Home Assistant, against `derdir check` for the same registry files."""

from __future__ import annotations

import json
import subprocess
import sys

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from custom_components.der_directory.const import DOMAIN

from .conftest import DEVICES, ENTITIES, ROOT, setup_home

POTENTIAL = "sensor.der_directory_pacific_gas_electric_potential_yearly_earnings"
SEASON = "sensor.der_directory_pacific_gas_electric_earned_this_season"


def derdir_check(*extra: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "derdir", "check", "--location", "94105", "--ha-registry", str(DEVICES),
                          "--ha-entities", str(ENTITIES), "--hub", "home-assistant-os-generic", "--json",
                          "--catalog", str(ROOT / "catalog"), "--build-dir",
                          str(ROOT / "custom_components/der_directory/bundled"), *extra],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout)


async def test_sensors_equal_derdir_check(hass: HomeAssistant, home_registry: dict[str, str]) -> None:
    entry = await setup_home(hass)
    check = derdir_check()
    state = hass.states.get(POTENTIAL)
    assert state is not None, sorted(hass.states.async_entity_ids())
    money = sum(p["estimate"]["USD"]["typical"] for p in check["programs"]
                if p["counted"] and p["status"] == "qualifies" and "USD" in p["estimate"])
    assert float(state.state) == money > 0
    assert state.attributes["unit_of_measurement"] == "USD"
    assert state.attributes["counted_programs"] == [p["id"] for p in check["programs"] if p["counted"]]
    assert state.attributes["device_counts"] == check["counts"]
    assert state.attributes["catalog_origin"] == "bundled"
    assert float(hass.states.get(SEASON).state) == 0.0
    assert sum(check["counts"].values()) == 40  # every device of the registry (not the integration's own)
    assert entry.runtime_data.answer["totals"] == check["totals"]


async def test_qualifying_program_raises_a_dismissible_issue(hass: HomeAssistant, home_registry: dict[str, str]) -> None:
    entry = await setup_home(hass)
    issues = {i.issue_id: i for (d, _), i in ir.async_get(hass).issues.items() if d == DOMAIN}
    check = derdir_check()
    offered = {p["id"] for p in check["programs"] if p["counted"] and p["status"] == "qualifies"}
    assert {i.split("_", 2)[2] for i in issues} == offered
    issue = issues[f"qualifies_{entry.entry_id}_resideo-power-savers-california"]
    assert issue.translation_key == "qualifies" and not issue.is_fixable and issue.learn_more_url.startswith("https://")
    assert issue.translation_placeholders["amount"] == "about $50 a year"
    assert "ecobee" in issue.translation_placeholders["device"].lower()
    ir.async_ignore_issue(hass, DOMAIN, issue.issue_id, True)  # the owner dismisses it
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue.issue_id).dismissed_version is not None
