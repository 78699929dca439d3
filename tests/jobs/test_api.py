import pytest

from flightbridge.jobs import services

pytestmark = pytest.mark.django_db


def test_pilot_polls_own_job_and_never_sees_another(api, user, other_user, drain_jobs):
    mine, _ = services.request_job("test.sleep", owner=user, params={"seconds": 0})
    theirs, _ = services.request_job("test.sleep", owner=other_user, params={"seconds": 0})
    body = api.get(f"/api/jobs/{mine.pk}").json()
    assert body["status"] == "queued" and body["kind"] == "test.sleep"
    drain_jobs()
    body = api.get(f"/api/jobs/{mine.pk}").json()
    assert body["status"] == "succeeded" and body["message"] == "Slept 0.0s."
    assert api.get(f"/api/jobs/{theirs.pk}").status_code == 404
    assert [job["id"] for job in api.get("/api/jobs").json()] == [mine.pk]
    assert api.get("/api/jobs?kind=other.kind").json() == []
