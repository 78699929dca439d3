"""A pilot's aircraft: facts and their origin, the registry's category/class, linking flights and models."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from flightbridge.fleet.models import AircraftModel, DataSourceConfig, SourceKind
from flightbridge.logbook import ingest
from flightbridge.logbook.aircraft import (
    apply_facts,
    category_class_from_registry,
    engine_type_from_registry,
    keep_myflightbook_models,
    link_flights,
    link_pilot_aircraft,
    link_to_registry_models,
    registry_facts,
)
from flightbridge.logbook.models import CategoryClass, EngineType, FactOrigin, Flight, SimulatorType, UserAircraft
from flightbridge.registry import sample
from flightbridge.registry import services as registry

pytestmark = pytest.mark.django_db


def test_a_pilots_choice_is_never_overwritten_by_an_import():
    aircraft = UserAircraft(registration="N52417")
    assert apply_facts(aircraft, {"category_class": CategoryClass.ASES}, FactOrigin.PILOT) == ["category_class", "provenance"]
    assert apply_facts(aircraft, {"category_class": CategoryClass.ASEL, "engine_type": EngineType.PISTON},
                       FactOrigin.REGISTRY) == ["engine_type", "provenance"]
    assert aircraft.category_class == CategoryClass.ASES
    assert aircraft.provenance == {"category_class": "pilot", "engine_type": "registry"}
    # MyFlightbook outranks the registry, and the pilot outranks both.
    apply_facts(aircraft, {"engine_type": EngineType.TURBOPROP}, FactOrigin.MYFLIGHTBOOK)
    assert apply_facts(aircraft, {"engine_type": EngineType.PISTON}, FactOrigin.REGISTRY) == []
    assert aircraft.engine_type == EngineType.TURBOPROP
    assert apply_facts(aircraft, {"engine_type": EngineType.JET}, FactOrigin.PILOT) == ["engine_type", "provenance"]
    assert aircraft.provenance["engine_type"] == "pilot"


@pytest.mark.parametrize(("type_aircraft", "category", "engines", "expected"), [
    ("4", "1", 1, "ASEL"), ("4", "2", 1, "ASES"), ("4", "3", 1, "ASEL"), ("5", "1", 2, "AMEL"), ("5", "2", 2, "AMES"),
    ("1", "1", 0, "Glider"), ("2", "1", 0, "Hot Air Balloon"), ("3", "1", 1, "Airship"), ("6", "1", 1, "Helicopter"),
    ("9", "1", 1, "Gyroplane"), ("H", "1", 2, "Powered Lift"), ("7", "1", 1, "Weight-shift Control - Land"),
    ("7", "2", 1, "Weight-shift Control - Sea"), ("8", "1", 1, "Powered Parachute - Land"), ("8", "2", 1, "Powered Parachute - Sea"),
    ("O", "1", 1, ""),
])
def test_registry_type_and_category_give_myflightbooks_category_class(type_aircraft, category, engines, expected):
    assert category_class_from_registry(type_aircraft, category, engines) == expected


def test_registry_engine_codes_and_flags():
    assert [engine_type_from_registry(code) for code in ("1", "2", "3", "4", "5", "10", "0", "9", "", "05")] == [
        "piston", "turboprop", "turboshaft", "jet", "jet", "electric", "none", "", "", "jet"]
    assert registry_facts({"type_aircraft": "5", "category": "1", "type_engine": "2", "engines": 2}) == {
        "category_class": "AMEL", "engine_type": "turboprop", "is_turbine": True, "is_multi_engine": True}
    assert registry_facts({"type_aircraft": "4", "category": "1", "type_engine": "1", "engines": 1}) == {
        "category_class": "ASEL", "engine_type": "piston", "is_turbine": False, "is_multi_engine": False}


def _incoming(number: int, tail: str, total: str = "1.2") -> ingest.IncomingFlight:
    fields = {"date": date(2025, 3, number), "departure": "KPAE", "destination": "KBFI", "tail_number": tail,
              "total_flight_time": Decimal(total), "raw": {"n": number}}
    return ingest.IncomingFlight(external_id=f"test:{number}", source_hash=f"h{number}", fields=fields, label=f"flight {number}")


def test_the_ingest_links_each_flight_to_the_pilots_aircraft_with_its_registration(user, other_user):
    mine = UserAircraft.objects.create(owner=user, registration="N52417")
    UserAircraft.objects.create(owner=other_user, registration="N731PA")
    run = ingest.open_run(user, "logger", policy=ingest.UPDATE_BY_ID)
    run.store_batch([_incoming(1, "N52417"), _incoming(2, "n52417"), _incoming(3, "N731PA"), _incoming(4, "")])
    linked = dict(Flight.objects.filter(owner=user).values_list("external_id", "aircraft_id"))
    assert linked == {"test:1": mine.pk, "test:2": mine.pk, "test:3": None, "test:4": None}


def test_flights_imported_before_their_aircraft_link_when_it_is_added(user, other_user):
    run = ingest.open_run(user, "logger", policy=ingest.UPDATE_BY_ID)
    run.store_batch([_incoming(1, "N731PA"), _incoming(2, "N731PA"), _incoming(3, "N52417")])
    ingest.open_run(other_user, "logger", policy=ingest.UPDATE_BY_ID).store_batch([_incoming(1, "N731PA")])
    aircraft = UserAircraft.objects.create(owner=user, registration="n731pa")
    assert link_flights(user) == 2
    assert set(Flight.objects.filter(aircraft=aircraft).values_list("external_id", flat=True)) == {"test:1", "test:2"}
    assert Flight.objects.get(owner=other_user).aircraft_id is None
    assert link_flights(user) == 0  # nothing left to link


@pytest.fixture
def faa_models():
    """The sample registry loaded and two of its ACFTREF codes as models of an FAA reference source."""
    registry.load_registry(sample.SAMPLE_PATH)
    DataSourceConfig.objects.create(name="FAA aircraft reference", kind=SourceKind.FAA_REFERENCE, auth_type="none")
    skyhawk = AircraftModel.objects.create(name="CESSNA 172S", external_id="2072738", external_data_source="FAA aircraft reference")
    king_air = AircraftModel.objects.create(name="BEECH B200", external_id="0561322", external_data_source="FAA aircraft reference")
    # The same code from a source that is not the FAA reference is never linked.
    AircraftModel.objects.create(name="Other 172", external_id="2072750", external_data_source="Type Catalog")
    return skyhawk, king_air


def test_registered_aircraft_link_to_the_model_with_their_acftref_code(user, faa_models):
    skyhawk, king_air = faa_models
    club = UserAircraft.objects.create(owner=user, registration="N52417")
    charter = UserAircraft.objects.create(owner=user, registration="N350KA")
    unknown = UserAircraft.objects.create(owner=user, registration="N4455T")  # not in the sample registry
    stationair = UserAircraft.objects.create(owner=user, registration="N733FC")  # code 2072750: no FAA model
    sim = UserAircraft.objects.create(owner=user, registration="SIMPA28161", device_class=SimulatorType.FTD)
    models_before = list(AircraftModel.objects.order_by("id").values())
    report = link_to_registry_models(user)
    assert (report.aircraft, report.registered, report.linked) == (4, 3, 2)
    for aircraft in (club, charter, unknown, stationair, sim):
        aircraft.refresh_from_db()
    assert club.aircraft_model == skyhawk and club.category_class == "ASEL" and club.engine_type == "piston"
    assert charter.aircraft_model == king_air and charter.category_class == "AMEL" and charter.is_turbine is True
    assert charter.provenance["aircraft_model"] == "registry"
    assert unknown.aircraft_model is None and unknown.provenance == {}
    assert stationair.aircraft_model is None and stationair.category_class == "ASEL"
    assert sim.aircraft_model is None
    assert list(AircraftModel.objects.order_by("id").values()) == models_before  # linking never touches a model


def test_a_model_the_pilot_picked_is_kept_and_a_deleted_model_leaves_the_aircraft(user, faa_models):
    skyhawk, king_air = faa_models
    club = UserAircraft.objects.create(owner=user, registration="N52417", aircraft_model=king_air,
                                       provenance={"aircraft_model": "pilot"})
    link_to_registry_models(user)
    club.refresh_from_db()
    assert club.aircraft_model == king_air and club.category_class == "ASEL"
    king_air.delete()
    club.refresh_from_db()
    assert club.aircraft_model is None


def test_myflightbook_models_are_kept_on_the_aircraft(user, faa_models):
    UserAircraft.objects.create(owner=user, registration="N52417")
    run = ingest.open_run(user, "logger", policy=ingest.UPDATE_BY_ID)
    run.store_batch([_incoming(1, "N52417")])
    Flight.objects.update(aircraft=None)
    report = link_pilot_aircraft(user, myflightbook_models={"N52417": (1042, "C-172 S"), "N9999": (7, "X")})
    aircraft = UserAircraft.objects.get(owner=user)
    assert (aircraft.mfb_model_id, aircraft.mfb_model_description) == (1042, "C-172 S")
    assert report.linked == 1 and Flight.objects.get().aircraft == aircraft
    assert keep_myflightbook_models(user, {"N52417": (1042, "C-172 S")}) == 0
