#!/usr/bin/env python3
"""Set-up and run in one command, on a machine that has only Python 3.11+.

    python3 dev.py serve [--port 8000]   # install into .venv, build the catalog, serve API + web pages
    python3 dev.py test  [pytest args]   # install test tools (Debian's chromium and postgresql), run every test,
                                         # then the Home Assistant integration's tests (as test-ha)
    python3 dev.py test-ha [pytest args] # the Home Assistant integration's tests alone, in .venv-ha

The tests run the household ledger on SQLite and on a private PostgreSQL cluster started here (in a
temporary folder, on a free port of 127.0.0.1) and stopped afterwards; its URL is DERDIR_TEST_PG_URL.

Installs are skipped when nothing changed (a stamp of pyproject.toml is kept in .venv).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
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


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    return found[-1].parent if found else None


def ensure_postgres() -> tuple[str, Path] | None:
    """A private PostgreSQL cluster for the ledger's tests, from Debian's `postgresql` (installed when missing):
    its URL and folder, or None where it cannot be had (the PostgreSQL tests then fail, they are not skipped)."""
    bindir = _pg_bin()
    if bindir is None and shutil.which("apt-get") and os.geteuid() == 0:
        run("apt-get", "update", "-qq")
        run("apt-get", "install", "-y", "-qq", "postgresql", env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        bindir = _pg_bin()
    if bindir is None:
        print("PostgreSQL not found and cannot be installed here", flush=True)
        return None
    folder = Path(tempfile.mkdtemp(prefix="derdir-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root: the cluster belongs to the postgres user
        shutil.chown(folder, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = folder / "data"
    run(*as_user, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "derdir", "--no-sync", "-E", "UTF8",
        stdout=subprocess.DEVNULL)
    run(*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "-o",
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start", stdout=subprocess.DEVNULL)
    run(*as_user, str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "derdir", "derdir_test")
    return f"postgresql://derdir@127.0.0.1:{port}/derdir_test", folder


def stop_postgres(folder: Path) -> None:
    bindir = _pg_bin()
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if bindir is not None:
        subprocess.call([*as_user, str(bindir / "pg_ctl"), "-D", str(folder / "data"), "-m", "fast", "-w", "stop"],
                        stdout=subprocess.DEVNULL)
    shutil.rmtree(folder, ignore_errors=True)


VENV_HA = ROOT / ".venv-ha"
HA_PINS = ["homeassistant==2025.4.4", "pytest-homeassistant-custom-component==0.13.236"]


def ha_python() -> str:
    """A Python for Home Assistant 2025.4 (3.13): $DERDIR_HA_PYTHON, pyenv's 3.13.x, python3.13, or this one."""
    if os.environ.get("DERDIR_HA_PYTHON"):
        return os.environ["DERDIR_HA_PYTHON"]
    roots = [Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"]
    found = sorted(p for r in roots for p in r.glob("3.13*/bin/python3"))
    if found:
        return str(found[-1])
    if shutil.which("python3.13"):
        return str(shutil.which("python3.13"))
    if sys.version_info[:2] >= (3, 13):
        return sys.executable
    sys.exit("the Home Assistant tests need Python 3.13 (set DERDIR_HA_PYTHON)")


def ensure_ha_venv() -> Path:
    """.venv-ha: Home Assistant, its test harness and this library (installed again when pyproject.toml changes)."""
    python = VENV_HA / ("Scripts" if os.name == "nt" else "bin") / "python"
    if not python.exists():
        run(ha_python(), "-m", "venv", str(VENV_HA))
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + " ".join(HA_PINS).encode()).hexdigest()
    stamp = VENV_HA / ".derdir-installed"
    if not stamp.exists() or stamp.read_text() != digest:
        run(str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        run(str(python), "-m", "pip", "install", "--quiet", *HA_PINS)
        run(str(python), "-m", "pip", "install", "--quiet", "-e", ".", cwd=ROOT)
        stamp.write_text(digest)
    return python


def test_ha(rest: list[str]) -> int:
    """The integration's tests on a real Home Assistant (the bundled catalog is built by their first fixture)."""
    python = ensure_ha_venv()
    where = [] if any(a.startswith("tests_ha") for a in rest) else ["tests_ha"]
    return subprocess.call([str(python), "-m", "pytest", "-c", "tests_ha/pytest.ini", *rest, *where], cwd=ROOT)


def main(argv: list[str]) -> int:
    if argv and argv[0] == "test-ha":
        return test_ha(argv[1:])
    if not argv or argv[0] not in ("serve", "test"):
        print(__doc__)
        return 2
    cmd, rest = argv[0], argv[1:]
    if cmd == "serve":
        ensure_venv("")
        os.execv(str(BIN / "derdir"), [str(BIN / "derdir"), "serve", *rest])
    ensure_venv("[test]")
    ensure_chromium()
    workers = ["-n", "2", "--dist", "loadgroup"] if not any(a.startswith("-n") for a in rest) else []
    env = {**os.environ, "DERDIR_REQUIRE_PG": "1"}  # under `dev.py test` the PostgreSQL tests must run
    pg = None if os.environ.get("DERDIR_TEST_PG_URL") else ensure_postgres()
    if pg is not None:
        env["DERDIR_TEST_PG_URL"] = pg[0]
    try:
        code = subprocess.call([str(BIN / "python"), "-m", "pytest", *workers, *rest], cwd=ROOT, env=env)
    finally:
        if pg is not None:
            stop_postgres(pg[1])
    return code or test_ha([])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
