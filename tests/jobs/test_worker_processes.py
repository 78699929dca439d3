"""Real worker processes on the test database: a job survives nothing, but a dead worker frees its owner."""

import pytest
from django.db import close_old_connections

from flightbridge.jobs import services
from flightbridge.jobs.models import JobStatus, SyncJob
from tests.conftest import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.multiprocess]

FAST = {"FLIGHTBRIDGE_JOB_HEARTBEAT_SECONDS": "0.2", "FLIGHTBRIDGE_JOB_STALE_SECONDS": "1.5"}


def status_of(job_id):
    close_old_connections()
    return SyncJob.objects.get(pk=job_id)


def test_worker_runs_a_queued_job(user, spawn):
    job, _ = services.request_job("test.sleep", owner=user, params={"seconds": 0.2})
    worker = spawn("worker", **FAST)
    done = wait_for(lambda: status_of(job.pk).status == JobStatus.SUCCEEDED and status_of(job.pk), 60,
                    message=f"job to succeed; worker log:\n{worker.output()}")
    assert done.result == {"slept": 0.2}


def test_sigkilled_worker_fails_its_job_and_a_new_one_can_start(user, spawn, settings):
    settings.FLIGHTBRIDGE_JOB_STALE_SECONDS = 1.5
    job, _ = services.request_job("test.sleep", owner=user, params={"seconds": 120})
    worker = spawn("worker", **FAST)
    wait_for(lambda: status_of(job.pk).status == JobStatus.RUNNING, 60, message="job to start")
    worker.kill()  # SIGKILL: no cleanup, no goodbye
    assert status_of(job.pk).status == JobStatus.RUNNING
    from datetime import timedelta

    from django.utils import timezone

    wait_for(lambda: status_of(job.pk).heartbeat_at < timezone.now() - timedelta(seconds=1.6), 30, message="heartbeat to go stale")
    spawn("worker", **FAST)  # the next worker reaps the dead one's job at start-up
    failed = wait_for(lambda: status_of(job.pk).status == JobStatus.FAILED and status_of(job.pk), 60, message="job reaped")
    assert failed.error == "worker_died"
    assert "start the job again" in failed.message
    again, created = services.request_job("test.sleep", owner=user, params={"seconds": 0.1})
    assert created
    wait_for(lambda: status_of(again.pk).status == JobStatus.SUCCEEDED, 60, message="new job to succeed")
