"""Set up FlightBridge's virtual environment from a clean checkout, with nothing but Python 3.11+.

Used by scripts/demo.py, scripts/test.py and benchmarks/run.py. Re-installs only when pyproject.toml
changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(os.environ.get("FLIGHTBRIDGE_VENV", ROOT / ".venv"))
BIN = VENV / "bin"


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], check=True, **kwargs)


def ensure_python() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"FlightBridge needs Python 3.11 or newer; this is {sys.version.split()[0]}")


def _stamp(extras: str) -> Path:
    return VENV / f".flightbridge-installed{('-' + extras) if extras else ''}"


def _stamp_value(extras: str) -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()


def _installed(extras: str) -> bool:
    # The test install holds everything the plain one does: the demo needs no second pip run after the tests.
    return any(_stamp(candidate).exists() and _stamp(candidate).read_text() == _stamp_value(candidate)
               for candidate in {extras, "test"})


def ensure_venv(extras: str = "") -> Path:
    """Create .venv and install the project (editable) with `extras`; return the venv's python."""
    ensure_python()
    python = BIN / "python"
    if not python.exists():
        say(f"creating virtual environment in {VENV}")
        run([sys.executable, "-m", "venv", VENV])
        run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    if not _installed(extras):
        target = f".[{extras}]" if extras else "."
        say(f"installing FlightBridge and its dependencies ({target})")
        run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", target], cwd=ROOT)
        _stamp(extras).write_text(_stamp_value(extras))
    return python


def running_in_venv() -> bool:
    # sys.prefix, not sys.executable: the venv's python is a symlink to the same interpreter binary.
    return Path(sys.prefix).resolve() == VENV.resolve()


def reexec_in_venv(extras: str = "") -> None:
    """Set up .venv and run this same script again inside it, unless it already runs there."""
    python = ensure_venv(extras)
    if running_in_venv():
        return
    if os.environ.get("FLIGHTBRIDGE_REEXEC") == "1":
        sys.exit(f"could not switch to the virtual environment {VENV} (running {sys.executable})")
    os.environ["FLIGHTBRIDGE_REEXEC"] = "1"
    os.execv(str(python), [str(python), str(Path(sys.argv[0]).resolve()), *sys.argv[1:]])


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def apt_install(*packages: str) -> None:
    if not (is_root() and shutil.which("apt-get")):
        sys.exit(f"please install {' '.join(packages)} (needs root and apt-get to do it automatically)")
    say(f"installing {' '.join(packages)} with apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-qq"], env=env)
    run(["apt-get", "install", "-y", "-qq", *packages], env=env, stdout=subprocess.DEVNULL)
