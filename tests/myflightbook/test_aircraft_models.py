"""Issue 24's "done when": with the registry loaded and the FAA source synced, a MyFlightbook sync links every
aircraft in the registry to the model with its ACFTREF code, and the time in that model is its flights' sum."""

from datetime import date
from decimal import Decimal

import pytest

from flightbridge.fleet import runs
from flightbridge.fleet.models import AircraftModel, DataSourceConfig, SourceKind
from flightbridge.logbook.models import Flight, UserAircraft
from flightbridge.myflightbook.sandbox.fake import FakeMyFlightbook, make_flight
from flightbridge.myflightbook.sync import MyFlightbookSync
from flightbridge.registry import sample
from flightbridge.registry import services as registry

pytestmark = pytest.mark.django_db
AIRCRAFT = [
    {"InstanceTypeID": 1, "InstanceType": 1, "AircraftID": 1, "TailNumber": "N52417", "ModelID": 1042, "ModelDescription": "C-172 S"},
    {"InstanceTypeID": 1, "InstanceType": 1, "AircraftID": 2, "TailNumber": "N731PA", "ModelID": 77, "ModelDescription": "PA-28-181"},
    {"InstanceTypeID": 1, "InstanceType": 1, "AircraftID": 3, "TailNumber": "N4455T", "ModelID": 9, "ModelDescription": "C-150"},
    {"InstanceTypeID": 3, "InstanceType": 3, "AircraftID": 4, "TailNumber": "SIMPA28161", "ModelID": 2210, "ModelDescription": "PA-28-161"},
]
TAILS = {1: "N52417", 2: "N731PA", 3: "N4455T", 4: "SIMPA28161"}


def test_a_sync_links_registered_aircraft_to_their_faa_model_and_time_in_type_adds_up(user, api):
    registry.load_registry(sample.SAMPLE_PATH)
    source = DataSourceConfig.objects.create(name="FAA aircraft reference", kind=SourceKind.FAA_REFERENCE, auth_type="none")
    runs.sync_source(source.pk)
    times = ["1.30", "0.75", "2.05", "1.10", "0.90", "1.45", "1.00", "0.50"]
    flights = [make_flight(100 + index, date(2026, 7, 1 + index), aircraft_id=1 + index % 4, TailNumDisplay=TAILS[1 + index % 4],
                           TotalFlightTime=Decimal(total), PIC=Decimal(total)) for index, total in enumerate(times)]
    MyFlightbookSync(user, FakeMyFlightbook(flights, aircraft=AIRCRAFT), today=date(2026, 8, 1)).run()

    club = UserAircraft.objects.get(owner=user, registration="N52417")
    archer = UserAircraft.objects.get(owner=user, registration="N731PA")
    assert club.aircraft_model.external_id == "2072738" and archer.aircraft_model.external_id == "7102802"
    assert club.aircraft_model.external_data_source == "FAA aircraft reference"
    assert (club.mfb_model_id, club.mfb_model_description) == (1042, "C-172 S")
    assert (club.category_class, club.engine_type, club.provenance["aircraft_model"]) == ("ASEL", "piston", "registry")
    assert not UserAircraft.objects.filter(registration__in=["N4455T", "SIMPA28161"]).exists()  # the seed's rule stays
    assert set(Flight.objects.filter(owner=user).values_list("category_class", flat=True)) == {"ASEL"}

    for aircraft in (club, archer):
        expected = sum(Flight.objects.filter(owner=user, tail_number=aircraft.registration).values_list("total_flight_time", flat=True))
        summary = api.get(f"/api/flights/summary?model_id={aircraft.aircraft_model_id}").json()
        assert Decimal(summary["total_flight_time"]) == expected and summary["flights"] == 2
    assert Flight.objects.filter(owner=user, aircraft=club).count() == 2

    # The pilot links the aircraft the registry does not know (added by hand): its flights count at once.
    unknown = api.post("/api/aircraft", {"registration": "N4455T"}, content_type="application/json").json()
    assert unknown["flights"] == 2 and unknown["model"] is None
    cherokee = AircraftModel.objects.get(external_id="7102802")
    api.patch(f"/api/aircraft/{unknown['id']}", {"model_id": cherokee.pk}, content_type="application/json")
    summary = api.get(f"/api/flights/summary?model_id={cherokee.pk}").json()
    assert summary["flights"] == 4 and Decimal(summary["total_flight_time"]) == Decimal("0.75") + Decimal("1.45") + Decimal("2.05") + Decimal("1.00")


def test_an_aircraft_the_registry_cannot_name_takes_myflightbooks_class_and_a_flights_own_class_wins(user, api):
    flights = [make_flight(1, date(2026, 7, 1), aircraft_id=4, TailNumDisplay="SIMPA28161", TotalFlightTime=Decimal("1.0")),
               make_flight(2, date(2026, 7, 2), aircraft_id=1, TailNumDisplay="N52417", TotalFlightTime=Decimal("2.0"),
                           CatClassOverride=3, CatClassDisplay="ASES")]
    MyFlightbookSync(user, FakeMyFlightbook(flights, aircraft=AIRCRAFT), today=date(2026, 8, 1)).run()
    sim = api.post("/api/aircraft", {"registration": "SIMPA28161", "device_class": "FTD"}, content_type="application/json").json()
    from flightbridge.logbook.aircraft import link_pilot_aircraft

    link_pilot_aircraft(user)
    sim_row = UserAircraft.objects.get(pk=sim["id"])
    assert (sim_row.category_class, sim_row.provenance["category_class"]) == ("ASEL", "myflightbook")
    club = UserAircraft.objects.create(owner=user, registration="N52417", category_class="ASEL")
    link_pilot_aircraft(user)
    assert api.get("/api/flights/summary?category_class=ASES").json()["total_flight_time"] == "2.00"
    asel = api.get(f"/api/flights/summary?category_class=ASEL&aircraft_id={club.pk}").json()
    assert asel["flights"] == 0  # the override moved that flight's time to ASES
