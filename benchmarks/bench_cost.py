"""What a MyFlightbook sync costs FlightBridge itself: CPU per flight and memory, the sandbox in its own process.

The sandbox (`SandboxProcess`) renders its JSON in another process, so the CPU figures are only
FlightBridge's: `time.process_time()` of this process (every thread, the page prefetcher included)
around the sync. Pacing and the call budget are off: the cost of a flight, not the wait, is measured.

- first sync: flights per CPU-second storing a new logbook (target ≥ 2,000).
- unchanged re-check: the same logbook synced again, nothing new (target ≥ 10,000 flights per CPU-second).
- 50,000 flights: the process's peak resident memory after syncing them (target ≤ 250 MB).
- quick sync by rounding unit (issue 20): the demo logbook and a 10,000-flight one, both of arbitrary
  2-decimal times (most not whole minutes), under MyFlightbook's rounding units 60 and 100: the first (full)
  sync learns the unit, and the quick sync after it stays quick, with no escalation; its calls are reported
  against the target of at most 6 (three plus one per page of 50 in the window).
"""

from __future__ import annotations

import dataclasses
import resource
import time


def _connect(username: str, sandbox):
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from flightbridge.myflightbook.sandbox.fake import connect_to_sandbox

    user = get_user_model().objects.create_user(username=username)
    connect_to_sandbox(user, sandbox, settings, interval_ms=0)
    settings.CONFIG = dataclasses.replace(settings.CONFIG, mfb_max_calls_per_second=0)
    return user


def _sync(user, mode: str = "full") -> tuple[dict, float, float]:
    from flightbridge.myflightbook.sync import sync_user
    from flightbridge.myflightbook.tokens import LinkedAccount
    from flightbridge.registry.fake import FakeRegistry

    import os
    profile = None
    if os.environ.get("BENCH_PROFILE"):  # a cProfile of each sync, written next to the given path
        import cProfile

        profile = cProfile.Profile(time.process_time)  # CPU, the figure the targets are in
    cpu, wall = time.process_time(), time.perf_counter()
    if profile:
        profile.enable()
    result = sync_user(user, LinkedAccount(user, mode=mode), lookup=FakeRegistry(known={}), mode=mode)
    if profile:
        profile.disable()
        profile.dump_stats(f"{os.environ['BENCH_PROFILE']}.{mode}.{time.monotonic_ns()}")
    return result, time.process_time() - cpu, time.perf_counter() - wall


def bench_cost_per_flight(ctx):
    from flightbridge.myflightbook.sandbox import SandboxProcess

    flights = ctx.scale(10_000, 1_000)
    with SandboxProcess(flights=flights, seed=3) as sandbox:
        user = _connect("bench-cost", sandbox)
        sandbox_cpu = sandbox.cpu_seconds()
        first, first_cpu, first_wall = _sync(user)
        assert first["imported"] == flights, first
        again, again_cpu, again_wall = _sync(user)  # a full walk re-checks every flight
        assert again["imported"] == 0 and again["skipped"] == flights, again
        quick_result, quick_cpu, quick_wall = _sync(user, "quick")  # the default: a window and the tripwire
        assert quick_result["imported"] == 0 and quick_result["mode"] == "quick" and not quick_result["escalated"], quick_result
        sandbox_cpu = sandbox.cpu_seconds() - sandbox_cpu
    return [
        {"metric": f"first sync of {flights} flights: flights per CPU-second (target ≥ 2,000)", "value": round(flights / first_cpu)},
        {"metric": f"first sync of {flights} flights: CPU seconds / wall seconds", "value": f"{first_cpu:.2f} / {first_wall:.2f}"},
        {"metric": f"unchanged re-check of {flights} flights: flights per CPU-second (target ≥ 10,000)",
         "value": round(flights / again_cpu)},
        {"metric": f"unchanged re-check of {flights} flights: CPU seconds / wall seconds",
         "value": f"{again_cpu:.2f} / {again_wall:.2f}"},
        {"metric": f"quick sync of the unchanged {flights}-flight logbook: CPU seconds / wall seconds",
         "value": f"{quick_cpu:.2f} / {quick_wall:.2f}"},
        {"metric": "the sandbox's own CPU seconds for all three (not counted above)", "value": round(sandbox_cpu, 2)},
    ]


def bench_quick_sync_by_rounding_unit(ctx):
    from flightbridge.logbook.models import Flight
    from flightbridge.myflightbook import demo, schedule
    from flightbridge.myflightbook.sandbox import SandboxProcess

    rows = []
    logbooks = [("the demo logbook", demo.DEMO_FLIGHTS, 1), ("an arbitrary-time logbook", ctx.scale(10_000, 1_000), 3)]
    for unit in (60, 100):
        for name, flights, seed in logbooks:
            with SandboxProcess(flights=flights, seed=seed, rounding_unit=unit) as sandbox:
                user = _connect(f"bench-unit-{unit}-{seed}", sandbox)
                first, _cpu, _wall = _sync(user)
                assert first["mode"] == "full" and first["imported"] == flights, first
                learned = schedule.rounding_unit_for(user)
                # The case issue 20 is about: times that are not whole minutes, whose plain sum MyFlightbook never shows.
                times = Flight.objects.filter(owner=user).values_list("total_flight_time", flat=True)
                sub_minute = sum(1 for hours in times if (hours * 60) % 1)
                before = len(sandbox.calls)
                result, cpu, wall = _sync(user, "quick")
                calls = len([call for call in sandbox.calls[before:] if call.get("method")])
            assert learned == unit and sub_minute, (unit, name, learned, sub_minute)
            assert result["mode"] == "quick" and not result["escalated"], (unit, name, result)
            # The calls are AircraftForUser, currency, totals and one per page of the window; the window holds at
            # most two pages of remembered flights (flights.QUICK_WINDOW_PAGES_REMEMBERED), so 6 holds.
            assert calls <= 6, (unit, name, calls, result["pages"])
            in_window = result["imported"] + result["skipped"] + result["failed"]
            rows.append({"metric": f"quick sync of {name} ({flights} flights, {sub_minute} not whole minutes), unit {unit} "
                                   "(learned by the full sync): calls (target ≤ 6) / flights in the window / pages / "
                                   "escalated / CPU s / wall s",
                         "value": f"{calls} / {in_window} / {result['pages']} / {result['escalated']} / {cpu:.2f} / {wall:.2f}"})
    return rows


def bench_worker_memory(ctx):
    from flightbridge.myflightbook.sandbox import SandboxProcess

    flights = ctx.scale(50_000, 5_000)
    with SandboxProcess(flights=flights, seed=4) as sandbox:
        user = _connect("bench-memory", sandbox)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        result, cpu, wall = _sync(user)
        assert result["imported"] == flights, result
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return [
        {"metric": f"sync {flights} flights: peak RSS of the syncing process, MB (target ≤ 250)", "value": round(peak)},
        {"metric": "peak RSS before the sync (Django, the app), MB", "value": round(before)},
        {"metric": f"sync {flights} flights: flights per CPU-second", "value": round(flights / cpu)},
    ]
