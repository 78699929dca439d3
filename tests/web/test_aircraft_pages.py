"""The Aircraft pages (server-rendered): every registration flown, add this aircraft, pick a model, its flights."""

from datetime import date
from decimal import Decimal

import pytest

from flightbridge.fleet.models import AircraftModel
from flightbridge.logbook.models import Flight, UserAircraft
from flightbridge.registry import sample
from flightbridge.registry import services as registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def logbook(user):
    registry.load_registry(sample.SAMPLE_PATH)
    for day, tail, sim in ((1, "N52417", "REAL"), (2, "N52417", "REAL"), (3, "N731PA", "REAL"), (4, "SIMFMX", "AATD"),
                           (5, "G-ABCD", "REAL")):
        Flight.objects.create(owner=user, date=date(2025, 6, day), tail_number=tail, simulator_type=sim,
                              total_flight_time=Decimal("1.10"), day_landings=1)
    return user


def test_the_aircraft_page_lists_every_registration_and_adds_one_in_a_click(client, logbook):
    client.force_login(logbook)
    html = client.get("/logbook/aircraft/").content.decode()
    for tail, reason in (("N52417", "in the FAA registry, not added yet"), ("SIMFMX", "simulator"),
                         ("G-ABCD", "not a US registration")):
        assert f'data-registration="{tail}"' in html and reason in html
    response = client.post("/logbook/aircraft/add/", {"flown": "SIMFMX"})
    assert response.status_code == 302
    sim = UserAircraft.objects.get(owner=logbook, registration="SIMFMX")
    assert sim.device_class == "AATD" and sim.flights.count() == 1
    client.post("/logbook/aircraft/add/", {"flown": "N52417"})
    club = UserAircraft.objects.get(owner=logbook, registration="N52417")
    assert club.flights.count() == 2 and club.category_class == "ASEL"
    html = client.get("/logbook/aircraft/").content.decode()
    assert f'data-aircraft-id="{club.pk}"' in html and 'data-registration="SIMFMX"' in html
    assert "Add this aircraft" in html  # N731PA and G-ABCD still wait
    # SIMFMX is an AATD now, N52417 ASEL (from the registry); the others' class is not known.
    assert '<tr data-category-class="ASEL"><td>ASEL</td><td class="num">2</td><td class="num" data-col="hours">2.20</td>' in html


def test_picking_a_model_on_the_aircraft_page_and_the_flight_page_links_them(client, logbook):
    model = AircraftModel.objects.create(name="Cessna 172S Skyhawk SP", manufacturer="Cessna", model_number="172S")
    club = UserAircraft.objects.create(owner=logbook, registration="N52417")
    from flightbridge.logbook.aircraft import link_flights

    link_flights(logbook)
    client.force_login(logbook)
    html = client.get(f"/logbook/aircraft/{club.pk}/?q=skyhawk").content.decode()
    assert f'<option value="{model.pk}">Cessna 172S Skyhawk SP · 172S — 0 aircraft</option>' in html
    assert 'data-total="flights">2<' in html
    client.post(f"/logbook/aircraft/{club.pk}/change/", {"model_id": str(model.pk)})
    club.refresh_from_db()
    assert club.aircraft_model == model and club.provenance["aircraft_model"] == "pilot"
    client.post(f"/logbook/aircraft/{club.pk}/change/", {"category_class": "ASES", "engine_type": "",
                                                         "device_class": "REAL", "is_tailwheel": "yes", "is_complex": ""})
    club.refresh_from_db()
    assert (club.category_class, club.is_tailwheel, club.is_complex) == ("ASES", True, None)
    # Only what was changed became the pilot's: the model they picked, the class and tailwheel.
    assert club.provenance == {"aircraft_model": "pilot", "category_class": "pilot", "is_tailwheel": "pilot"}
    html = client.get(f"/logbook/aircraft/{club.pk}/").content.decode()
    assert "model from you; category/class from you; tailwheel from you" in html
    flight = club.flights.first()
    html = client.get(f"/logbook/flights/{flight.pk}").content.decode()
    assert f'href="/logbook/aircraft/{club.pk}/">N52417</a>' in html and "Cessna 172S Skyhawk SP</a>" in html
    assert client.get("/logbook/aircraft/99999999/").status_code == 404


def test_another_pilots_aircraft_is_not_found_and_not_changed(client, logbook, other_user):
    theirs = UserAircraft.objects.create(owner=other_user, registration="N1")
    client.force_login(logbook)
    assert client.get(f"/logbook/aircraft/{theirs.pk}/").status_code == 404
    client.post(f"/logbook/aircraft/{theirs.pk}/change/", {"category_class": "AMEL"})
    theirs.refresh_from_db()
    assert theirs.category_class == ""


def test_the_model_sync_page_shows_how_many_aircraft_use_each_model(client, django_user_model, user, other_user):
    admin = django_user_model.objects.create_superuser(username="ops", password="ops-password-1", email="")
    model = AircraftModel.objects.create(name="Cessna 172S", external_id="2072738", external_data_source="FAA aircraft reference")
    UserAircraft.objects.create(owner=user, registration="N1", aircraft_model=model)
    UserAircraft.objects.create(owner=other_user, registration="N2", aircraft_model=model)
    client.force_login(admin)
    html = client.get("/fleet/sync/").content.decode()
    assert 'data-col="aircraft_count">2<' in html
