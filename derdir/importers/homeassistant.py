"""Home Assistant integrations by brand, from the integration list of a `homeassistant` release.

The other importers use it so every imported device names the Home Assistant integration that
runs it (`tplink` for Kasa, `zwave_js` for Z-Wave, `zha`/`mqtt` for Zigbee) with local/cloud taken
from the integration's `iot_class`, not guessed. Input: the JSON list of integrations extracted
from the homeassistant wheel (`generated/integrations.json` plus each `manifest.json`).
"""

from __future__ import annotations

from .. import jsonsafe
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..normalize import maker_key
from .common import version_from_filename

PACKAGE = "homeassistant"
HUBS = {"zigbee": "zha", "zwave": "zwave_js", "mqtt": "mqtt", "matter": "matter"}


def integration_url(domain: str) -> str:
    return f"https://www.home-assistant.io/integrations/{domain}/"


def connection(iot_class: str | None) -> str | None:
    """'local_polling' -> 'local', 'cloud_push' -> 'cloud'; anything else is unknown."""
    if not iot_class:
        return None
    if iot_class.startswith("local"):
        return "local"
    if iot_class.startswith("cloud"):
        return "cloud"
    return None


@dataclass
class HAIndex:
    """Integrations of one Home Assistant release, looked up by domain and by brand name."""

    rows: list[dict[str, Any]]
    version: str = "unknown"
    seen: date | None = None
    by_domain: dict[str, dict[str, Any]] = field(default_factory=dict, init=False)
    by_maker: dict[str, list[dict[str, Any]]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        for row in sorted(self.rows, key=lambda r: str(r.get("domain"))):
            domain = row.get("domain")
            if not isinstance(domain, str):
                continue
            self.by_domain.setdefault(domain, row)
            for name in (row.get("name"), row.get("brand_name"), row.get("brand"), domain):
                if isinstance(name, str) and maker_key(name):
                    bucket = self.by_maker.setdefault(maker_key(name), [])
                    if row not in bucket:
                        bucket.append(row)

    @classmethod
    def load(cls, path: Path, version: str | None = None, seen: date | None = None) -> "HAIndex":
        rows = jsonsafe.loads(Path(path).read_text(encoding="utf-8"))
        if not isinstance(rows, list):
            raise ValueError(f"{path}: expected a JSON list of integrations")
        return cls(rows, version or version_from_filename(Path(path)) or "unknown", seen)

    @property
    def source(self) -> str:
        return f"{PACKAGE}@{self.version}"

    def _entry(self, row: dict[str, Any], via: str, note: str) -> dict[str, Any]:
        domain = row["domain"]
        out: dict[str, Any] = {"ecosystem": "home-assistant", "name": domain, "url": integration_url(domain)}
        conn = connection(row.get("iot_class"))
        if conn:
            out["connection"] = conn
        out["via"] = via
        if self.seen:
            iot = row.get("iot_class") or "iot_class not given"
            out["sources"] = [{
                "url": integration_url(domain),
                "title": f"Home Assistant {self.version} integration {domain} ({iot})"[:200],
                "supports": note,
                "seen": self.seen,
            }]
        return out

    def _follow(self, row: dict[str, Any]) -> dict[str, Any] | None:
        """A virtual integration points at the one that does the work (Tapo -> tplink)."""
        seen: set[str] = set()
        while row.get("supported_by") and row["domain"] not in seen:
            seen.add(row["domain"])
            nxt = self.by_domain.get(row["supported_by"])
            if nxt is None:
                return None
            row = nxt
        return row if row.get("iot_class") and row.get("integration_type") in ("device", "hub") else None

    def brand_rows(self, manufacturer: str) -> list[dict[str, Any]]:
        return list(self.by_maker.get(maker_key(manufacturer), []))

    def integration_for(self, manufacturer: str) -> dict[str, Any] | None:
        """The brand's own device integration (domain, local/cloud, url), or None if it has none.

        Prefers the integration whose domain is the brand key (TP-Link -> `tplink`), then a single
        unambiguous device/hub integration of that brand; never picks among several at random.
        """
        rows = self.brand_rows(manufacturer)
        if not rows:
            return None
        mk = maker_key(manufacturer)
        exact = [r for r in rows if maker_key(r["domain"]) == mk or maker_key(str(r.get("name") or "")) == mk]
        for pool in (exact, rows):
            usable = {r2["domain"]: r2 for r in pool if (r2 := self._follow(r))}
            if len(usable) > 1:
                usable = {d: r for d, r in usable.items() if maker_key(d) == mk}
            if len(usable) == 1:
                row = next(iter(usable.values()))
                return self._entry(row, "native", "Home Assistant integration and whether it runs locally or in a cloud")
        return None

    def brand_standards(self, manufacturer: str) -> set[str]:
        """Standards (zigbee, zwave, matter) Home Assistant lists for the brand."""
        out: set[str] = set()
        for row in self.brand_rows(manufacturer):
            out.update(s for s in row.get("iot_standards") or [] if isinstance(s, str))
        return out

    def brand_source(self, manufacturer: str, standard: str) -> dict[str, Any] | None:
        """The brand's Home Assistant page that lists `standard` (e.g. Aqara -> /integrations/aqara/)."""
        for row in sorted(self.brand_rows(manufacturer), key=lambda r: r["domain"]):
            if standard in (row.get("iot_standards") or []) and self.seen:
                return {
                    "url": integration_url(row["domain"]),
                    "title": f"Home Assistant {self.version} brand {row.get('name') or row['domain']}"[:200],
                    "supports": f"the brand's devices are listed as working over {standard}",
                    "seen": self.seen,
                }
        return None

    def hub_integration(self, standard: str, note: str) -> dict[str, Any] | None:
        """The integration that runs a radio standard: zigbee -> zha, zwave -> zwave_js, mqtt -> mqtt."""
        row = self.by_domain.get(HUBS.get(standard, standard))
        if row is None:
            return None
        via = {"zigbee": "zigbee", "zwave": "zwave", "matter": "matter"}.get(standard, "bridge")
        return self._entry(row, via, note)


def ha_integration_for(manufacturer: str, index: HAIndex) -> dict[str, Any] | None:
    """Convenience for callers outside the importers: the brand's Home Assistant integration."""
    return index.integration_for(manufacturer)
