"""A fleet of pilots syncing at once under the deployment-wide call budget (issue 15).

PostgreSQL with the Redis queue (and the budget in Redis), two `flightbridge worker` processes
(`--workers 16` threads each: a paced sync mostly waits), gunicorn for the API, and the MyFlightbook
sandbox in its own process. Every pilot has 100 flights (one sandbox logbook, one grant per pilot, so
each pilot is its own paced account at 500 ms) and `MFB_MAX_CALLS_PER_SECOND=20`. Every pilot's sync
is started through the API; meanwhile this process calls the sync trigger (for pilots whose sync is
still waiting, so the answer is their active job) and polls jobs through gunicorn, and reports p99.

Reported: makespan ÷ the budget floor (total calls ÷ 20; target ≤ 1.15), the busiest one-second
window (≤ 20), the closest two calls of one account (≥ 500 ms) and that every flight was stored
exactly once. `--pilots N` sets the fleet size (default 1,000; --quick 20).
"""

from __future__ import annotations

import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
FLIGHTS, BUDGET, INTERVAL_MS, THREADS, WORKERS = 100, 20, 500, 16, 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _busiest_second(times: list[float]) -> int:
    times, most, first = sorted(times), 0, 0
    for last, moment in enumerate(times):
        while times[first] <= moment - 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def bench_fleet_sync(ctx):
    if ctx.database != "postgresql":
        return [{"metric": "fleet sync: runs on PostgreSQL with the Redis queue only", "value": "-"}]
    import redis
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from flightbridge.accounts.services import create_token
    from flightbridge.jobs.models import FINAL_STATUSES, JobStatus, SyncJob
    from flightbridge.logbook.models import Flight
    from flightbridge.myflightbook.sandbox import SandboxProcess
    from flightbridge.myflightbook.sandbox.fake import connect_to_sandbox

    pilots = ctx.pilots or ctx.scale(1000, 20)
    redis_url = os.environ.get("FLIGHTBRIDGE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    redis.Redis.from_url(redis_url).flushdb()  # a database of its own: the queue and the budget start empty
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    children: list[subprocess.Popen] = []
    with SandboxProcess(flights=FLIGHTS, seed=21) as sandbox:
        users = [get_user_model().objects.create_user(username=f"fleet-{n:04d}") for n in range(pilots)]
        for user in users:
            connect_to_sandbox(user, sandbox, settings, interval_ms=INTERVAL_MS)
        tokens = {user.pk: create_token(user.username)[1] for user in users}
        env = {**os.environ, "MFB_CLIENT_ID": sandbox.client_id, "MFB_CLIENT_SECRET": sandbox.client_secret,
               "MFB_BASE_URL": sandbox.url, "MFB_MIN_CALL_INTERVAL_MS": str(INTERVAL_MS),
               "MFB_MAX_CALLS_PER_SECOND": str(BUDGET), "FLIGHTBRIDGE_REDIS_URL": redis_url,
               "FLIGHTBRIDGE_LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"}
        logs = open(ctx.data_dir / "fleet.log", "wb")
        try:
            children.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "flightbridge.wsgi:application", "--bind", f"127.0.0.1:{port}",
                 "--workers", "2", "--threads", "4", "--config", "python:flightbridge.web.gunicorn_config"],
                env=env, cwd=ROOT, stdout=logs, stderr=subprocess.STDOUT, start_new_session=True))
            for _ in range(WORKERS):
                children.append(subprocess.Popen(
                    [sys.executable, "-m", "flightbridge", "worker", "--workers", str(THREADS)],
                    env=env, cwd=ROOT, stdout=logs, stderr=subprocess.STDOUT, start_new_session=True))
            http = httpx.Client(base_url=base, timeout=30)
            deadline = time.monotonic() + 60
            while True:
                try:
                    if http.get("/accounts/login/").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, (ctx.data_dir / "fleet.log").read_text()[-3000:]
                time.sleep(0.2)

            def auth(user_id: int) -> dict:
                return {"Authorization": f"Bearer {tokens[user_id]}"}

            trigger, poll = [], []
            job_of: dict[int, int] = {}
            started = time.time()
            for user in users:  # every pilot presses Sync (the scheduler would do the same, spread out)
                t0 = time.perf_counter()
                answer = http.post("/api/integrations/myflightbook/sync", headers=auth(user.pk))
                trigger.append(time.perf_counter() - t0)
                assert answer.status_code == 202, answer.text
                job_of[user.pk] = answer.json()["id"]
            waiting = list(job_of)
            rng = random.Random(5)
            deadline = time.monotonic() + 60 + pilots * 6 / BUDGET * 3
            while True:
                open_jobs = SyncJob.objects.filter(pk__in=job_of.values()).exclude(status__in=FINAL_STATUSES).count()
                if not open_jobs:
                    break
                assert time.monotonic() < deadline and all(child.poll() is None for child in children), \
                    (ctx.data_dir / "fleet.log").read_text()[-3000:]
                user_id = rng.choice(list(job_of))
                t0 = time.perf_counter()
                job = http.get(f"/api/jobs/{job_of[user_id]}", headers=auth(user_id))
                poll.append(time.perf_counter() - t0)
                assert job.status_code == 200
                # The trigger again, for a pilot whose sync is still queued: it answers with that job.
                queued = list(SyncJob.objects.filter(pk__in=[job_of[u] for u in waiting[-50:]], status=JobStatus.QUEUED)
                              .values_list("owner_id", flat=True)[:1])
                if queued:
                    t0 = time.perf_counter()
                    again = http.post("/api/integrations/myflightbook/sync", headers=auth(queued[0]))
                    trigger.append(time.perf_counter() - t0)
                    assert again.status_code == 202
                time.sleep(0.05)
            finished = max(SyncJob.objects.filter(pk__in=job_of.values()).values_list("finished_at", flat=True))
            makespan = finished.timestamp() - started
            statuses = dict(SyncJob.objects.filter(pk__in=job_of.values()).values_list("status").annotate(n=Count("pk")))
            metrics_text = http.get("/metrics").text
        finally:
            for child in children:
                child.terminate()
            for child in children:
                try:
                    child.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    child.kill()
            logs.close()
        calls = sandbox.calls
    assert statuses == {JobStatus.SUCCEEDED: pilots}, statuses
    per_pilot = dict(Flight.objects.values_list("owner_id").annotate(n=Count("pk")))
    distinct = Flight.objects.values("owner_id", "external_id").distinct().count()
    assert per_pilot == {user.pk: FLIGHTS for user in users} and distinct == pilots * FLIGHTS
    by_grant: dict[int, list[float]] = defaultdict(list)
    for call in calls:
        by_grant[call["grant"]].append(call["at"])
    closest = min(later - earlier for times in by_grant.values() for earlier, later in zip(sorted(times), sorted(times)[1:]))
    times = [call["at"] for call in calls]
    per_second = defaultdict(int)
    for moment in times:
        per_second[int(moment)] += 1
    floor = len(calls) / BUDGET
    ms = lambda seconds: round(seconds * 1000, 1)  # noqa: E731
    assert "flightbridge_syncs_finished_total" in metrics_text
    return [
        {"metric": "fleet: pilots × flights, worker processes × threads", "value": f"{pilots} × {FLIGHTS}, {WORKERS} × {THREADS}"},
        {"metric": "fleet: MyFlightbook calls (all pilots)", "value": len(calls)},
        {"metric": f"fleet: makespan seconds / budget floor (calls ÷ {BUDGET})", "value": f"{makespan:.1f} / {floor:.1f}"},
        {"metric": "fleet: makespan ÷ budget floor (target ≤ 1.15)", "value": f"{makespan / floor:.3f}"},
        {"metric": f"fleet: most calls in any one-second window (sliding; budget {BUDGET})", "value": _busiest_second(times)},
        {"metric": "fleet: most calls in one calendar second", "value": max(per_second.values())},
        {"metric": f"fleet: closest two calls of one account, ms (interval {INTERVAL_MS})", "value": ms(closest)},
        {"metric": "fleet: flights stored, each exactly once", "value": f"{distinct} of {pilots * FLIGHTS}"},
        {"metric": "fleet: POST sync trigger via gunicorn: p50 / p99 ms (target p99 ≤ 50)",
         "value": f"{ms(statistics.median(trigger))} / {ms(_percentile(trigger, 0.99))}"},
        {"metric": "fleet: GET job poll via gunicorn: p50 / p99 ms (target p99 ≤ 50)",
         "value": f"{ms(statistics.median(poll))} / {ms(_percentile(poll, 0.99))}"},
    ]
