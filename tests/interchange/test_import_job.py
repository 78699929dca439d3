"""A logbook file is imported by a background job on the syncs' queue (issue 21): the upload answers with the
job at once, the file waits in the data directory (0600) until the job ends, the job accounts for every row,
one import per pilot at a time, and a worker killed mid-import leaves a failed run that Undo removes."""

from __future__ import annotations

import stat
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections
from django.utils import timezone

from flightbridge.jobs import files
from flightbridge.jobs.models import JobStatus, SyncJob
from flightbridge.jobs.services import run_queued_jobs
from flightbridge.logbook import services as logbook_services
from flightbridge.logbook.models import Flight, ImportStatus, LogbookImport
from tests.conftest import wait_for

FAST = {"FLIGHTBRIDGE_JOB_HEARTBEAT_SECONDS": "0.2", "FLIGHTBRIDGE_JOB_STALE_SECONDS": "1.5"}


def logbook_file(rows: int, bad: int = 0) -> bytes:
    """A MyFlightbook CSV of `rows` flights on distinct days, then `bad` rows whose total is not a number."""
    first = date(1990, 1, 1)
    lines = ["Date,Tail Number,Route,Total Flight Time,Landings"]
    lines += [f"{(first + timedelta(days=n)).isoformat()},N{100 + n % 50},KPAO KSQL,1.{n % 10},1" for n in range(rows)]
    lines += [f"2020-01-0{n % 9 + 1},N1,KPAO KSQL,one hour,1" for n in range(bad)]
    return ("\n".join(lines) + "\n").encode()


def post_file(api, data: bytes):
    return api.post("/api/imports/csv", {"file": SimpleUploadedFile("logbook.csv", data, "text/csv")})


@pytest.fixture(autouse=True)
def _no_files_of_other_tests():
    """Other tests queue imports they never run; their files are not this test's to count."""
    folder = Path(settings.DATA_DIR) / files.DIRECTORY
    for path in folder.iterdir() if folder.exists() else ():
        path.unlink()


def job_files() -> list[Path]:
    folder = Path(settings.DATA_DIR) / files.DIRECTORY
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.mark.django_db
def test_the_upload_answers_with_the_job_and_the_job_accounts_for_every_row(api, user):
    response = post_file(api, logbook_file(1200, bad=3))
    assert response.status_code == 202
    job = response.json()
    assert (job["kind"], job["status"], job["message"]) == ("interchange.import_csv", "queued", "Importing a myflightbook file.")
    assert not LogbookImport.objects.exists() and not Flight.objects.exists()  # the request only queued it
    [kept] = job_files()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    assert SyncJob.objects.get(pk=job["id"]).params == {"file": kept.name, "format": "myflightbook"}

    run_queued_jobs()
    done = api.get(f"/api/jobs/{job['id']}").json()
    assert done["status"] == "succeeded" and done["phase"] == "flights"
    assert {key: done["progress"][key] for key in ("rows_read", "created", "updated", "unchanged", "refused", "skipped")} == {
        "rows_read": 1203, "created": 1200, "updated": 0, "unchanged": 0, "refused": 3, "skipped": 0}
    run = LogbookImport.objects.get(pk=done["result"]["run_id"])
    assert (run.status, run.job_id, run.imported, run.failed) == (ImportStatus.COMPLETED, job["id"], 1200, 3)
    assert done["message"] == run.message and "1200 new, 3 not imported" in run.message
    assert Flight.objects.filter(owner=user, created_by_run=run).count() == 1200
    assert job_files() == []  # removed when the job ended


@pytest.mark.django_db
def test_one_import_per_pilot_at_a_time_and_a_file_that_is_no_logbook_is_refused_in_the_request(api, user, other_api):
    first = post_file(api, logbook_file(5))
    assert first.status_code == 202
    second = post_file(api, logbook_file(6))
    assert second.status_code == 429 and f"job {first.json()['id']}" in second.json()["detail"]
    assert len(job_files()) == 1  # the refused file is not kept
    assert post_file(other_api, logbook_file(2)).status_code == 202  # another pilot's import is their own
    refused = post_file(api, b"name,age\nbob,3\n")
    assert refused.status_code == 422 and "not a ForeFlight, MyFlightbook or LogTen Pro" in refused.json()["detail"]
    run_queued_jobs()
    assert job_files() == [] and Flight.objects.filter(owner=user).count() == 5
    assert post_file(api, logbook_file(6)).status_code == 202  # the first has ended: the next may start


@pytest.mark.django_db
def test_a_failed_job_removes_its_file_and_says_why(api, user):
    job = post_file(api, logbook_file(3)).json()
    files.remove(SyncJob.objects.get(pk=job["id"]).params["file"])  # gone before a worker took it
    run_queued_jobs()
    failed = api.get(f"/api/jobs/{job['id']}").json()
    assert failed["status"] == "failed" and "no longer here" in failed["message"]


def fresh(model, **filters):
    close_old_connections()
    return model.objects.filter(**filters).first()


@pytest.mark.django_db(transaction=True)
@pytest.mark.multiprocess
def test_a_worker_killed_mid_import_ends_the_run_failed_and_undo_removes_what_it_created(api, user, spawn, settings):
    settings.FLIGHTBRIDGE_JOB_STALE_SECONDS = 1.5
    mine = Flight.objects.create(owner=user, date=date(2030, 1, 1), departure="KPAO", destination="KSQL")
    job = post_file(api, logbook_file(40_000)).json()
    worker = spawn("worker", **FAST)
    wait_for(lambda: (fresh(LogbookImport, job_id=job["id"]) or LogbookImport(imported=0)).imported >= 1000, 120,
             message=f"the worker to store some flights; log:\n{worker.output()}")
    worker.kill()  # SIGKILL: no cleanup, no goodbye
    run = fresh(LogbookImport, job_id=job["id"])
    assert run.status == ImportStatus.PROCESSING
    stored = Flight.objects.filter(created_by_run=run).count()
    assert 1000 <= stored < 40_000 and stored % 500 == 0  # whole batches only
    wait_for(lambda: fresh(SyncJob, pk=job["id"]).heartbeat_at < timezone.now() - timedelta(seconds=1.6), 30,
             message="the dead worker's heartbeat to go stale")

    replacement = spawn("worker", **FAST)  # reaps the dead worker's job at start-up
    dead = wait_for(lambda: (lambda j: j if j.status == JobStatus.FAILED else None)(fresh(SyncJob, pk=job["id"])), 60,
                    message=f"the job to be reaped; log:\n{replacement.output()}")
    assert dead.error == "worker_died"
    run = fresh(LogbookImport, pk=run.pk)
    assert run.status == ImportStatus.FAILED and "stopped before it finished" in run.message
    assert run.imported == stored
    assert job_files() == []  # the reaper removed the dead job's file

    undone = logbook_services.revert_import(user, run.pk)
    assert undone.removed_flights == stored and undone.kept == []
    assert list(Flight.objects.filter(owner=user)) == [mine]
    close_old_connections()


@pytest.mark.django_db
def test_the_request_reads_only_the_files_head_and_the_job_reads_it_all(api, user, monkeypatch):
    from flightbridge.interchange import services

    monkeypatch.setattr(services, "CHECKED_HEAD_BYTES", 1024)
    read = []
    real = services.read_logbook
    monkeypatch.setattr(services, "read_logbook", lambda data, *args, **kwargs: read.append(len(data)) or real(data, *args, **kwargs))
    data = logbook_file(200, bad=1)
    response = post_file(api, data)
    assert response.status_code == 202 and len(read) == 1 and read[0] <= 1024 and data[:read[0]].endswith(b"\n")
    run_queued_jobs()
    done = api.get(f"/api/jobs/{response.json()['id']}").json()
    assert read[1:] == [len(data)] and done["progress"]["rows_read"] == 201 and done["progress"]["refused"] == 1
