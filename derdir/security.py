"""Security facts of a product as a homeowner can use them: its own, its maker's (inherited), and what its
protocol implies (derived, and said to be). Unknown stays `None` and is shown as unknown.

`effective` gives one product's facts with a `basis` per fact (stated / inherited / derived); `summary` gives a
household check its short security section; `coverage` gives `derdir stats` its `security_coverage`.
"""

from __future__ import annotations

from typing import Any, Iterable

from .normalize import maker_key
from .recipes.device import ProductBase
from .recipes.manufacturer import Manufacturer

CERTIFICATIONS = (("cyber_trust_mark", "U.S. Cyber Trust Mark"), ("psa_certified", "PSA Certified"),
                  ("matter_certified", "Matter certified"))
COVERAGE_CATEGORIES = ("battery", "solar-inverter", "ev-charger", "thermostat", "water-heater")
_LOCAL_RADIOS = (("zigbee", "Zigbee"), ("zwave", "Z-Wave"))
_PROTOCOL_REASON = ("derived from the protocol: {radio} devices are controlled by a coordinator (hub) on the home "
                    "network; the protocol needs no cloud or account")
_MATTER_REASON = ("derived from the protocol: Matter devices are set up and controlled by a Matter controller on the "
                  "home network; Matter needs no maker's cloud or account")
_INVERTER_REASON = ("derived from the category: a grid-tied solar inverter converts power and feeds the home and the "
                    "grid without a network connection; monitoring, remote settings and commissioning may need one")


def maker_index(manufacturers: dict[str, Manufacturer]) -> dict[str, str]:
    """Maker key (name, alias, brand) -> manufacturer id."""
    out: dict[str, str] = {}
    for mid, m in sorted(manufacturers.items()):
        for n in (m.name, *m.aliases, *m.brands):
            k = maker_key(n)
            if k:
                out.setdefault(k, mid)
    return out


def maker_of(product: ProductBase, manufacturers: dict[str, Manufacturer],
             index: dict[str, str] | None = None) -> str | None:
    """The manufacturer recipe a product's maker (or brand) names, if any."""
    index = maker_index(manufacturers) if index is None else index
    for n in (product.manufacturer, product.brand):
        if n and maker_key(n) in index:
            return index[maker_key(n)]
    return None


def _sources(items: Iterable[Any]) -> list[dict[str, Any]]:
    return [s.model_dump(mode="json", exclude_none=True) for s in items]


def _radio(product: ProductBase) -> str | None:
    c = product.connectivity
    for attr, name in _LOCAL_RADIOS:
        if getattr(c, attr):
            return name
    return None


def _local_control(product: ProductBase, category: str | None, maker: Manufacturer | None,
                   mid: str | None) -> dict[str, Any]:
    own = product.security.local_control
    if own is not None and own.available is not None:
        return _fact(own, "derived" if own.derived else "stated")
    inherited = _maker_devices(maker, category, "local_control")
    if inherited is not None and inherited.available is not None:
        return {**_fact(inherited, "derived" if inherited.derived else "inherited"), "from_manufacturer": mid}
    if product.control.local_api is not None:
        return {"available": product.control.local_api, "how": "local API" if product.control.local_api else None,
                "cloud_functions": [], "basis": "stated",
                "reason": "the recipe's control.local_api", "sources": _sources(product.sources)}
    radio = _radio(product) if category is not None else None  # a hub's own radio says nothing of its cloud
    if radio:
        return {"available": True, "how": f"through a {radio} coordinator (hub) on the home network",
                "cloud_functions": [], "basis": "derived", "reason": _PROTOCOL_REASON.format(radio=radio), "sources": []}
    local = [i for i in product.integrations if i.connection == "local"]
    if local:
        i = local[0]
        return {"available": True, "how": f"through the {i.name or i.ecosystem} integration ({i.ecosystem}), which "
                                          "connects on the home network", "cloud_functions": [], "basis": "derived",
                "reason": "derived from an integration that connects locally", "sources": _sources(i.sources)}
    if product.connectivity.matter and category is not None:
        return {"available": True, "how": "through a Matter controller on the home network", "cloud_functions": [],
                "basis": "derived", "reason": _MATTER_REASON, "sources": []}
    return {"available": None, "basis": None}


def _cloud(product: ProductBase, category: str | None, maker: Manufacturer | None, mid: str | None) -> dict[str, Any]:
    own = product.security.cloud
    if own is not None and (own.account_required is not None or own.internet_required is not None):
        return _fact(own, "derived" if own.derived else "stated")
    inherited = _maker_devices(maker, category, "cloud")
    if inherited is not None and (inherited.account_required is not None or inherited.internet_required is not None):
        return {**_fact(inherited, "derived" if inherited.derived else "inherited"), "from_manufacturer": mid}
    if category is None:  # hubs: a coordinator's radio does not tell whether the hub itself needs a cloud
        return {"account_required": None, "internet_required": None, "basis": None}
    radio = _radio(product)
    reason = (_PROTOCOL_REASON.format(radio=radio) if radio else _MATTER_REASON if product.connectivity.matter
              else _INVERTER_REASON if category == "solar-inverter" else None)
    if reason:
        return {"account_required": False, "internet_required": False, "for_setup_only": None, "note": None,
                "basis": "derived", "reason": reason, "sources": []}
    return {"account_required": None, "internet_required": None, "basis": None}


def _fact(model: Any, basis: str) -> dict[str, Any]:
    data = model.model_dump(mode="json", exclude={"derived", "sources"})
    return {**data, "basis": basis, "sources": _sources(model.sources)}


def _maker_devices(maker: Manufacturer | None, category: str | None, attr: str) -> Any:
    if maker is None or maker.security is None or category is None:
        return None
    for d in maker.security.devices:
        if category in d.categories and getattr(d, attr) is not None:
            return getattr(d, attr)
    return None


def effective(product: ProductBase, category: str | None, manufacturers: dict[str, Manufacturer],
              index: dict[str, str] | None = None) -> dict[str, Any]:
    """One product's security facts, each with its basis: `stated` (its recipe), `inherited` (its maker's
    recipe, `from_manufacturer`), `derived` (protocol or category, with the reason) or `None` (unknown)."""
    mid = maker_of(product, manufacturers, index)
    maker = manufacturers.get(mid) if mid else None
    ms = maker.security if maker is not None else None
    sec = product.security
    policy: dict[str, Any] | None = None
    if sec.update_policy is not None:
        policy = {**sec.update_policy.model_dump(mode="json", exclude_none=True), "basis": "stated"}
    elif ms is not None and ms.update_policy is not None:
        policy = {**ms.update_policy.model_dump(mode="json", exclude_none=True), "basis": "inherited",
                  "from_manufacturer": mid}
    vdp = sec.vulnerability_disclosure or (ms.vulnerability_disclosure if ms else None)
    certs = []
    for key, name in CERTIFICATIONS:
        c = getattr(sec, key)
        if c is not None and c.certified is not None:
            certs.append({"key": key, "name": name, **c.model_dump(mode="json", exclude_none=True)})
    advisories = [a.model_dump(mode="json", exclude_none=True) for a in (*sec.advisories, *(ms.advisories if ms else ()))]
    out = {
        "manufacturer": mid,
        "local_control": _local_control(product, category, maker, mid),
        "cloud": _cloud(product, category, maker, mid),
        "update_policy": policy,
        "vulnerability_disclosure": ({"url": vdp, "basis": "stated" if sec.vulnerability_disclosure else "inherited"}
                                     if vdp else None),
        "certifications": certs,
        "advisories": advisories,
    }
    out["plain"] = plain(out)
    return out


def complete(eff: dict[str, Any]) -> bool:
    """Has the three facts the coverage counts: local control, cloud requirement, update policy."""
    c = eff["cloud"]
    return (eff["local_control"]["available"] is not None
            and (c["account_required"] is not None or c["internet_required"] is not None)
            and eff["update_policy"] is not None)


def _how_known(fact: dict[str, Any]) -> str:
    basis = fact.get("basis")
    if basis == "derived":
        return f" ({fact.get('reason') or 'derived'})"
    if basis == "inherited":
        return f" (the maker's statement, {fact.get('from_manufacturer')})"
    return ""


def plain(eff: dict[str, Any]) -> list[str]:
    """The facts in plain words, one sentence each; unknown facts say so."""
    out = []
    lc = eff["local_control"]
    if lc["available"] is None:
        out.append("Local control without a cloud: unknown.")
    elif lc["available"]:
        s = "Works locally, without the maker's cloud" + (f": {lc['how']}" if lc.get("how") else "")
        if lc.get("cloud_functions"):
            s += f"; needs the cloud for {', '.join(lc['cloud_functions'])}"
        out.append(s + _how_known(lc) + ".")
    else:
        out.append("No local control: it is controlled through the maker's cloud" + _how_known(lc) + ".")
    c = eff["cloud"]
    if c["account_required"] is None and c["internet_required"] is None:
        out.append("Whether it needs an account or internet connection to operate: unknown.")
    else:
        needs = [w for w, v in (("a maker's account", c["account_required"]),
                                ("an internet connection", c["internet_required"])) if v]
        if needs:
            s = "Needs " + " and ".join(needs) + (" to set it up" if c.get("for_setup_only") else " to operate")
        else:
            s = ("Can operate without " if c.get("basis") == "derived" else "Operates without ") + " or ".join(
                w for w, v in (("a maker's account", c["account_required"]),
                               ("an internet connection", c["internet_required"])) if v is False)
        out.append(s + _how_known(c) + ".")
    p = eff["update_policy"]
    if p is None:
        out.append("Security-update period: unknown (not looked up yet).")
    elif p["status"] == "no-statement-found":
        out.append(f"Security-update period: no published statement found (looked on {p.get('looked_on')})"
                   + _how_known(p) + ".")
    else:
        span = (f"at least {_years(p['period_years'])}" + (f" from {p['counted_from'].replace('-', ' ')}"
                                                          if p.get("counted_from") else "")
                if p.get("period_years") is not None else f"until {p['until']}" if p.get("until")
                else "the maker publishes a policy, without a period we could read (see its sources)")
        out.append(f"Security updates: {span}" + _how_known(p) + ".")
    for cert in eff["certifications"]:
        out.append(f"{cert['name']}: {'yes' if cert['certified'] else 'no'}"
                   + (f" ({cert['level']})" if cert.get("level") else "") + ".")
    if eff["vulnerability_disclosure"]:
        out.append(f"Vulnerability reports: {eff['vulnerability_disclosure']['url']}.")
    for a in eff["advisories"]:
        out.append(f"Advisory{' ' + a['id'] if a.get('id') else ''}: {a['title']}"
                   + (f" (fixed in {a['fixed_in']})" if a.get("fixed_in") else "") + ".")
    return out


def _years(y: float) -> str:
    n = int(y) if float(y).is_integer() else y
    return f"{n} year{'s' if n != 1 else ''}"


def summary(cat: Any, answer: dict[str, Any]) -> dict[str, Any]:
    """A household check's security section, from its answer: devices that need a cloud account (and whether for
    a program they take part in), those with no published update period, and those certified. Each device listed
    says why; nothing is said without a stated, inherited or derived fact behind it."""
    index = cat.derived.get("security.maker_index")
    if index is None:
        index = cat.derived["security.maker_index"] = maker_index(cat.manufacturers)
    cloud, no_period, unknown_period, certified, unknown = [], [], [], [], []
    for d in answer["devices"]:
        match = d.get("match") or {}
        rid = match.get("id")
        if d.get("duplicate_of") is not None or not rid or match.get("level", "product") != "product":
            continue
        product = cat.device(rid) if rid not in cat.hubs else cat.hubs[rid]
        if product is None:
            continue
        eff = effective(product, getattr(product, "category", None), cat.manufacturers, index)
        programs = sorted({p["id"] for key in ("programs", "conditional") for p in d.get(key, [])})
        row = {"index": d["index"], "id": rid}
        c = eff["cloud"]
        if c["account_required"] or c["internet_required"]:
            cloud.append({**row, "programs": programs, "account_required": c["account_required"],
                          "internet_required": c["internet_required"], "basis": c["basis"]})
        p = eff["update_policy"]
        if p is None:
            unknown_period.append(row)
        elif p["status"] == "no-statement-found":
            no_period.append({**row, "looked_on": p.get("looked_on"), "basis": p["basis"]})
        for cert in eff["certifications"]:
            if cert["certified"]:
                certified.append({**row, "certification": cert["name"]})
        if eff["local_control"]["available"] is None and c["account_required"] is None and c["internet_required"] is None:
            unknown.append(row)
    def named(rows: list[dict[str, Any]]) -> str:
        return ", ".join(f"#{r['index']} {r['id']}" for r in rows)

    lines = []
    taking_part = [r for r in cloud if r["programs"]]
    if taking_part:
        lines.append("Needs the maker's cloud account or internet to operate, and so to take part in "
                     + "; ".join(f"#{r['index']} {r['id']}: {', '.join(r['programs'])}" for r in taking_part) + ".")
    if len(cloud) > len(taking_part):
        lines.append("Needs the maker's cloud account or internet to operate: "
                     + named([r for r in cloud if not r["programs"]]) + ".")
    if no_period:
        lines.append("No published security-update period found: " + named(no_period) + ".")
    if certified:
        lines.append("Certified: " + ", ".join(f"#{r['index']} {r['id']} ({r['certification']})" for r in certified) + ".")
    if unknown_period:
        lines.append("Security-update period not looked up yet (unknown, not a risk found): " + named(unknown_period) + ".")
    return {"needs_cloud": cloud, "no_update_period": no_period, "update_period_unknown": unknown_period,
            "certified": certified, "facts_unknown": unknown, "plain": lines}


def coverage(products: Iterable[tuple[ProductBase, str | None]], manufacturers: dict[str, Manufacturer]) -> dict[str, Any]:
    """Per category (hubs as `hub`): devices, how many have the three facts (own, inherited or derived), the
    share, and how many have them without any derived fact."""
    index = maker_index(manufacturers)
    counts: dict[str, list[int]] = {}
    for product, category in products:
        key = category or "hub"
        row = counts.setdefault(key, [0, 0, 0])
        eff = effective(product, category, manufacturers, index)
        row[0] += 1
        if complete(eff):
            row[1] += 1
            if "derived" not in (eff["local_control"]["basis"], eff["cloud"]["basis"]):
                row[2] += 1
    return {k: {"devices": n, "with_facts": ok, "share": round(ok / n, 3) if n else 0.0,
                "without_derived": sourced}
            for k, (n, ok, sourced) in sorted(counts.items())}
