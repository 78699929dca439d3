"""What a pilot feels while a big sync runs, and what a re-sync costs.

- latency: a 10,000-flight MyFlightbook sync runs in a real worker process (`flightbridge worker`, the
  sandbox served by this process on 127.0.0.1, pacing off so the database is as busy as it gets);
  meanwhile this process calls the API the way the logbook page does — the sync trigger (`POST
  /api/integrations/myflightbook/sync`, which answers with the running job) and job polling (`GET
  /api/jobs/{id}`) — through Django's full request stack, and reports p50/p99/max of each.
- resync: the same logbook synced a second time: every flight is checked against what is stored and
  nothing is written (the "no duplicates on re-import" path).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.bench_myflightbook import _connect, _sync

ROOT = Path(__file__).resolve().parents[1]


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _api_client(user):
    from django.test import Client

    from flightbridge.accounts.services import create_token

    _row, token = create_token(user.username)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def bench_latency_during_sync(ctx):
    from django.db import close_old_connections

    from flightbridge.jobs.models import JobStatus, SyncJob
    from flightbridge.myflightbook.sandbox import SandboxServer

    flights = ctx.scale(10_000, 500)
    with SandboxServer(flights=flights, seed=13) as sandbox:
        user = _connect("bench-latency", sandbox, 0)
        api = _api_client(user)
        env = {**os.environ, "MFB_CLIENT_ID": sandbox.client_id, "MFB_CLIENT_SECRET": sandbox.client_secret,
               "MFB_BASE_URL": sandbox.url, "MFB_MIN_CALL_INTERVAL_MS": "0", "FLIGHTBRIDGE_LOG_LEVEL": "WARNING"}
        log_path = ctx.data_dir / "worker.log"
        with open(log_path, "wb") as log:
            worker = subprocess.Popen([sys.executable, "-m", "flightbridge", "worker", "--workers", "1"], env=env,
                                      cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            response = api.post("/api/integrations/myflightbook/sync")
            assert response.status_code == 202, response.content
            job_id = response.json()["id"]
            trigger, poll = [], []
            started = time.perf_counter()
            deadline = time.monotonic() + 1800
            status = "queued"
            while status not in (JobStatus.SUCCEEDED, JobStatus.FAILED):
                assert time.monotonic() < deadline and worker.poll() is None, log_path.read_text()[-3000:]
                t0 = time.perf_counter()
                again = api.post("/api/integrations/myflightbook/sync")
                t1 = time.perf_counter()
                job = api.get(f"/api/jobs/{job_id}")
                t2 = time.perf_counter()
                assert again.status_code == 202 and job.status_code == 200
                status = job.json()["status"]
                if status == JobStatus.RUNNING:  # only while the sync is really writing
                    assert again.json()["id"] == job_id  # the guard: one active sync per pilot
                    trigger.append(t1 - t0)
                    poll.append(t2 - t1)
                time.sleep(0.05)  # a page polls about this often at most; leaves the worker its share
            elapsed = time.perf_counter() - started
            close_old_connections()
            done = SyncJob.objects.get(pk=job_id)
            assert done.status == JobStatus.SUCCEEDED and done.result["imported"] == flights, (done.message, done.result)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
    assert trigger and poll, "the sync finished before any request was timed"
    ms = lambda seconds: round(seconds * 1000, 1)  # noqa: E731
    return [
        {"metric": f"sync {flights} flights in a worker: seconds (while being polled)", "value": round(elapsed, 2)},
        {"metric": "requests timed during the sync (each kind)", "value": len(poll)},
        {"metric": "POST sync trigger during the sync: p50 ms", "value": ms(statistics.median(trigger))},
        {"metric": "POST sync trigger during the sync: p99 ms", "value": ms(_percentile(trigger, 0.99))},
        {"metric": "POST sync trigger during the sync: max ms", "value": ms(max(trigger))},
        {"metric": "GET job poll during the sync: p50 ms", "value": ms(statistics.median(poll))},
        {"metric": "GET job poll during the sync: p99 ms", "value": ms(_percentile(poll, 0.99))},
        {"metric": "GET job poll during the sync: max ms", "value": ms(max(poll))},
    ]


def bench_resync(ctx):
    from flightbridge.myflightbook.sandbox import SandboxServer

    flights = ctx.scale(10_000, 600)
    with SandboxServer(flights=flights, seed=17) as sandbox:
        user = _connect("bench-resync", sandbox, 0)
        first = _sync(user)
        assert first["imported"] == flights, first
        started = time.perf_counter()
        # A full walk: quick is the default since issue 15, and reads only the recent window.
        again = _sync(user, mode="full")
        elapsed = time.perf_counter() - started
        assert (again["imported"], again["skipped"], again["failed"]) == (0, flights, 0), again
    return [
        {"metric": f"re-sync {flights} unchanged flights, pacing off: seconds", "value": round(elapsed, 2)},
        {"metric": f"re-sync {flights} unchanged flights, pacing off: flights/s", "value": round(flights / elapsed, 1)},
    ]


def bench_latency_under_hostile_load(ctx):
    """Issue 22: a pilot's `GET /api/flights` while 8 attackers upload hostile CSV files without pause and an
    FAA registry load runs, through a real server (`gunicorn`, 2 processes x 4 threads, as `flightbridge serve`).

    8 hostile uploads at once slowed another pilot's flights page to 11 s, and a registry load held SQLite's
    write lock for minutes. Each attacker is a pilot of its own (one pilot has one heavy request at a time);
    the upload is the 4 MB quoted field of 4,000,000 line breaks. The registry load runs in its own process.
    """
    import socket
    import threading
    from datetime import date, timedelta
    from decimal import Decimal

    import httpx
    from django.contrib.auth import get_user_model

    from flightbridge.accounts.services import create_token
    from flightbridge.logbook.models import Flight
    from flightbridge.registry import sample

    attackers = 8
    hostile_csv = b'Date,Tail Number,Total Flight Time,Comments\n2024-01-02,N1,1.0,"' + b"\n" * 4_000_000 + b'"\n'
    pilot = get_user_model().objects.create_user(username="bench-victim")
    Flight.objects.bulk_create([Flight(owner=pilot, date=date(2020, 1, 1) + timedelta(days=i % 2000), departure="KPAO",
                                       destination="KSFO", total_flight_time=Decimal("1.2"), source="manual")
                                for i in range(2_000)])
    _row, victim_token = create_token(pilot.username)
    tokens = []
    for n in range(attackers):
        get_user_model().objects.create_user(username=f"bench-attacker-{n}")
        tokens.append(create_token(f"bench-attacker-{n}")[1])
    registry = sample.synthetic_registry(ctx.data_dir / "ReleasableAircraft.zip", ctx.scale(300_000, 20_000),
                                         models=ctx.scale(20_000, 500))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "FLIGHTBRIDGE_LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"}
    log_path = ctx.data_dir / "server.log"
    logs = open(log_path, "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "flightbridge.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--threads", "4", "--timeout", "120", "--config", "python:flightbridge.web.gunicorn_config"],
        env=env, cwd=ROOT, stdout=logs, stderr=subprocess.STDOUT, start_new_session=True)
    loader = None
    stop = threading.Event()
    uploads: list[int] = []
    try:
        base = f"http://127.0.0.1:{port}"
        victim = httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {victim_token}"})
        deadline = time.monotonic() + 60
        while True:
            try:
                if victim.get("/api/flights").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, log_path.read_text()[-3000:]
            time.sleep(0.2)

        idle = []  # the same request with nothing else running: what this machine gives it at best
        for _ in range(50):
            t0 = time.perf_counter()
            assert victim.get("/api/flights").status_code == 200
            idle.append(time.perf_counter() - t0)
            time.sleep(0.05)

        def attack(token: str) -> None:
            with httpx.Client(base_url=base, timeout=120, headers={"Authorization": f"Bearer {token}"}) as http:
                while not stop.is_set():
                    answer = http.post("/api/imports/csv", files={"file": ("hostile.csv", hostile_csv, "text/csv")},
                                       data={"preview": "true"})
                    uploads.append(answer.status_code)

        threads = [threading.Thread(target=attack, args=(token,), daemon=True) for token in tokens]
        for thread in threads:
            thread.start()
        time.sleep(2)  # the uploads are under way
        started = time.perf_counter()
        loader = subprocess.Popen([sys.executable, "-m", "flightbridge", "registry", "load", str(registry)],
                                  env=env, cwd=ROOT, stdout=logs, stderr=subprocess.STDOUT, start_new_session=True)
        samples = []
        while loader.poll() is None or len(samples) < 50:
            t0 = time.perf_counter()
            answer = victim.get("/api/flights")
            samples.append(time.perf_counter() - t0)
            assert answer.status_code == 200 and answer.json()["count"] == 2_000, answer.text[:300]
            time.sleep(0.05)
            assert time.perf_counter() - started < 900, "the registry load did not end in 15 minutes"
        load_seconds = time.perf_counter() - started
        assert loader.wait() == 0, log_path.read_text()[-3000:]
    finally:
        stop.set()
        for child in (server, loader):
            if child is not None and child.poll() is None:
                os.killpg(child.pid, 9)
                child.wait()
        logs.close()
    return [
        {"metric": "pilot's GET /api/flights, idle server: p50 / p99 (ms)",
         "value": f"{_percentile(idle, 0.5) * 1000:.0f} / {_percentile(idle, 0.99) * 1000:.0f}"},
        {"metric": "pilot's GET /api/flights p50 (ms)", "value": _percentile(samples, 0.5) * 1000},
        {"metric": "pilot's GET /api/flights p99 (ms)", "value": _percentile(samples, 0.99) * 1000},
        {"metric": "pilot's GET /api/flights max (ms)", "value": max(samples) * 1000},
        {"metric": "pilot's requests measured", "value": len(samples)},
        {"metric": f"hostile uploads answered ({attackers} attackers)", "value": len(uploads)},
        {"metric": "hostile uploads refused with 200 + reason / 429", "value": f"{uploads.count(200)} / {uploads.count(429)}"},
        {"metric": "registry load seconds (meanwhile)", "value": load_seconds},
    ]
