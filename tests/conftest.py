"""Fixtures shared by every test: users, an authenticated API client, job draining, child processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, TypeVar

import hypothesis
import pytest
from django.conf import settings

from django.test import Client

REPO_ROOT = Path(__file__).resolve().parents[1]

# No per-example time limit for property tests: on a machine shared by several test runs an example that
# takes 20 ms alone takes 300 ms, and Hypothesis's 200 ms deadline failed tests whose assertions held.
# Speed is measured by benchmarks/, never by a timed unit test. A test's own @settings still wins.
hypothesis.settings.register_profile("flightbridge", deadline=None)
hypothesis.settings.load_profile("flightbridge")


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(username="alice", password="alice-password-1")


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user(username="bob", password="bob-password-1")


def body(response) -> bytes:
    """A response's whole body, streamed (an export) or not."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def json_body(response):
    import json

    return json.loads(body(response))


def token_client(user) -> Client:
    from flightbridge.accounts.services import create_token

    _row, token = create_token(user.username)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def api(user) -> Client:
    """A client authenticated as `user` with a personal API token."""
    return token_client(user)


@pytest.fixture
def other_api(other_user) -> Client:
    return token_client(other_user)


@pytest.fixture
def drain_jobs():
    """Run every queued job in this process, as a worker would; returns the finished jobs."""
    from flightbridge.jobs.services import run_queued_jobs

    return run_queued_jobs


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1, message: str = "condition"):
    """Poll until `predicate()` is truthy; fail the test with `message` at the deadline. Never a bare sleep."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


T = TypeVar("T")


def run_at_once(n: int, fn: Callable[[], T], timeout: float = 60.0) -> list[T]:
    """Call `fn` on `n` threads released together by a barrier; returns their results (in finishing order).

    Each thread closes its own database connection when done. Any exception in a thread, or a thread
    still running at the deadline, fails the test with every error listed (type and message).
    """
    barrier = threading.Barrier(n)
    results: list[T] = []
    errors: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        from django.db import connection

        try:
            barrier.wait(timeout=timeout)
            value = fn()
            with lock:
                results.append(value)
        except Exception as exc:  # reported below with its type
            with lock:
                errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, name=f"at-once-{index}") for index in range(n)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = sum(thread.is_alive() for thread in threads)
    if errors or stuck:
        raise AssertionError(f"{len(errors)} of {n} threads failed, {stuck} still running after {timeout}s: {errors}")
    return results


def child_env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "FLIGHTBRIDGE_TEST_CHILD": "1",
        "PYTHONPATH": str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra)
    return env


class ChildProcess:
    def __init__(self, args: list[str], env: dict[str, str], log_path: Path):
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen(args, env=env, stdout=self._log, stderr=subprocess.STDOUT, cwd=REPO_ROOT,
                                        start_new_session=True)

    def output(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def kill(self, sig=signal.SIGKILL) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


@pytest.fixture
def spawn(tmp_path):
    """Start `python -m flightbridge ARGS…` as a child on the test database; stopped after the test."""
    children: list[ChildProcess] = []

    def start(*args: str, **env: str) -> ChildProcess:
        child = ChildProcess([sys.executable, "-m", "flightbridge", *args], child_env(**env),
                             tmp_path / f"child-{len(children)}.log")
        children.append(child)
        return child

    yield start
    for child in children:
        child.stop()


def log_in(page, live_server, username: str, password: str, next_path: str = "/logbook/") -> None:
    """Log in through the real login page and wait until the browser lands on `next_path`."""
    page.goto(f"{live_server.url}/accounts/login/?next={next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}{next_path}")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("FLIGHTBRIDGE_CHROMIUM", "/usr/bin/chromium")
    if not Path(path).exists():
        pytest.fail(f"{path} is missing: install Debian's chromium (the test command does this with apt-get)")
    return path


@pytest.fixture
def browser_page(chromium_path):
    """A Playwright page in Debian's chromium, headless, no network beyond localhost."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(20_000)
        yield page
        context.close()
        browser.close()


def pytest_report_header(config):
    return f"flightbridge test database: {settings.DATABASES['default']['ENGINE']} ({os.environ.get('FLIGHTBRIDGE_TEST_DATABASE', 'sqlite')})"


#: Fixtures through which a test reaches the configured database.
DATABASE_FIXTURES = frozenset({"db", "transactional_db", "live_server", "django_db_reset_sequences",
                               "django_db_serialized_rollback"})


def touches_the_database(item) -> bool:
    """Whether a test can behave differently on SQLite and PostgreSQL: it reaches the database through
    pytest-django, or its child processes use the configured one (`every_database`)."""
    return (item.get_closest_marker("django_db") is not None or item.get_closest_marker("every_database") is not None
            or bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))))


def runs_once(item) -> bool:
    """Whether a test gives its answer in the first database's run alone: it touches no database, or it drives
    a page in chromium (what a page shows comes through the same views and API whose database work the test
    client and API tests check on every database; the browser adds layout and script, which no database changes)."""
    return not touches_the_database(item) or item.get_closest_marker("browser") is not None


def pytest_collection_modifyitems(config, items):
    """When the suite runs once per database, the tests that run once ran in the first run already: the later
    runs leave them out (scripts/test.py sets FLIGHTBRIDGE_TEST_DATABASE_TESTS_ONLY for them)."""
    if os.environ.get("FLIGHTBRIDGE_TEST_DATABASE_TESTS_ONLY") != "1":
        return
    once = [item for item in items if runs_once(item)]
    if once:
        config.hook.pytest_deselected(items=once)
        items[:] = [item for item in items if not runs_once(item)]


#: The only tests allowed to send a write method to the MyFlightbook sandbox: they prove it is logged.
SANDBOX_WRITES_ALLOWED = {
    "tests/myflightbook/test_sandbox.py::test_writes_are_recorded_and_revoke_gives_invalid_grant",
    "tests/myflightbook/test_client.py::test_the_sandbox_would_record_a_write_if_one_were_sent",
    "tests/trust/test_security.py::test_the_suite_wide_write_log_sees_writes_from_every_process",
}


@pytest.fixture(scope="session", autouse=True)
def _no_write_reaches_the_myflightbook_sandbox():
    """FlightBridge never writes to MyFlightbook: across the whole run, every sandbox (in this process or a
    child) logs its write calls to one file, and only the tests above may appear in it."""
    from flightbridge.myflightbook.sandbox.server import read_write_log

    path = Path(os.environ["FLIGHTBRIDGE_TEST_RUN_DIR"]) / "mfb-sandbox-writes.jsonl"
    os.environ["FLIGHTBRIDGE_SANDBOX_WRITE_LOG"] = str(path)
    yield
    unexpected = [entry for entry in read_write_log(str(path)) if entry.get("test") not in SANDBOX_WRITES_ALLOWED]
    assert not unexpected, f"write methods reached the MyFlightbook sandbox: {unexpected[:5]}"


@pytest.fixture(scope="session", autouse=True)
def _drop_stray_postgres_sessions(django_db_setup, django_db_blocker):
    """Child processes and threads may leave a connection open; PostgreSQL will not drop a busy test database."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
