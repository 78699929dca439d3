"""Migrations 0003/0004 (issue 12): stored flights get the landing counts MyFlightbook means, from their raw
record; Logger rows get full stops from their counts; rows entered here keep theirs; IPC flags are set."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("logbook", "0002_ingest_run_bookkeeping")]
AFTER = [("logbook", "0004_currency_ipc_required")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_apps():
    apps = migrate(BEFORE)
    yield apps
    migrate(executor_leaf_nodes())


def executor_leaf_nodes():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def record(flight_id, **fields):
    return {"FlightID": flight_id, "Date": "2026-08-09T00:00:00", "Route": "KPAE", "Comment": "", **fields}


def test_stored_flights_are_recounted_from_their_raw_record(old_apps, django_user_model):
    user = django_user_model.objects.create_user("migrating-pilot", password="x")
    Flight = old_apps.get_model("logbook", "Flight")
    CurrencyRecord = old_apps.get_model("logbook", "CurrencyRecord")
    common = {"owner_id": user.pk, "date": date(2026, 8, 9)}
    # Stored under seed 000's rule: day = FullStopLandings − NightLandings, takeoffs = landings.
    touch_and_goes = Flight.objects.create(
        **common, source="myflightbook", external_id="mfb:1", day_landings=0, night_landings=2, day_takeoffs=0,
        night_takeoffs=2, raw=record(1, NightLandings=2, Landings=5))
    night_pattern = Flight.objects.create(
        **common, source="myflightbook", external_id="mfb:2", day_landings=1, night_landings=1, day_takeoffs=1,
        night_takeoffs=1, raw=record(2, FullStopLandings=2, NightLandings=1, Landings=6, CustomProperties=[
            {"PropID": 9, "FlightID": 2, "PropTypeID": 397, "IntValue": 2, "TextValue": ""},
            {"PropID": 10, "FlightID": 2, "PropTypeID": 73, "IntValue": 4, "TextValue": ""},
            {"PropID": 11, "FlightID": 2, "PropTypeID": 93, "IntValue": 6, "TextValue": ""}]))
    unreadable = Flight.objects.create(**common, source="myflightbook", external_id="mfb:3", day_landings=4,
                                       raw=record(3, Landings=-1))
    logger = Flight.objects.create(**common, source="logger", external_id="logger:a", day_landings=1, night_landings=1,
                                   day_takeoffs=1, night_takeoffs=1, raw={"importId": "a"})
    manual = Flight.objects.create(**common, day_landings=3, night_landings=1)
    CurrencyRecord.objects.create(owner_id=user.pk, kind="instrument", label="IFR - Rotorcraft", status="NON_COMPLIANT",
                                  discrepancy="IPC is required.")
    CurrencyRecord.objects.create(owner_id=user.pk, kind="instrument", label="IFR - Airplane", status="CURRENT")

    apps = migrate(AFTER)
    Flight = apps.get_model("logbook", "Flight")
    columns = ("day_landings", "night_landings", "day_full_stop_landings", "night_full_stop_landings", "day_takeoffs",
               "night_takeoffs")

    def counts(row):
        return Flight.objects.filter(pk=row.pk).values_list(*columns).get()

    assert counts(touch_and_goes) == (3, 2, 0, 2, 3, 2)
    assert counts(night_pattern) == (3, 3, 2, 1, 2, 4)
    assert counts(unreadable) == (4, 0, 0, 0, 0, 0)  # a raw record that cannot be read keeps what it had
    assert counts(logger) == (1, 1, 1, 1, 1, 1)  # one Logger leg: its landings are full stops
    assert counts(manual) == (3, 1, 0, 0, 0, 0)  # entered here: untouched
    flags = dict(apps.get_model("logbook", "CurrencyRecord").objects.values_list("label", "ipc_required"))
    assert flags == {"IFR - Rotorcraft": True, "IFR - Airplane": False}
