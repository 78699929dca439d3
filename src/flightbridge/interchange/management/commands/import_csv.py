"""`flightbridge import-csv USERNAME FILE [--format] [--preview]`: import a ForeFlight, MyFlightbook or LogTen Pro file."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from flightbridge.errors import FlightBridgeError
from flightbridge.interchange import services


class Command(BaseCommand):
    help = "Import a logbook file through the logbook's import path; refused rows are listed with line and column."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("file")
        parser.add_argument("--format", choices=["foreflight", "myflightbook", "logten"], help="default: detect it")
        parser.add_argument("--preview", action="store_true", help="say what would happen; save nothing")

    def handle(self, *args, username, file, format, preview, **options):
        owner = get_user_model().objects.filter(username=username).first()
        if owner is None:
            raise CommandError(f"no user {username!r}")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no file {file!r}")
        if path.stat().st_size > services.MAX_UPLOAD_BYTES:
            raise CommandError(f"{file} is larger than {services.MAX_UPLOAD_BYTES // (1024 * 1024)} MB; split it by year")
        try:
            result = services.import_csv(owner, path.read_bytes(), format, preview=preview)
        except FlightBridgeError as exc:
            raise CommandError(str(exc)) from None
        for row in result.rows:
            for problem in row.problems:
                column = f", column {problem['column']}" if problem.get("column") else ""
                self.stderr.write(f"line {row.line}{column}: {problem['reason']}")
        for note in result.notes:
            self.stderr.write(f"note: {note['reason']}")
        run = f" (import #{result.run.pk}; undo it from the Imports page)" if result.run is not None else ""
        self.stdout.write(result.message + run)
