"""Logbook files: exporting 10,000 flights as ForeFlight and MyFlightbook CSV, importing 10,000 rows, reading 100,000."""

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

AIRPORTS = ["KPAO", "KSFO", "KLAX", "KJFK", "KSQL", "KOAK", "KSJC", "KHAF"]


def _flights(count: int, owner=None):
    from flightbridge.logbook.models import Flight

    start = datetime(2015, 1, 1, 14, 0, tzinfo=UTC)
    for i in range(count):
        out = start + timedelta(hours=7 * i)
        yield Flight(
            owner=owner, date=out.date(), departure=AIRPORTS[i % 8], destination=AIRPORTS[(i + 3) % 8],
            route=f"{AIRPORTS[i % 8]} {AIRPORTS[(i + 3) % 8]}", tail_number=f"N{10000 + i % 200}", aircraft_type="C172",
            total_flight_time=Decimal("1.35"), pic=Decimal("1.35"), cross_country=Decimal("1.2"), night=Decimal("0.3"),
            imc=Decimal("0.2"), simulated_ifr=Decimal("0.4"), day_landings=3, night_landings=1, day_takeoffs=3,
            night_takeoffs=1, approaches=i % 3, holds=i % 2, approach_type="ILS" if i % 3 else "", pic_name="Self",
            remarks=f"Flight {i}: practice, \"pattern\"", block_out=out, takeoff_at=out + timedelta(minutes=8),
            landing_at=out + timedelta(minutes=75), block_in=out + timedelta(minutes=81), source="manual")


def _pilot(name: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(username=name)


def bench_export_csv(ctx):
    from flightbridge.interchange import services
    from flightbridge.logbook.models import Flight

    count = ctx.scale(10_000, 500)
    pilot = _pilot("bench-csv-export")
    Flight.objects.bulk_create(_flights(count, pilot), batch_size=2000)
    rows = []
    for file_format in ("foreflight", "myflightbook"):
        started = time.perf_counter()
        export = services.export_csv(pilot, file_format, registry_lookup=lambda tail: {})
        size = sum(len(line) for line in export.lines)
        elapsed = time.perf_counter() - started
        assert export.flights == count
        rows += [{"metric": f"export {count} flights as {file_format} CSV (seconds)", "value": elapsed},
                 {"metric": f"{file_format} file size (MB)", "value": size / 1e6}]
    return rows


def bench_import_csv(ctx):
    from flightbridge.interchange import services
    from flightbridge.interchange.reading import AircraftFacts
    from flightbridge.interchange.writing import write_foreflight

    count = ctx.scale(10_000, 500)
    tails = {f"N{10000 + i}": AircraftFacts(f"N{10000 + i}", model="C172") for i in range(200)}
    data = "".join(write_foreflight(_flights(count), tails)).encode()
    pilot = _pilot("bench-csv-import")
    rows = []
    for label in ("new", "again (unchanged)"):
        started = time.perf_counter()
        result = services.import_csv(pilot, data)
        elapsed = time.perf_counter() - started
        assert result.counts["created" if label == "new" else "unchanged"] == count, result.counts
        rows += [{"metric": f"import {count} ForeFlight rows, {label} (seconds)", "value": elapsed}]
    started = time.perf_counter()
    preview = services.import_csv(pilot, data, preview=True)
    rows.append({"metric": f"preview {count} rows (seconds)", "value": time.perf_counter() - started})
    assert preview.counts["unchanged"] == count
    return rows


def bench_read_100k_rows(ctx):
    """The row cap's size, read without the database: time and the process's peak memory stay bounded."""
    from flightbridge.interchange.reading import read_logbook

    count = ctx.scale(100_000, 2_000)
    line = "2024-01-02,N12345,1.5,1,1,0.3,KPDX KSEA,\"a remark, with a comma\"\n"
    data = ("Date,Tail Number,Total Flight Time,Landings,FS Day Landings,Night,Route,Comments\n" + line * count).encode()
    started = time.perf_counter()
    read = sum(1 for row in read_logbook(data).rows() if row.flight)
    elapsed = time.perf_counter() - started
    assert read == count
    return [{"metric": f"read {count} MyFlightbook rows (seconds)", "value": elapsed},
            {"metric": "rows read/s", "value": count / elapsed}]


HOSTILE_FILES = {
    # Issue 22: one quoted field of 4,000,000 line breaks (4 MB): parsed whole before the guard, 4.5 s of CPU.
    "a 4 MB quote of 4,000,000 line breaks": b'Date,Tail Number,Total Flight Time,Comments\n2024-01-02,N1,1.0,"'
                                             + b"\n" * 4_000_000 + b'"\n',
    # Issue 22: 1,000,000 rows of `x` (2 MB): every one refused in turn, 8.2 s.
    "1,000,000 rows of x": b"Date,Tail Number,Total Flight Time\n" + b"x\n" * 1_000_000,
}


def bench_hostile_csv(ctx):
    """A hostile upload's CPU cost through `POST /api/imports/csv` (preview), Django's full request stack."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from flightbridge.accounts.services import create_token

    pilot = _pilot("bench-hostile-csv")
    _row, token = create_token(pilot.username)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")
    rows = []
    for label, data in HOSTILE_FILES.items():
        started, cpu = time.perf_counter(), time.process_time()
        response = api.post("/api/imports/csv", {"file": SimpleUploadedFile("hostile.csv", data, "text/csv"),
                                                 "preview": "true"})
        cpu, elapsed = time.process_time() - cpu, time.perf_counter() - started
        assert response.status_code == 200 and response.json()["counts"]["created"] == 0, response.content[:300]
        rows += [{"metric": f"{label}: CPU seconds to refuse", "value": cpu},
                 {"metric": f"{label}: seconds to refuse", "value": elapsed}]
    return rows
