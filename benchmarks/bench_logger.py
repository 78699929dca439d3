"""Logger deep links: how long exporting a big logbook takes, and how fast a package imports."""

import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal


def _pilot_with_flights(count: int):
    from django.contrib.auth import get_user_model

    from flightbridge.logbook.models import Flight

    pilot = get_user_model().objects.create_user(username=f"bench-logger-{count}")
    start = datetime(2015, 1, 1, 14, 0, tzinfo=UTC)
    airports = ["KPAO", "KSFO", "KLAX", "KJFK", "EGLL", "KSQL", "KOAK", "KSJC"]
    flights = []
    for i in range(count):
        out = start + timedelta(hours=7 * i)
        flights.append(Flight(
            owner=pilot, date=out.date(), departure=airports[i % 8], destination=airports[(i + 3) % 8],
            route=f"{airports[i % 8]} {airports[(i + 3) % 8]}", tail_number=f"N{10000 + i % 500}", aircraft_type="C172",
            total_flight_time=Decimal("1.35"), pic=Decimal("1.35"), cross_country=Decimal("1.2"), night=Decimal("0.3"),
            imc=Decimal("0.2"), simulated_ifr=Decimal("0.4"), day_landings=2, night_landings=1, approaches=i % 3,
            holds=i % 2, flight_rules="IFR" if i % 3 else "VFR", approach_type="ILS" if i % 3 else "",
            pic_name="Self", remarks=f"Flight {i}: practice", block_out=out, takeoff_at=out + timedelta(minutes=8),
            landing_at=out + timedelta(minutes=75), block_in=out + timedelta(minutes=81),
            external_id=f"mfb:{i}", source="myflightbook"))
    Flight.objects.bulk_create(flights, batch_size=2000)
    return pilot


def bench_export(ctx):
    from flightbridge.logger import services

    count = ctx.scale(10_000, 500)
    pilot = _pilot_with_flights(count)
    services.export_flights(pilot, date_from=date(2015, 1, 1), date_to=date(2015, 1, 2))  # load the airport tables
    rows = []
    for local in (False, True):
        started = time.perf_counter()
        result = services.export_flights(pilot, local=local)
        elapsed = time.perf_counter() - started
        assert result.entries == count
        label = "local times" if local else "UTC"
        rows += [{"metric": f"export {count} flights, {label} (seconds)", "value": elapsed},
                 {"metric": f"links for {count} flights, {label}", "value": len(result.links)}]
    return rows


def bench_import(ctx):
    from flightbridge.logger import codec, services

    count = ctx.scale(2_000, 200)
    entries = [{"importId": f"bench-{i}", "entryType": "Flight", "departureDate": "2024-05-01", "departureTime": "1400",
                "arrivalTime": "1521", "departureAirport": "KPAO", "arrivalAirport": "KSFO", "picTime": "1:21",
                "numberOfDayLandings": 2, "aircraftRegistration": "N12345", "remark": f"entry {i}"} for i in range(count)]
    link = codec.build_deep_link(entries, {"appName": "bench", "appVersion": "1", "isUTC": True})
    from django.contrib.auth import get_user_model

    pilot = get_user_model().objects.create_user(username="bench-logger-import")
    started = time.perf_counter()
    first = services.import_package(pilot, link)
    imported = time.perf_counter() - started
    started = time.perf_counter()
    # The same entries changed in Logger (an identical package would be "unchanged" and write nothing).
    changed = codec.build_deep_link([{**entry, "remark": f"{entry['remark']} (edited)"} for entry in entries],
                                    {"appName": "bench", "appVersion": "1", "isUTC": True})
    second = services.import_package(pilot, changed)
    updated = time.perf_counter() - started
    assert first.batch.imported == count and second.batch.updated == count
    return [{"metric": "entries imported/s (new)", "value": count / imported},
            {"metric": "entries imported/s (updates)", "value": count / updated}]


def bench_validate_invalid_package(ctx):
    """Issue 13: 40,000 `{}` entries took 91 s (every failed entry rescanned every problem); now one pass."""
    from flightbridge.logger import codec

    count = ctx.scale(40_000, 4_000)
    package = {"entries": [{}] * count, "metadata": {"appName": "bench", "appVersion": "1", "isUTC": True}}
    started = time.perf_counter()
    parsed = codec.validate_package(package)
    reasons = sum(len(parsed.problems_for(index)) for index in range(count))
    elapsed = time.perf_counter() - started
    assert reasons == 3 * count and not parsed.valid_entries()
    return [{"metric": f"validate {count} invalid entries and group their problems (seconds)", "value": elapsed}]


def _logger_package(count: int) -> dict:
    airports = ["KPAO", "KSFO", "KLAX", "KJFK", "EGLL", "KSQL", "KOAK", "KSJC"]
    start = date(2015, 1, 1)
    return {"metadata": {"appName": "bench", "appVersion": "1", "isUTC": True},
            "entries": [{"importId": f"route-{i}", "entryType": "Flight",
                         "departureDate": (start + timedelta(days=i // 3)).isoformat(), "departureTime": "1400",
                         "arrivalTime": "1521", "departureAirport": airports[i % 8], "arrivalAirport": airports[(i + 3) % 8],
                         "picTime": "1:21", "numberOfDayLandings": 2, "aircraftRegistration": f"N{10000 + i % 500}",
                         "remark": f"entry {i}"} for i in range(count)]}


def bench_export_route(ctx):
    """Issue 22: the export as a pilot asks for it, through the route, of flights a Logger package made.

    One Logger import of 5,000 entries, then `GET /api/exports/logger` and `GET /logbook/export/logger`
    (the page) and `GET /api/exports/csv` through Django's full request stack; each answer is read to its end.
    This measures the route's own cost a flight, so the 5,000 are served in the request: by default an export
    beyond FLIGHTBRIDGE_EXPORT_INLINE_MAX_FLIGHTS (1,000) is a job instead (bench_export_jobs measures that).
    """
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from flightbridge.accounts.services import create_token
    from flightbridge.logger import services

    count = ctx.scale(5_000, 500)
    settings.FLIGHTBRIDGE_EXPORT_INLINE_MAX_FLIGHTS = count
    pilot = get_user_model().objects.create_user(username="bench-export-route", password="bench-password-22")
    services.import_package(pilot, _logger_package(count), max_entries=count)
    _row, token = create_token(pilot.username)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")
    page = Client(HTTP_HOST="127.0.0.1")
    page.force_login(pilot)
    b"".join(api.get("/api/exports/logger?from=2015-01-01&to=2015-01-02").streaming_content)  # load the airport tables
    rows = []
    for label, client, path in (("GET /api/exports/logger", api, "/api/exports/logger"),
                                ("GET /logbook/export/logger", page, "/logbook/export/logger"),
                                ("GET /api/exports/csv (ForeFlight)", api, "/api/exports/csv?format=foreflight")):
        started, cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert response.status_code == 200 and body, (path, response.status_code)
        # CPU seconds too: the request runs in this process, and on a shared machine they vary less than wall time.
        rows += [{"metric": f"{label}, {count} Logger flights (seconds)", "value": elapsed},
                 {"metric": f"{label}, {count} Logger flights (CPU seconds)", "value": cpu},
                 {"metric": f"{label}, CPU ms a flight", "value": cpu * 1000 / count}]
    return rows
