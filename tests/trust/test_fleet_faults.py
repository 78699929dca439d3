"""Aircraft model sync with a source that fails part-way (the fleet sandbox's fault switches, flipped
after the first page was stored): the job and the source end in a true state with a clear message,
what was stored stays, nothing is duplicated, and the next sync brings in every model exactly once."""

from __future__ import annotations

from collections import Counter

import pytest

from flightbridge.fleet import client as fleet_client
from flightbridge.fleet import runs as fleet_runs
from flightbridge.fleet import schedule as fleet_schedule
from flightbridge.fleet.models import AircraftModel, LastSyncStatus, SourceStatus, SyncLog
from flightbridge.fleet.sandbox import ModelSourceSandbox
from flightbridge.jobs.models import JobStatus
from tests.fleet.conftest import make_source

pytestmark = pytest.mark.django_db

MODELS = 600
PAGE_SIZE = 200
KEY = "trust-fleet-key-91d0c4e6ab"


@pytest.fixture
def catalog(monkeypatch):
    monkeypatch.setattr(fleet_client, "RETRY_DELAYS", (0.0, 0.0))  # retries stay on; only the waits go
    # Three pages: the client's page size is iter_pages' keyword default.
    monkeypatch.setattr(fleet_client.ModelSourceClient.iter_pages, "__kwdefaults__",
                        {"external_id": None, "page_size": PAGE_SIZE})
    original = fleet_client.ModelSourceClient.for_source.__func__

    def for_source(cls, source, **kwargs):
        kwargs.setdefault("timeout", 0.2)
        return original(cls, source, **kwargs)

    monkeypatch.setattr(fleet_client.ModelSourceClient, "for_source", classmethod(for_source))
    with ModelSourceSandbox(models=MODELS, api_key=KEY) as sandbox:
        yield sandbox


def after_first_page(monkeypatch, action) -> None:
    """Flip a fault switch once the first page has been stored."""
    original = fleet_runs._apply_page
    pages = []

    def apply_page(*args, **kwargs):
        result = original(*args, **kwargs)
        pages.append(1)
        if len(pages) == 1:
            action()
        return result

    monkeypatch.setattr(fleet_runs, "_apply_page", apply_page)


def run_sync(source, drain_jobs):
    job, created = fleet_schedule.request_source_sync(source, None)
    assert created
    [done] = drain_jobs()
    assert done.pk == job.pk and done.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)
    source.refresh_from_db()
    return done


def models_of(source) -> Counter:
    return Counter(AircraftModel.objects.filter(external_data_source=source.name).values_list("external_id", flat=True))


@pytest.mark.parametrize("fault, switch, error, says", [
    ("5xx for good", {"fail_5xx": -1}, "transient", "answered HTTP 503 (page 2); try again later"),
    ("broken JSON", {"bad_json": True}, "fatal", "did not return valid JSON (page 2)"),
    ("too slow to answer", {"slow": 0.5}, "transient", "did not answer in time (page 2)"),
])
def test_a_source_failing_mid_run_keeps_the_stored_pages_and_the_next_sync_completes(
        fault, switch, error, says, catalog, drain_jobs, monkeypatch):
    source = make_source("Failing Catalog", catalog.url, api_key=KEY)
    after_first_page(monkeypatch, lambda: catalog.control(switch))
    job = run_sync(source, drain_jobs)
    assert job.status == JobStatus.FAILED and job.error == error and says in job.message, (job.error, job.message)
    stored = models_of(source)
    assert len(stored) == PAGE_SIZE and set(stored.values()) == {1}  # page 1 whole, nothing of page 2
    assert source.status == SourceStatus.DEGRADED and source.last_sync_status == LastSyncStatus.FAILED
    assert says in source.last_sync_message
    [failure] = SyncLog.objects.filter(data_source=source, success=False)
    assert says in failure.error and failure.aircraft_model is None

    catalog.control({"reset": True})
    again = run_sync(source, drain_jobs)
    assert again.status == JobStatus.SUCCEEDED, again.message
    assert (again.result["created"], again.result["unchanged"], again.result["failed"]) == (MODELS - PAGE_SIZE, PAGE_SIZE, 0)
    stored = models_of(source)
    assert len(stored) == MODELS and set(stored.values()) == {1}
    assert source.status == SourceStatus.ACTIVE and source.last_sync_status == LastSyncStatus.SUCCEEDED
    assert source.error_count == 0


def test_a_short_5xx_burst_mid_run_is_retried_and_the_sync_completes(catalog, drain_jobs, monkeypatch):
    source = make_source("Flaky Catalog", catalog.url, api_key=KEY)
    after_first_page(monkeypatch, lambda: catalog.control({"fail_5xx": 2}))  # the client tries three times
    job = run_sync(source, drain_jobs)
    assert job.status == JobStatus.SUCCEEDED and job.result["created"] == MODELS, job.message
    assert set(models_of(source).values()) == {1} and len(models_of(source)) == MODELS
    assert source.status == SourceStatus.ACTIVE and not SyncLog.objects.filter(success=False).exists()
