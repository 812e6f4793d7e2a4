"""Telling the owner: one repair issue per program the home qualifies for and is not in yet.

"Your <device> qualifies for <program> (about $N a year): enroll", with the enrollment link. The owner can
ignore it (Home Assistant's Repairs dismiss it for good); it goes away by itself once the home is enrolled or
no longer qualifies.
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN


def issue_id(entry: ConfigEntry, program: str) -> str:
    return f"qualifies_{entry.entry_id}_{program}"


def update_issues(hass: HomeAssistant, entry: ConfigEntry, offers: list[dict[str, Any]]) -> None:
    """Create an issue per offer, and delete this entry's issues for programs no longer offered."""
    wanted = {issue_id(entry, o["program"]): o for o in offers}
    registry = ir.async_get(hass)
    prefix = issue_id(entry, "")
    for (domain, iid) in list(registry.issues):
        if domain == DOMAIN and iid.startswith(prefix) and iid not in wanted:
            ir.async_delete_issue(hass, DOMAIN, iid)
    for iid, o in wanted.items():
        devices = o["devices"]
        amount = f"about ${o['yearly']:,.0f} a year" if o["yearly"] else "amount not stated"
        ir.async_create_issue(
            hass, DOMAIN, iid, is_fixable=False, is_persistent=False, severity=ir.IssueSeverity.WARNING,
            translation_key="qualifies", learn_more_url=o["enroll_url"],
            translation_placeholders={"device": devices[0] if len(devices) == 1 else f"{devices[0]} (+{len(devices) - 1})",
                                      "program": o["name"], "amount": amount, "url": o["enroll_url"] or ""})


def clear_issues(hass: HomeAssistant, entry: ConfigEntry) -> None:
    update_issues(hass, entry, [])
