#!/usr/bin/env python3
"""Set-up and run in one command, on a machine that has only Python 3.11+.

    python3 dev.py serve [--port 8000]   # install into .venv, build the catalog, serve API + web pages
    python3 dev.py test  [pytest args]   # install test tools (and Debian's chromium), run every test

Installs are skipped when nothing changed (a stamp of pyproject.toml is kept in .venv).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def run(*cmd: str, **kw) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kw)


def ensure_venv(extras: str) -> None:
    if sys.version_info < (3, 11):
        sys.exit("DER Directory needs Python 3.11 or newer")
    if not (BIN / "python").exists():
        run(sys.executable, "-m", "venv", str(VENV))
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / ".derdir-installed"
    if not stamp.exists() or stamp.read_text() != digest:
        run(str(BIN / "python"), "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        run(str(BIN / "python"), "-m", "pip", "install", "--quiet", "-e", f".{extras}", cwd=ROOT)
        stamp.write_text(digest)


def ensure_chromium() -> None:
    """Browser tests drive Debian's chromium (Playwright's own browser download is not used)."""
    if shutil.which("chromium") or os.environ.get("DERDIR_CHROMIUM"):
        return
    if shutil.which("apt-get") and os.geteuid() == 0:
        run("apt-get", "update", "-qq")
        run("apt-get", "install", "-y", "-qq", "chromium", env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    else:
        print("chromium not found and cannot be installed here; browser tests will be skipped", flush=True)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("serve", "test"):
        print(__doc__)
        return 2
    cmd, rest = argv[0], argv[1:]
    if cmd == "serve":
        ensure_venv("")
        os.execv(str(BIN / "derdir"), [str(BIN / "derdir"), "serve", *rest])
    ensure_venv("[test]")
    ensure_chromium()
    workers = ["-n", "2"] if not any(a.startswith("-n") for a in rest) else []
    return subprocess.call([str(BIN / "python"), "-m", "pytest", *workers, *rest], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
