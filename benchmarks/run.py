#!/usr/bin/env python3
"""Run every FlightBridge benchmark and print one table.

    python3 benchmarks/run.py                  # every benchmark, on SQLite and PostgreSQL
    python3 benchmarks/run.py --db sqlite --only registry
    python3 benchmarks/run.py --markdown docs/benchmarks.md
    python3 benchmarks/run.py --list           # what there is to run, without running it

Like scripts/demo.py and scripts/test.py it needs only Python 3.11+: it sets up .venv and runs again
inside it.

A benchmark is a function `bench_<name>(ctx)` in a module `benchmarks/bench_<area>.py`. It runs in a
fresh process on a fresh database (a temporary SQLite file, or a PostgreSQL database created for it
and dropped after), with Django set up and migrated, and returns a list of rows
`{"metric": "flights/s", "value": 1234.5}`. The runner adds wall time and the process's peak memory.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))


class BenchContext:
    def __init__(self, database: str, data_dir: Path, quick: bool, pilots: int | None = None):
        self.database, self.data_dir, self.quick = database, data_dir, quick
        self.pilots = pilots  # --pilots: the fleet benchmark's size (its full size takes minutes)

    def scale(self, full: int, quick: int) -> int:
        return quick if self.quick else full


def discover(only: str | None) -> list[str]:
    found = []
    for path in sorted((ROOT / "benchmarks").glob("bench_*.py")):
        module = importlib.import_module(f"benchmarks.{path.stem}")
        for name in sorted(dir(module)):
            if name.startswith("bench_") and callable(getattr(module, name)):
                target = f"{path.stem}:{name}"
                if not only or only in target:
                    found.append(target)
    return found


def child(target: str, database: str, postgres_url: str, quick: bool, pilots: int | None = None) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="flightbridge-bench-"))
    os.environ["FLIGHTBRIDGE_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("FLIGHTBRIDGE_LOG_LEVEL", "WARNING")
    # The deployment-wide call budget is off unless a benchmark is about it (bench_fleet_sync sets it).
    os.environ.setdefault("MFB_MAX_CALLS_PER_SECOND", "0")
    db_name = None
    if database == "postgresql":
        import psycopg

        db_name = f"bench_flightbridge_{os.getpid()}"
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{db_name}"')
        base, _, query = postgres_url.partition("?")
        os.environ["FLIGHTBRIDGE_DATABASE_URL"] = base.rsplit("/", 1)[0] + "/" + db_name + (f"?{query}" if query else "")
    else:
        os.environ["FLIGHTBRIDGE_DATABASE_URL"] = f"sqlite:///{data_dir}/bench.sqlite3"
    os.environ["DJANGO_SETTINGS_MODULE"] = "flightbridge.settings"
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        module_name, function_name = target.split(":")
        function = getattr(importlib.import_module(f"benchmarks.{module_name}"), function_name)
        started = time.perf_counter()
        rows = function(BenchContext(database, data_dir, quick, pilots)) or []
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print("BENCH-RESULT " + json.dumps({"rows": rows, "seconds": seconds, "peak_mb": peak_mb}))
    finally:
        if db_name:
            from django.db import connections

            connections.close_all()
            import psycopg

            with psycopg.connect(postgres_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--only", help="run benchmarks whose module:function contains this text")
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the benchmarks themselves work")
    parser.add_argument("--markdown", help="also write the table to this Markdown file")
    parser.add_argument("--pilots", type=int, help="pilots in the fleet benchmark (default 1,000; --quick 20)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks (module:function) and run none")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--postgres-url", default=os.environ.get("FLIGHTBRIDGE_TEST_POSTGRES_URL", ""), help=argparse.SUPPRESS)
    options = parser.parse_args()

    if options.child:
        child(options.child, options.db, options.postgres_url, options.quick, options.pilots)
        return 0

    from bootstrap import reexec_in_venv  # set up .venv like scripts/demo.py and scripts/test.py do

    reexec_in_venv("test")
    python = Path(sys.executable)
    if options.list:
        print("\n".join(discover(options.only)))
        return 0
    databases = ["sqlite", "postgresql"] if options.db == "both" else [options.db]
    postgres_url = options.postgres_url
    if "postgresql" in databases and not postgres_url:
        from test import ensure_postgres

        postgres_url = ensure_postgres(python)
    table = []
    for target in discover(options.only):
        for database in databases:
            args = [sys.executable, __file__, "--child", target, "--db", database, "--postgres-url", postgres_url]
            if options.quick:
                args.append("--quick")
            if options.pilots:
                args += ["--pilots", str(options.pilots)]
            print(f"… {target} on {database}", file=sys.stderr, flush=True)
            result = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
            line = next((l for l in result.stdout.splitlines() if l.startswith("BENCH-RESULT ")), None)
            if result.returncode != 0 or line is None:
                table.append((target, database, "FAILED", (result.stderr or result.stdout).strip().splitlines()[-1:] or [""], "", ""))
                continue
            data = json.loads(line.removeprefix("BENCH-RESULT "))
            for row in data["rows"]:
                table.append((target, database, row["metric"], row["value"], f"{data['peak_mb']:.0f}", f"{data['seconds']:.1f}"))
    header = ("benchmark", "database", "metric", "value", "peak MB", "seconds")
    lines = [header] + [tuple(str(v if not isinstance(v, float) else f"{v:,.1f}") for v in row) for row in table]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths)) for line in lines)
    print(text)
    if options.markdown:
        machine = f"{platform.node()} — {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}"
        md = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        md += ["| " + " | ".join(line) + " |" for line in lines[1:]]
        Path(options.markdown).write_text(
            f"# Benchmarks\n\nMeasured {time.strftime('%Y-%m-%d')} on {machine} with `python3 benchmarks/run.py`.\n\n" + "\n".join(md) + "\n"
        )
    return 1 if any(row[2] == "FAILED" for row in table) else 0


if __name__ == "__main__":
    sys.exit(main())
