"""`flightbridge export_logger USERNAME [--from] [--to] [--local] [--out FILE]`: print Logger deep links, one per line."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from flightbridge.errors import FlightBridgeError
from flightbridge.logger import services


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date written YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "Export a pilot's flights as loggerapp:// deep links (one per line); a summary goes to stderr."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--from", dest="date_from", type=_date, help="first logbook date (YYYY-MM-DD)")
        parser.add_argument("--to", dest="date_to", type=_date, help="last logbook date (YYYY-MM-DD)")
        parser.add_argument("--local", action="store_true", help="local airport times (isUTC false) instead of UTC")
        parser.add_argument("--max-length", type=int, help="longest link in characters")
        parser.add_argument("--out", help="write the links to this file instead of stdout")

    def handle(self, *args, username, date_from, date_to, local, max_length, out, **options):
        owner = get_user_model().objects.filter(username=username).first()
        if owner is None:
            raise CommandError(f"no user {username!r}")
        try:
            result = services.export_flights(owner, date_from=date_from, date_to=date_to, local=local, max_length=max_length)
        except FlightBridgeError as exc:
            raise CommandError(str(exc)) from None
        text = "".join(f"{link.url}\n" for link in result.links)
        if out:
            with open(out, "w", encoding="utf-8") as handle:
                handle.write(text)
        else:
            self.stdout.write(text, ending="")
        for warning in result.warnings:
            self.stderr.write(f"note: {warning}")
        basis = "UTC" if result.is_utc else "local"
        self.stderr.write(f"{result.flights} flight(s) in {len(result.links)} link(s), {basis} times"
                          + (f", written to {out}" if out else ""))
