"""`flightbridge serve`: migrate, then run gunicorn and (unless --no-worker) a worker, until Ctrl-C.

Both run as child processes of this one; SIGINT/SIGTERM stop both, and if either dies on its own
the other is stopped too, so a half-running service never hides behind a live web page.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from flightbridge import metrics

STOP_GRACE_SECONDS = 15


def web_command(host: str, port: int, web_workers: int) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", "flightbridge.wsgi:application",
        "--config", "python:flightbridge.web.gunicorn_config",  # no `Server: gunicorn` banner
        "--bind", f"{host}:{port}",
        "--workers", str(web_workers),
        "--threads", "4",
        "--timeout", "60",
        "--graceful-timeout", "10",
        "--access-logfile", "-",
        # The path without its query string: an OAuth callback's one-time code must not reach the log.
        "--access-logformat", '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms',
        "--forwarded-allow-ips", "127.0.0.1",
    ]


def worker_command() -> list[str]:
    return [sys.executable, "-m", "flightbridge", "worker"]


def say_where_data_lives(out) -> None:
    """First lines of `serve` and `demo`: a relative default (./var) lands wherever the command ran."""
    out.write(f"data directory: {settings.DATA_DIR} (FLIGHTBRIDGE_DATA_DIR; default ./var of the directory you start in)")
    out.write(f"database: {settings.CONFIG.database.label}")


def supervise(children: dict[str, subprocess.Popen], log) -> int:
    """Wait until a signal or a child's exit; then stop every child. Returns the exit status."""
    stopping = {"signal": None}

    def on_signal(signum, _frame):
        stopping["signal"] = signum

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    status = 0
    try:
        while stopping["signal"] is None:
            for name, child in children.items():
                code = child.poll()
                if code is not None:
                    log(f"{name} exited with status {code}; stopping the rest")
                    status = code or 1
                    stopping["signal"] = "child"
                    break
            time.sleep(0.2)
    finally:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status


class Command(BaseCommand):
    help = "Apply migrations, then run the web server (gunicorn) and a background worker until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true", help="run the web server only (workers run elsewhere)")
        parser.add_argument("--web-workers", type=int, default=2, help="gunicorn worker processes")

    def handle(self, *args, host, port, no_worker, web_workers, **options):
        say_where_data_lives(self.stdout)
        for name in settings.CONFIG.generated:
            self.stdout.write(f"generated {name} into {settings.DATA_DIR} (mode 0600); set it to manage it yourself")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(f"database ready ({settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})")
        # No process of ours runs yet: start the metrics from zero (settings set the directory).
        metrics.clear_directory(os.environ["PROMETHEUS_MULTIPROC_DIR"])
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        children = {"web server": subprocess.Popen(web_command(host, port, web_workers), env=env)}
        if not no_worker:
            children["worker"] = subprocess.Popen(worker_command(), env=env)
        self.stdout.write(f"FlightBridge is running at http://{host}:{port}/ — press Ctrl-C to stop")
        status = supervise(children, lambda line: self.stderr.write(line))
        self.stdout.write("stopped")
        if status:
            raise SystemExit(status)
