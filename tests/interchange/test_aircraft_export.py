"""Exports take an aircraft's model, category/class, engine and flags (issue 24): ForeFlight's aircraft table
and the MyFlightbook CSV's Model and Category/Class columns."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from flightbridge.fleet.models import AircraftModel
from flightbridge.interchange import columns
from flightbridge.interchange.services import export_csv
from flightbridge.logbook.aircraft import link_flights
from flightbridge.logbook.models import Flight, UserAircraft

pytestmark = pytest.mark.django_db


def table(lines) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(lines), newline="")))


@pytest.fixture
def logbook(user):
    cub = AircraftModel.objects.create(name="Piper J-3 Cub", manufacturer="Piper", model_number="J-3C-65",
                                       specifications={"icao_type_designator": "J3"})
    baron = AircraftModel.objects.create(name="Beech Baron 58", manufacturer="Beech", model_number="58")
    UserAircraft.objects.create(owner=user, registration="N3J", model="J3C", aircraft_model=cub, category_class="ASEL",
                                engine_type="piston", is_tailwheel=True, is_complex=False, is_high_performance=False)
    UserAircraft.objects.create(owner=user, registration="N58BE", aircraft_model=baron, category_class="AMEL",
                                engine_type="piston", is_complex=True, is_high_performance=True)
    UserAircraft.objects.create(owner=user, registration="N737JT", category_class="AMEL", engine_type="jet",
                                details={"registry": {"engine_type": "Turbo-jet"}})
    for day, tail, total, own_class in ((1, "N3J", "1.10", ""), (2, "N58BE", "2.00", ""), (3, "N3J", "0.70", "ASES"),
                                        (4, "N737JT", "3.00", "")):
        Flight.objects.create(owner=user, date=date(2025, 9, day), tail_number=tail, aircraft_type="as typed",
                              total_flight_time=Decimal(total), category_class=own_class, source="manual")
    link_flights(user)
    return user


def test_the_foreflight_aircraft_table_comes_from_the_aircraft_and_its_model(logbook):
    rows = table(export_csv(logbook, "foreflight", registry_lookup=lambda tail: {}).lines)
    header = columns.FOREFLIGHT_AIRCRAFT_HEADER_2026
    aircraft = {row[0]: dict(zip(header, row)) for row in rows[5:8]}
    cub, baron, jet = aircraft["N3J"], aircraft["N58BE"], aircraft["N737JT"]
    assert (cub["TypeCode"], cub["Make"], cub["Model"], cub["Category/Class"], cub["GearType"], cub["EngineType"]) == (
        "J3", "Piper", "J-3C-65", "airplane_single_engine_land", "FC", "Piston")
    assert (cub["complexAircraft"], cub["highPerformance"]) == ("", "")
    assert (baron["Make"], baron["Model"], baron["Category/Class"], baron["complexAircraft"], baron["highPerformance"]) == (
        "Beech", "58", "airplane_multi_engine_land", "x", "x")
    # No model: the aircraft's own class and engine, the registry telling turbojet from turbofan.
    assert (jet["Category/Class"], jet["EngineType"], jet["Model"]) == ("airplane_multi_engine_land", "Turbojet", "as typed")


def test_the_myflightbook_csv_carries_model_and_category_class(logbook):
    rows = table(export_csv(logbook, "myflightbook").lines)
    header = rows[0]
    assert header[-1] == "Category/Class" and "Model" in header
    by_date = {row[0]: dict(zip(header, row)) for row in rows[1:]}
    assert (by_date["2025-09-01"]["Model"], by_date["2025-09-01"]["Category/Class"]) == ("J-3C-65", "ASEL")
    assert (by_date["2025-09-02"]["Model"], by_date["2025-09-02"]["Category/Class"]) == ("58", "AMEL")
    assert by_date["2025-09-03"]["Category/Class"] == "ASES"  # the flight's own category/class wins
    assert by_date["2025-09-04"]["Model"] == "as typed"  # no shared model: the flight's own type text
