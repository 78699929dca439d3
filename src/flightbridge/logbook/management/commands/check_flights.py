"""`flightbridge check_flights [USERNAME]`: run the flight check again over stored flights (after an upgrade)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from flightbridge.logbook import services


class Command(BaseCommand):
    help = ("Run the flight check again over every stored flight (or one pilot's), so flights imported before it "
            "existed are flagged too. Changes nothing but the flags.")

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", help="only this pilot's flights")

    def handle(self, *args, username, **options):
        owner = None
        if username:
            owner = get_user_model().objects.filter(username=username).first()
            if owner is None:
                raise CommandError(f"no user {username!r}")
        checked, flagged = services.recheck_flights(owner)
        self.stdout.write(f"Checked {checked} flight(s): {flagged} flagged by the flight check.")
