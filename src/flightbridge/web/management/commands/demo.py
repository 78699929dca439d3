"""`flightbridge demo`: the whole product offline on one machine, for a first look.

Creates a demo pilot, lets each integration app prepare its part (`flightbridge.<app>.demo.prepare`:
start a local sandbox, point the service at it, load sample data), then runs the service, a worker
and those sandboxes until Ctrl-C. Everything lives in FLIGHTBRIDGE_DATA_DIR.
"""

from __future__ import annotations

import os
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from flightbridge.web.management.commands.serve import say_where_data_lives, supervise, web_command, worker_command

DEMO_USERNAME = "pilot"
DEMO_PASSWORD = "flightbridge-demo"


@dataclass
class DemoContext:
    """What an app's `prepare(context)` may add to the demo."""

    host: str
    port: int
    data_dir: Path
    pilot: object
    #: environment for the web server and worker (e.g. MFB_CLIENT_ID pointing at a sandbox)
    env: dict[str, str] = field(default_factory=dict)
    #: extra processes to run beside the service, by name: argv lists
    processes: dict[str, list[str]] = field(default_factory=dict)
    #: lines printed to the pilot at start-up
    notes: list[str] = field(default_factory=list)

    @property
    def public_url(self) -> str:
        return f"http://{self.host}:{self.port}"


START_DEADLINE_SECONDS = 60  # how long the banner waits for the web server to answer before it prints anyway


def wait_until_answering(url: str, children: dict, deadline_seconds: float = START_DEADLINE_SECONDS) -> bool:
    """Poll `url` until it answers (any HTTP status), a child exits, or the deadline passes."""
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline and all(child.poll() is None for child in children.values()):
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            time.sleep(0.3)
    return False


def ensure_demo_pilot():
    user, created = get_user_model().objects.get_or_create(
        username=DEMO_USERNAME, defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def prepare_apps(context: DemoContext) -> None:
    # Registry first: the MyFlightbook sync looks tails up in it.
    from flightbridge.fleet import demo as fleet_demo
    from flightbridge.logger import demo as logger_demo
    from flightbridge.myflightbook import demo as myflightbook_demo
    from flightbridge.registry import demo as registry_demo

    for module in (registry_demo, myflightbook_demo, fleet_demo, logger_demo):
        module.prepare(context)


class Command(BaseCommand):
    help = "Run the offline demo: a demo pilot, the service, a worker and local sandboxes (Ctrl-C stops everything)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, host, port, **options):
        say_where_data_lives(self.stdout)
        call_command("migrate", interactive=False, verbosity=0)
        context = DemoContext(host=host, port=port, data_dir=settings.DATA_DIR, pilot=ensure_demo_pilot())
        context.env["FLIGHTBRIDGE_PUBLIC_URL"] = context.public_url
        prepare_apps(context)
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **context.env}
        # The worker says only what needs a look (warnings, errors): its every-minute scheduler line would
        # scroll the banner below off the screen. FLIGHTBRIDGE_LOG_LEVEL set by the operator still wins.
        worker_env = {**env, "FLIGHTBRIDGE_LOG_LEVEL": os.environ.get("FLIGHTBRIDGE_LOG_LEVEL", "WARNING")}
        children = {name: subprocess.Popen(argv, env=env) for name, argv in context.processes.items()}
        children["web server"] = subprocess.Popen(web_command(host, port, 2), env=env)
        children["worker"] = subprocess.Popen(worker_command(), env=worker_env)
        # The banner last, once the site answers: it is what to do next, so nothing should print after it.
        wait_until_answering(f"http://127.0.0.1:{port}/accounts/login/", children)
        self.stdout.write("")
        self.stdout.write(f"FlightBridge demo: open {context.public_url}/ and log in as {DEMO_USERNAME} / {DEMO_PASSWORD}"
                          " (an administrator too)")
        for note in context.notes:
            self.stdout.write(f"  - {note}")
        self.stdout.write("Press Ctrl-C to stop everything.")
        self.stdout.flush()
        status = supervise(children, lambda line: self.stderr.write(line))
        if status:
            raise SystemExit(status)
