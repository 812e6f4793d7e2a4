"""Installing the package: metadata setuptools accepts without deprecation warnings, and the files it needs."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_license_is_an_spdx_string_so_setuptools_does_not_warn() -> None:
    """A `license = {text = ...}` table made setuptools print a deprecation warning on every install (three
    times per `dev.py test`); PEP 639's SPDX string needs setuptools 77 or newer, which the build requires."""
    doc = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert doc["project"]["license"] == "MIT"
    required = [r for r in doc["build-system"]["requires"] if r.startswith("setuptools")]
    assert required and int(required[0].split(">=")[1].split(".")[0]) >= 77


def test_the_docs_assets_come_from_a_declared_dependency() -> None:
    from derdir.api.docs import ASSETS

    doc = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert any(d.startswith("fastapi-offline") for d in doc["project"]["dependencies"])
    assert {"swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"} <= {p.name for p in ASSETS.iterdir()}
