"""The flights of a sync (`flights.py`, issue 15): the quick window, the totals tripwire, escalation, the
full walk, and the call budget of a quick run.

Runs against the in-memory MyFlightbook (`totals=COMPUTED`, so the whole logbook's totals follow its
flights as MyFlightbook's do). The window and totals as plain values are in test_remote_memory.py.
"""

import json
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from flightbridge.logbook.models import Flight, LogbookImport
from flightbridge.myflightbook import remote_memory
from flightbridge.myflightbook.models import RemoteFlight, SyncSchedule
from flightbridge.myflightbook.sandbox.fake import COMPUTED, FakeMyFlightbook, logbook_totals, make_flight, make_logbook
from flightbridge.myflightbook.sync import MyFlightbookSync
from flightbridge.registry.fake import FakeRegistry

TODAY = date(2026, 8, 20)
NEWEST = date(2026, 8, 1)  # make_logbook's newest flight; one flight a day before it


def run(user, fake, **options):
    options.setdefault("lookup", FakeRegistry())
    reports = []
    result = MyFlightbookSync(user, fake, today=TODAY, report=lambda **kw: reports.append(kw), window_days=60,
                              **options).run()
    return result, reports


def flight_calls(fake) -> list[dict]:
    return [json.loads(params["fq"]) for name, params in fake.calls if name == "FlightsWithQueryAndOffset"]


def local_ids(user) -> list[str]:
    return sorted(Flight.objects.filter(owner=user).values_list("external_id", flat=True))


@pytest.mark.django_db
def test_first_sync_is_full_and_remembers_what_it_saw(user):
    fake = FakeMyFlightbook(make_logbook(120), totals=COMPUTED)
    result, reports = run(user, fake)
    assert (result["mode"], result["escalated"], result["imported"]) == ("full", False, 120)
    assert flight_calls(fake) == [{}, {}, {}]
    assert RemoteFlight.objects.filter(owner=user).count() == 120
    details = LogbookImport.objects.get(owner=user).details
    assert (details["mode"], details["escalated"], details["full_reason"]) == ("full", False, remote_memory.FIRST_SYNC)
    assert {"mode": "full", "escalated": False}.items() <= reports[-1].items() or any(r.get("mode") == "full" for r in reports)
    row = SyncSchedule.objects.get(owner=user)
    assert (row.remote_flights, row.remote_total_time) == (120, Decimal("144.0000"))
    assert row.last_full_sync_at is not None and row.next_full_sync_at > row.last_full_sync_at


@pytest.mark.django_db
def test_quick_sync_of_10000_flights_with_3_new_makes_at_most_6_calls(user):
    flights = make_logbook(10_000)
    fake = FakeMyFlightbook(flights, totals=COMPUTED)
    run(user, fake, page_size=1000)  # the first sync walks it all (bigger pages only to keep the test short)
    new = [make_flight(900_000 + n, NEWEST + timedelta(days=n + 1)) for n in range(3)]
    fake.flights[:0] = list(reversed(new))
    fake.calls.clear()
    result, reports = run(user, fake)
    assert len(fake.calls) <= 6, fake.methods()
    assert fake.methods() == ["AircraftForUser", "FlightsWithQueryAndOffset", "FlightsWithQueryAndOffset",
                              "GetCurrencyForUser", "TotalsForUserWithQuery"]
    assert flight_calls(fake)[0] == {"DateRange": 9, "DateMin": "2026-06-02T00:00:00", "DateMax": "2027-08-21T00:00:00"}
    assert (result["mode"], result["escalated"], result["imported"]) == ("quick", False, 3)
    assert Flight.objects.filter(owner=user).count() == 10_003
    assert any(r.get("mode") == "quick" and r.get("escalated") is False for r in reports)
    details = LogbookImport.objects.filter(owner=user).latest("id").details
    # Every time is 1.2 h, a whole number of minutes and of hundredths: the totals cannot tell the pilot's unit.
    assert details["tripwire"] == {"myflightbook": {"flights": 10_003, "total_time": "12003.6000"},
                                   "seen": {"flights": 10_003, "total_time": "12003.6000", "rounding_unit": None}}


@pytest.mark.django_db
@pytest.mark.parametrize("unit", [60, 100])
def test_10000_flights_of_arbitrary_times_sync_quick_under_either_rounding_unit(user, unit):
    # Issue 20: times like 1.33 h are not whole minutes; MyFlightbook sums them rounded per flight to the pilot's
    # unit. The full walk learns the unit; the quick sync after it agrees and makes at most 6 calls.
    rng = random.Random(unit)
    flights = [{**flight, "TotalFlightTime": Decimal(rng.randrange(30, 600)) / 100} for flight in make_logbook(10_000)]
    fake = FakeMyFlightbook(flights, totals=COMPUTED, rounding_unit=unit)
    run(user, fake, page_size=1000)
    assert SyncSchedule.objects.get(owner=user).rounding_unit == unit
    fake.flights[:0] = [make_flight(900_001, NEWEST + timedelta(days=1), TotalFlightTime=Decimal("0.87"))]
    fake.calls.clear()
    result, _ = run(user, fake)
    assert (result["mode"], result["escalated"], result["imported"]) == ("quick", False, 1), result["message"]
    assert len(fake.calls) <= 6, fake.methods()
    seen = LogbookImport.objects.filter(owner=user).latest("id").details["tripwire"]["seen"]
    assert (seen["rounding_unit"], Decimal(seen["total_time"])) == (unit, logbook_totals(fake.flights, unit)[0]["Value"])


def crowded_logbook(count: int, per_day: int) -> list[dict]:
    """`count` flights, `per_day` of them each day back from NEWEST, newest first: an airline pilot's logbook."""
    return [make_flight(5000 + index, NEWEST - timedelta(days=index // per_day)) for index in range(count)]


@pytest.mark.django_db
@pytest.mark.parametrize("unit", [60, 100])
def test_a_crowded_logbook_syncs_quick_in_at_most_6_calls(user, unit):
    # Issue 20's 10,000-flight logbook had 4 flights a day (the benchmark syncs all 10,000): 60 days hold 240 of them,
    # five pages and 8 calls. The window holds at most two pages of remembered flights, leaving the third for new ones.
    rng = random.Random(unit)
    flights = [{**flight, "TotalFlightTime": Decimal(rng.randrange(30, 600)) / 100} for flight in crowded_logbook(1_200, 4)]
    fake = FakeMyFlightbook(flights, totals=COMPUTED, rounding_unit=unit)
    run(user, fake, page_size=1000)
    fake.flights[:0] = [make_flight(900_000 + n, NEWEST + timedelta(days=1), TotalFlightTime=Decimal("1.33")) for n in range(5)]
    fake.calls.clear()
    result, _ = run(user, fake)
    assert (result["mode"], result["escalated"], result["imported"]) == ("quick", False, 5), result["message"]
    assert len(fake.calls) <= 6, fake.methods()
    # The 100th newest remembered flight flew on NEWEST - 24 days: the window starts the day after, holding 96 of
    # them and the 5 new ones, three pages.
    assert flight_calls(fake)[0]["DateMin"] == (NEWEST - timedelta(days=23)).isoformat() + "T00:00:00"
    assert fake.methods().count("FlightsWithQueryAndOffset") == 3


@pytest.mark.django_db
def test_a_crowded_window_leaves_nothing_unseen_the_tripwire_finds_it(user):
    # A flight back-dated to 40 days ago is inside the 60 days but outside the crowded window: the totals catch it.
    fake = FakeMyFlightbook(crowded_logbook(1_000, 4), totals=COMPUTED)
    run(user, fake, page_size=1000)
    fake.flights.append(make_flight(1, NEWEST - timedelta(days=40)))
    fake.calls.clear()
    result, _ = run(user, fake)
    assert (result["mode"], result["escalated"], result["imported"]) == ("full", True, 1)
    assert "mfb:1" in local_ids(user)


@pytest.mark.django_db
def test_a_flight_added_before_the_window_trips_the_totals_and_escalates_in_the_same_run(user):
    fake = FakeMyFlightbook(make_logbook(200), totals=COMPUTED)
    run(user, fake)
    fake.flights.append(make_flight(1, date(2020, 1, 1)))  # logged late, dated years ago
    fake.calls.clear()
    result, reports = run(user, fake)
    assert (result["mode"], result["escalated"], result["imported"]) == ("full", True, 1)
    assert result["skipped"] == 200  # every flight counted once, though the window's were read twice
    fqs = flight_calls(fake)
    assert [fq.get("DateRange") for fq in fqs[:2]] == [9, 9] and fqs[2:] == [{}] * 5  # 61 in the window, then all 201
    assert fake.methods()[-1] == "FlightsWithQueryAndOffset"  # the full walk came after the totals
    assert "mfb:1" in local_ids(user)
    details = LogbookImport.objects.filter(owner=user).latest("id").details
    assert details["escalated"] is True and details["full_reason"] == remote_memory.TOTALS_DISAGREE
    assert details["tripwire"]["myflightbook"]["flights"] == 201 and details["tripwire"]["seen"]["flights"] == 200
    # The next quick sync agrees again and stays remote_memory.
    assert run(user, fake)[0]["mode"] == "quick"


@pytest.mark.django_db
def test_a_flight_backdated_out_of_the_window_is_followed_by_its_id_without_a_full_walk(user):
    fake = FakeMyFlightbook(make_logbook(200), totals=COMPUTED)
    run(user, fake)
    moved = fake.flights[5]
    moved["Date"] = "2019-03-04T00:00:00"
    fake.flights.append(fake.flights.pop(5))
    fake.calls.clear()
    result, _ = run(user, fake)
    assert (result["mode"], result["escalated"]) == ("quick", False)
    assert flight_calls(fake)[-1] == {"EnumeratedFlights": [moved["FlightID"]]}
    assert RemoteFlight.objects.get(owner=user, flight_id=moved["FlightID"]).date == date(2019, 3, 4)
    assert LogbookImport.objects.filter(owner=user).latest("id").details["refetched_by_id"] == 1


@pytest.mark.django_db
def test_deleted_flights_are_listed_kept_and_forgotten(user):
    fake = FakeMyFlightbook(make_logbook(200), totals=COMPUTED)
    run(user, fake)
    recent, old = fake.flights.pop(2), fake.flights.pop(150)
    result, _ = run(user, fake)
    assert (result["mode"], result["escalated"], result["deleted_on_myflightbook"]) == ("full", True, 2)
    details = LogbookImport.objects.filter(owner=user).latest("id").details
    listed = {entry["record"] for entry in details["deleted_on_myflightbook"]}
    assert listed == {f"mfb:{recent['FlightID']}", f"mfb:{old['FlightID']}"}
    assert all(entry["flight_id"] for entry in details["deleted_on_myflightbook"])  # the pilot's flights stay
    assert Flight.objects.filter(owner=user).count() == 200
    assert not RemoteFlight.objects.filter(owner=user, flight_id__in=[recent["FlightID"], old["FlightID"]]).exists()
    assert "2 no longer on MyFlightbook, kept and marked" in result["message"]
    marked = Flight.objects.filter(owner=user, deleted_at_source__isnull=False)
    assert set(marked.values_list("external_id", flat=True)) == {f"mfb:{recent['FlightID']}", f"mfb:{old['FlightID']}"}
    # A recent deletion alone is seen by the window itself: no escalation.
    gone = fake.flights.pop(0)
    result, _ = run(user, fake)
    assert (result["mode"], result["escalated"], result["deleted_on_myflightbook"]) == ("quick", False, 1)
    assert LogbookImport.objects.filter(owner=user).latest("id").details["deleted_on_myflightbook"][0]["record"] == f"mfb:{gone['FlightID']}"
    assert Flight.objects.get(owner=user, external_id=f"mfb:{gone['FlightID']}").deleted_at_source is not None


@pytest.mark.django_db
def test_an_old_flight_whose_hours_changed_escalates_and_is_listed_as_changed(user):
    fake = FakeMyFlightbook(make_logbook(200), totals=COMPUTED)
    run(user, fake)
    fake.flights[180] = {**fake.flights[180], "TotalFlightTime": Decimal("2.70"), "PIC": Decimal("2.70")}
    result, _ = run(user, fake)
    assert (result["mode"], result["escalated"], result["changed_on_myflightbook"]) == ("full", True, 1)
    assert run(user, fake)[0]["mode"] == "quick"  # remembered: the next run agrees


@pytest.mark.django_db
def test_full_is_asked_for_and_missing_totals_escalate(user):
    fake = FakeMyFlightbook(make_logbook(60), totals=COMPUTED)
    run(user, fake)
    result, _ = run(user, fake, mode="full")
    assert (result["mode"], result["escalated"]) == ("full", False)
    assert LogbookImport.objects.filter(owner=user).latest("id").details["full_reason"] == remote_memory.ASKED_FULL
    fake.totals = [{"Value": 3, "Description": "PIC", "Group": 5}]  # no count row: nothing to compare
    result, _ = run(user, fake)
    assert (result["mode"], result["escalated"]) == ("full", True)
    assert LogbookImport.objects.filter(owner=user).latest("id").details["full_reason"] == remote_memory.TOTALS_MISSING


def test_fake_filters_like_myflightbook():
    fake = FakeMyFlightbook(make_logbook(10))  # 2026-08-01 back to 2026-07-23
    window = {"DateRange": 9, "DateMin": "2026-07-30T00:00:00", "DateMax": "2026-07-31T00:00:00"}
    assert [row["FlightID"] for row in fake.call("FlightsWithQueryAndOffset", fq=json.dumps(window), offset=0, maxCount=50)] == [5001, 5002]
    # DateMin/DateMax are ignored unless DateRange is 9 (Custom).
    ignored = {"DateMin": "2026-07-30T00:00:00", "DateMax": "2026-07-31T00:00:00"}
    assert len(fake.call("FlightsWithQueryAndOffset", fq=json.dumps(ignored), offset=0, maxCount=50)) == 10
    picked = fake.call("FlightsWithQueryAndOffset", fq=remote_memory.enumerated_query([5009, 5003, 1]), offset=0, maxCount=50)
    assert [row["FlightID"] for row in picked] == [5003, 5009]


@pytest.mark.django_db
def test_flights_gone_from_the_logbook_here_come_back_by_id_or_by_a_full_walk(user, monkeypatch):
    fake = FakeMyFlightbook(make_logbook(200), totals=COMPUTED)
    run(user, fake)
    Flight.objects.filter(owner=user, external_id__in=["mfb:5150", "mfb:5190"]).delete()  # old ones, outside the window
    fake.calls.clear()
    result, _ = run(user, fake)
    assert (result["mode"], result["escalated"], result["imported"]) == ("quick", False, 2)
    assert flight_calls(fake)[-1] == {"EnumeratedFlights": [5150, 5190]}
    assert len(local_ids(user)) == 200 == len(set(local_ids(user)))
    monkeypatch.setattr(remote_memory, "REFETCH_LIMIT", 3)
    Flight.objects.filter(owner=user, external_id__in=[f"mfb:{5100 + n}" for n in range(4)]).delete()
    result, _ = run(user, fake)
    assert (result["mode"], result["escalated"], result["imported"]) == ("full", True, 4)
    assert LogbookImport.objects.filter(owner=user).latest("id").details["full_reason"] == remote_memory.GONE_HERE


@pytest.mark.django_db
def test_a_record_that_cannot_be_stored_is_not_fetched_again_by_every_quick_sync(user):
    flights = make_logbook(30)
    flights[3] = {**flights[3], "Route": "K" * 600}  # longer than a route may be: refused
    fake = FakeMyFlightbook(flights, totals=COMPUTED)
    first, _ = run(user, fake)
    assert first["failed"] == 1 and RemoteFlight.objects.get(owner=user, flight_id=flights[3]["FlightID"]).in_logbook is False
    fake.calls.clear()
    result, _ = run(user, fake)
    assert (result["mode"], result["escalated"]) == ("quick", False)
    assert all("EnumeratedFlights" not in fq for fq in flight_calls(fake))
