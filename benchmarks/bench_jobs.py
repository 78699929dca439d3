"""Background jobs: how fast the one-active-job guard answers a double click."""

import time


def bench_job_request(ctx):
    from django.contrib.auth import get_user_model

    from flightbridge.jobs import services
    from flightbridge.jobs.models import SyncJob

    @services.job_kind("bench.noop")
    def noop(context):
        return {}

    services.register_job_kinds(noop)

    services.enqueue = lambda job_id: None  # measure the guard, not the queue
    users = [get_user_model().objects.create_user(username=f"bench{i}") for i in range(ctx.scale(200, 20))]
    started = time.perf_counter()
    for user in users:
        noop.request(owner=user)
        noop.request(owner=user)  # the double click: returns the same job
    elapsed = time.perf_counter() - started
    assert SyncJob.objects.count() == len(users)
    return [{"metric": "job requests/s (half of them double clicks)", "value": 2 * len(users) / elapsed}]


def bench_job_start_on_an_idle_worker(ctx):
    """From asking for a job to a worker starting it, on a worker that has sat idle long enough for its
    threads to back off fully (issue 23: jobs waited 5-6 s with huey's 10 s backoff)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from django.contrib.auth import get_user_model
    from django.db import close_old_connections

    from flightbridge.myflightbook.jobs import sync_logbook_job

    root = Path(__file__).resolve().parents[1]
    owners = [get_user_model().objects.create_user(username=f"idle{i}") for i in range(ctx.scale(3, 1))]
    log_path = ctx.data_dir / "worker-idle.log"
    with open(log_path, "wb") as log:
        worker = subprocess.Popen([sys.executable, "-m", "flightbridge", "worker", "--workers", "2"], env=dict(os.environ),
                                  cwd=root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    waits = []
    try:
        for owner in owners:
            # Idle past huey's whole backoff: 0.1 s × 1.15ⁿ reaches its default 10 s cap after about 66 s of waits.
            time.sleep(75)
            # A sync of a pilot who never connected: it starts, then fails at once; only the start counts here.
            job, _ = sync_logbook_job.request(owner=owner, params={"mode": "quick", "trigger": "manual"})
            deadline = time.monotonic() + 60
            while True:
                close_old_connections()
                job.refresh_from_db()
                if job.started_at is not None:
                    break
                assert time.monotonic() < deadline and worker.poll() is None, log_path.read_text()[-2000:]
                time.sleep(0.02)
            waits.append((job.started_at - job.created_at).total_seconds())
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
    return [{"metric": "job start on an idle worker: mean seconds", "value": round(sum(waits) / len(waits), 2)},
            {"metric": "job start on an idle worker: max seconds", "value": round(max(waits), 2)}]
