"""A Logger package is imported by a background job (issue 21): the request reads and checks it, answers 202
with the job, keeps the package in the data directory until the job ends, and one package per pilot imports
at a time; the job's progress counts every entry."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from django.conf import settings

from flightbridge.jobs import files
from flightbridge.jobs.services import run_queued_jobs
from flightbridge.logbook.models import Flight, LogbookImport

pytestmark = pytest.mark.django_db

METADATA = {"appName": "test", "appVersion": "1", "isUTC": True}


def package(count: int, bad: int = 0) -> dict:
    entries = [{"importId": f"job-{n}", "entryType": "Flight", "departureDate": f"2024-05-{n % 28 + 1:02d}",
                "departureAirport": "KPAO", "arrivalAirport": "KSQL"} for n in range(count)]
    entries += [{"importId": f"bad-{n}", "entryType": "Flight", "departureDate": "2024-02-30"} for n in range(bad)]
    return {"entries": entries, "metadata": METADATA}


def post(api, body: dict):
    return api.post("/api/imports/logger", json.dumps({"package": body}), content_type="application/json")


@pytest.fixture(autouse=True)
def _no_files_of_other_tests():
    folder = Path(settings.DATA_DIR) / files.DIRECTORY
    for path in folder.iterdir() if folder.exists() else ():
        path.unlink()


def test_the_package_waits_as_a_private_file_and_the_job_counts_every_entry(api, user):
    response = post(api, package(30, bad=2))
    assert response.status_code == 202
    job = response.json()
    [kept] = (Path(settings.DATA_DIR) / files.DIRECTORY).iterdir()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and json.loads(kept.read_text())["entries"][0]["importId"] == "job-0"
    assert not Flight.objects.exists()
    second = post(api, package(3))
    assert second.status_code == 429 and f"job {job['id']}" in second.json()["detail"]
    run_queued_jobs()
    done = api.get(f"/api/jobs/{job['id']}").json()
    assert done["status"] == "succeeded" and done["phase"] == "entries"
    assert {key: done["progress"][key] for key in ("rows_read", "created", "refused")} == {
        "rows_read": 32, "created": 30, "refused": 2}
    run = LogbookImport.objects.get(pk=done["result"]["run_id"])
    assert (run.job_id, run.imported, run.failed) == (job["id"], 30, 2)
    assert list((Path(settings.DATA_DIR) / files.DIRECTORY).iterdir()) == []


def test_a_package_logger_would_refuse_is_refused_in_the_request(api, user):
    response = post(api, {"entries": [], "metadata": {}})
    assert response.status_code == 422 and "metadata.appName" in response.content.decode()
    folder = Path(settings.DATA_DIR) / files.DIRECTORY
    assert not (folder.exists() and any(folder.iterdir())) and not LogbookImport.objects.exists()


def test_preview_answers_each_entry_at_once_and_saves_nothing(api, user):
    response = api.post("/api/imports/logger?preview=true", json.dumps({"package": package(3, bad=1)}),
                        content_type="application/json")
    body = response.json()
    assert response.status_code == 200 and body["id"] is None
    assert [entry["status"] for entry in body["entries"]] == ["imported", "imported", "imported", "failed"]
    assert not Flight.objects.exists() and not LogbookImport.objects.exists()
