"""Sync runs against the sandbox: matching, logs, isolation, preview, failures, degraded, key handling."""

import logging

import pytest
from django.db import IntegrityError

from flightbridge.errors import Conflict, FatalError, InputError
from flightbridge.fleet import jobs, runs, schedule, sources
from flightbridge.fleet import status as fleet_status
from flightbridge.fleet.models import AircraftModel, DataSourceConfig, LastSyncStatus, SourceStatus, SyncAction, SyncLog
from flightbridge.jobs.models import JobStatus
from tests.fleet.conftest import SANDBOX_KEY, make_source

pytestmark = pytest.mark.django_db


def run_sync(source, drain_jobs, owner=None):
    job, created = schedule.request_source_sync(source, owner)
    assert created
    [done] = drain_jobs()
    assert done.pk == job.pk
    source.refresh_from_db()
    return done


def test_first_sync_creates_every_model_with_logs(source, drain_jobs, admin_user):
    job = run_sync(source, drain_jobs, admin_user)
    assert job.status == JobStatus.SUCCEEDED
    assert job.result["created"] == 30 and job.result["failed"] == 0
    assert job.message == "Synced 'Type Catalog': 30 new, 0 updated, 0 unchanged, 0 not imported, of 30 record(s)."
    model = AircraftModel.objects.get(external_data_source="Type Catalog", external_id="cessna-172s")
    assert (model.name, model.manufacturer, model.model_number) == ("Cessna 172S Skyhawk SP", "Cessna", "172S")
    assert model.specifications["horsepower"] == 180
    assert model.maintenance_requirements[0]["task"] == "Annual inspection"
    assert model.last_synced_at is not None
    logs = SyncLog.objects.filter(data_source=source)
    assert logs.count() == 30 and set(logs.values_list("action", flat=True)) == {SyncAction.CREATED}
    created_log = logs.get(external_id="cessna-172s")
    assert created_log.aircraft_model == model and created_log.success and created_log.job_id == job.pk
    assert created_log.changes["name"] == [None, "Cessna 172S Skyhawk SP"]
    assert source.last_sync_status == LastSyncStatus.SUCCEEDED and source.status == SourceStatus.ACTIVE


def test_second_sync_updates_only_what_changed(source, sandbox, drain_jobs):
    run_sync(source, drain_jobs)
    sandbox.update_model("piper-pa-28-181", name="Piper PA-28-181 Archer TX", specifications={"seats": 4})
    job = run_sync(source, drain_jobs)
    assert (job.result["created"], job.result["updated"], job.result["unchanged"]) == (0, 1, 29)
    updated = SyncLog.objects.get(action=SyncAction.UPDATED)
    assert updated.external_id == "piper-pa-28-181"
    assert updated.changes["name"] == ["Piper PA-28-181 Archer III", "Piper PA-28-181 Archer TX"]
    assert set(updated.changes) == {"name", "specifications"}
    assert AircraftModel.objects.get(external_id="piper-pa-28-181").name == "Piper PA-28-181 Archer TX"
    assert AircraftModel.objects.count() == 30


def test_record_without_external_id_is_logged_failed_and_the_others_go_on(source, sandbox, drain_jobs):
    sandbox.control({"missing_external_id": 2})
    job = run_sync(source, drain_jobs)
    assert job.status == JobStatus.SUCCEEDED
    assert (job.result["created"], job.result["failed"]) == (30, 2)
    failures = SyncLog.objects.filter(action=SyncAction.FAILED)
    assert failures.count() == 2 and not any(failures.values_list("success", flat=True))
    assert all("field external_id: is missing" in error for error in failures.values_list("error", flat=True))
    assert AircraftModel.objects.filter(name__startswith="Unidentified").count() == 0
    assert source.last_sync_status == LastSyncStatus.PARTIAL and source.error_count == 2


def test_a_model_from_one_source_never_updates_anothers(make_sandbox, drain_jobs):
    first, second = make_sandbox(models=5), make_sandbox(models=5)
    second.update_model("cessna-172s", name="Cessna 172S (second catalog)")
    one = make_source("Catalog One", first.url)
    two = make_source("Catalog Two", second.url)
    run_sync(one, drain_jobs)
    run_sync(two, drain_jobs)
    assert AircraftModel.objects.filter(external_id="cessna-172s").count() == 2
    assert AircraftModel.objects.get(external_data_source="Catalog One", external_id="cessna-172s").name == "Cessna 172S Skyhawk SP"
    assert AircraftModel.objects.get(external_data_source="Catalog Two", external_id="cessna-172s").name == "Cessna 172S (second catalog)"
    # a hand-made model with the same external id but no source is never matched either
    hand = AircraftModel.objects.create(name="Hand-made 172", external_id="", external_data_source="")
    first.update_model("cessna-172s", name="Cessna 172S NAV III")
    run_sync(one, drain_jobs)
    assert AircraftModel.objects.get(external_data_source="Catalog Two", external_id="cessna-172s").name == "Cessna 172S (second catalog)"
    hand.refresh_from_db()
    assert hand.name == "Hand-made 172"
    assert not SyncLog.objects.filter(data_source=one, aircraft_model__external_data_source="Catalog Two").exists()


def test_preview_writes_nothing_and_tells_what_a_sync_would_do(source, sandbox, drain_jobs):
    before = source.updated_at
    preview = runs.preview_source(source, include_old=True)
    assert preview["counts"] == {"create": 30, "update": 0, "unchanged": 0, "failed": 0}
    assert AircraftModel.objects.count() == 0 and SyncLog.objects.count() == 0
    run_sync(source, drain_jobs)
    logs_after_sync = SyncLog.objects.count()
    sandbox.update_model("cirrus-sr22", description="Turbocharged")
    sandbox.control({"missing_external_id": 1})
    preview = runs.preview_source(source, include_old=True)
    assert preview["counts"] == {"create": 0, "update": 1, "unchanged": 29, "failed": 1}
    [update] = [item for item in preview["items"] if item["action"] == "update"]
    assert update["external_id"] == "cirrus-sr22" and update["changes"]["description"]["new"] == "Turbocharged"
    assert update["changes"]["description"]["old"].startswith("Cirrus SR22: 5 seats")
    hidden = runs.preview_source(source, include_old=False)
    assert [i for i in hidden["items"] if i["action"] == "update"][0]["changes"] == {"description": {"new": "Turbocharged"}}
    assert SyncLog.objects.count() == logs_after_sync
    assert AircraftModel.objects.get(external_id="cirrus-sr22").description != "Turbocharged"
    source.refresh_from_db()
    assert source.error_count == 0 and source.status == SourceStatus.ACTIVE and source.updated_at >= before


def test_failures_degrade_the_source_and_a_clean_sync_restores_it(source, sandbox, drain_jobs):
    sandbox.control({"fail_5xx": -1})
    job = run_sync(source, drain_jobs)
    assert job.status == JobStatus.FAILED and "HTTP 503" in job.message and job.error == "transient"
    assert source.status == SourceStatus.DEGRADED
    assert source.last_sync_status == LastSyncStatus.FAILED and source.error_count == 1
    [failure] = SyncLog.objects.filter(success=False)
    assert failure.aircraft_model is None and "HTTP 503" in failure.error and failure.data_source == source
    run_sync(source, drain_jobs)
    assert source.error_count == 2 and source.status == SourceStatus.DEGRADED
    assert fleet_status.sync_status()["status"] == "degraded"
    sandbox.control({"fail_5xx": 0})
    run_sync(source, drain_jobs)  # a degraded source still syncs; that is how it recovers
    assert source.status == SourceStatus.ACTIVE and source.error_count == 0
    assert source.last_sync_status == LastSyncStatus.SUCCEEDED


def test_bad_json_fails_the_run_with_a_clear_message(source, sandbox, drain_jobs):
    sandbox.control({"bad_json": True})
    job = run_sync(source, drain_jobs)
    assert job.status == JobStatus.FAILED and "did not return valid JSON" in job.message
    assert AircraftModel.objects.count() == 0


def test_no_global_key_fallback(make_sandbox, drain_jobs, monkeypatch, settings):
    global_key = "global-flightbridge-key-999"
    sandbox = make_sandbox(models=3, auth_type="bearer", api_key=global_key)
    for name in ("FLIGHTBRIDGE_API_KEY", "MFB_CLIENT_SECRET", "FLIGHTLOGGER_API_KEY", "API_KEY"):
        monkeypatch.setenv(name, global_key)
    settings.FLIGHTBRIDGE_API_KEY = global_key
    source = make_source("Keyless", sandbox.url, api_key=None, auth_type="bearer")
    job = run_sync(source, drain_jobs)
    assert job.status == JobStatus.FAILED
    assert "has no API key configured" in job.message and "own API key" in job.message
    assert sandbox.state.requests == 0 and sandbox.state.seen_credentials == []
    assert AircraftModel.objects.count() == 0
    assert source.status == SourceStatus.DEGRADED
    assert "has no API key configured" in SyncLog.objects.get(success=False).error
    check = sources.check_source_connection(source)
    assert not check.ok and "has no API key configured" in check.message


def test_key_never_reaches_logs_rows_or_messages(make_sandbox, drain_jobs, caplog):
    secret = "do-not-leak-4b1d"
    sandbox = make_sandbox(models=4, api_key="the-right-key")
    source = make_source("Leaky?", sandbox.url, api_key=secret)
    caplog.set_level(logging.DEBUG)
    job = run_sync(source, drain_jobs)
    assert job.status == JobStatus.FAILED and "refused the connection's credentials" in job.message
    sources.check_source_connection(source)
    assert secret not in caplog.text
    assert secret not in repr(source) and secret not in str(source)
    assert secret not in (job.message + str(job.result) + str(job.progress))
    assert all(secret not in entry.error for entry in SyncLog.objects.all())
    assert secret not in DataSourceConfig.objects.values_list("api_key", flat=True).get(pk=source.pk)
    assert source.get_secret("api_key").reveal() == secret


def test_each_record_is_written_whole_or_not_at_all(source, drain_jobs, monkeypatch):
    original = AircraftModel.save

    def flaky_save(self, *args, **kwargs):
        if self.external_id == "cirrus-sr20":
            raise IntegrityError("simulated clash")
        return original(self, *args, **kwargs)

    # The page's new models go in as one INSERT; a clash there sends every record down its own savepoint.
    original_insert = runs.insert_rows

    def flaky_insert(model, rows, **kwargs):
        if model is AircraftModel and any(row["external_id"] == "cirrus-sr20" for row in rows):
            raise IntegrityError("simulated clash")
        return original_insert(model, rows, **kwargs)

    monkeypatch.setattr(AircraftModel, "save", flaky_save)
    monkeypatch.setattr(runs, "insert_rows", flaky_insert)
    job = run_sync(source, drain_jobs)
    assert job.result["created"] == 29 and job.result["failed"] == 1
    assert not AircraftModel.objects.filter(external_id="cirrus-sr20").exists()
    failed = SyncLog.objects.get(external_id="cirrus-sr20")
    assert failed.action == SyncAction.FAILED and failed.aircraft_model is None and "could not be stored" in failed.error
    assert SyncLog.objects.filter(success=True).count() == 29


def test_repeated_external_id_in_one_feed_updates_what_it_created(source, sandbox, drain_jobs):
    sandbox.add_model({"external_id": "cessna-152", "name": "Cessna 152 Aerobat"})
    job = run_sync(source, drain_jobs)
    assert (job.result["created"], job.result["updated"]) == (30, 1)
    assert AircraftModel.objects.get(external_id="cessna-152").name == "Cessna 152 Aerobat"


def test_inactive_or_inbound_sources_do_not_sync(source, admin_user):
    sources.update_source(source, {"status": "inactive"})
    with pytest.raises(Conflict, match="inactive"):
        schedule.request_source_sync(source, admin_user)
    with pytest.raises(FatalError, match="inactive"):
        runs.sync_source(source.pk)
    with pytest.raises(Conflict, match="No active outbound data source"):
        schedule.request_sync_all(admin_user)
    inbound = make_source("Pushes to us", "http://127.0.0.1:9/models", direction="inbound")
    with pytest.raises(Conflict, match="inbound"):
        schedule.request_source_sync(inbound, admin_user)


def test_sync_all_requests_one_job_per_active_outbound_source(make_sandbox, admin_user, drain_jobs):
    a, b = make_sandbox(models=2), make_sandbox(models=3)
    make_source("A", a.url)
    make_source("B", b.url)
    make_source("Off", a.url).__class__.objects.filter(name="Off").update(status="inactive")
    results = schedule.request_sync_all(admin_user)
    assert sorted(source.name for source, _job, _created in results) == ["A", "B"]
    assert all(created and job.owner == admin_user and job.scope == f"source:{source.pk}" for source, job, created in results)
    again = schedule.request_sync_all(admin_user)
    assert [job.pk for _s, job, _c in again] == [job.pk for _s, job, _c in results]
    assert {job.status for job in drain_jobs()} == {JobStatus.SUCCEEDED}
    assert AircraftModel.objects.count() == 5


def test_sync_one_model(source, sandbox, drain_jobs, admin_user):
    run_sync(source, drain_jobs)
    model = AircraftModel.objects.get(external_id="mooney-m20j")
    sandbox.update_model("mooney-m20j", model_number="M20J-201", name="Mooney 201")
    sandbox.update_model("cessna-152", name="Should stay unsynced")
    job, created = schedule.request_model_sync(model, admin_user)
    assert created and job.kind == jobs.sync_model_job.name
    [done] = drain_jobs()
    assert done.status == JobStatus.SUCCEEDED and "updated" in done.message
    model.refresh_from_db()
    assert (model.name, model.model_number) == ("Mooney 201", "M20J-201")
    assert AircraftModel.objects.get(external_id="cessna-152").name == "Cessna 152"
    log = SyncLog.objects.filter(aircraft_model=model).first()
    assert log.action == SyncAction.UPDATED and log.changes["model_number"] == ["M20J", "M20J-201"]


def test_sync_one_model_needs_source_info_and_an_active_matching_source(source, sandbox, drain_jobs, admin_user):
    hand = AircraftModel.objects.create(name="Hand-made")
    with pytest.raises(InputError, match="no external source information"):
        schedule.request_model_sync(hand, admin_user)
    orphan = AircraftModel.objects.create(name="Orphan", external_id="x", external_data_source="Gone Catalog")
    with pytest.raises(Conflict, match="No data source named 'Gone Catalog'"):
        schedule.request_model_sync(orphan, admin_user)
    run_sync(source, drain_jobs)
    model = AircraftModel.objects.get(external_id="cessna-182t")
    sources.update_source(source, {"status": "inactive"})
    with pytest.raises(Conflict, match="not an active outbound source"):
        schedule.request_model_sync(model, admin_user)
    sources.update_source(source, {"status": "active"})
    sandbox.remove_model("cessna-182t")
    schedule.request_model_sync(model, admin_user)
    [done] = drain_jobs()
    assert done.status == JobStatus.FAILED and "has no aircraft model with external_id 'cessna-182t'" in done.message


def test_renaming_a_source_with_models_is_refused(source, drain_jobs):
    run_sync(source, drain_jobs)
    with pytest.raises(Conflict, match="30 aircraft model"):
        sources.update_source(source, {"name": "Renamed"})
    assert DataSourceConfig.objects.get(pk=source.pk).name == "Type Catalog"


def test_status_counts_connections_errors_and_models(make_sandbox, drain_jobs):
    assert fleet_status.sync_status()["status"] == "inactive"
    good, bad = make_sandbox(models=3), make_sandbox(models=3)
    bad.control({"fail_5xx": -1})
    a, b = make_source("Good", good.url), make_source("Bad", bad.url)
    run_sync(a, drain_jobs)
    status = fleet_status.sync_status()
    assert status["status"] == "active" and status["connections"] == 2 and status["active_connections"] == 2
    assert status["last_sync_status"] == "succeeded" and status["models_with_sync"] == 3
    run_sync(b, drain_jobs)
    status = fleet_status.sync_status()
    assert status["status"] == "degraded" and status["error_count"] == 1 and status["recent_error_count"] == 1
    assert status["last_sync_status"] == "failed" and status["last_sync_source"] == "Bad"
    assert {s["name"]: s["status"] for s in status["sources"]} == {"Bad": "degraded", "Good": "active"}


def test_a_second_concurrent_run_of_one_source_stops_without_changes(source, admin_user, drain_jobs):
    scheduled = schedule.schedule_due_syncs() or None  # manual source: nothing scheduled
    assert scheduled is None
    first, _ = schedule.request_source_sync(source, admin_user)
    second, created = schedule.request_source_sync(source, None)  # another owner: the guard allows a second job
    assert created and second.pk != first.pk
    from flightbridge.jobs.services import run_job

    stopped = run_job(second.pk)
    # Named by when it started, not by our row id (issue 14: no "job 4" in what people read).
    assert stopped.status == JobStatus.FAILED and f"already under way (started {first.created_at:%Y-%m-%d %H:%M} UTC)" in stopped.message
    assert f"job {first.pk}" not in stopped.message
    assert AircraftModel.objects.count() == 0 and SyncLog.objects.count() == 0
    assert run_job(first.pk).status == JobStatus.SUCCEEDED and AircraftModel.objects.count() == 30


def test_a_key_assigned_in_clear_is_sealed_on_save(sandbox, drain_jobs):
    source = DataSourceConfig.objects.create(name="Shell-made", endpoint=sandbox.url, api_key=SANDBOX_KEY)
    stored = DataSourceConfig.objects.values_list("api_key", flat=True).get(pk=source.pk)
    assert SANDBOX_KEY not in stored and stored.startswith("fbv1.")
    assert run_sync(source, drain_jobs).status == JobStatus.SUCCEEDED


def test_a_page_over_the_size_cap_is_refused_while_it_streams_with_a_clear_log(source, sandbox, drain_jobs, settings):
    """Issue 22: a 50 MB answer was read whole into the web process. It is read as a stream and refused
    past FLIGHTBRIDGE_SOURCE_MAX_PAGE_BYTES (default 8 MiB), with no Content-Length to trust."""
    assert settings.FLIGHTBRIDGE_SOURCE_MAX_PAGE_BYTES == 8 * 1024 * 1024
    sandbox.control({"huge_page": 50 * 1024 * 1024})
    job = run_sync(source, drain_jobs)
    assert job.status == JobStatus.FAILED and job.error == "fatal"
    assert "sent more than 8,388,608 bytes for page 1" in job.message
    [failure] = SyncLog.objects.filter(success=False)
    assert "FLIGHTBRIDGE_SOURCE_MAX_PAGE_BYTES" in failure.error and failure.data_source == source
    assert AircraftModel.objects.count() == 0
    # Under the cap the same padded answer is read (a valid, empty feed).
    settings.FLIGHTBRIDGE_SOURCE_MAX_PAGE_BYTES = 64 * 1024 * 1024
    sandbox.control({"huge_page": 2 * 1024 * 1024})
    assert run_sync(source, drain_jobs).status == JobStatus.SUCCEEDED
