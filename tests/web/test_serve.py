"""`flightbridge serve` runs gunicorn and a worker, and Ctrl-C stops both."""

import signal
import socket

import httpx
import pytest
from django.conf import settings

from tests.conftest import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.multiprocess]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def health(port):
    try:
        return httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).json()
    except (httpx.HTTPError, ValueError):
        return None


def test_serve_starts_web_and_worker_and_ctrl_c_stops_both(spawn):
    port = free_port()
    serve = spawn("serve", "--port", str(port), "--web-workers", "1")
    body = wait_for(lambda: health(port), 60, message=f"server to answer; log:\n{serve.output()}")
    assert body["status"] == "ok"
    page = httpx.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=5)
    assert page.status_code == 200 and "server" not in page.headers  # issue 13: no `Server: gunicorn` banner
    # The data directory defaults to ./var of wherever serve was started: it says which one it uses, first.
    first_lines = [line for line in serve.output().splitlines() if not line.startswith("flightbridge: generated")][:2]
    assert first_lines[0] == (f"data directory: {settings.DATA_DIR} "
                              "(FLIGHTBRIDGE_DATA_DIR; default ./var of the directory you start in)")
    assert first_lines[1] == f"database: {settings.CONFIG.database.label}"
    httpx.get(f"http://127.0.0.1:{port}/api/health?code=one-time-oauth-code", timeout=5)
    wait_for(lambda: "/api/health" in serve.output(), 10, message="access log line")
    wait_for(lambda: "worker started" in serve.output(), 30, message="worker to start")
    serve.process.send_signal(signal.SIGINT)
    assert serve.process.wait(timeout=30) == 0
    assert "stopped" in serve.output()
    assert "one-time-oauth-code" not in serve.output()
    assert health(port) is None
