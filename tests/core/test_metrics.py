"""`/metrics`: who may read it, what a sandbox sync leaves in it, and several processes adding up."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from flightbridge.myflightbook.sandbox import SandboxServer
from flightbridge.myflightbook.sandbox.fake import connect_to_sandbox
from tests.conftest import REPO_ROOT, child_env

TOKEN = "scrape-token-0123456789abcdef"


def samples(text: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def scrape(client: Client | None = None) -> dict[tuple[str, tuple], float]:
    response = (client or Client()).get("/metrics")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return samples(response.content.decode())


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def with_token(settings):
    settings.CONFIG = dataclasses.replace(settings.CONFIG, metrics_token=TOKEN)
    return settings


@pytest.mark.django_db
def test_loopback_reads_the_metrics_without_a_token():
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="::1").get("/metrics").status_code == 200


@pytest.mark.django_db
def test_elsewhere_needs_the_bearer_token(with_token):
    remote = Client(REMOTE_ADDR="203.0.113.9")
    missing = remote.get("/metrics")
    assert missing.status_code == 401 and missing["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"FLIGHTBRIDGE_METRICS_TOKEN" in missing.content
    wrong = remote.get("/metrics", HTTP_AUTHORIZATION="Bearer " + "x" * len(TOKEN))
    assert wrong.status_code == 403 and TOKEN.encode() not in wrong.content
    right = remote.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert right.status_code == 200 and b"flightbridge_job_queue_depth" in right.content


@pytest.mark.django_db
def test_without_a_token_configured_only_loopback_may_scrape():
    refused = Client(REMOTE_ADDR="198.51.100.4").get("/metrics", HTTP_AUTHORIZATION="Bearer anything-at-all-here")
    assert refused.status_code == 403
    assert Client(REMOTE_ADDR="198.51.100.4").get("/metrics").status_code == 403


@pytest.mark.django_db
def test_a_request_forwarded_by_a_local_proxy_is_not_loopback(with_token):
    proxied = Client(REMOTE_ADDR="127.0.0.1").get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert proxied.status_code == 401
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics", HTTP_FORWARDED="for=203.0.113.9").status_code == 401


@pytest.mark.django_db
def test_the_operator_can_require_the_token_even_from_loopback(settings):
    """Issue 22: behind a TLS-passthrough proxy on the same machine every request comes from 127.0.0.1 with no
    X-Forwarded-For, so loopback alone would let everyone read /metrics."""
    from flightbridge.config import ConfigError, load_config

    settings.CONFIG = dataclasses.replace(settings.CONFIG, metrics_token=TOKEN, metrics_require_token=True)
    local = Client(REMOTE_ADDR="127.0.0.1")
    assert local.get("/metrics").status_code == 401
    assert local.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    env = {"FLIGHTBRIDGE_DATA_DIR": str(settings.DATA_DIR), "FLIGHTBRIDGE_METRICS_REQUIRE_TOKEN": "true"}
    with pytest.raises(ConfigError, match="needs FLIGHTBRIDGE_METRICS_TOKEN"):
        load_config(env, write_files=False)
    assert load_config({**env, "FLIGHTBRIDGE_METRICS_TOKEN": TOKEN}, write_files=False).metrics_require_token
    assert not load_config({"FLIGHTBRIDGE_DATA_DIR": str(settings.DATA_DIR)}, write_files=False).metrics_require_token


@pytest.mark.django_db
def test_metrics_refuse_writes():
    assert Client().post("/metrics").status_code == 405


@pytest.mark.django_db
def test_a_sandbox_sync_shows_in_the_metrics(user, api, settings, drain_jobs):
    before = scrape()
    with SandboxServer(flights=40, seed=11) as sandbox:
        connect_to_sandbox(user, sandbox, settings)
        job_id = api.post("/api/integrations/myflightbook/sync").json()["id"]
        queued = scrape()
        assert value(queued, "flightbridge_job_queue_depth", kind="myflightbook.sync") == 1
        assert value(queued, "flightbridge_mfb_due_pilots") == 0  # queued pilots are not counted as due
        drain_jobs()
        pages = sum(1 for call in sandbox.calls if call["method"] == "FlightsWithQueryAndOffset")
    assert api.get(f"/api/jobs/{job_id}").json()["status"] == "succeeded"
    after = scrape()

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    # Started and finished carry the same label, the mode asked (quick, the default), so started − finished
    # never goes negative; that a pilot's first sync walked the whole logbook is counted apart.
    assert grew("flightbridge_syncs_started_total", kind="myflightbook.sync", mode="quick") == 1
    assert grew("flightbridge_syncs_finished_total", kind="myflightbook.sync", mode="quick") == 1
    assert grew("flightbridge_syncs_finished_total", kind="myflightbook.sync", mode="full") == 0
    assert grew("flightbridge_syncs_ran_full_total", kind="myflightbook.sync", why="first sync") == 1
    assert grew("flightbridge_syncs_failed_total", kind="myflightbook.sync", mode="quick", error="needs_reauth") == 0
    assert grew("flightbridge_flights_imported_total") == 40
    assert grew("flightbridge_mfb_calls_total", method="FlightsWithQueryAndOffset", outcome="ok") == pages >= 1
    assert grew("flightbridge_mfb_calls_total", method="AircraftForUser", outcome="ok") == 1
    assert grew("flightbridge_mfb_call_seconds_count", method="AircraftForUser") == 1
    assert grew("flightbridge_mfb_call_seconds_bucket", method="AircraftForUser", le="+Inf") == 1
    assert value(after, "flightbridge_job_queue_depth", kind="myflightbook.sync") == 0
    assert value(after, "flightbridge_mfb_connections", status="connected") == 1
    assert value(after, "flightbridge_mfb_connections", status="needs_reconnect") == 0
    assert value(after, "flightbridge_mfb_oldest_due_seconds") == 0


@pytest.mark.django_db
def test_a_failed_sync_is_counted_with_its_error(user, api, settings, drain_jobs):
    before = scrape()
    with SandboxServer(flights=5, seed=2) as sandbox:
        connect_to_sandbox(user, sandbox, settings)
        sandbox.revoke()
        api.post("/api/integrations/myflightbook/sync")
        drain_jobs()
    after = scrape()
    # Refused at the first call, before the sync chose its walk: labelled with the mode asked.
    labels = {"kind": "myflightbook.sync", "mode": "quick", "error": "needs_reauth"}
    assert value(after, "flightbridge_syncs_failed_total", **labels) - value(before, "flightbridge_syncs_failed_total", **labels) == 1
    assert value(after, "flightbridge_mfb_connections", status="needs_reconnect") == 1
    assert value(after, "flightbridge_mfb_failed_pilots") == 1


CHILD = """
import django
django.setup()
from flightbridge import metrics
metrics.MFB_CALLS.labels(method="GetNamedQueries", outcome="ok").inc({n})
metrics.MFB_BUDGET_WAIT.labels(mode="full").observe(0.2)
"""


@pytest.mark.django_db
@pytest.mark.multiprocess
def test_two_processes_add_up_in_one_scrape():
    before = scrape()
    for n in (3, 4):
        done = subprocess.run([sys.executable, "-c", CHILD.format(n=n)], env=child_env(), cwd=REPO_ROOT,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    after = scrape()
    calls = {"method": "GetNamedQueries", "outcome": "ok"}
    assert value(after, "flightbridge_mfb_calls_total", **calls) - value(before, "flightbridge_mfb_calls_total", **calls) == 7
    waits = {"mode": "full"}
    assert (value(after, "flightbridge_mfb_budget_wait_seconds_count", **waits)
            - value(before, "flightbridge_mfb_budget_wait_seconds_count", **waits)) == 2
