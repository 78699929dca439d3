"""`flightbridge.bulk.insert_rows` stores exactly what `bulk_create` stores, on SQLite and PostgreSQL.

It writes imported flights and the sync's memory of MyFlightbook (issue 15: cost per flight), so every
kind of column a Flight has is compared with the ORM's own insert, value by value.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction

from flightbridge.bulk import insert_rows
from flightbridge.logbook.models import Flight, LogbookImport
from flightbridge.myflightbook.models import RemoteFlight

pytestmark = pytest.mark.django_db

COMPARED = [field.attname for field in Flight._meta.concrete_fields if field.attname not in ("id", "created_at", "updated_at")]


def values(user, run, n: int) -> dict:
    return {
        "owner_id": user.pk, "date": date(2024, 5, 1) + timedelta(days=n), "departure": "KPAO", "destination": "EDDF",
        "route": "KPAO EDDF", "tail_number": "N12345", "aircraft_type": "C172 — Skyhawk", "simulator_type": "ftd",
        "total_flight_time": Decimal("1.25"), "pic": Decimal("0.3"), "night": Decimal("0"), "day_landings": 3 + n,
        "night_landings": 0, "approaches": 2, "holds": 1, "remarks": "über Wolken\nline two 'quoted' \"and\" \\",
        "custom_properties": [{"PropTypeID": 187, "DateValue": "2024-05-01T10:00:00Z"}, {"IntValue": 3}],
        "takeoff_at": datetime(2024, 5, 1, 10, 5, tzinfo=timezone.utc), "landing_at": None,
        "block_out": datetime(2024, 5, 1, 9, 58, 30, 123456, tzinfo=timezone.utc),
        "external_id": f"mfb:{100 + n}", "source": "myflightbook", "import_batch_id": run.pk, "created_by_run_id": run.pk,
        "raw": {"FlightID": 100 + n, "TotalFlightTime": 1.25, "Comment": None, "nested": {"a": [1, "b", None]}},
        "source_hash": "ab" * 32, "source_update": None,
    }


def as_stored(flight: Flight) -> dict:
    return {name: getattr(flight, name) for name in COMPARED}


@pytest.mark.parametrize("count", [1, 7])  # one row goes by INSERT everywhere; several by COPY on PostgreSQL
def test_rows_are_stored_exactly_as_bulk_create_stores_them(user, count):
    run = LogbookImport.objects.create(owner=user, source="myflightbook")
    ids = insert_rows(Flight, [values(user, run, n) for n in range(count)])
    assert len(ids) == count and all(isinstance(flight_id, int) for flight_id in ids)
    ours = {flight.external_id: flight for flight in Flight.objects.filter(pk__in=ids)}
    assert [ours[f"mfb:{100 + n}"].pk for n in range(count)] == ids  # ids come back in row order

    Flight.objects.filter(pk__in=ids).delete()
    theirs = Flight.objects.bulk_create([Flight(**values(user, run, n)) for n in range(count)])
    by_orm = {flight.external_id: flight for flight in Flight.objects.filter(pk__in=[flight.pk for flight in theirs])}
    for external_id, flight in by_orm.items():
        assert as_stored(ours[external_id]) == as_stored(flight)
        assert ours[external_id].created_at is not None and ours[external_id].updated_at is not None


def test_defaults_and_stamps_are_filled_in_as_the_orm_fills_them(user):
    before = datetime.now(timezone.utc)
    (flight_id,) = insert_rows(Flight, [{"owner_id": user.pk, "date": date(2024, 1, 2)}])
    flight = Flight.objects.get(pk=flight_id)
    assert (flight.departure, flight.source, flight.custom_properties, flight.raw, flight.day_landings) == (
        "", "manual", [], None, 0)
    assert flight.total_flight_time == Decimal("0") and flight.created_at >= before - timedelta(seconds=1)
    # auto_now columns are always now, whatever a row says (as the ORM's save does).
    old = datetime(2000, 1, 1, tzinfo=timezone.utc)
    (again,) = insert_rows(Flight, [{"owner_id": user.pk, "date": date(2024, 1, 3), "created_at": old, "updated_at": old}])
    assert Flight.objects.get(pk=again).updated_at > old


def test_a_misnamed_or_missing_column_is_an_error_not_a_silent_drop(user):
    with pytest.raises(ValueError, match="has no column 'owner'"):
        insert_rows(Flight, [{"owner": user, "date": date(2024, 1, 2)}])
    with pytest.raises(ValueError, match="no value for date"):
        insert_rows(Flight, [{"owner_id": user.pk}])
    assert not Flight.objects.exists()


def test_a_refused_batch_raises_the_orms_error_and_writes_nothing(user):
    rows = [{"owner_id": user.pk, "date": date(2024, 1, 2), "external_id": "x:1"},
            {"owner_id": user.pk, "date": date(2024, 1, 3), "external_id": "x:1"}]  # one flight per external id
    with pytest.raises(DatabaseError), transaction.atomic():
        insert_rows(Flight, rows)
    assert not Flight.objects.exists()


def test_ignore_conflicts_skips_the_rows_a_unique_constraint_refuses(user):
    insert_rows(RemoteFlight, [{"owner_id": user.pk, "flight_id": 1, "date": date(2024, 1, 1), "total_time": Decimal("1.5")}])
    ids = insert_rows(RemoteFlight, [
        {"owner_id": user.pk, "flight_id": 1, "date": date(2030, 1, 1), "total_time": Decimal("9")},
        {"owner_id": user.pk, "flight_id": 2, "date": None, "total_time": Decimal("0.25"), "in_logbook": False},
    ], ignore_conflicts=True)
    assert ids == [None, None]
    rows = list(RemoteFlight.objects.filter(owner=user).order_by("flight_id").values_list("flight_id", "date", "total_time", "in_logbook"))
    assert rows == [(1, date(2024, 1, 1), Decimal("1.5"), True), (2, None, Decimal("0.25"), False)]
