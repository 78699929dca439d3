"""A fresh install for subprocess tests: the `flightbridge` command of this venv, an empty data directory,
and (on the PostgreSQL run) an empty database of its own, with none of the test suite's settings.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

FLIGHTBRIDGE = str(Path(sys.executable).parent / "flightbridge")
#: The interpreter the venv was made from: it has no Django, like `python3` on a fresh clone.
BASE_PYTHON = getattr(sys, "_base_executable", sys.executable)
#: Kept from the test run: the suite-wide sandbox write log and where chromium is.
KEEP = {"FLIGHTBRIDGE_SANDBOX_WRITE_LOG", "FLIGHTBRIDGE_CHROMIUM", "FLIGHTBRIDGE_VENV"}

_names = itertools.count()


def fresh_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items()
           if not (name.startswith(("FLIGHTBRIDGE_", "MFB_", "DJANGO_")) and name not in KEEP)}
    env.update({"FLIGHTBRIDGE_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


def run(args: list[str], env: dict[str, str], timeout: float = 120, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)


@contextlib.contextmanager
def fresh_database():
    """{} on SQLite (the data directory's default file); on PostgreSQL a new empty database, dropped after."""
    if os.environ.get("FLIGHTBRIDGE_TEST_DATABASE", "sqlite") != "postgresql":
        yield {}
        return
    import psycopg

    server = os.environ.get("FLIGHTBRIDGE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    name = f"fb_install_{os.getpid()}_{next(_names)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, query = server.partition("?")
    try:
        yield {"FLIGHTBRIDGE_DATABASE_URL": base.rsplit("/", 1)[0] + "/" + name + (f"?{query}" if query else "")}
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
