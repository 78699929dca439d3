"""`flightbridge`: the project's manage command. Every Django command works through it.

Hyphenated command names (`rotate-keys`, `mfb-sandbox`) map to the Django command modules with
underscores. A configuration error exits with status 2 and a message naming the variable.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flightbridge.settings")
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    argv[0] = "flightbridge"
    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(argv)
    except SystemExit as exc:
        if isinstance(exc.code, str) and exc.code.startswith("flightbridge: configuration error"):
            print(exc.code, file=sys.stderr)
            raise SystemExit(2) from None
        raise
