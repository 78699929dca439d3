"""MyFlightbook sync over real HTTP against the in-process sandbox.

- unpaced: 10,000 flights with pacing off → flights/s, and the peak Python memory traced during the sync
  (one page at a time: it should not grow with the logbook).
- paced: the default 500 ms between calls → wall time ÷ the pacing floor ((calls − 1) × interval). The
  next page is fetched while the previous one is stored, so the ratio stays close to 1.
"""

from __future__ import annotations

import time
import tracemalloc


def _connect(username: str, sandbox, interval_ms: int):
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from flightbridge.myflightbook.sandbox.fake import connect_to_sandbox

    user = get_user_model().objects.create_user(username=username)
    connect_to_sandbox(user, sandbox, settings, interval_ms=interval_ms)
    return user


def _sync(user, **options):
    from flightbridge.myflightbook.sync import sync_user
    from flightbridge.myflightbook.tokens import LinkedAccount
    from flightbridge.registry.fake import FakeRegistry

    # No FAA registry here: every aircraft is skipped with a reason; flights are what is measured.
    return sync_user(user, LinkedAccount(user), lookup=FakeRegistry(known={}), **options)


def bench_sync_unpaced(ctx):
    from flightbridge.myflightbook.sandbox import SandboxServer

    flights = ctx.scale(10_000, 600)
    rows = []
    with SandboxServer(flights=flights, seed=3) as sandbox:
        user = _connect("bench-unpaced", sandbox, 0)
        started = time.perf_counter()
        result = _sync(user)
        elapsed = time.perf_counter() - started
        assert result["imported"] == flights, result
        rows.append({"metric": f"sync {flights} flights, pacing off: flights/s", "value": round(flights / elapsed, 1)})
        rows.append({"metric": f"sync {flights} flights, pacing off: seconds", "value": round(elapsed, 2)})

        # Memory: a second pilot on the same sandbox, traced. Flat = independent of the logbook's size.
        small = max(100, flights // 10)
        for label, count in (("all", flights), ("a tenth", small)):
            sandbox.account.flights, full = sandbox.account.flights[:count], sandbox.account.flights
            other = _connect(f"bench-memory-{count}", sandbox, 0)
            tracemalloc.start()
            _sync(other)
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            sandbox.account.flights = full
            rows.append({"metric": f"peak traced memory syncing {label} ({count} flights), MB", "value": round(peak / 2**20, 2)})
    return rows


def bench_sync_paced(ctx):
    from flightbridge.myflightbook.sandbox import SandboxServer
    from flightbridge.myflightbook.sync import PAGE_SIZE

    interval_ms = 500  # the default MFB_MIN_CALL_INTERVAL_MS
    flights = ctx.scale(10_000, 300)
    with SandboxServer(flights=flights, seed=5) as sandbox:
        user = _connect("bench-paced", sandbox, interval_ms)
        started = time.perf_counter()
        result = _sync(user)
        elapsed = time.perf_counter() - started
        assert result["imported"] == flights, result
        calls = len(sandbox.calls)
        assert calls == 1 + flights // PAGE_SIZE + 1 + 2, calls
    floor = (calls - 1) * interval_ms / 1000
    return [
        {"metric": f"sync {flights} flights at {interval_ms} ms pacing: calls", "value": calls},
        {"metric": f"sync {flights} flights at {interval_ms} ms pacing: wall seconds", "value": round(elapsed, 2)},
        {"metric": f"sync {flights} flights at {interval_ms} ms pacing: pacing floor seconds", "value": round(floor, 2)},
        {"metric": "wall time ÷ pacing floor", "value": round(elapsed / floor, 3)},
    ]
