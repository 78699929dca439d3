"""The pilot's aircraft over the API: time in each aircraft, model and class; picking a model; adding one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from flightbridge.fleet.models import AircraftModel
from flightbridge.logbook.models import Flight, SimulatorType, UserAircraft

pytestmark = pytest.mark.django_db


def _flight(owner, tail: str, total: str, day: date, **fields) -> Flight:
    return Flight.objects.create(owner=owner, date=day, tail_number=tail, total_flight_time=Decimal(total), **fields)


@pytest.fixture
def skyhawk():
    return AircraftModel.objects.create(name="Cessna 172S Skyhawk SP", manufacturer="Cessna", model_number="172S",
                                        external_id="2072738", external_data_source="FAA aircraft reference",
                                        specifications={"type_aircraft_code": "4", "aircraft_category_code": "1",
                                                        "engine_type_code": "1", "engines": 1})


def test_linking_a_model_counts_its_flights_at_once(api, user, other_user, skyhawk):
    club = UserAircraft.objects.create(owner=user, registration="N52417")
    for number, total in enumerate(("1.3", "0.8", "2.25"), start=1):
        _flight(user, "N52417", total, date(2025, 4, number), day_landings=2, night_landings=1)
    _flight(user, "N731PA", "1.0", date(2025, 4, 9))
    _flight(other_user, "N52417", "9.9", date(2025, 4, 9))
    from flightbridge.logbook.aircraft import link_flights

    link_flights(user)
    assert api.get(f"/api/flights/summary?model_id={skyhawk.pk}").json()["flights"] == 0
    response = api.patch(f"/api/aircraft/{club.pk}", {"model_id": skyhawk.pk}, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["model"] == {"id": skyhawk.pk, "name": "Cessna 172S Skyhawk SP", "manufacturer": "Cessna",
                             "model_number": "172S", "external_data_source": "FAA aircraft reference", "external_id": "2072738"}
    assert (body["category_class"], body["engine_type"], body["is_turbine"], body["is_multi_engine"]) == ("ASEL", "piston", False, False)
    assert body["provenance"] == {"aircraft_model": "pilot", "category_class": "registry", "engine_type": "registry",
                                  "is_turbine": "registry", "is_multi_engine": "registry"}
    assert (body["flights"], body["total_time"], body["landings"], body["last_flown"]) == (3, "4.35", 9, "2025-04-03")
    summary = api.get(f"/api/flights/summary?model_id={skyhawk.pk}").json()
    assert (summary["flights"], summary["total_flight_time"]) == (3, "4.35")
    by_aircraft = api.get(f"/api/flights/summary?aircraft_id={club.pk}&from=2025-04-02").json()
    assert (by_aircraft["flights"], by_aircraft["total_flight_time"]) == (2, "3.05")
    assert api.get("/api/flights/summary?category_class=ASEL").json()["flights"] == 3
    assert api.get("/api/flights/summary?category_class=AMEL").json()["flights"] == 0
    listed = api.get(f"/api/flights?aircraft_id={club.pk}").json()["items"]
    assert [item["total_flight_time"] for item in listed] == ["2.25", "0.80", "1.30"]
    assert {item["aircraft_id"] for item in listed} == {club.pk}
    # Unlinking: the model's time is gone at once too; the pilot's choice (none) is kept.
    api.patch(f"/api/aircraft/{club.pk}", {"model_id": None}, content_type="application/json")
    assert api.get(f"/api/flights/summary?model_id={skyhawk.pk}").json()["flights"] == 0
    assert UserAircraft.objects.get(pk=club.pk).provenance["aircraft_model"] == "pilot"


def test_bad_filters_and_another_pilots_aircraft(api, other_user, skyhawk):
    theirs = UserAircraft.objects.create(owner=other_user, registration="N52417")
    assert api.get("/api/flights/summary?category_class=ASELX").status_code == 422
    assert api.get("/api/flights/summary?model_id=0").status_code == 422
    assert api.get(f"/api/aircraft/{theirs.pk}").status_code == 404
    response = api.patch(f"/api/aircraft/{theirs.pk}", {"model_id": skyhawk.pk}, content_type="application/json")
    assert response.status_code == 404
    assert UserAircraft.objects.get(pk=theirs.pk).aircraft_model is None


def test_adding_an_aircraft_from_a_model_links_the_flights_already_logged(api, user, skyhawk):
    _flight(user, "N411FB", "1.5", date(2025, 5, 1))
    response = api.post("/api/aircraft", {"registration": " n411fb ", "model_id": skyhawk.pk}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["registration"], body["model"]["id"], body["flights"], body["total_time"]) == ("N411FB", skyhawk.pk, 1, "1.50")
    assert body["manual"] is True and body["category_class"] == "ASEL"
    again = api.post("/api/aircraft", {"registration": "N411FB"}, content_type="application/json")
    assert again.status_code == 409
    missing = api.post("/api/aircraft", {"registration": "N1", "model_id": 999999}, content_type="application/json")
    assert missing.status_code == 422 and "model_id" in missing.json()["detail"]


def test_a_pilot_without_model_permissions_cannot_create_or_change_a_shared_model(api, user, skyhawk):
    before = list(AircraftModel.objects.values())
    sneaky = {"registration": "N1", "model": {"name": "Evil"}, "name": "Evil", "external_id": "x",
              "external_data_source": "FAA aircraft reference", "specifications": {"seats": 99}}
    created = api.post("/api/aircraft", sneaky, content_type="application/json")
    assert created.status_code == 201 and created.json()["model"] is None  # model fields are not the aircraft's
    aircraft = UserAircraft.objects.create(owner=user, registration="N2")
    patch = api.patch(f"/api/aircraft/{aircraft.pk}", {"model_id": skyhawk.pk, "model": {"name": "Evil"}, "name": "Evil"},
                      content_type="application/json")
    assert patch.status_code == 200 and patch.json()["model"]["name"] == "Cessna 172S Skyhawk SP"
    assert api.post("/api/aircraft-models", {"name": "Evil"}, content_type="application/json").status_code == 403
    assert api.patch(f"/api/aircraft-models/{skyhawk.pk}", {"name": "Evil"}, content_type="application/json").status_code == 403
    api.patch(f"/api/aircraft/{aircraft.pk}", {"model_id": skyhawk.pk}, content_type="application/json")
    assert list(AircraftModel.objects.values()) == before


def test_the_pilot_sets_class_and_flags_and_they_are_theirs(api, user):
    aircraft = UserAircraft.objects.create(owner=user, registration="N3J", category_class="ASEL",
                                           provenance={"category_class": "registry"})
    response = api.patch(f"/api/aircraft/{aircraft.pk}", {"category_class": "ASES", "is_tailwheel": True,
                                                           "engine_type": "piston"}, content_type="application/json")
    body = response.json()
    assert (body["category_class"], body["is_tailwheel"]) == ("ASES", True)
    assert body["provenance"] == {"category_class": "pilot", "engine_type": "pilot", "is_tailwheel": "pilot"}
    assert api.patch(f"/api/aircraft/{aircraft.pk}", {"engine_type": "steam"}, content_type="application/json").status_code == 422


def test_every_registration_flown_is_listed_with_its_record_or_why_not(api, user):
    from flightbridge.registry import sample
    from flightbridge.registry import services as registry

    registry.load_registry(sample.SAMPLE_PATH)
    club = UserAircraft.objects.create(owner=user, registration="N52417")
    _flight(user, "N52417", "1.0", date(2025, 1, 1))
    _flight(user, "N731PA", "1.0", date(2025, 1, 2))  # in the sample registry, not added
    _flight(user, "N4455T", "1.0", date(2025, 1, 3))  # a US mark the registry does not have
    _flight(user, "SIMPA28161", "1.0", date(2025, 1, 4), simulator_type=SimulatorType.FTD)
    _flight(user, "C-GABC", "1.0", date(2025, 1, 5))
    listed = {item["registration"]: (item["aircraft_id"], item["reason"]) for item in api.get("/api/aircraft/flown").json()}
    assert listed == {"N52417": (club.pk, ""), "N731PA": (None, "in the FAA registry, not added yet"),
                      "N4455T": (None, "not in the FAA registry"), "SIMPA28161": (None, "simulator"),
                      "C-GABC": (None, "not a US registration")}


def test_model_search_lists_models_with_how_many_aircraft_use_each(api, user, other_user, skyhawk):
    AircraftModel.objects.create(name="Piper PA-28-181 Archer", manufacturer="Piper", model_number="PA-28-181")
    UserAircraft.objects.create(owner=user, registration="N1", aircraft_model=skyhawk)
    UserAircraft.objects.create(owner=other_user, registration="N2", aircraft_model=skyhawk)
    found = api.get("/api/aircraft/models?q=cessna 172").json()
    assert [(item["id"], item["aircraft_count"]) for item in found] == [(skyhawk.pk, 2)]
    assert len(api.get("/api/aircraft/models").json()) == 2
