#!/usr/bin/env python3
"""Set up everything and run the FlightBridge demo: the service, a worker and the offline sandboxes.

    python3 scripts/demo.py            # then open http://127.0.0.1:8000/ (Ctrl-C stops everything)
    python3 scripts/demo.py --port 9000

Needs only Python 3.11+: it creates .venv, installs FlightBridge, and keeps its data in var/demo of
the checkout (FLIGHTBRIDGE_DATA_DIR overrides it). `--help` writes nothing there.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bootstrap import ROOT, ensure_venv  # noqa: E402


def main() -> None:
    env = {**os.environ}
    env.setdefault("FLIGHTBRIDGE_DATA_DIR", str(ROOT / "var" / "demo"))
    flightbridge = str(ensure_venv().parent / "flightbridge")
    os.execve(flightbridge, [flightbridge, "demo", *sys.argv[1:]], env)


if __name__ == "__main__":
    main()
