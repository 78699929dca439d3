"""The sync service against an in-memory MyFlightbook double: order of calls, paging, dedupe, legacy-key
backfill, bad records mid-page, change detection, aircraft rules, currency/totals storage, failure."""

from datetime import date
from decimal import Decimal

import pytest

from flightbridge.errors import FatalError, NeedsReauth
from flightbridge.logbook.models import CurrencyRecord, Flight, LogbookImport, LogbookTotal, UserAircraft
from flightbridge.myflightbook.sync import MyFlightbookSync
from flightbridge.myflightbook.sandbox.fake import FakeMyFlightbook, make_flight, make_logbook
from flightbridge.registry.fake import FakeRegistry

TODAY = date(2026, 8, 20)


def run(user, fake, **options):
    options.setdefault("lookup", FakeRegistry())
    reports = []
    sync = MyFlightbookSync(user, fake, today=TODAY, report=lambda **kw: reports.append(kw), **options)
    result = sync.run()
    return result, reports


@pytest.mark.django_db
def test_calls_in_order_and_pages_of_50_until_a_short_page(user):
    fake = FakeMyFlightbook(make_logbook(120))
    result, reports = run(user, fake)
    assert fake.methods() == ["AircraftForUser"] + ["FlightsWithQueryAndOffset"] * 3 + ["GetCurrencyForUser", "TotalsForUserWithQuery"]
    pages = [params for name, params in fake.calls if name == "FlightsWithQueryAndOffset"]
    assert [(page["offset"], page["maxCount"]) for page in pages] == [(0, 50), (50, 50), (100, 50)]
    assert (result["imported"], result["skipped"], result["failed"], result["pages"]) == (120, 0, 0, 3)
    assert Flight.objects.filter(owner=user).count() == 120
    phases = [report["phase"] for report in reports if "phase" in report]
    assert phases.index("aircraft") < phases.index("flights") < phases.index("currency") < phases.index("totals") < phases.index("rollup")
    last_flights = [report for report in reports if report.get("phase") == "flights"][-1]
    assert (last_flights["pages_done"], last_flights["imported"], last_flights["skipped"], last_flights["failed"]) == (3, 120, 0, 0)
    assert result["message"].startswith("MyFlightbook sync: 120 new;")


@pytest.mark.django_db
def test_exactly_a_multiple_of_50_ends_on_an_empty_page(user):
    fake = FakeMyFlightbook(make_logbook(100))
    result, _ = run(user, fake)
    assert fake.methods().count("FlightsWithQueryAndOffset") == 3 and result["imported"] == 100


@pytest.mark.django_db
def test_flight_fields_and_import_row(user):
    fake = FakeMyFlightbook([make_flight(9001, date(2026, 8, 16), route="KPAE/16R KBLI KSEAX", NightLandings=1,
                                         FullStopLandings=3, Landings=4, fHoldingProcedures=True, Approaches=2,
                                         Nighttime=Decimal("0.50"), CrossCountry=Decimal("1.2000"))])
    result, _ = run(user, fake)
    flight = Flight.objects.get(owner=user)
    assert (flight.external_id, flight.source, flight.date) == ("mfb:9001", "myflightbook", date(2026, 8, 16))
    assert (flight.departure, flight.destination, flight.route) == ("KPAE", "KSEA", "KPAE/16R KBLI KSEAX")
    # Issue 12 (reference §8): FullStopLandings is day full stops only, so 3 day + 1 night, not seed 000's 2 + 1.
    assert (flight.day_landings, flight.day_takeoffs, flight.night_landings, flight.night_takeoffs) == (3, 3, 1, 1)
    assert (flight.day_full_stop_landings, flight.night_full_stop_landings) == (3, 1)
    assert (flight.holds, flight.approaches, flight.night, flight.cross_country) == (1, 2, Decimal("0.50"), Decimal("1.20"))
    assert flight.aircraft_type == "C-172 S, Cessna Skyhawk SP" and flight.simulator_type == "REAL"
    assert flight.raw["FlightID"] == 9001 and flight.raw["CrossCountry"] == 1.2 and len(flight.source_hash) == 64
    batch = LogbookImport.objects.get(pk=result["import_id"])
    assert (batch.status, batch.source, batch.imported, batch.skipped, batch.failed) == ("completed", "myflightbook", 1, 0, 0)
    assert flight.import_batch_id == batch.pk and batch.finished_at is not None
    assert batch.message == result["message"]


@pytest.mark.django_db
def test_rerunning_changes_nothing(user):
    flights = make_logbook(75)
    run(user, FakeMyFlightbook(flights))
    before = {row["id"]: row for row in Flight.objects.filter(owner=user).values()}
    currency_before = list(CurrencyRecord.objects.filter(owner=user).values_list("label", "status", "expires_on"))
    # Same logbook, fetched again: SocialMediaLink's random `v=` differs and numbers are spelled differently.
    again = [{**record, "SocialMediaLink": record["SocialMediaLink"] + "7", "TotalFlightTime": Decimal("1.2000")} for record in flights]
    result, _ = run(user, FakeMyFlightbook(again))
    assert (result["imported"], result["skipped"], result["failed"], result["changed_on_myflightbook"]) == (0, 75, 0, 0)
    after = {row["id"]: row for row in Flight.objects.filter(owner=user).values()}
    assert after == before
    assert list(CurrencyRecord.objects.filter(owner=user).values_list("label", "status", "expires_on")) == currency_before
    batch = LogbookImport.objects.get(pk=result["import_id"])
    assert batch.details["skipped_by_reason"] == {"already imported": 75}


@pytest.mark.django_db
def test_legacy_route_key_match_is_skipped_and_backfilled(user):
    legacy = Flight.objects.create(owner=user, date=date(2026, 7, 4), departure="KOSH", destination="KMSN",
                                   route="KOSH KMSN", total_flight_time=Decimal("1.10"), remarks="typed by hand")
    twin = Flight.objects.create(owner=user, date=date(2026, 7, 4), departure="KPAE", destination="KPAE")
    stamp = Flight.objects.get(pk=legacy.pk).updated_at
    records = [
        make_flight(7001, date(2026, 7, 4), route="KOSH/36 KMSN"),  # same day and airports → the legacy row
        make_flight(7002, date(2026, 7, 4), route="KOSH KMSN"),  # second flight, same key: a new row
        make_flight(7003, date(2026, 7, 5), route="KOSH KMSN"),
    ]
    result, _ = run(user, FakeMyFlightbook(records))
    legacy.refresh_from_db()
    assert legacy.external_id == "mfb:7001" and legacy.remarks == "typed by hand" and legacy.total_flight_time == Decimal("1.10")
    assert legacy.updated_at == stamp and legacy.import_batch_id is None  # not overwritten, not the run's to undo
    assert (result["imported"], result["skipped"], result["backfilled"]) == (2, 1, 1)
    assert set(Flight.objects.filter(owner=user, external_id__in=["mfb:7002", "mfb:7003"]).values_list("external_id", flat=True)) == {"mfb:7002", "mfb:7003"}
    twin.refresh_from_db()
    assert twin.external_id is None
    # A second run finds it by external id now.
    result, _ = run(user, FakeMyFlightbook(records))
    assert (result["imported"], result["skipped"], result["backfilled"]) == (0, 3, 0)


@pytest.mark.django_db
def test_a_bad_record_in_the_middle_of_a_page_is_skipped_and_counted(user):
    flights = make_logbook(60)
    flights[25]["Date"] = "31/31/2026"
    flights[26].pop("Date")
    flights[27]["Route"] = "K" * 600
    result, _ = run(user, FakeMyFlightbook(flights))
    assert (result["imported"], result["failed"]) == (57, 3)
    assert Flight.objects.filter(owner=user).count() == 57
    batch = LogbookImport.objects.get(pk=result["import_id"])
    assert batch.status == "completed" and batch.failed == 3
    assert batch.reasons[0]["record"] == f"mfb:{flights[25]['FlightID']}" and batch.reasons[0]["field"] == "Date"
    assert batch.reasons[1] == {"record": f"mfb:{flights[26]['FlightID']}", "field": "Date", "reason": "no date",
                                "outcome": "failed"}
    assert batch.reasons[2]["field"] == "Route" and "limit of 512" in batch.reasons[2]["reason"]
    assert not Flight.objects.filter(external_id__in=[f"mfb:{flights[i]['FlightID']}" for i in (25, 26, 27)]).exists()
    assert "57 new, 3 not imported;" in result["message"]


@pytest.mark.django_db
def test_changed_on_myflightbook_is_counted_and_listed_not_overwritten(user):
    flights = make_logbook(3)
    run(user, FakeMyFlightbook(flights))
    edited = [dict(record) for record in flights]
    edited[1]["Comment"] = "fixed a typo on MyFlightbook"
    result, _ = run(user, FakeMyFlightbook(edited))
    assert (result["changed_on_myflightbook"], result["skipped"], result["imported"]) == (1, 3, 0)
    stored = Flight.objects.get(owner=user, external_id=f"mfb:{flights[1]['FlightID']}")
    assert stored.remarks == f"flight {flights[1]['FlightID']}"
    batch = LogbookImport.objects.get(pk=result["import_id"])
    assert batch.changed_at_source == 1
    assert batch.details["changed_on_myflightbook"] == [
        {"record": stored.external_id, "flight_id": stored.pk, "date": stored.date.isoformat()}]
    assert "1 changed on MyFlightbook" in result["message"]


@pytest.mark.django_db
def test_simulator_flights_take_their_aircraft_device_class(user):
    flights = [make_flight(1, date(2026, 8, 1), aircraft_id=2, route="", TotalFlightTime=None, GroundSim=Decimal("1.0")),
               make_flight(2, date(2026, 8, 2), aircraft_id=1)]
    for record in flights:
        record.pop("TotalFlightTime", None) if record["TotalFlightTime"] is None else None
    run(user, FakeMyFlightbook(flights))
    devices = dict(Flight.objects.filter(owner=user).values_list("external_id", "simulator_type"))
    assert devices == {"mfb:1": "FTD", "mfb:2": "REAL"}


@pytest.mark.django_db
def test_aircraft_created_only_from_a_registration_and_manual_entries_never_touched(user):
    UserAircraft.objects.create(owner=user, registration="N739BK", model="Hand typed", manual=True)
    aircraft = [
        {"InstanceTypeID": 1, "AircraftID": 1, "TailNumber": "N52417", "ModelDescription": "C-172 S"},
        {"InstanceTypeID": 1, "AircraftID": 3, "TailNumber": "N739BK", "ModelDescription": "PA-28"},
        {"InstanceTypeID": 1, "AircraftID": 4, "TailNumber": "N99999", "ModelDescription": "C-150"},
        {"InstanceTypeID": 1, "AircraftID": 5, "TailNumber": "C-GABC", "ModelDescription": "C-172"},
        {"InstanceTypeID": 3, "AircraftID": 2, "TailNumber": "SIMPA28161", "ModelDescription": "PA-28-161"},
    ]
    registry = FakeRegistry({"N52417": ("CESSNA", "172S"), "N739BK": ("PIPER", "PA-28-181")})
    result, _ = run(user, FakeMyFlightbook([], aircraft=aircraft), lookup=registry)
    created = UserAircraft.objects.get(owner=user, registration="N52417")
    assert (created.manual, created.source, created.manufacturer, created.model) == (False, "myflightbook", "CESSNA", "172S")
    assert created.details["registry"]["year"] == 2005 and created.details["myflightbook"]["AircraftID"] == 1
    manual = UserAircraft.objects.get(owner=user, registration="N739BK")
    assert (manual.model, manual.manual) == ("Hand typed", True)
    assert (result["aircraft_created"], result["aircraft_skipped"]) == (1, 4)
    reasons = {entry["record"]: entry["reason"] for entry in LogbookImport.objects.get(pk=result["import_id"]).details["aircraft"]["reasons"]}
    assert "manually entered" in reasons["N739BK"]
    assert reasons["N99999"] == "no matching FAA registration"
    assert reasons["C-GABC"] == "not a US registration"
    assert "simulator" in reasons["SIMPA28161"]
    assert "N739BK" not in registry.asked  # a manual aircraft is not even looked up
    result, _ = run(user, FakeMyFlightbook([], aircraft=aircraft), lookup=registry)
    assert result["aircraft_created"] == 0 and UserAircraft.objects.filter(owner=user).count() == 2


@pytest.mark.django_db
def test_registry_not_available_skips_aircraft_without_failing(user):
    def missing(tail):
        raise ImportError("registry.services is not installed")

    result, _ = run(user, FakeMyFlightbook(make_logbook(2)), lookup=missing)
    assert result["aircraft_created"] == 0 and result["imported"] == 2


@pytest.mark.django_db
def test_currency_and_totals_stored_and_replaced(user):
    result, _ = run(user, FakeMyFlightbook(make_logbook(2)))
    rows = {row.label: row for row in CurrencyRecord.objects.filter(owner=user)}
    assert set(rows) == {"ASEL - Passengers", "ASEL - Night", "Flight Review"}  # the aircraft annual is not pilot currency
    assert rows["ASEL - Night"].status == "NON_COMPLIANT" and rows["ASEL - Night"].expires_on == date(2026, 8, 5)
    assert rows["ASEL - Passengers"].kind == "passenger_day_90" and rows["ASEL - Passengers"].category == "ASEL"
    assert result["currency_items"] == 3 and result["currency_unmapped"] == 1
    totals = {(row.source, row.dimension, row.description): row for row in LogbookTotal.objects.filter(owner=user)}
    assert totals[("myflightbook", "TOTAL_TIME", "Total Time")].value == Decimal("550.90")
    assert totals[("myflightbook", "OTHER", "Landings - Touch and Go")].value == Decimal("402.00")
    assert totals[("myflightbook", "COUNTS", "Landings")].value == Decimal("1316.00")
    assert totals[("computed-local", "TOTAL_TIME", "Total Time")].value == Decimal("2.40")
    # MyFlightbook stops reporting an item: it disappears rather than staying stale.
    run(user, FakeMyFlightbook(make_logbook(2), currency=[{"Attribute": "Flight Review", "Value": "Expired: 5/31/2026", "CurrencyGroup": 2}]))
    assert list(CurrencyRecord.objects.filter(owner=user).values_list("label", "status")) == [("Flight Review", "NON_COMPLIANT")]


@pytest.mark.django_db
def test_needs_reauth_mid_sync_fails_the_import_and_keeps_stored_pages(user):
    fake = FakeMyFlightbook(make_logbook(120), fail_on=("FlightsWithQueryAndOffset", 2))
    sync = MyFlightbookSync(user, fake, today=TODAY, lookup=FakeRegistry())
    with pytest.raises(NeedsReauth) as caught:
        sync.run()
    assert "Reconnect MyFlightbook" in str(caught.value)
    batch = LogbookImport.objects.get(owner=user)
    assert (batch.status, batch.imported) == ("failed", 50) and "Reconnect MyFlightbook" in batch.message
    assert Flight.objects.filter(owner=user).count() == 50  # whole pages only


@pytest.mark.django_db
def test_a_response_that_is_not_a_list_fails_clearly(user):
    fake = FakeMyFlightbook([])
    fake.aircraft = {"unexpected": True}
    with pytest.raises(FatalError, match="AircraftForUser returned dict"):
        MyFlightbookSync(user, fake, today=TODAY, lookup=FakeRegistry()).run()
    assert LogbookImport.objects.get(owner=user).status == "failed"


@pytest.mark.django_db(transaction=True)
def test_prefetch_fetches_the_next_page_while_storing_and_keeps_the_order(user):
    fake = FakeMyFlightbook(make_logbook(130))
    result, _ = run(user, fake, prefetch=True)
    offsets = [params["offset"] for name, params in fake.calls if name == "FlightsWithQueryAndOffset"]
    assert offsets == [0, 50, 100] and result["imported"] == 130
    assert fake.methods()[-2:] == ["GetCurrencyForUser", "TotalsForUserWithQuery"]


@pytest.mark.django_db
def test_a_run_left_processing_by_a_dead_worker_is_closed_by_the_next(user):
    orphan = LogbookImport.objects.create(owner=user, source="myflightbook")
    run(user, FakeMyFlightbook(make_logbook(1)))
    orphan.refresh_from_db()
    assert orphan.status == "failed" and "stopped before it finished" in orphan.message
    assert LogbookImport.objects.filter(owner=user, status="completed").count() == 1
