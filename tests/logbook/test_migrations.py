"""Migrations that read stored raw records: 0003/0004 (issue 12: the landing counts MyFlightbook means, full
stops for Logger rows, IPC flags), 0008 (the whole flight record) and 0012 (night landings capped), each by
its own frozen copy of the rules it runs, never the sync's live mapping (issue 21)."""

from __future__ import annotations

import ast
import importlib
import inspect
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
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


def test_stored_myflightbook_flights_get_the_whole_record_from_raw(django_user_model):
    # Migration 0008 (issue 20): a sync skips flights whose record did not change, so stored rows are filled
    # from their raw record; hours keep their value at 4 places; rows from elsewhere take the defaults.
    old = migrate([("logbook", "0007_flight_check")])
    try:
        user = django_user_model.objects.create_user("record-pilot", password="x")
        Flight = old.get_model("logbook", "Flight")
        common = {"owner_id": user.pk, "date": date(2026, 8, 9)}
        checkride = Flight.objects.create(
            **common, source="myflightbook", external_id="mfb:1", pic="1.33", day_landings=2, day_takeoffs=2,
            raw=record(1, Landings=2, HobbsStart=100.5, HobbsEnd=102, CatClassOverride=3, CFISignatureState=1,
                       CatClassDisplay="ASEL", CustomProperties=[
                           {"PropID": 1, "FlightID": 1, "PropTypeID": 39, "BoolValue": True, "TextValue": ""},
                           {"PropID": 2, "FlightID": 1, "PropTypeID": 92, "TextValue": "Ed Examiner"}]))
        logged = Flight.objects.create(**common, source="myflightbook", external_id="mfb:2", day_landings=1,
                                       day_takeoffs=1, raw=record(2, Landings=1, CustomProperties=[
                                           {"PropID": 3, "FlightID": 2, "PropTypeID": 93, "IntValue": 1, "TextValue": ""}]))
        manual = Flight.objects.create(**common, day_landings=1, day_takeoffs=1, instructor_name="Mine")
        apps = migrate([("logbook", "0008_flight_record_fidelity")])
        Flight = apps.get_model("logbook", "Flight")
        row = Flight.objects.get(pk=checkride.pk)
        assert (row.hobbs_start, row.hobbs_end, row.category_class, row.signature) == (
            Decimal("100.50"), Decimal("102.00"), "ASES", "valid")
        assert (row.flight_review, row.ipc, row.checkride, row.instructor_name) == (True, False, True, "Ed Examiner")
        assert (row.takeoffs_inferred, row.pic) == (True, Decimal("1.3300"))
        assert Flight.objects.get(pk=logged.pk).takeoffs_inferred is False
        mine = Flight.objects.get(pk=manual.pk)
        assert (mine.instructor_name, mine.signature, mine.takeoffs_inferred, mine.hobbs_start) == ("Mine", "none", False, None)
    finally:
        migrate(executor_leaf_nodes())


def test_over_described_night_landings_are_recounted_capped(django_user_model):
    # Migration 0012 (issue 20): night = min(NightLandings + prop 397, Landings), day = Landings − night.
    old = migrate([("logbook", "0011_flight_aircraft_index")])
    try:
        user = django_user_model.objects.create_user("capped-pilot", password="x")
        Flight = old.get_model("logbook", "Flight")
        row = Flight.objects.create(
            owner_id=user.pk, date=date(2026, 8, 9), source="myflightbook", external_id="mfb:5", day_landings=0,
            night_landings=3, night_takeoffs=3, raw=record(5, Landings=2, NightLandings=2, CustomProperties=[
                {"PropID": 1, "FlightID": 5, "PropTypeID": 397, "IntValue": 1, "TextValue": ""}]))
        Flight = migrate([("logbook", "0012_night_landings_capped")]).get_model("logbook", "Flight")
        assert Flight.objects.filter(pk=row.pk).values_list("day_landings", "night_landings", "night_takeoffs").get() == (0, 2, 2)
    finally:
        migrate(executor_leaf_nodes())


def migration_module(name: str):
    return importlib.import_module(f"flightbridge.logbook.migrations.{name}")


def test_the_record_fidelity_migration_fills_a_raw_record_with_its_own_frozen_rules(django_user_model):
    # 0008's function run on today's tables: what it stores comes from its frozen copy (issue 21), so a later
    # change to the sync's mapping cannot change it.
    user = django_user_model.objects.create_user("frozen-0008", password="x")
    from flightbridge.logbook.models import Flight

    flight = Flight.objects.create(
        owner=user, date=date(2026, 8, 9), source="myflightbook", external_id="mfb:7", day_landings=3,
        raw=record(7, Landings=3, NightLandings=1, HobbsStart="1200.4", HobbsEnd=1201.9, CatClassDisplay="AMEL (B737)",
                   CFISignatureState="invalid", EngineStart="2026-08-09T17:10:00Z", CustomProperties=[
                       {"PropTypeID": 41, "BoolValue": True}, {"PropTypeID": 623, "BoolValue": "true"},
                       {"PropTypeID": 96, "DecValue": 3012.25}, {"PropTypeID": 183, "TextValue": " Pat Pilot "},
                       {"PropTypeID": 73, "IntValue": 1}]))
    refused = Flight.objects.create(owner=user, date=date(2026, 8, 9), source="myflightbook", external_id="mfb:8",
                                    raw=record(8, CFISignatureState=7), pic_name="Kept")
    migration_module("0008_flight_record_fidelity").fill_from_raw(django_apps, None)
    row = Flight.objects.get(pk=flight.pk)
    assert (row.hobbs_start, row.hobbs_end, row.tach_end, row.category_class, row.signature) == (
        Decimal("1200.40"), Decimal("1201.90"), Decimal("3012.25"), "AMEL", "invalid")
    assert row.engine_start.isoformat() == "2026-08-09T17:10:00+00:00" and row.pic_name == "Pat Pilot"
    assert (row.flight_review, row.ipc, row.checkride) == (False, True, True)
    assert row.takeoffs_inferred is True  # night takeoffs logged (1), day ones inferred from the 2 day landings
    kept = Flight.objects.get(pk=refused.pk)
    assert (kept.pic_name, kept.signature) == ("Kept", "none")  # a record its rules refuse keeps what it has


def test_the_night_landing_recount_caps_a_raw_record_with_its_own_frozen_rules(django_user_model):
    user = django_user_model.objects.create_user("frozen-0012", password="x")
    from flightbridge.logbook.models import Flight

    flight = Flight.objects.create(
        owner=user, date=date(2026, 8, 9), source="myflightbook", external_id="mfb:9", night_landings=5,
        raw=record(9, Landings=4, FullStopLandings=1, NightLandings=3, CustomProperties=[
            {"PropTypeID": 397, "IntValue": 2}, {"PropTypeID": 93, "IntValue": 4}]))
    migration_module("0012_night_landings_capped").recount(django_apps, None)
    assert Flight.objects.filter(pk=flight.pk).values_list(
        "day_landings", "night_landings", "day_full_stop_landings", "night_full_stop_landings", "day_takeoffs",
        "night_takeoffs", "takeoffs_inferred").get() == (0, 4, 1, 3, 0, 4, True)


def test_the_glider_maneuver_migration_fills_from_properties_with_its_own_frozen_rules(django_user_model):
    user = django_user_model.objects.create_user("frozen-0013", password="x")
    from flightbridge.logbook.models import Flight

    flown = Flight.objects.create(owner=user, date=date(2026, 8, 9), custom_properties=[
        {"PropTypeID": 56, "DecValue": 1.5}, {"PropTypeID": "56", "DecValue": "0.5"}, {"PropTypeID": 57, "BoolValue": True}])
    unset = Flight.objects.create(owner=user, date=date(2026, 8, 9), custom_properties=[
        {"PropTypeID": 57}, {"PropTypeID": 56, "DecValue": -2}, {"PropTypeID": 41, "BoolValue": True}])
    migration_module("0013_glider_instrument_maneuvers").fill(django_apps, None)
    assert Flight.objects.filter(pk=flown.pk).values_list("glider_instrument_maneuvers", "glider_passenger_maneuvers").get() == (
        Decimal("2.0000"), True)
    assert Flight.objects.filter(pk=unset.pk).values_list("glider_instrument_maneuvers", "glider_passenger_maneuvers").get() == (
        Decimal("0"), False)


def test_the_type_name_migration_takes_the_type_a_stored_record_names_after_its_class(django_user_model):
    user = django_user_model.objects.create_user("frozen-0014", password="x")
    from flightbridge.logbook.models import Flight

    jet = Flight.objects.create(owner=user, date=date(2026, 8, 9), category_class="AMEL",
                                raw=record(10, CatClassDisplay="AMEL (B737)"))
    overridden = Flight.objects.create(owner=user, date=date(2026, 8, 9), category_class="ASEL",
                                       raw=record(11, CatClassDisplay="AMEL (B737)"))
    plain = Flight.objects.create(owner=user, date=date(2026, 8, 9), category_class="ASEL", raw=record(12, CatClassDisplay="ASEL"))
    migration_module("0014_flight_type_name").fill(django_apps, None)
    assert dict(Flight.objects.filter(owner=user).values_list("id", "type_name")) == {jet.pk: "B737", overridden.pk: "", plain.pk: ""}


@pytest.mark.parametrize("name", ["0008_flight_record_fidelity", "0012_night_landings_capped",
                                  "0013_glider_instrument_maneuvers", "0014_flight_type_name"])
def test_the_mapping_migrations_import_no_live_app_code(name):
    module = migration_module(name)
    tree = ast.parse(inspect.getsource(module))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)} | {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    app_code = {target for target in imported if target.startswith("flightbridge.")
                and not target.startswith("flightbridge.logbook.migrations.")}
    assert app_code == set()
