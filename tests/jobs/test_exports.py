"""Exports beyond FLIGHTBRIDGE_EXPORT_INLINE_MAX_FLIGHTS run as a job (issue 22): the request answers 202 with the
job, the worker writes the same bytes the inline export streams, only the owner downloads the file, once; one
import or export job per pilot at a time; a dead worker's export ends failed and its half file is never served."""

from __future__ import annotations

import os
import stat
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from flightbridge.jobs import exports
from flightbridge.jobs.models import JobStatus, SyncJob
from flightbridge.jobs.services import reap_stale_jobs, run_queued_jobs, transition
from flightbridge.logbook.models import Flight
from tests.conftest import body

pytestmark = pytest.mark.django_db

EXPORTS = {"csv": "/api/exports/csv?format=foreflight", "myflightbook": "/api/exports/csv?format=myflightbook&hhmm=true",
           "logger": "/api/exports/logger?local=true"}


def add_flights(owner, count: int, first: date = date(2020, 1, 1)) -> None:
    start = datetime.combine(first, datetime.min.time(), tzinfo=UTC) + timedelta(hours=14)
    Flight.objects.bulk_create([Flight(
        owner=owner, date=(start + timedelta(hours=7 * n)).date(), departure="KPAO", destination=("KSQL", "EGLL", "S43")[n % 3],
        route="KPAO KSQL", tail_number=f"N{100 + n % 7}", aircraft_type="C172", total_flight_time=Decimal("1.35"),
        pic=Decimal("1.35"), night=Decimal("0.3"), day_landings=2, night_landings=1, day_takeoffs=2, night_takeoffs=1,
        remarks=f"Flight {n}: «Ärger» ✈ =SUM(A1)", block_out=start + timedelta(hours=7 * n),
        block_in=start + timedelta(hours=7 * n, minutes=81), source="manual") for n in range(count)])


@pytest.fixture(autouse=True)
def _no_export_files_of_other_tests():
    folder = Path(django_settings.DATA_DIR) / exports.DIRECTORY
    for path in folder.iterdir() if folder.exists() else ():
        path.unlink()


def export_files() -> list[Path]:
    folder = Path(django_settings.DATA_DIR) / exports.DIRECTORY
    return sorted(folder.iterdir()) if folder.exists() else []


def inline(api, path: str):
    response = api.get(path)
    assert response.status_code == 200 and response.streaming, (response.status_code, path)
    return response, body(response)


def queued(api, path: str) -> dict:
    response = api.get(path)
    assert response.status_code == 202, (response.status_code, response.content[:300])
    return response.json()


@pytest.mark.parametrize("export", sorted(EXPORTS))
def test_the_jobs_file_is_byte_for_byte_the_inline_export_just_over_the_size(api, user, settings, export):
    add_flights(user, 12)
    settings.FLIGHTBRIDGE_EXPORT_INLINE_MAX_FLIGHTS = 12  # just under: streamed in the request, as before
    streamed, expected = inline(api, EXPORTS[export])

    settings.FLIGHTBRIDGE_EXPORT_INLINE_MAX_FLIGHTS = 11  # just over: a job
    job = queued(api, EXPORTS[export])
    assert (job["status"], job["status_url"], job["download_url"]) == ("queued", f"/api/jobs/{job['id']}", None)
    assert job["kind"] == ("logger.export" if export == "logger" else "interchange.export_csv")
    assert export_files() == []  # the request wrote nothing
    run_queued_jobs()
    done = api.get(job["status_url"]).json()
    assert done["status"] == "succeeded" and done["progress"] == {"flights": 12, "flights_written": 12}
    assert done["result"]["download_url"] == f"/api/exports/{job['id']}/file"

    downloaded = api.get(done["result"]["download_url"])
    assert downloaded.status_code == 200 and body(downloaded) == expected and len(expected) > 2000
    assert downloaded["Content-Type"] == streamed["Content-Type"]
    for header in ("X-Flight-Count", "X-Left-Out-MyFlightbook"):
        assert downloaded.get(header) == streamed.get(header)
    if export != "logger":
        assert downloaded["Content-Disposition"] == streamed["Content-Disposition"]
    else:
        assert downloaded["Content-Disposition"] == 'attachment; filename="flightbridge-logger-all.json"'
    assert export_files() == []  # removed once downloaded
    gone = api.get(done["result"]["download_url"])
    assert gone.status_code == 404 and "downloaded already" in gone.json()["detail"]


def test_the_size_counts_the_flights_in_the_requested_range_only(api, user, settings):
    settings.FLIGHTBRIDGE_EXPORT_INLINE_MAX_FLIGHTS = 10
    add_flights(user, 30, first=date(2021, 1, 1))  # 7 hours apart: 9 in the first three days, 16 in five
    inline(api, "/api/exports/csv?format=foreflight&from=2021-01-01&to=2021-01-03")
    inline(api, "/api/exports/logger?from=2021-01-01&to=2021-01-03")
    inline(api, "/api/exports/logger?flight=%d" % Flight.objects.first().pk)
    job = queued(api, "/api/exports/csv?format=foreflight&from=2021-01-01&to=2021-01-05")
    assert SyncJob.objects.get(pk=job["id"]).params == {
        "format": "foreflight", "from": "2021-01-01", "to": "2021-01-05", "include_myflightbook": False, "hhmm": False,
        "flights": 16}


def test_one_import_or_export_job_per_pilot_and_no_inline_export_beside_it(api, other_api, user, other_user, settings):
    settings.FLIGHTBRIDGE_EXPORT_INLINE_MAX_FLIGHTS = 5
    add_flights(user, 8)
    add_flights(other_user, 8)
    job = queued(api, EXPORTS["csv"])
    again = api.get(EXPORTS["csv"])
    assert again.status_code == 429 and again.json()["detail"] == (
        f"Your export (job {job['id']}) is still running; start this one when it has ended.")
    logger = api.get(EXPORTS["logger"])
    assert logger.status_code == 429 and f"job {job['id']}" in logger.json()["detail"]
    small = api.get("/api/exports/csv?format=foreflight&from=2020-01-01&to=2020-01-01")  # inline-sized: still refused
    assert small.status_code == 429 and f"job {job['id']}" in small.json()["detail"]
    upload = api.post("/api/imports/csv", {"file": SimpleUploadedFile(
        "logbook.csv", b"Date,Tail Number,Route,Total Flight Time\n2020-01-01,N1,KPAO KSQL,1.0\n", "text/csv")})
    assert upload.status_code == 429 and upload.json()["detail"] == (
        f"Another import or export of yours is still running (job {job['id']}: Exporting 8 flights as a "
        "ForeFlight file.); start this one when it has ended.")
    assert other_api.get(EXPORTS["csv"]).status_code == 202  # another pilot's export is their own
    assert SyncJob.objects.filter(owner=user).count() == 1

    run_queued_jobs()
    imported = api.post("/api/imports/csv", {"file": SimpleUploadedFile(
        "logbook.csv", b"Date,Tail Number,Route,Total Flight Time\n2020-01-01,N1,KPAO KSQL,1.0\n", "text/csv")})
    assert imported.status_code == 202  # the export ended: an import may start
    refused = api.get(EXPORTS["logger"])
    assert refused.status_code == 429 and f"job {imported.json()['id']}" in refused.json()["detail"]


def test_only_the_owner_downloads_and_only_a_finished_exports_file(api, other_api, user, other_user, settings):
    settings.FLIGHTBRIDGE_EXPORT_INLINE_MAX_FLIGHTS = 2
    add_flights(user, 3)
    job = queued(api, EXPORTS["csv"])
    url = f"/api/exports/{job['id']}/file"
    not_yet = api.get(url)
    assert not_yet.status_code == 404 and not_yet.json()["detail"] == f"You have no finished export {job['id']}."
    run_queued_jobs()
    assert len(export_files()) == 1
    stolen = other_api.get(url)  # another pilot: the same answer as for an id that does not exist
    assert stolen.status_code == 404 and stolen.json()["detail"] == f"You have no finished export {job['id']}."
    assert other_api.get(f"/api/jobs/{job['id']}").status_code == 404
    assert api.get("/api/exports/999999999/file").status_code == 404
    import_job = SyncJob.objects.create(kind="interchange.import_csv", owner=user, guard_key="x", status="succeeded",
                                        result={"run_id": 1})
    assert api.get(f"/api/exports/{import_job.pk}/file").status_code == 404  # not an export
    assert len(export_files()) == 1  # nothing the refusals did touched the file
    from django.test import Client

    assert Client().get(url).status_code == 401
    assert api.get(url).status_code == 200


def test_the_file_is_private_one_per_pilot_and_swept_when_it_expires(api, user, settings):
    settings.FLIGHTBRIDGE_EXPORT_INLINE_MAX_FLIGHTS = 2
    add_flights(user, 3)
    first = queued(api, EXPORTS["csv"])
    run_queued_jobs()
    [kept] = export_files()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    assert kept.name == f"{user.pk}-{first['id']}.export"

    second = queued(api, EXPORTS["logger"])  # a new export: the older file goes at once
    assert export_files() == []
    assert api.get(f"/api/exports/{first['id']}/file").status_code == 404
    run_queued_jobs()
    [newer] = export_files()
    assert exports.sweep() == 0  # young: kept
    old = time.time() - settings.FLIGHTBRIDGE_EXPORT_FILE_MINUTES * 60 - 5
    os.utime(newer, (old, old))
    assert exports.sweep() == 1 and export_files() == []
    gone = api.get(f"/api/exports/{second['id']}/file")
    assert gone.status_code == 404 and "waited more than 30 minutes" in gone.json()["detail"]


def test_an_export_past_the_directorys_cap_fails_and_leaves_no_file(api, user, settings):
    settings.FLIGHTBRIDGE_EXPORT_INLINE_MAX_FLIGHTS = 2
    settings.FLIGHTBRIDGE_EXPORT_FILES_MAX_BYTES = 3000
    add_flights(user, 20)
    job = queued(api, EXPORTS["csv"])
    run_queued_jobs()
    failed = api.get(f"/api/jobs/{job['id']}").json()
    assert failed["status"] == "failed" and "as many export files as it may" in failed["message"]
    assert export_files() == [] and api.get(f"/api/exports/{job['id']}/file").status_code == 404


def test_a_dead_workers_export_ends_failed_and_its_half_file_is_never_served(api, user, settings):
    settings.FLIGHTBRIDGE_EXPORT_INLINE_MAX_FLIGHTS = 2
    settings.FLIGHTBRIDGE_JOB_STALE_SECONDS = 60
    add_flights(user, 3)
    job = queued(api, EXPORTS["csv"])
    assert transition(job["id"], JobStatus.RUNNING)
    # What a worker killed mid-file leaves: the partial file, and a heartbeat that went silent.
    partial = Path(django_settings.DATA_DIR) / exports.DIRECTORY / f"{user.pk}-{job['id']}{exports.PARTIAL}"
    partial.write_bytes(b"ForeFlight Logbook Import,This row is required for importing into ForeFlight. Do not delete")
    SyncJob.objects.filter(pk=job["id"]).update(heartbeat_at=timezone.now() - timedelta(seconds=120))
    assert api.get(f"/api/exports/{job['id']}/file").status_code == 404  # running: no file to serve

    assert reap_stale_jobs() == 1
    dead = api.get(f"/api/jobs/{job['id']}").json()
    assert (dead["status"], dead["error"]) == ("failed", "worker_died")
    assert "stopped unexpectedly" in dead["message"] and dead["result"] == {}
    assert export_files() == []  # the reaper removed the half file
    assert api.get(f"/api/exports/{job['id']}/file").status_code == 404
    assert api.get(EXPORTS["csv"]).status_code == 202  # the pilot may export again


def test_an_export_that_breaks_midway_keeps_no_half_file(api, user, settings, monkeypatch):
    settings.FLIGHTBRIDGE_EXPORT_INLINE_MAX_FLIGHTS = 2
    add_flights(user, 5)
    from flightbridge.interchange import writing

    real = writing.foreflight_flight_row
    calls = []

    def breaks_at_the_fourth(flight):
        calls.append(flight)
        if len(calls) == 4:
            raise RuntimeError("disk gone")
        return real(flight)

    monkeypatch.setattr(writing, "foreflight_flight_row", breaks_at_the_fourth)
    job = queued(api, EXPORTS["csv"])
    run_queued_jobs()
    failed = api.get(f"/api/jobs/{job['id']}").json()
    assert failed["status"] == "failed" and failed["error"] == "internal" and len(calls) == 4
    assert export_files() == []


def test_the_worker_reports_flights_written_as_it_goes(api, user, settings, monkeypatch):
    settings.FLIGHTBRIDGE_EXPORT_INLINE_MAX_FLIGHTS = 2
    monkeypatch.setattr(exports, "REPORT_EVERY", 3)
    add_flights(user, 10)
    seen = []
    from flightbridge.jobs.services import JobContext

    real = JobContext.report
    monkeypatch.setattr(JobContext, "report", lambda self, **kw: seen.append(kw.get("flights_written")) or real(self, **kw))
    job = queued(api, EXPORTS["myflightbook"])
    run_queued_jobs()
    assert seen == [0, 3, 6, 9, 10]
    assert api.get(f"/api/jobs/{job['id']}").json()["progress"] == {"flights": 10, "flights_written": 10}


def test_the_openapi_schema_documents_the_job_answer_and_the_download(api):
    schema = api.get("/api/openapi.json").json()
    for path in ("/api/exports/csv", "/api/exports/logger"):
        answers = schema["paths"][path]["get"]["responses"]
        assert {"200", "202", "429"} <= set(answers), (path, answers)
        assert answers["202"]["content"]["application/json"]["schema"]["$ref"].endswith("/ExportJobOut")
    download = schema["paths"]["/api/exports/{job_id}/file"]["get"]["responses"]
    assert {"200", "404", "429"} <= set(download)
    job_out = schema["components"]["schemas"]["ExportJobOut"]["properties"]
    assert {"status_url", "download_url", "progress"} <= set(job_out)


@pytest.mark.django_db(transaction=True)
def test_the_worker_reports_progress_while_another_connection_writes(user, settings, monkeypatch):
    """The heartbeat writes from its own connection while the worker reads flights; the worker's next progress report
    must still succeed. On SQLite a connection whose read statement is still open cannot write after another one
    has ("database is locked"): the exports read their flights a page at a time, each page a finished query."""
    import threading

    from django.db import connection

    from flightbridge.interchange import jobs, writing
    from flightbridge.jobs.services import run_job

    settings.FLIGHTBRIDGE_EXPORT_INLINE_MAX_FLIGHTS = 2
    monkeypatch.setattr(exports, "REPORT_EVERY", 3)
    add_flights(user, 30)
    real = writing.foreflight_flight_row
    seen = []

    def heartbeat_beside(flight):
        seen.append(flight)
        if len(seen) == 10:  # mid-read: another connection writes and commits, as the heartbeat thread does
            def beat():
                SyncJob.objects.filter(owner=user).update(heartbeat_at=timezone.now())
                connection.close()

            beside = threading.Thread(target=beat)
            beside.start()
            beside.join()
        return real(flight)

    monkeypatch.setattr(writing, "foreflight_flight_row", heartbeat_beside)
    stream = jobs.open_export(user, jobs.export_params("foreflight"))
    job = exports.queue_if_big(user, jobs.export_csv_job, jobs.export_params("foreflight"), stream)
    done = run_job(job.pk)
    assert done.status == "succeeded", done.message
    assert done.progress == {"flights": 30, "flights_written": 30} and len(seen) == 30


@pytest.mark.django_db(transaction=True)
@pytest.mark.multiprocess
def test_a_worker_killed_mid_export_ends_the_job_failed_and_serves_no_half_file(api, user, spawn, settings):
    from django.db import close_old_connections

    from tests.conftest import wait_for

    settings.FLIGHTBRIDGE_EXPORT_INLINE_MAX_FLIGHTS = 100
    settings.FLIGHTBRIDGE_JOB_STALE_SECONDS = 1.5
    add_flights(user, 15_000)
    job = queued(api, EXPORTS["logger"])
    fast = {"FLIGHTBRIDGE_JOB_HEARTBEAT_SECONDS": "0.2", "FLIGHTBRIDGE_JOB_STALE_SECONDS": "1.5"}

    def fresh_job():
        close_old_connections()
        return SyncJob.objects.get(pk=job["id"])

    worker = spawn("worker", **fast)
    wait_for(lambda: fresh_job().progress.get("flights_written", 0) >= 1000, 120,
             message=f"the worker to write some flights; log:\n{worker.output()}")
    worker.kill()  # SIGKILL: no cleanup, no goodbye
    half = fresh_job()
    assert half.status == JobStatus.RUNNING and 1000 <= half.progress["flights_written"] < 15_000
    assert [path.suffix for path in export_files()] == [exports.PARTIAL]  # half a file, under its partial name
    assert api.get(f"/api/exports/{job['id']}/file").status_code == 404  # never served
    wait_for(lambda: fresh_job().heartbeat_at < timezone.now() - timedelta(seconds=1.6), 30,
             message="the dead worker's heartbeat to go stale")

    replacement = spawn("worker", **fast)  # reaps the dead worker's job at start-up
    wait_for(lambda: fresh_job().status == JobStatus.FAILED, 60,
             message=f"the job to be reaped; log:\n{replacement.output()}")
    dead = fresh_job()
    assert dead.error == "worker_died" and "stopped unexpectedly" in dead.message
    assert export_files() == []  # the reaper removed the half file
    assert api.get(f"/api/exports/{job['id']}/file").status_code == 404
    close_old_connections()


@pytest.mark.parametrize("export, page", [("csv", "/logbook/export/csv"), ("logger", "/logbook/export/logger")])
def test_a_pilot_who_left_the_export_page_finds_the_export_there_again(api, client, user, settings, export, page):
    """The page follows an export job it started; a pilot who went elsewhere meanwhile came back to a page that had
    forgotten it (only /api/jobs knew). The page now shows the export still being written, or written and not yet
    downloaded, and forgets it once the file is gone."""
    add_flights(user, 12)
    settings.FLIGHTBRIDGE_EXPORT_INLINE_MAX_FLIGHTS = 11
    client.force_login(user)
    assert 'id="export-job"' not in client.get(page).content.decode()
    job = queued(api, EXPORTS[export])
    assert f'data-export-job="{job["id"]}"' in client.get(page).content.decode()  # queued
    run_queued_jobs()
    assert f'data-export-job="{job["id"]}"' in client.get(page).content.decode()  # written, not downloaded
    body(api.get(f"/api/exports/{job['id']}/file"))
    assert 'id="export-job"' not in client.get(page).content.decode()  # downloaded: nothing left to show
