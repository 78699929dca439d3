"""`GET /api/currency?source=computed-local`: currency computed from every flight in the logbook, each item
beside MyFlightbook's, through the HTTP API on the real database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from flightbridge.logbook.models import CurrencyRecord, Flight, UserAircraft

pytestmark = pytest.mark.django_db

def make_flight(owner, days_ago: int, *, source="myflightbook", category_class="ASEL", review=False, **counts) -> Flight:
    """A flight as an import stores it: MyFlightbook's category/class and review marker."""
    values = {"owner": owner, "date": timezone.localdate() - timedelta(days=days_ago), "source": source,
              "tail_number": counts.pop("tail_number", "N12345"), **counts}
    values.update(category_class=category_class, flight_review=review)
    return Flight.objects.create(**values)


def computed(api) -> dict[tuple[str, str], dict]:
    response = api.get("/api/currency?source=computed-local")
    assert response.status_code == 200, response.content
    return {(item["kind"], item["category"]): item for item in response.json()}


def test_landings_from_logger_and_a_csv_count_beside_myflightbooks(api, user):
    today = timezone.localdate()
    mfb = make_flight(user, 30, day_landings=1, day_takeoffs=1)
    # Logger and CSV flights name no category/class: they take their aircraft's (the same tail in MyFlightbook).
    logger = make_flight(user, 20, source="logger", category_class="", day_landings=2, day_takeoffs=2)
    csv = make_flight(user, 10, source="csv:foreflight", category_class="", day_landings=1, day_takeoffs=1)
    CurrencyRecord.objects.create(owner=user, kind="passenger_day_90", label="ASEL - Passengers", category="ASEL",
                                  status="NON_COMPLIANT", value=f"Expired: {today:%m/%d/%Y}",
                                  expires_on=today - timedelta(days=200))
    item = computed(api)[("passenger_day_90", "ASEL")]
    assert item["status"] == "current" and item["label"] == "ASEL - Passengers"
    # Third newest landing: the Logger flight 20 days ago (2 landings) → current 70 days ahead.
    assert item["expires_on"] == (today + timedelta(days=70)).isoformat()
    assert [flight["id"] for flight in item["flights"]] == [csv.pk, logger.pk]
    assert item["flights"][0] == {"id": csv.pk, "date": csv.date.isoformat(), "source": "csv:foreflight",
                                  "url": f"/logbook/flights/{csv.pk}"}
    assert item["myflightbook"]["status"] == "expired" and item["myflightbook"]["label"] == "ASEL - Passengers"
    assert item["differs_because"] == "2 landings from Logger flights and 1 landing from logbook-file flights that MyFlightbook does not have."
    assert "§61.57(a)" in item["rule"]
    assert mfb.pk not in [flight["id"] for flight in item["flights"]]


def test_agreeing_items_have_no_reason_and_myflightbook_only_stripes_are_listed(api, user):
    today = timezone.localdate()
    for days in (5, 6, 7):
        make_flight(user, days, day_landings=1, day_takeoffs=1)
    expires = today - timedelta(days=7) + timedelta(days=90)
    CurrencyRecord.objects.create(owner=user, kind="passenger_day_90", label="ASEL - Passengers", category="ASEL",
                                  status="CURRENT", expires_on=expires)
    CurrencyRecord.objects.create(owner=user, kind="passenger_day_90", label="AMEL - Passengers", category="AMEL",
                                  status="CURRENT", expires_on=today + timedelta(days=50))
    items = computed(api)
    asel = items[("passenger_day_90", "ASEL")]
    assert (asel["status"], asel["expires_on"], asel["differs_because"]) == ("current", expires.isoformat(), None)
    amel = items[("passenger_day_90", "AMEL")]  # a category/class with no flights here
    assert (amel["status"], amel["expires_on"], amel["flights"]) == ("never", None, [])
    assert amel["myflightbook"]["status"] == "current"
    assert "MyFlightbook counts flights this logbook does not have" in amel["differs_because"]


def test_flight_review_through_a_checkride_and_every_item_is_the_pilots_own(api, other_api, user, other_user):
    review = make_flight(user, 400, review=True)
    make_flight(other_user, 3, day_landings=3, day_takeoffs=3)
    item = computed(api)[("flight_review", "")]
    expected = review.date.replace(day=1)
    year, month = divmod(expected.month - 1 + 24, 12)
    assert item["status"] == "current" and item["expires_on"].startswith(f"{expected.year + year}-{month + 1:02d}-")
    assert [flight["id"] for flight in item["flights"]] == [review.pk]
    assert item["myflightbook"] is None
    assert ("passenger_day_90", "ASEL") not in computed(api)  # the other pilot's landings are not mine
    assert computed(other_api)[("passenger_day_90", "ASEL")]["status"] == "current"
    assert computed(other_api)[("flight_review", "")]["status"] == "never"


def test_plain_currency_stays_myflightbooks_report_and_bad_source_is_a_422(api, user):
    make_flight(user, 3, day_landings=3, day_takeoffs=3)
    CurrencyRecord.objects.create(owner=user, kind="flight_review", label="Flight Review", status="CURRENT",
                                  expires_on=date(2027, 5, 31))
    plain = api.get("/api/currency").json()
    assert [row["label"] for row in plain] == ["Flight Review"] and plain[0]["status"] == "CURRENT"
    assert api.get("/api/currency?source=myflightbook").json() == plain
    bad = api.get("/api/currency?source=elsewhere")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "source"


def test_edits_and_deletes_show_at_once(api, user):
    flights = [make_flight(user, days, day_landings=1, day_takeoffs=1) for days in (5, 6, 7)]
    assert computed(api)[("passenger_day_90", "ASEL")]["status"] == "current"
    Flight.objects.filter(pk=flights[0].pk).delete()
    assert computed(api)[("passenger_day_90", "ASEL")]["status"] == "never"
    Flight.objects.filter(pk=flights[1].pk).update(day_landings=2, day_takeoffs=2)
    assert computed(api)[("passenger_day_90", "ASEL")]["status"] == "current"


def test_a_logger_import_an_edit_and_an_undo_show_at_once(api, user):
    from flightbridge.logbook import entry
    from flightbridge.logbook.services import revert_import
    from flightbridge.logger import services as logger_services

    today = timezone.localdate()
    make_flight(user, 50, day_landings=1, day_takeoffs=1)  # MyFlightbook's N12345 is ASEL
    assert computed(api)[("passenger_day_90", "ASEL")]["status"] == "never"
    package = {"entries": [{"importId": f"cur-{n}", "entryType": "Flight", "departureDate": (today - timedelta(days=days)).isoformat(),
                            "aircraftRegistration": "N12345", "numberOfDayLandings": 1, "numberOfDayTakeOffs": 1}
                           for n, days in enumerate((4, 9))],
               "metadata": {"appName": "Logger", "appVersion": "1", "isUTC": True}}
    result = logger_services.import_package(user, package)
    item = computed(api)[("passenger_day_90", "ASEL")]
    assert item["status"] == "current" and item["expires_on"] == (today - timedelta(days=50) + timedelta(days=90)).isoformat()
    assert item["differs_because"] is None or "Logger" in item["differs_because"]
    assert [flight["source"] for flight in item["flights"]] == ["logger", "logger", "myflightbook"]
    # An edit on the flight's page: the older Logger flight loses its landing.
    older = Flight.objects.get(owner=user, external_id__endswith="cur-1")
    entry.edit_flight(user, older.pk, {"day_landings": 0, "day_full_stop_landings": 0, "day_takeoffs": 0})
    assert computed(api)[("passenger_day_90", "ASEL")]["status"] == "never"
    entry.edit_flight(user, older.pk, {"day_landings": 1, "day_full_stop_landings": 1, "day_takeoffs": 1})
    assert computed(api)[("passenger_day_90", "ASEL")]["status"] == "current"
    # Undo of the Logger run removes its flights (one edited later than a second after the run would stay).
    removed = revert_import(user, result.batch.pk).removed_flights
    assert removed >= 1 and Flight.objects.filter(owner=user, source="logger").count() == 2 - removed
    assert computed(api)[("passenger_day_90", "ASEL")]["status"] == "never"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reading_only_the_flights_that_matter_gives_the_answer_of_every_flight(user, seed):
    """The read skips older flights that cannot change an item (currency_report.RECENT_DAYS): on random
    logbooks of 12 years, with classes flown only long ago, unknown classes, IPCs and reviews, the items are
    exactly those computed from every flight."""
    import random

    from flightbridge.logbook import currency_report
    from flightbridge.logbook.currency import compute_currency

    rng = random.Random(seed)
    today = timezone.localdate()
    classes = ["ASEL", "ASEL", "AMEL", "AMEL (B737)", "Helicopter", "Glider", ""]
    # Aircraft with a class and the tailwheel flag (issue 24): their flights name no class of their own.
    planes = [UserAircraft.objects.create(owner=user, registration=f"N{n}TW", category_class=cls, is_tailwheel=wheel)
              for n, (cls, wheel) in enumerate([("ASEL", True), ("ASEL", None), ("AMEL", False), ("Glider", None)])]
    rows = []
    for n in range(700):
        old_only = n % 11 == 0  # some classes appear only years ago
        days = rng.randrange(900, 4400) if old_only else rng.randrange(0, 4400)
        category_class = rng.choice(["Glider", "Helicopter"]) if old_only else rng.choice(classes)
        landings = rng.choice([0, 1, 1, 2, 3])
        night = rng.random() < 0.15
        typed = category_class == "AMEL (B737)"  # as the MyFlightbook mapping stores it: the class, then its type
        rows.append(Flight(owner=user, date=today - timedelta(days=days), source=rng.choice(["myflightbook", "logger"]),
                           tail_number=f"N{rng.randrange(5)}{category_class[:2]}",
                           category_class="AMEL" if typed else category_class, type_name="B737" if typed else "",
                           raw={"CatClassDisplay": category_class} if typed else None,
                           simulator_type=rng.choice(["REAL"] * 8 + ["FFS", "AATD"]),
                           day_landings=0 if night else landings, night_landings=landings if night else 0,
                           night_full_stop_landings=landings if night and rng.random() < 0.7 else 0,
                           day_takeoffs=0 if night else landings, night_takeoffs=landings if night else 0,
                           approaches=rng.choice([0, 0, 0, 1, 2, 3]), holds=rng.choice([0, 0, 0, 1]),
                           ipc=rng.random() < 0.01, flight_review=rng.random() < 0.005))
        if n % 5 == 1:
            plane = rng.choice(planes)
            rows[-1].aircraft, rows[-1].category_class, rows[-1].tail_number, rows[-1].raw = plane, "", plane.registration, None
            rows[-1].type_name = ""
            rows[-1].day_full_stop_landings = rows[-1].day_landings
    Flight.objects.bulk_create(rows)
    also = {"also_classes": ["AMEL (B737)", "Gyroplane", "ASEL (tailwheel)"], "also_categories": ["Rotorcraft"]}
    for day in (today, today - timedelta(days=400), today + timedelta(days=200)):
        every = compute_currency(currency_report.currency_flights(user, day, every_flight=True, **also), day, **also)
        some_flights = currency_report.currency_flights(user, day, **also)
        assert compute_currency(some_flights, day, **also) == every
        assert len(some_flights) < len(rows)


def test_a_type_rated_aircraft_counts_for_its_type_and_class(api, user):
    # MyFlightbook's category/class comes without the type; its CatClassDisplay names it, and the sync keeps it.
    from flightbridge.myflightbook.mapping import map_flight

    record = {"FlightID": 737, "Date": "2026-08-01T00:00:00", "TailNumDisplay": "N737FB", "CatClassDisplay": "AMEL (B737)"}
    fields = map_flight(record).fields
    assert (fields["category_class"], fields["type_name"]) == ("AMEL", "B737")
    jet = make_flight(user, 20, category_class="AMEL", tail_number="N737FB", day_landings=2, day_takeoffs=2)
    Flight.objects.filter(pk=jet.pk).update(type_name="B737", raw={"CatClassDisplay": "AMEL (B737)"})
    make_flight(user, 5, source="logger", category_class="", tail_number="N737FB", day_landings=1, day_takeoffs=1)
    items = computed(api)
    assert items[("passenger_day_90", "AMEL (B737)")]["status"] == "current"
    assert items[("passenger_day_90", "AMEL")]["status"] == "current"
    assert len(items[("passenger_day_90", "AMEL (B737)")]["flights"]) == 2


def test_the_aircraft_gives_a_flight_its_class_and_tailwheel(api, user):
    cub = UserAircraft.objects.create(owner=user, registration="N98CB", category_class="ASEL", is_tailwheel=True)
    for days in (3, 6, 9):
        flight = make_flight(user, days, category_class="", tail_number="N98CB", day_landings=1, day_takeoffs=1,
                             day_full_stop_landings=1)
        Flight.objects.filter(pk=flight.pk).update(aircraft=cub)
    touch_and_go = make_flight(user, 1, category_class="", tail_number="N98CB", day_landings=1, day_takeoffs=1)
    Flight.objects.filter(pk=touch_and_go.pk).update(aircraft=cub)
    items = computed(api)
    tailwheel = items[("passenger_day_90", "ASEL (tailwheel)")]
    assert (tailwheel["status"], tailwheel["label"]) == ("current", "ASEL - Tailwheel")
    assert tailwheel["expires_on"] == (timezone.localdate() - timedelta(days=9) + timedelta(days=90)).isoformat()
    assert touch_and_go.pk not in [flight["id"] for flight in tailwheel["flights"]]  # not a full stop
    assert items[("passenger_day_90", "ASEL")]["expires_on"] == (timezone.localdate() - timedelta(days=6) + timedelta(days=90)).isoformat()


def test_glider_instrument_currency_from_stored_flights_beside_myflightbooks(api, user):
    from decimal import Decimal

    from flightbridge.logbook.currency import end_of_calendar_month_after

    # Hood time in an airplane alone lists no glider item; a glider flight with its maneuvers makes it.
    make_flight(user, 40, imc=Decimal("0.5"), simulated_ifr=Decimal("0.5"), glider_instrument_maneuvers=Decimal("2"))
    assert ("instrument", "Glider") not in computed(api)
    glider = make_flight(user, 20, category_class="Glider", day_landings=1, day_takeoffs=1, simulated_ifr=Decimal("2.0"),
                         glider_passenger_maneuvers=True)
    CurrencyRecord.objects.create(owner=user, kind="instrument", label="IFR - Glider - (No Passengers)", category="Glider",
                                  status="CURRENT", expires_on=timezone.localdate() + timedelta(days=100))
    item = computed(api)[("instrument", "Glider")]
    airplane_day = timezone.localdate() - timedelta(days=40)
    assert (item["label"], item["status"], item["expires_on"]) == (
        "IFR - Glider - (Passengers)", "current", end_of_calendar_month_after(airplane_day, 6).isoformat())
    assert {flight["id"] for flight in item["flights"]} >= {glider.id}
    assert item["myflightbook"]["label"] == "IFR - Glider - (No Passengers)" and item["differs_because"]
