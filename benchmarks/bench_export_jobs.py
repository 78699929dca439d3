"""Issue 22: exports beyond FLIGHTBRIDGE_EXPORT_INLINE_MAX_FLIGHTS run as a job. The request only counts the flights
and queues the job, so it answers at once whatever the logbook's size; the worker writes the file a chunk at a time.

`bench_export_job`: a 20,000-flight logbook exported as a ForeFlight CSV and as Logger links through the job —
the request that answers 202, the worker's wall and CPU time and its peak memory (tracemalloc: the file is never
held whole), and the download. `bench_inline_at_the_threshold`: the inline route at the default size, the number
the default was chosen by (a request that streams 1,000 flights should cost well under 0.3 s).
"""

import time
import tracemalloc

from benchmarks.bench_interchange import _flights

_CLIENT = None


def _pilot_client(username: str, count: int):
    from django.contrib.auth import get_user_model
    from django.test import Client

    from flightbridge.accounts.services import create_token
    from flightbridge.logbook.models import Flight

    global _CLIENT
    pilot = get_user_model().objects.create_user(username=username)
    Flight.objects.bulk_create(_flights(count, pilot), batch_size=2000)
    _row, token = create_token(username)
    # One client for every request, as one web process would (a new client loads the middleware again).
    _CLIENT = _CLIENT or Client(HTTP_HOST="127.0.0.1")
    return pilot, {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _timed(fn):
    started, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - started, time.process_time() - cpu


def _read(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def bench_export_job(ctx):
    from flightbridge.jobs.services import run_job

    count = ctx.scale(20_000, 1_500)
    _pilot, auth = _pilot_client("bench-export-job", count)
    _read(_CLIENT.get("/api/exports/csv?format=foreflight&from=2015-01-01&to=2015-01-02", **auth))  # warm the URL map
    rows = []
    for label, path in (("ForeFlight CSV", "/api/exports/csv?format=foreflight"),
                        ("Logger links", "/api/exports/logger")):
        response, request_wall, request_cpu = _timed(lambda: _CLIENT.get(path, **auth))
        assert response.status_code == 202, response.content[:300]
        done, wall, cpu = _timed(lambda: run_job(response.json()["id"]))
        assert done.status == "succeeded", done.message
        assert done.progress["flights_written"] == count, done.progress
        body, download_wall, _cpu = _timed(lambda: _read(_CLIENT.get(done.result["download_url"], **auth)))
        assert len(body) == done.result["bytes"]
        # Memory apart: tracemalloc slows Python down several times, so the timed run goes without it.
        again = _CLIENT.get(path, **auth).json()["id"]
        tracemalloc.start()
        run_job(again)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rows += [{"metric": f"{count:,} flights as {label}: the request answers 202 with the job (seconds)",
                  "value": request_wall},
                 {"metric": f"{count:,} flights as {label}: the request's CPU (seconds)", "value": request_cpu},
                 {"metric": f"{count:,} flights as {label}: the job, worker wall time (seconds)", "value": wall},
                 {"metric": f"{count:,} flights as {label}: the job, worker CPU time (seconds)", "value": cpu},
                 {"metric": f"{count:,} flights as {label}: the job's peak Python memory (MB)", "value": peak / 1e6},
                 {"metric": f"{count:,} flights as {label}: file size (MB)", "value": len(body) / 1e6},
                 {"metric": f"{count:,} flights as {label}: the download (seconds)", "value": download_wall}]
    return rows


def bench_inline_at_the_threshold(ctx):
    from django.conf import settings

    count = settings.FLIGHTBRIDGE_EXPORT_INLINE_MAX_FLIGHTS
    _pilot, auth = _pilot_client("bench-export-inline", count)
    for warm in ("/api/exports/logger", "/api/exports/csv?format=foreflight"):  # load the airport tables, the URL map
        _read(_CLIENT.get(f"{warm}{'&' if '?' in warm else '?'}from=2015-01-01&to=2015-01-02", **auth))
    rows = []
    for label, path in (("GET /api/exports/csv (ForeFlight)", "/api/exports/csv?format=foreflight"),
                        ("GET /api/exports/csv (MyFlightbook)", "/api/exports/csv?format=myflightbook"),
                        ("GET /api/exports/logger", "/api/exports/logger")):
        response = None

        def streamed():
            nonlocal response
            response = _CLIENT.get(path, **auth)
            return _read(response)

        body, wall, cpu = _timed(streamed)
        assert response.status_code == 200 and body, (path, response.status_code)
        rows += [{"metric": f"{label}, {count:,} flights inline (seconds)", "value": wall},
                 {"metric": f"{label}, {count:,} flights inline (CPU seconds)", "value": cpu},
                 {"metric": f"{label}, CPU ms a flight", "value": cpu * 1000 / count}]
    return rows
