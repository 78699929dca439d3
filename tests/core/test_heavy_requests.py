"""One heavy request per pilot (issue 22): a second export while one runs is refused with 429, not queued."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from flightbridge import heavy_requests
from flightbridge.errors import Busy
from tests.conftest import body, json_body


@contextmanager
def running_elsewhere(owner):
    """The pilot's guard held by another request: another thread, so on PostgreSQL another connection
    (a session advisory lock is re-entrant within one)."""
    taken, done = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    def hold():
        try:
            guard = heavy_requests.begin(owner, "the other request")
            taken.set()
            done.wait(30)
            guard.release()
        except BaseException as exc:  # pragma: no cover - reported below
            failure.append(exc)
            taken.set()
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert taken.wait(30) and not failure, failure
    try:
        yield
    finally:
        done.set()
        thread.join(30)


def free_for_another_request(owner) -> bool:
    """Whether another request (another thread and connection) could take the pilot's guard now."""
    found: list[bool] = []

    def attempt():
        try:
            guard = heavy_requests.begin(owner, "another request")
        except Busy:
            found.append(False)
        else:
            guard.release()
            found.append(True)
        finally:
            connection.close()

    thread = threading.Thread(target=attempt)
    thread.start()
    thread.join(30)
    return found == [True]


@pytest.mark.django_db(transaction=True)
def test_a_second_export_while_one_runs_is_refused_and_another_pilot_is_not(api, other_api, user, client):
    with running_elsewhere(user):
        for path in ("/api/exports/logger", "/api/exports/csv?format=foreflight"):
            refused = api.get(path)
            assert refused.status_code == 429, (path, refused.status_code)
            assert refused["Content-Type"] == "application/problem+json"
            assert "another export or upload of yours is still running" in refused.json()["detail"]
        assert other_api.get("/api/exports/logger").status_code == 200
        client.force_login(user)
        page = client.get("/logbook/export/logger")
        assert page.status_code == 200 and "another export or upload of yours is still running" in page.content.decode()
        csv_page = client.get("/logbook/export/csv?format=foreflight&download=1")
        assert csv_page.status_code == 200 and "another export or upload of yours" in csv_page.content.decode()
        upload = SimpleUploadedFile("f.csv", b"Date,Tail Number,Total Flight Time\n2024-01-02,N1,1.0\n", "text/csv")
        assert api.post("/api/imports/csv", {"file": upload, "preview": "true"}).status_code == 429
        upload.seek(0)
        page = client.post("/logbook/import/csv", {"file": upload})
        assert "another export or upload of yours is still running" in page.content.decode()
    # Released with the other request: the pilot's exports run again, one after another.
    assert json_body(api.get("/api/exports/logger"))["counts"]["flights"] == 0
    assert api.get("/api/exports/csv?format=foreflight").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_streamed_export_holds_the_guard_to_its_last_byte_then_lets_it_go(api, user):
    response = api.get("/api/exports/csv?format=myflightbook")
    assert response.status_code == 200 and response.streaming
    assert not free_for_another_request(user)  # the answer is still being sent: the pilot's guard is taken
    assert body(response).startswith(b"Date,")
    assert free_for_another_request(user)  # free again after the last byte


@pytest.mark.django_db(transaction=True)
def test_a_bad_query_releases_the_guard_before_any_byte(api, user):
    assert api.get("/api/exports/logger?from=2024-03-10&to=2024-03-01").status_code == 422
    assert free_for_another_request(user)


@pytest.mark.django_db
def test_a_process_reads_one_upload_at_a_time_and_answers_the_others_429_before_reading_them(api, other_api, settings):
    """Issue 22: 8 pilots uploading at once held every request thread; another pilot's page took 11 s."""
    settings.FLIGHTBRIDGE_UPLOADS_PER_PROCESS = 1
    gate = heavy_requests._upload_gate()
    data = b"Date,Tail Number,Total Flight Time\n2024-01-02,N1,1.0\n"
    assert gate.acquire(blocking=False)  # another pilot's upload is being read in this process
    try:
        busy = other_api.post("/api/imports/csv", {"file": SimpleUploadedFile("f.csv", data, "text/csv"), "preview": "true"})
        assert busy.status_code == 429 and busy["Retry-After"] == "2"
        assert "reading other pilots' files" in busy.json()["detail"]
        assert api.get("/api/flights").status_code == 200  # reads are never gated
    finally:
        gate.release()
    done = other_api.post("/api/imports/csv", {"file": SimpleUploadedFile("f.csv", data, "text/csv"), "preview": "true"})
    assert done.status_code == 200 and done.json()["counts"]["created"] == 1
