"""`derdir import source-kinds` (derdir.importers.source_kinds): a missing source kind is filled only where the
catalog's data decides it, comments and layout are kept, and a second run changes nothing."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from derdir.audit import audit_catalog
from derdir.cli import commands  # noqa: F401
from derdir.cli.app import app
from derdir.importers.source_kinds import UPSTREAM, fill_source_kinds, under
from derdir.recipes.yamlio import load_yaml
from tests.conftest import SEED

MAKER = """\
name: Hubco
aliases: [Hubco Inc]
website: https://www.hubco.example/
verified_on: 2026-11-01
sources:
- url: https://example.org/spec
  kind: official
  seen: 2026-11-01
"""

HUB = SEED["hubs/zig-hub.yaml"].replace("""sources:
- url: https://example.org/spec
  kind: official
  seen: 2026-11-01
""", """sources:
# the maker's spec sheet
- url: https://support.hubco.example/zh-1.pdf
  title: ZH-1 spec   # read in November
  seen: 2026-11-01
- url: https://forum.hubco.example/t/zh-1-tips
  seen: 2026-11-01
- {url: 'https://github.com/home-assistant/core/blob/abc/homeassistant/components/zha/manifest.json', seen: 2026-11-01}
- url: https://www.theverge.com/2022/zig-hub
  seen: 2026-11-01
- url: https://blog.example.net/zig-hub-review
  seen: 2026-11-01
- url: https://example.org/spec
  kind: installer
  seen: 2026-11-01
""")

PREFIXES = """\
prefixes:
- prefix: github.com/home-assistant/core
  kind: upstream-data
  reason: Home Assistant's source
- prefix: theverge.com
  kind: news
  reason: a news outlet
"""


def _catalog(mini, **extra):
    return mini({"manufacturers/hubco.yaml": MAKER, "hubs/zig-hub.yaml": HUB, "audit/source-kinds.yaml": PREFIXES,
                 **extra})


def test_kinds_come_from_data_and_the_rest_is_reported(mini) -> None:
    root = _catalog(mini)
    report = fill_source_kinds(root)
    assert [(f.recipe, f.field, f.kind) for f in report.filled] == [
        ("zig-hub", "sources[0]", "manufacturer"), ("zig-hub", "sources[2]", "upstream-data"),
        ("zig-hub", "sources[3]", "news")]
    # a maker's users' forum and an unknown blog stay empty; a kind already given is never changed
    assert report.left == [("zig-hub", "sources[1]", "https://forum.hubco.example/t/zh-1-tips"),
                           ("zig-hub", "sources[4]", "https://blog.example.net/zig-hub-review")]
    text = (root / "hubs/zig-hub.yaml").read_text()
    assert "# the maker's spec sheet" in text and "title: ZH-1 spec   # read in November" in text
    kinds = [s.get("kind") for s in load_yaml(text.encode()).data["sources"]]
    assert kinds == ["manufacturer", None, "upstream-data", "news", None, "installer"]
    assert not [p for p in audit_catalog(root) if p.severity == "error"]
    again = fill_source_kinds(root)
    assert again.filled == [] and again.files == [] and (root / "hubs/zig-hub.yaml").read_text() == text


def test_dry_run_writes_nothing_and_imported_devices_are_left_alone(mini) -> None:
    imported = SEED["devices/smart-plug/acme-plug.yaml"].replace(
        "  kind: official\n", "") + "imported: {source: 'zigbee-herdsman-converters@1.0.0', key: AP1, owned_fields: ['sources[https://example.org/spec]']}\n"
    root = _catalog(mini, **{"devices/smart-plug/acme-plug.yaml": imported})
    before = (root / "hubs/zig-hub.yaml").read_text()
    report = fill_source_kinds(root, dry_run=True)
    assert report.files == ["zig-hub"] and (root / "hubs/zig-hub.yaml").read_text() == before
    assert report.imported_skipped == 1
    assert not fill_source_kinds(root, kinds=("device",)).filled


def test_importers_datasets_are_upstream() -> None:
    assert under("https://www.zigbee2mqtt.io/devices/TS011F.html", UPSTREAM[-1])
    assert under("https://github.com/Koenkk/zigbee-herdsman-converters/blob/x/src/devices/tuya.ts",
                 "github.com/koenkk/zigbee-herdsman-converters")
    assert not under("https://github.com/Koenkk/zigbee-herdsman-converters-fork", "github.com/Koenkk/zigbee-herdsman-converters")
    assert not under("https://nottheverge.com/x", "theverge.com") and under("https://www.theverge.com/x", "theverge.com")


def test_cli_reports_and_refuses_a_broken_list(mini) -> None:
    root = _catalog(mini)
    result = CliRunner().invoke(app, ["import", "source-kinds", "--catalog", str(root), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["counts"]["by_kind"] == {"manufacturer": 1, "news": 1, "upstream-data": 1}
    assert [x["url"] for x in data["left_empty"]][1] == "https://blog.example.net/zig-hub-review"
    (root / "audit/source-kinds.yaml").write_text("prefixes:\n- prefix: theverge.com\n  kind: gossip\n  reason: x y\n")
    before = (root / "hubs/zig-hub.yaml").read_text()
    result = CliRunner().invoke(app, ["import", "source-kinds", "--catalog", str(root)])
    assert result.exit_code == 1 and "source-kinds.yaml:3:3:" in result.output and "prefixes.0.kind" in result.output
    assert "Traceback" not in result.output and (root / "hubs/zig-hub.yaml").read_text() == before
    result = CliRunner().invoke(app, ["import", "source-kinds", "--only", "plug", "--catalog", str(root)])
    assert result.exit_code == 1 and "--only takes hub or device" in result.output
