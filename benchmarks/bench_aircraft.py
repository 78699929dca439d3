"""Aircraft and their models (issue #24): linking aircraft to FAA models, the FAA source on a big ACFTREF, time in a model.

Goals: linking 10,000 aircraft ≤ 2 s; the FAA aircraft reference source's preview and first sync of
100,000 ACFTREF models ≤ 30 s each and ≤ 300 MB (the process's peak, Django included);
`GET /api/flights/summary?model_id=` over a 50,000-flight logbook p99 ≤ 50 ms.
The synthetic registry ZIP and the logbook are built first, outside the timings.
"""

import resource
import time
from datetime import date, timedelta
from decimal import Decimal

FAA = "FAA aircraft reference"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _pilot(name: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(username=name, password="bench-password-1")


def _faa_source():
    from flightbridge.fleet.models import DataSourceConfig, SourceKind

    return DataSourceConfig.objects.create(name=FAA, kind=SourceKind.FAA_REFERENCE, auth_type="none")


def bench_aircraft_link_to_faa_models(ctx):
    """10,000 registered aircraft (of 10 pilots) link to the models with their ACFTREF codes."""
    from flightbridge.fleet import runs
    from flightbridge.logbook.aircraft import link_to_registry_models
    from flightbridge.logbook.models import UserAircraft
    from flightbridge.registry import sample, services

    count = ctx.scale(10_000, 1_000)
    services.load_registry(sample.synthetic_registry(ctx.data_dir / "registry.zip", count, models=ctx.scale(2_000, 200)))
    runs.sync_source(_faa_source().pk)
    pilots = [_pilot(f"pilot{index}") for index in range(10)]
    marks = [f"N{mark}" for _index, mark in zip(range(count), sample.synthetic_marks())]
    UserAircraft.objects.bulk_create([UserAircraft(owner=pilots[index % 10], registration=mark, manual=False)
                                      for index, mark in enumerate(marks)], batch_size=1000)
    started = time.perf_counter()
    report = link_to_registry_models()
    seconds = time.perf_counter() - started
    assert report.linked == count, report
    started = time.perf_counter()
    again = link_to_registry_models()  # nothing to change: the cost of a re-check after each sync
    relink_seconds = time.perf_counter() - started
    assert again.changed == 0
    return [
        {"metric": "aircraft linked", "value": report.linked},
        {"metric": "link seconds (goal ≤ 2)", "value": round(seconds, 2)},
        {"metric": "re-link seconds, nothing changed", "value": round(relink_seconds, 2)},
    ]


def bench_faa_source_preview_and_first_sync(ctx):
    """The FAA aircraft reference source over an ACFTREF of 100,000 models: preview, then the first sync."""
    from flightbridge.fleet import runs
    from flightbridge.fleet.models import AircraftModel
    from flightbridge.registry import sample, services

    models = ctx.scale(100_000, 5_000)
    services.load_registry(sample.synthetic_registry(ctx.data_dir / "registry.zip", 1_000, models=models))
    source = _faa_source()
    before_mb = _peak_mb()
    started = time.perf_counter()
    preview = runs.preview_source(source, include_old=True)
    preview_seconds = time.perf_counter() - started
    preview_mb = _peak_mb()
    assert preview["counts"]["create"] == models and AircraftModel.objects.count() == 0
    started = time.perf_counter()
    result = runs.sync_source(source.pk)
    sync_seconds = time.perf_counter() - started
    assert result["created"] == models and AircraftModel.objects.filter(external_data_source=FAA).count() == models
    return [
        {"metric": "ACFTREF models", "value": models},
        {"metric": "preview seconds (goal ≤ 30)", "value": round(preview_seconds, 2)},
        {"metric": "peak MB after preview (goal ≤ 300)", "value": round(preview_mb, 1)},
        {"metric": "first sync seconds (goal ≤ 30)", "value": round(sync_seconds, 2)},
        {"metric": "peak MB after sync (goal ≤ 300)", "value": round(_peak_mb(), 1)},
        {"metric": "peak MB before (registry loaded)", "value": round(before_mb, 1)},
    ]


def bench_summary_by_model(ctx):
    """`GET /api/flights/summary?model_id=` over a 50,000-flight logbook in 200 aircraft of 20 models."""
    from django.test import Client

    from flightbridge.accounts.services import create_token
    from flightbridge.fleet.models import AircraftModel
    from flightbridge.logbook.models import Flight, UserAircraft

    flights = ctx.scale(50_000, 5_000)
    pilot = _pilot("pilot")
    other = _pilot("other")
    models = AircraftModel.objects.bulk_create([AircraftModel(name=f"Model {index}") for index in range(20)])
    aircraft = UserAircraft.objects.bulk_create([UserAircraft(owner=pilot, registration=f"N{index + 1}",
                                                              aircraft_model=models[index % 20]) for index in range(200)])
    start = date(2000, 1, 1)
    rows = [Flight(owner=pilot, date=start + timedelta(days=index // 3), tail_number=aircraft[index % 200].registration,
                   aircraft=aircraft[index % 200], total_flight_time=Decimal("1.30"), pic=Decimal("1.30"), day_landings=1)
            for index in range(flights)]
    # Another pilot's flights share the table: the filter must not read them.
    rows += [Flight(owner=other, date=start + timedelta(days=index), tail_number="N1", total_flight_time=Decimal("1.00"))
             for index in range(flights // 5)]
    Flight.objects.bulk_create(rows, batch_size=2000)
    del rows
    _row, token = create_token(pilot.username)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="localhost")
    expected = flights // 20
    timings = []
    for index in range(ctx.scale(400, 100)):
        model = models[index % 20]
        started = time.perf_counter()
        response = client.get(f"/api/flights/summary?model_id={model.pk}")
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and response.json()["flights"] == expected, response.content
    timings.sort()
    return [
        {"metric": "flights in the logbook", "value": flights},
        {"metric": "summary?model_id= p50 ms", "value": round(timings[len(timings) // 2], 2)},
        {"metric": "summary?model_id= p99 ms (goal ≤ 50)", "value": round(timings[int(len(timings) * 0.99) - 1], 2)},
    ]
