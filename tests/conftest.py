"""Shared fixtures: the real catalog built once per session, and tiny throwaway catalogs."""

from __future__ import annotations

import shutil
import socket
import textwrap
from pathlib import Path
from typing import Callable

import pytest

from derdir.catalog.build import build
from derdir.catalog.index import Catalog

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "catalog"


@pytest.fixture(scope="session")
def real_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled catalog, built into a temporary folder."""
    out = tmp_path_factory.mktemp("build")
    build(CATALOG, out)
    return out


@pytest.fixture(scope="session")
def cat(real_build: Path) -> Catalog:
    return Catalog((real_build / "current").resolve())


SOURCE = """
verified_on: 2026-11-01
sources:
- url: https://example.org/spec
  kind: official
  seen: 2026-11-01
"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def recipe(body: str, provenance: bool = True) -> str:
    return textwrap.dedent(body).strip() + "\n" + (SOURCE.strip() + "\n" if provenance else "")


@pytest.fixture
def mini(tmp_path: Path) -> Callable[..., Path]:
    """Write recipe files into a fresh catalog: mini({'utilities/x.yaml': text, ...}) -> catalog root."""
    root = tmp_path / "catalog"

    def make(files: dict[str, str], seed: bool = True) -> Path:
        if seed:
            for rel, text in SEED.items():
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                (root / rel).write_text(text)
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        return root

    return make


SEED = {
    "utilities/pge.yaml": recipe("""
        name: Pacific Gas and Electric Company
        short_name: PG&E
        aliases: [Pacific Gas & Electric Co]
        eia_id: 14328
        country: US
        regions: [US-CA]
    """),
    "utilities/sce.yaml": recipe("""
        name: Southern California Edison
        country: US
        regions: [US-CA]
    """),
    "devices/smart-plug/acme-plug.yaml": recipe("""
        category: smart-plug
        manufacturer: Acme
        product_name: Acme Energy Plug
        model_numbers: [AP-1]
        power: {energy_monitoring: true, controllable_kw: 1.5}
        connectivity: {zigbee: true}
        identifiers:
          zigbee: [{model_id: AP1, manufacturer_names: [_TZ_acme]}]
    """),
    "devices/smart-plug/acme-dumb-plug.yaml": recipe("""
        category: smart-plug
        manufacturer: Acme
        product_name: Acme Basic Plug
        model_numbers: [AP-0]
        power: {energy_monitoring: false}
        connectivity: {zigbee: true}
    """),
    "hubs/zig-hub.yaml": recipe("""
        manufacturer: Hubco
        product_name: Zig Hub
        model_numbers: [ZH-1]
        ecosystem: hubitat
        roles: {zigbee_coordinator: true, zwave_controller: false}
    """),
    "hubs/wifi-hub.yaml": recipe("""
        manufacturer: Hubco
        product_name: Wifi Hub
        model_numbers: [WH-1]
        ecosystem: homey
        roles: {zigbee_coordinator: false, zwave_controller: false}
    """),
    "programs/acme-rewards.yaml": recipe("""
        name: Acme Rewards
        operator: Acme Power
        urls: {info: https://example.org/rewards}
        markets: {utilities: [pge]}
        eligibility:
          rules:
          - category: smart-plug
            manufacturers: [ACME Inc.]
            requires: {energy_monitoring: true}
        incentives:
        - {type: enrollment, amount: 50}
        - {type: per-month, amount: 5}
    """),
}


def copy_catalog(dest: Path) -> Path:
    shutil.copytree(CATALOG, dest)
    return dest
