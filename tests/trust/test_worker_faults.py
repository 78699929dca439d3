"""Real worker processes syncing 2,000 flights from the sandbox (served by this test process on
127.0.0.1): a worker SIGKILLed in the middle of a page, and a sync racing another process that keeps
writing to the same database. Afterwards every run is in a final state and every FlightID is stored
exactly once."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from django.db import close_old_connections
from django.utils import timezone

from flightbridge.jobs.models import JobStatus, SyncJob
from flightbridge.logbook.models import Flight, ImportStatus, LogbookImport
from flightbridge.myflightbook.link import start_sync
from flightbridge.myflightbook.models import ConnectionStatus, IntegrationToken
from tests.conftest import REPO_ROOT, child_env, wait_for
from tests.trust.conftest import FLIGHTS, PAGE, assert_complete, assert_none_duplicated, at_flight_page, sandbox_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.multiprocess]

FAST = {"FLIGHTBRIDGE_JOB_HEARTBEAT_SECONDS": "0.2", "FLIGHTBRIDGE_JOB_STALE_SECONDS": "1.5"}
KILL_PAGE = 17


def fresh(model, **filters):
    close_old_connections()
    return model.objects.filter(**filters).first()


def finished(job_id: int) -> SyncJob | None:
    job = fresh(SyncJob, pk=job_id)
    return job if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED) else None


def test_a_worker_killed_mid_page_leaves_final_states_and_the_next_sync_completes(user, connected, mfb, spawn, settings):
    settings.FLIGHTBRIDGE_JOB_STALE_SECONDS = 1.5
    mfb.set_faults(hang_seconds=20)  # the worker is stuck inside page 17's request when it dies
    at_flight_page(mfb, KILL_PAGE, lambda: mfb.set_faults(script=["timeout"]))
    job, _ = start_sync(user)
    worker = spawn("worker", **FAST, **sandbox_env(mfb))
    offset = str((KILL_PAGE - 1) * PAGE)
    wait_for(lambda: any(call["params"].get("offset") == offset for call in mfb.calls), 60,
             message=f"the worker to ask for page {KILL_PAGE}; worker log:\n{worker.output()}")
    running = fresh(SyncJob, pk=job.pk)
    assert running.status == JobStatus.RUNNING and running.progress["pages_done"] == KILL_PAGE - 1
    assert fresh(LogbookImport, job_id=job.pk).status == ImportStatus.PROCESSING

    worker.kill()  # SIGKILL: no cleanup, no goodbye
    stored = sum(assert_none_duplicated(user, mfb).values())
    assert stored == (KILL_PAGE - 1) * PAGE  # whole pages only
    wait_for(lambda: fresh(SyncJob, pk=job.pk).heartbeat_at < timezone.now() - timedelta(seconds=1.6), 30,
             message="the dead worker's heartbeat to go stale")

    replacement = spawn("worker", **FAST, **sandbox_env(mfb))  # reaps the dead worker's job at start-up
    dead = wait_for(lambda: finished(job.pk), 60, message=f"the job to be reaped; log:\n{replacement.output()}")
    assert dead.status == JobStatus.FAILED and dead.error == "worker_died" and "start the job again" in dead.message
    # The reaper closes the job's import run in the transaction that fails the job: never one without the other.
    orphan = fresh(LogbookImport, job_id=job.pk)
    assert orphan.status == ImportStatus.FAILED and orphan.finished_at is not None, orphan.status
    assert "stopped before it finished" in orphan.message and "are kept" in orphan.message
    assert orphan.imported == stored
    assert fresh(IntegrationToken, owner=user).status == ConnectionStatus.CONNECTED

    follow, created = start_sync(user)
    assert created
    done = wait_for(lambda: finished(follow.pk), 90, message=f"the follow-up sync; log:\n{replacement.output()}")
    assert done.status == JobStatus.SUCCEEDED, done.message
    batch = fresh(LogbookImport, job_id=follow.pk)
    assert batch.status == ImportStatus.COMPLETED
    assert (batch.imported, batch.skipped, batch.failed) == (FLIGHTS - stored, stored, 0)
    close_old_connections()
    assert_complete(user, mfb)
    assert mfb.writes == []


WRITER = """
import django, sys, time
django.setup()
from datetime import date, timedelta
from decimal import Decimal
from django.db import transaction
from flightbridge.jobs.models import SyncJob
from flightbridge.logbook.models import Flight, LogbookImport
user_id, other_id, job_id, at_least = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
deadline = time.monotonic() + 150
i = 0
# Keep writing until the sync is over (and at least `at_least` times), so the two always overlap.
while i < at_least or not SyncJob.objects.filter(pk=job_id, status__in=["succeeded", "failed"]).exists():
    if time.monotonic() > deadline:
        break
    with transaction.atomic():  # the same pilot's logbook, edited while the sync writes to it
        flight = Flight.objects.create(owner_id=user_id, date=date(2019, 1, 1) + timedelta(days=i % 900),
                                       departure="KAWO", destination="KBVS", total_flight_time=Decimal("0.8"),
                                       external_id=f"web:{i}")
        Flight.objects.filter(pk=flight.pk).update(remarks=f"edited {i}")
    with transaction.atomic():  # and another pilot's rows
        Flight.objects.create(owner_id=other_id, date=date(2020, 1, 1), total_flight_time=Decimal("1.1"),
                              external_id=f"other:{i}")
        if i % 50 == 0:
            LogbookImport.objects.create(owner_id=other_id, source="logger")
    i += 1
print(f"writer done {i}")
"""
WRITES = 1500


def test_a_sync_racing_heavy_writes_to_the_same_database_loses_nothing(user, other_user, connected, mfb, spawn):
    job, _ = start_sync(user)  # queued: no worker runs it until the writer is busy
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(user.pk), str(other_user.pk), str(job.pk), str(WRITES)],
                              env=child_env(), cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: fresh(Flight, owner=other_user) is not None, 60, message="the writer to start")
        worker = spawn("worker", **sandbox_env(mfb, FLIGHTBRIDGE_JOB_HEARTBEAT_SECONDS="0.2",
                                               FLIGHTBRIDGE_JOB_STALE_SECONDS="30"))
        done = wait_for(lambda: finished(job.pk), 120, message=f"the sync; worker log:\n{worker.output()}")
        out, err = writer.communicate(timeout=180)
    finally:
        if writer.poll() is None:
            writer.kill()
    assert writer.returncode == 0 and "writer done" in out, err[-2000:]
    written = int(out.split("writer done")[1].split()[0])
    assert written >= WRITES
    assert "locked" not in err and "locked" not in worker.output()
    assert done.status == JobStatus.SUCCEEDED, done.message
    batch = fresh(LogbookImport, job_id=job.pk)
    assert batch.status == ImportStatus.COMPLETED and (batch.imported, batch.failed) == (FLIGHTS, 0)
    # The two really overlapped: the writer kept writing while the sync stored its pages.
    overlapping = Flight.objects.filter(owner=other_user, created_at__gte=batch.started_at, created_at__lte=batch.finished_at)
    assert overlapping.count() > 0
    close_old_connections()
    mine = Flight.objects.filter(owner=user)
    assert mine.filter(external_id__startswith="web:", remarks__startswith="edited ").count() == written
    assert Flight.objects.filter(owner=other_user).count() == written
    synced = mine.exclude(external_id__startswith="web:")
    assert synced.count() == FLIGHTS and not synced.exclude(import_batch=batch).exists()
    mine.filter(external_id__startswith="web:").delete()  # leave only the synced flights to compare exactly
    assert_complete(user, mfb)
