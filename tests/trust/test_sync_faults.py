"""Faults injected at an exact page of a 2,000-flight MyFlightbook sync, run as a job through the API.

For each fault: the run either rides it out (the client's bounded retries, a token refresh) or stops
in a true final state with a message a pilot can act on; either way no flight is lost or duplicated,
pages are stored whole (the count is a multiple of the page size), the connection is flagged
`needs_reconnect` only when the grant was revoked, and a follow-up sync ends with every FlightID
stored exactly once.
"""

from __future__ import annotations

import pytest

from flightbridge.jobs.models import JobStatus, SyncJob
from flightbridge.logbook.models import ImportStatus, LogbookImport
from flightbridge.myflightbook.models import ConnectionStatus, IntegrationToken
from tests.trust.conftest import (
    FLIGHTS,
    PAGE,
    assert_complete,
    assert_none_duplicated,
    at_flight_page,
    flight_pages_served,
    reconnect,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("connected", "fast_retries")]

MAX_ATTEMPTS = 4  # the client's default: one call + three retries
FAULT_PAGE = 17  # well inside the 41 pages


def run_sync(api, drain_jobs, *, starts_a_run: bool = True) -> tuple[dict, LogbookImport | None]:
    """Trigger a sync as the pilot does, run the queued job as a worker would, read it back as the page does."""
    response = api.post("/api/integrations/myflightbook/sync")
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    drain_jobs()
    job = api.get(f"/api/jobs/{job_id}").json()
    assert job["status"] in (JobStatus.SUCCEEDED, JobStatus.FAILED), job  # never left running or queued
    if not starts_a_run:
        assert not LogbookImport.objects.filter(job_id=job_id).exists()
        return job, None
    batch = LogbookImport.objects.get(job_id=job_id)
    assert batch.status in (ImportStatus.COMPLETED, ImportStatus.FAILED) and batch.finished_at is not None
    return job, batch


def connection_status(user) -> str:
    return IntegrationToken.objects.get(owner=user).status


def assert_completed(job, batch, *, imported: int, skipped: int = 0) -> None:
    assert job["status"] == "succeeded" and job["error"] in ("", None), job
    assert batch.status == ImportStatus.COMPLETED
    assert (batch.imported, batch.skipped, batch.failed) == (imported, skipped, 0)
    assert job["message"].startswith(f"MyFlightbook sync: {imported} new"), job["message"]
    assert batch.message == job["message"]


def assert_stopped(job, batch, user, mfb, *, error: str, says: tuple[str, ...]) -> int:
    """The run failed cleanly: whole pages kept, counted, and a message naming the cause and the way out."""
    assert job["status"] == "failed" and job["error"] == error, job
    assert batch.status == ImportStatus.FAILED
    for text in says:
        assert text in job["message"], (text, job["message"])
    assert batch.message == job["message"]
    stored = sum(assert_none_duplicated(user, mfb).values())
    assert stored % PAGE == 0 and 0 < stored < FLIGHTS
    assert "sbx-" not in job["message"]
    return stored


def follow_up(api, drain_jobs, user, mfb, *, already: int) -> None:
    job, batch = run_sync(api, drain_jobs)
    assert_completed(job, batch, imported=FLIGHTS - already, skipped=already)
    assert_complete(user, mfb)
    assert connection_status(user) == ConnectionStatus.CONNECTED


RIDDEN_OUT = ["5xx", "500", "timeout", "malformed", "truncated", "429", "drop"]


def test_short_bursts_of_every_transient_fault_are_ridden_out_by_the_retries(api, drain_jobs, user, mfb):
    # One burst per fault kind, each one attempt short of the client's limit, on pages 5, 10, … 35.
    mfb.set_faults(hang_seconds=0.6, retry_after=0.01)
    pages = {}
    for number, fault in enumerate(RIDDEN_OUT, start=1):
        pages[fault] = 5 * number
        at_flight_page(mfb, 5 * number, lambda fault=fault: mfb.set_faults(script=[fault] * (MAX_ATTEMPTS - 1)))
    job, batch = run_sync(api, drain_jobs)
    assert_completed(job, batch, imported=FLIGHTS)
    assert_complete(user, mfb)
    for fault, page in pages.items():
        faulted = [call for call in mfb.calls if call["fault"] == fault]
        assert len(faulted) == MAX_ATTEMPTS - 1, fault
        assert {call["params"]["offset"] for call in faulted} == {str((page - 1) * PAGE)}  # the same page, retried
    assert connection_status(user) == ConnectionStatus.CONNECTED
    assert mfb.writes == []


def test_bursts_beyond_the_retries_stop_each_run_cleanly_and_the_next_sync_goes_on(api, drain_jobs, user, mfb):
    # Four runs in a row, each stopped by a different fault further into the logbook; a fifth finishes.
    mfb.set_faults(hang_seconds=0.6)
    stored = 0
    for page, fault, says in ((8, "5xx", "HTTP 503"), (16, "timeout", "timed out"),
                              (24, "malformed", "not valid JSON"), (32, "truncated", "connection failed")):
        at_flight_page(mfb, page, lambda fault=fault: mfb.set_faults(script=[fault] * MAX_ATTEMPTS))
        job, batch = run_sync(api, drain_jobs)
        now_stored = assert_stopped(job, batch, user, mfb, error="transient",
                                    says=(says, f"gave up after {MAX_ATTEMPTS} attempts", "are kept", "Sync again later"))
        assert now_stored == (page - 1) * PAGE  # every page before the fault, nothing of the failed one
        assert (batch.imported, batch.skipped) == (now_stored - stored, stored)
        assert f"the {now_stored - stored} flights it stored are kept" in job["message"]
        stored = now_stored
        assert connection_status(user) == ConnectionStatus.CONNECTED  # an outage is not a dead grant
    follow_up(api, drain_jobs, user, mfb, already=stored)
    assert LogbookImport.objects.filter(owner=user, status=ImportStatus.FAILED).count() == 4


def test_access_token_expiring_mid_run_is_refreshed_and_the_run_completes(api, drain_jobs, user, mfb):
    before = IntegrationToken.objects.get(owner=user)
    at_flight_page(mfb, FAULT_PAGE, mfb.expire_access_tokens)
    job, batch = run_sync(api, drain_jobs)
    assert_completed(job, batch, imported=FLIGHTS)
    assert_complete(user, mfb)
    rejected = [call for call in mfb.calls if call["status"] == 500]
    assert len(rejected) == 1 and rejected[0]["method"] == "FlightsWithQueryAndOffset"
    assert [request["grant_type"] for request in mfb.state.token_requests] == ["refresh_token"]
    after = IntegrationToken.objects.get(owner=user)
    assert after.status == ConnectionStatus.CONNECTED and after.refreshed_at is not None
    assert after.get_secret("access_token").reveal() != before.get_secret("access_token").reveal()


def test_revoked_grant_mid_run_stops_needs_reconnect_and_a_reconnect_finishes_it(api, drain_jobs, user, mfb):
    at_flight_page(mfb, FAULT_PAGE, mfb.revoke)
    job, batch = run_sync(api, drain_jobs)
    stored = assert_stopped(job, batch, user, mfb, error="needs_reauth",
                            says=("revoked", "Reconnect MyFlightbook on the logbook page, then sync again"))
    assert job["message"].lower().count("reconnect myflightbook") == 1, job["message"]
    assert stored == FAULT_PAGE * PAGE  # the revoke hit the page after
    row = IntegrationToken.objects.get(owner=user)
    assert row.status == ConnectionStatus.NEEDS_RECONNECT and "Reconnect" in row.status_message
    status = api.get("/api/integrations/myflightbook").json()
    assert status["status"] == "needs_reconnect" and status["message"]
    # Nothing retries blindly against a dead grant: a new sync fails at once, without a call.
    calls = len(mfb.calls)
    job2, _ = run_sync(api, drain_jobs, starts_a_run=False)
    assert job2["status"] == "failed" and job2["error"] == "needs_reauth" and len(mfb.calls) == calls
    assert job2["message"].count("Reconnect MyFlightbook") == 1, job2["message"]  # said once, not once per attempt
    reconnect(user, mfb)
    follow_up(api, drain_jobs, user, mfb, already=stored)


def test_a_failed_record_never_hides_a_lost_page(api, drain_jobs, user, mfb):
    # Every page of a completed run was requested exactly once per attempt and in order: none skipped.
    job, batch = run_sync(api, drain_jobs)
    assert_completed(job, batch, imported=FLIGHTS)
    offsets = [int(call["params"]["offset"]) for call in mfb.calls if call["method"] == "FlightsWithQueryAndOffset"]
    assert offsets == list(range(0, FLIGHTS + 1, PAGE)) and flight_pages_served(mfb) == FLIGHTS // PAGE + 1
    assert SyncJob.objects.get(pk=job["id"]).progress["pages_done"] == FLIGHTS // PAGE + 1
