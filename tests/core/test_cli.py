"""`flightbridge` on a fresh install: the operator guide's order works, and asking for help writes nothing."""

from __future__ import annotations

import signal
import socket
import subprocess

import pytest

from flightbridge import cli
from tests.conftest import REPO_ROOT, wait_for
from tests.core.fresh_install import BASE_PYTHON, FLIGHTBRIDGE, fresh_database, fresh_env, run


def test_help_is_recognised_wherever_it_is_asked_for():
    assert cli.only_shows_help(["flightbridge"])
    assert cli.only_shows_help(["flightbridge", "--help"])
    assert cli.only_shows_help(["flightbridge", "help", "token"])
    assert cli.only_shows_help(["flightbridge", "createsuperuser", "-h"])
    assert not cli.only_shows_help(["flightbridge", "token", "create", "alice"])
    assert cli.command_name(["flightbridge", "mfb-sandbox"]) == "mfb_sandbox"


def test_commands_that_need_tables_are_checked_and_the_sandboxes_are_not():
    assert "createsuperuser" in cli.MIGRATES_FIRST
    for command in ("migrate", "serve", "demo", "mfb_sandbox", "model_source_sandbox"):
        assert command in cli.NO_TABLES_NEEDED
    for command in ("token", "worker", "rotate_keys", "registry", "export_logger", "createsuperuser"):
        assert command not in cli.NO_TABLES_NEEDED


@pytest.mark.multiprocess
def test_help_creates_no_data_directory_and_lists_one_spelling(tmp_path):
    data_dir = tmp_path / "not-yet"
    env = fresh_env(data_dir)
    listing = run([FLIGHTBRIDGE, "--help"], env)
    assert listing.returncode == 0, listing.stderr
    assert "mfb_sandbox" in listing.stdout and "model_source_sandbox" in listing.stdout
    assert "mfb-sandbox" not in listing.stdout
    command_help = run([FLIGHTBRIDGE, "createsuperuser", "--help"], env)
    assert command_help.returncode == 0 and "--noinput" in command_help.stdout
    assert not data_dir.exists()
    assert "generated" not in listing.stderr + command_help.stderr


@pytest.mark.multiprocess
def test_scripts_demo_help_leaves_a_fresh_data_directory_empty(tmp_path):
    data_dir = tmp_path / "demo"
    data_dir.mkdir()
    result = run([BASE_PYTHON, "scripts/demo.py", "--help"], fresh_env(data_dir))
    assert result.returncode == 0, result.stderr
    assert "Run the offline demo" in result.stdout and "--port" in result.stdout
    assert list(data_dir.iterdir()) == []


@pytest.mark.multiprocess
def test_benchmarks_set_up_and_enter_the_venv_from_a_plain_python(tmp_path):
    result = run([BASE_PYTHON, "benchmarks/run.py", "--list"], fresh_env(tmp_path))
    assert BASE_PYTHON != FLIGHTBRIDGE
    assert result.returncode == 0, result.stderr
    assert "No module named" not in result.stderr
    assert "bench_registry:bench_registry_load_and_lookup" in result.stdout.splitlines()


@pytest.mark.multiprocess
@pytest.mark.every_database
def test_fresh_install_in_the_documented_order(tmp_path):
    """createsuperuser first sets the database up; any other command says in one line to migrate."""
    data_dir = tmp_path / "var"
    with fresh_database() as database:
        env = fresh_env(data_dir, DJANGO_SUPERUSER_PASSWORD="a-long-admin-password-7", **database)
        early = run([FLIGHTBRIDGE, "token", "list"], env)
        assert early.returncode == 1
        assert "Traceback" not in early.stderr and "manage.py" not in early.stderr
        last_line = early.stderr.strip().splitlines()[-1]
        assert last_line.startswith("flightbridge: the database (") and last_line.endswith("run `flightbridge migrate` first")

        admin = run([FLIGHTBRIDGE, "createsuperuser", "--noinput", "--username", "admin", "--email", "admin@example.com"], env)
        assert admin.returncode == 0, admin.stderr
        assert "setting up the database first" in admin.stderr
        assert "Superuser created successfully." in admin.stdout

        token = run([FLIGHTBRIDGE, "token", "create", "admin", "--name", "laptop"], env)
        assert token.returncode == 0, token.stderr
        assert "setting up the database" not in token.stderr
        listing = run([FLIGHTBRIDGE, "token", "list", "admin"], env)
        assert listing.returncode == 0 and "laptop" in listing.stdout
    if not database:
        assert (data_dir / "flightbridge.sqlite3").exists()
    assert {"secret_key", "encryption_keys"} <= {path.name for path in data_dir.iterdir()}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.multiprocess
def test_demo_start_says_where_its_data_lives_and_lists_no_invented_registry_rows(tmp_path):
    data_dir = tmp_path / "demo"
    log_path = tmp_path / "demo.log"
    with open(log_path, "wb") as log:
        demo = subprocess.Popen([FLIGHTBRIDGE, "demo", "--port", str(free_port())], env=fresh_env(data_dir), cwd=REPO_ROOT,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_for(lambda: "Press Ctrl-C to stop everything." in log_path.read_text(), 90,
                     message="the demo to start")
        finally:
            demo.send_signal(signal.SIGINT)
            demo.wait(timeout=60)
    output = log_path.read_text()
    start = output[: output.index("Press Ctrl-C to stop everything.")]
    assert f"data directory: {data_dir}" in start
    assert "FAA registry: synthetic sample of 24 aircraft loaded" in start
    assert "registry load:" not in start and "bad rows" not in start
    assert [line for line in start.splitlines() if " INFO flightbridge.registry" in line] == []


@pytest.mark.multiprocess
def test_help_starts_with_where_to_start_and_a_script_cannot_hang_on_a_password(tmp_path):
    env = fresh_env(tmp_path / "not-yet")
    listing = run([FLIGHTBRIDGE, "--help"], env)
    assert listing.stdout.startswith("FlightBridge: your logbook") and "Start here:" in listing.stdout
    assert listing.stdout.index("flightbridge serve") < listing.stdout.index("startproject")
    no_terminal = subprocess.run([FLIGHTBRIDGE, "createsuperuser", "--username", "admin"], env=env, cwd=REPO_ROOT,
                                 stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert no_terminal.returncode == 1 and no_terminal.stderr.strip() == cli.NO_TTY_SUPERUSER
    assert "manage.py" not in no_terminal.stdout + no_terminal.stderr


@pytest.mark.multiprocess
def test_a_sandbox_run_by_hand_writes_nothing_into_the_data_directory(tmp_path):
    data_dir = tmp_path / "checkout-var"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sandbox = subprocess.Popen([FLIGHTBRIDGE, "model_source_sandbox", "--port", str(port), "--api-key", "k"],
                               env=fresh_env(data_dir), cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert "aircraft model source sandbox" in sandbox.stdout.readline()
    finally:
        sandbox.send_signal(signal.SIGTERM)
        sandbox.wait(timeout=30)
    assert not data_dir.exists()  # no keys, no database, no queue file in the checkout
