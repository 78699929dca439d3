"""`flightbridge export-csv USERNAME --format foreflight|myflightbook [--from] [--to] [--out FILE]`: a logbook file."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from flightbridge.errors import FlightBridgeError
from flightbridge.interchange import services


class Command(BaseCommand):
    help = "Write a pilot's flights as ForeFlight's import template or MyFlightbook's import CSV; a summary goes to stderr."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--format", required=True, choices=["foreflight", "myflightbook"])
        parser.add_argument("--from", dest="date_from", type=date.fromisoformat, help="first logbook date (YYYY-MM-DD)")
        parser.add_argument("--to", dest="date_to", type=date.fromisoformat, help="last logbook date (YYYY-MM-DD)")
        parser.add_argument("--include-myflightbook", action="store_true",
                            help="myflightbook format: also the flights that came from the pilot's MyFlightbook account")
        parser.add_argument("--hhmm", action="store_true",
                            help="myflightbook format: times as H:MM, which MyFlightbook reads the same in every language")
        parser.add_argument("--out", help="write the file here instead of stdout")

    def handle(self, *args, username, format, date_from, date_to, include_myflightbook, out, hhmm=False, **options):
        owner = get_user_model().objects.filter(username=username).first()
        if owner is None:
            raise CommandError(f"no user {username!r}")
        try:
            export = services.export_csv(owner, format, date_from=date_from, date_to=date_to,
                                         include_myflightbook=include_myflightbook, hhmm=hhmm)
            if out:
                with open(out, "w", encoding="utf-8", newline="") as handle:
                    handle.writelines(export.lines)
            else:
                for line in export.lines:
                    self.stdout.write(line, ending="")
        except FlightBridgeError as exc:
            raise CommandError(str(exc)) from None
        left_out = ""
        if export.left_out_myflightbook:
            left_out = (f"; left out {export.left_out_myflightbook} flight(s) from MyFlightbook "
                        "(--include-myflightbook adds them)")
        self.stderr.write(f"{export.flights} flight(s) as {format} CSV" + (f", written to {out}" if out else "") + left_out)
