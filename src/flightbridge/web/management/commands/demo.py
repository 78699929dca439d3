"""`flightbridge demo`: the whole product offline on one machine, for a first look.

Creates a demo pilot, then runs the service and a worker (and, as the integrations land, their
local sandboxes) until Ctrl-C. Everything lives in FLIGHTBRIDGE_DATA_DIR.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

DEMO_USERNAME = "pilot"
DEMO_PASSWORD = "flightbridge-demo"


def ensure_demo_pilot():
    user, created = get_user_model().objects.get_or_create(username=DEMO_USERNAME, defaults={"is_staff": True, "is_superuser": True})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


class Command(BaseCommand):
    help = "Run the offline demo: a demo pilot, the service and a worker (Ctrl-C stops everything)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, host, port, **options):
        call_command("migrate", interactive=False, verbosity=0)
        ensure_demo_pilot()
        self.stdout.write(f"Log in at http://{host}:{port}/ as {DEMO_USERNAME} / {DEMO_PASSWORD}")
        call_command("serve", host=host, port=port)
