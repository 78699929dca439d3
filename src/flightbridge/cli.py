"""`flightbridge`: the project's manage command. Every Django command works through it.

Command names are spelt as `flightbridge --help` lists them (`mfb_sandbox`, `rotate_keys`); the
hyphenated spelling (`mfb-sandbox`) is still accepted so older scripts keep working. A configuration
error exits with status 2 and a message naming the variable.

Before a command that needs the tables, the database is checked: on a fresh install `createsuperuser`
(the first command the operator guide names) applies the migrations itself; any other command says in
one line to run `flightbridge migrate`, instead of a traceback about a missing table. A run that only
shows help writes nothing at all (no data directory, keys or database).
"""

from __future__ import annotations

import os
import sys

#: Set before Django loads the settings, which then leave the data directory untouched.
SHOWING_HELP = False

#: Commands that run without our tables, or that create them (serve and demo migrate first themselves).
NO_TABLES_NEEDED = frozenset({
    "migrate", "makemigrations", "showmigrations", "sqlmigrate", "squashmigrations", "optimizemigration",
    "check", "help", "version", "diffsettings", "shell", "dbshell", "sqlflush", "sqlsequencereset", "inspectdb",
    "collectstatic", "findstatic", "startapp", "startproject", "test", "testserver", "compilemessages",
    "makemessages", "sendtestemail", "createcachetable", "export_openapi_schema",
    "mfb_sandbox", "model_source_sandbox", "serve", "demo",
})

#: The first command of a fresh install: it sets the database up rather than fail on a missing table.
MIGRATES_FIRST = frozenset({"createsuperuser"})


def command_name(argv: list[str]) -> str:
    return argv[1].replace("-", "_") if len(argv) > 1 and not argv[1].startswith("-") else "help"


def only_shows_help(argv: list[str]) -> bool:
    return command_name(argv) in ("help", "version") or any(arg in ("-h", "--help", "--version") for arg in argv[1:])


def unapplied_migrations() -> int:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def ensure_tables(command: str) -> None:
    """Make a fresh database usable for `command`, or stop with one line saying what to run."""
    from django.conf import settings
    from django.core.management import call_command

    where = settings.CONFIG.database.label
    pending = unapplied_migrations()
    if not pending:
        return
    if command in MIGRATES_FIRST:
        print(f"flightbridge: setting up the database first ({where}; {pending} migrations, "
              "as `flightbridge migrate` does)", file=sys.stderr, flush=True)
        call_command("migrate", interactive=False, verbosity=0)
        return
    raise SystemExit(f"flightbridge: the database ({where}) has {pending} migrations to apply: "
                     "run `flightbridge migrate` first")


def main(argv: list[str] | None = None) -> None:
    global SHOWING_HELP
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flightbridge.settings")
    command = command_name(argv)
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = command
    argv[0] = "flightbridge"
    SHOWING_HELP = only_shows_help(argv)
    try:
        import django
        from django.core.management import execute_from_command_line

        if not SHOWING_HELP and command not in NO_TABLES_NEEDED:
            django.setup()
            from django.core.management import get_commands

            if command in get_commands():  # a typo gets Django's "Unknown command", not a database message
                ensure_tables(command)
        execute_from_command_line(argv)
    except SystemExit as exc:
        if isinstance(exc.code, str) and exc.code.startswith("flightbridge: configuration error"):
            print(exc.code, file=sys.stderr)
            raise SystemExit(2) from None
        raise
