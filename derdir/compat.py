"""Will this product work with this hub, and how? Integrations first, then shared protocols."""

from __future__ import annotations

from typing import Any

from .catalog.index import Catalog
from .facts import DeviceFacts
from .lookup import find_device, find_in_memory
from .normalize import maker_key
from .plain import article
from .plain import ecosystem as ecosystem_name
from .recipes.hub import Hub


def paths(device: DeviceFacts, hub: Hub) -> list[dict[str, Any]]:
    """Every known way the device reaches the hub, most direct first."""
    out: list[dict[str, Any]] = []
    for ecosystem, name, url, connection, via in device.integrations:
        if ecosystem == hub.ecosystem and not hub.radio_adapter:  # a radio stick runs no integration
            out.append({"type": "integration", "name": name, "url": url, "connection": connection, "via": via,
                        "reason": f"the device has {article(ecosystem_name(hub.ecosystem))} {ecosystem_name(hub.ecosystem)} integration"
                        + (f" ({name})" if name else "")})
    for r in hub.runs:
        if not {maker_key(b) for b in r.brands}.isdisjoint(device.makers) and (not r.categories or device.category in r.categories):
            out.append({"type": "integration", "name": r.domain or r.name, "url": r.url, "connection": r.connection,
                        "via": "native", "reason": f"the hub runs the {r.name} integration for {device.manufacturer}"})
    roles = hub.roles
    if device.zigbee and roles.zigbee_coordinator:
        out.append({"type": "protocol", "protocol": "zigbee", "connection": "local",
                    "reason": "Zigbee device and the hub is a Zigbee coordinator"})
    if device.zwave and roles.zwave_controller:
        out.append({"type": "protocol", "protocol": "zwave", "connection": "local",
                    "reason": "Z-Wave device and the hub is a Z-Wave controller"})
    if device.matter and roles.matter_controller:
        transport = device.matter_transport
        if transport == "thread" and not roles.thread_border_router:
            pass
        else:
            over = {"thread": " over Thread via the hub's border router", "wifi": " over Wi-Fi"}.get(transport or "", "")
            out.append({"type": "protocol", "protocol": "matter", "connection": "local",
                        "reason": f"Matter device{over} and the hub is a Matter controller"})
    return out


def verdict(device: DeviceFacts, hub: Hub, found: list[dict[str, Any]] | None = None) -> tuple[bool | None, str]:
    """Compatible true/false/null and why; `found` is `paths(device, hub)` when the caller has it already."""
    found = paths(device, hub) if found is None else found
    if found:
        return True, found[0]["reason"]
    d, roles = device, hub.roles
    radio_only = not (d.wifi or d.ethernet or d.matter or d.cellular) and (d.zigbee or d.zwave)
    if radio_only and not device.integrations:
        lacking = [(d.zigbee, roles.zigbee_coordinator, "Zigbee"), (d.zwave, roles.zwave_controller, "Z-Wave")]
        needed = [(role, name) for have, role, name in lacking if have]
        if all(role is False for role, _ in needed):
            names = " or ".join(n for _, n in needed)
            return False, f"the device only speaks {names} and the hub has no {names} controller"
    if hub.radio_adapter:
        return None, (f"the hub is a radio adapter: a device reaches it only over its radios; ask about the "
                      f"{hub.ecosystem} hub or server it plugs into")
    return None, "no integration or shared protocol is on record for this pair"


def compat(cat: Catalog, product_ref: str, hub_ref: str) -> dict[str, Any]:
    """Answer for (product, hub): compatible true/false/null, how, and the evidence."""
    did = find_device(cat, product_ref)
    hid = find_in_memory(cat, "hub", hub_ref, "hub")
    device, facts, hub = cat.device(did), cat.facts(did), cat.hubs[hid]
    assert device is not None and facts is not None
    found = paths(facts, hub)
    ok, reason = verdict(facts, hub, found)
    evidence = [{"url": s.url, "title": s.title, "seen": s.seen.isoformat(), "of": of}
                for of, rec in (("product", device), ("hub", hub)) for s in rec.sources]
    return {"product": did, "hub": hid, "ecosystem": hub.ecosystem, "compatible": ok, "reason": reason,
            "how": found[0] if found else None, "paths": found, "evidence": evidence,
            "verified_on": {"product": device.verified_on.isoformat(), "hub": hub.verified_on.isoformat()},
            "catalog_version": cat.version}


def hub_facets(hub: Hub) -> list[tuple[str, str]]:
    """(facet, value) pairs of devices this hub can reach: the index form of `paths`."""
    out = [] if hub.radio_adapter else [("ecosystem", hub.ecosystem)]
    roles = hub.roles
    if roles.zigbee_coordinator:
        out.append(("protocol", "zigbee"))
    if roles.zwave_controller:
        out.append(("protocol", "zwave"))
    if roles.matter_controller:
        out.append(("protocol", "matter"))
    out += [("maker", maker_key(b)) for r in hub.runs for b in r.brands]
    return out
