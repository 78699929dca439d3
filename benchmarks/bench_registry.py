"""FAA registry: load a full-size synthetic releasable database (MASTER ≈ 300,000 rows + ACFTREF), then look tails up.

Goals (issue #5): the load in ≤ 60 s and ≤ 300 MB on SQLite and PostgreSQL; lookups per second.
The ZIP is generated first (streamed, outside the timing); the load is timed alone.
"""

import random
import resource
import time


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_registry_load_and_lookup(ctx):
    from flightbridge.registry import sample, services
    from flightbridge.registry.models import RegistryAircraft

    rows = ctx.scale(300_000, 5_000)
    path = sample.synthetic_registry(ctx.data_dir / "ReleasableAircraft.zip", rows, models=ctx.scale(90_000, 500))
    before_mb = _peak_mb()
    started = time.perf_counter()
    report = services.load_registry(path)
    load_seconds = time.perf_counter() - started
    load_peak_mb = _peak_mb()
    assert report.aircraft == rows and report.bad_rows == 0
    assert RegistryAircraft.objects.count() == rows

    # A reload replaces the copy (writes the new generation, deletes the old one).
    started = time.perf_counter()
    services.load_registry(path)
    reload_seconds = time.perf_counter() - started
    assert RegistryAircraft.objects.count() == rows

    marks = [f"N{mark}" for _index, mark in zip(range(rows), sample.synthetic_marks())]
    rng = random.Random(5)
    queries = [rng.choice(marks) for _ in range(ctx.scale(5_000, 500))]
    started = time.perf_counter()
    for tail in queries:
        assert services.lookup(tail).found
    lookups_per_second = len(queries) / (time.perf_counter() - started)
    return [
        {"metric": "MASTER rows loaded", "value": rows},
        {"metric": "load seconds", "value": round(load_seconds, 2)},
        {"metric": "MASTER rows/s", "value": round(rows / load_seconds)},
        {"metric": "reload seconds (new copy + old deleted)", "value": round(reload_seconds, 2)},
        {"metric": "peak MB after load (process, incl. Django)", "value": round(load_peak_mb, 1)},
        {"metric": "peak MB before load", "value": round(before_mb, 1)},
        {"metric": "lookups/s", "value": round(lookups_per_second)},
    ]
