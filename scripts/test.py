#!/usr/bin/env python3
"""Set up everything and run the whole test suite, on SQLite and on PostgreSQL.

    python3 scripts/test.py               # both databases
    python3 scripts/test.py --db sqlite   # one of them
    python3 scripts/test.py -- -k vault   # anything after -- goes to pytest

Installs the virtual environment, Debian's chromium (for the Playwright page tests), PostgreSQL and
Redis when they are missing, starts PostgreSQL and Redis when they are down, then runs pytest once per
database.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bootstrap import ROOT, apt_install, ensure_venv, is_root, run, say  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
POSTGRES_CANDIDATES = [
    "postgresql://postgres@127.0.0.1:5432/postgres",
    "postgresql://root@localhost/postgres?host=/var/run/postgresql",
]


def ensure_chromium() -> None:
    if not Path(os.environ.get("FLIGHTBRIDGE_CHROMIUM", CHROMIUM)).exists():
        apt_install("chromium")


def postgres_reachable(python: Path, url: str) -> bool:
    probe = "import sys, psycopg; psycopg.connect(sys.argv[1], connect_timeout=3).close()"
    return subprocess.run([str(python), "-c", probe, url], capture_output=True).returncode == 0


def start_postgres() -> None:
    clusters = sorted(glob.glob("/etc/postgresql/*/main"))
    if not clusters:
        apt_install("postgresql")
        clusters = sorted(glob.glob("/etc/postgresql/*/main"))
    for cluster in clusters:
        version = Path(cluster).parent.name
        say(f"starting PostgreSQL {version}")
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=False)
    if is_root() and shutil.which("runuser"):
        # A fresh Debian cluster knows only the postgres role; let root connect over the socket (peer auth).
        subprocess.run(["runuser", "-u", "postgres", "--", "psql", "-qc",
                        "DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='root') THEN CREATE ROLE root SUPERUSER LOGIN; END IF; END$$;"],
                       check=False, capture_output=True)


def ensure_postgres(python: Path) -> str:
    candidates = [os.environ["FLIGHTBRIDGE_TEST_POSTGRES_URL"]] if os.environ.get("FLIGHTBRIDGE_TEST_POSTGRES_URL") else POSTGRES_CANDIDATES
    for attempt in range(2):
        for url in candidates:
            if postgres_reachable(python, url):
                return url
        if attempt == 0:
            start_postgres()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not any(postgres_reachable(python, u) for u in candidates):
                time.sleep(1)
    sys.exit("PostgreSQL is not reachable; set FLIGHTBRIDGE_TEST_POSTGRES_URL to a server the tests may create databases on")


def redis_reachable(python: Path, url: str) -> bool:
    probe = "import sys, redis; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=3).ping()"
    return subprocess.run([str(python), "-c", probe, url], capture_output=True).returncode == 0


def ensure_redis(python: Path) -> str:
    """The Redis queue storage is tested for real; start (or install) a throwaway Redis when there is none."""
    url = os.environ.get("FLIGHTBRIDGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    if redis_reachable(python, url):
        return url
    if not shutil.which("redis-server"):
        apt_install("redis-server")
    say("starting Redis")
    subprocess.run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379", "--save", "",
                    "--appendonly", "no"], check=False, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if redis_reachable(python, url):
            return url
        time.sleep(0.5)
    sys.exit("Redis is not reachable; set FLIGHTBRIDGE_TEST_REDIS_URL to a Redis the tests may use (database 15 is flushed)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    options = parser.parse_args()

    python = ensure_venv("test")
    ensure_chromium()
    databases = ["sqlite", "postgresql"] if options.db == "both" else [options.db]
    env = {**os.environ, "FLIGHTBRIDGE_TEST_REDIS_URL": ensure_redis(python)}
    if "postgresql" in databases:
        env["FLIGHTBRIDGE_TEST_POSTGRES_URL"] = ensure_postgres(python)
    results = {}
    for run_number, database in enumerate(databases):
        run_env = {**env, "FLIGHTBRIDGE_TEST_DATABASE": database}
        if run_number:
            # A test that touches no database gives the same answer on each: it ran in the first run.
            run_env["FLIGHTBRIDGE_TEST_DATABASE_TESTS_ONLY"] = "1"
            say(f"running the test suite on {database} (the tests that touch a database; the rest ran on {databases[0]})")
        else:
            say(f"running the test suite on {database}")
        started = time.monotonic()
        code = subprocess.run([str(python), "-m", "pytest", "-p", "no:cacheprovider", *options.pytest_args],
                              cwd=ROOT, env=run_env).returncode
        results[database] = (code, time.monotonic() - started)
    for database, (code, seconds) in results.items():
        say(f"{database}: {'passed' if code == 0 else f'FAILED (pytest exit {code})'} in {seconds:.0f}s")
    return 0 if all(code == 0 for code, _ in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
