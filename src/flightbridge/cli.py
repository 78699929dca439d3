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

#: Set before Django loads the settings, which then leave the data directory untouched: help, and the
#: sandboxes (stand-ins for other services, run by hand or by the demo), never write keys or databases.
SHOWING_HELP = False

#: Commands that stand in for other services and need nothing of FlightBridge's data directory.
SANDBOXES = frozenset({"mfb_sandbox", "model_source_sandbox"})

NO_TTY_SUPERUSER = (
    "flightbridge createsuperuser asks for a password, and there is no terminal to ask in. Run it in a "
    "terminal, or give the password in the environment: DJANGO_SUPERUSER_PASSWORD=… flightbridge "
    "createsuperuser --noinput --username NAME --email ADDRESS")

START_HERE = """FlightBridge: your logbook from MyFlightbook, Logger and logbook files, in one place.

Start here:
  flightbridge createsuperuser        create the first user (sets the database up on a fresh install)
  flightbridge serve                  run the web service and a worker (http://127.0.0.1:8000/)
  flightbridge demo                   the offline demo: a pilot, the service and local sandboxes

Running it:
  flightbridge worker                 a background worker alone (run any number)
  flightbridge migrate                apply database changes after an upgrade
  flightbridge token create USERNAME  a personal API token
  flightbridge rotate_keys            re-encrypt stored secrets with the first key
  flightbridge check_flights          run the flight check over stored flights

A pilot's logbook:
  flightbridge import_csv / export_csv / export_logger USERNAME …
  flightbridge registry load PATH     the FAA registry

The operator guide (docs/operators.md) explains each; `flightbridge help COMMAND` shows one's options.
Every command, Django's own included, is listed below.
"""

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
    SHOWING_HELP = only_shows_help(argv) or command in SANDBOXES
    if command == "createsuperuser" and not SHOWING_HELP and not {"--noinput", "--no-input"} & set(argv) \
            and not sys.stdin.isatty():
        raise SystemExit(NO_TTY_SUPERUSER)  # instead of Django's "run `manage.py createsuperuser`"
    if command == "help" and len(argv) <= 2 or len(argv) == 1 or argv[1:] in (["--help"], ["-h"]):
        print(START_HERE)
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
