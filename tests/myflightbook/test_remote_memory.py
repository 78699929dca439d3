"""The sync's memory of MyFlightbook as plain values (`remote_memory.py`): the quick window and its query,
MyFlightbook's whole-logbook totals, and what the tripwire keeps of one record."""

import json
from datetime import date
from decimal import Decimal

from flightbridge.myflightbook import remote_memory
from flightbridge.myflightbook.sandbox.fake import logbook_totals, make_flight, make_logbook

TODAY = date(2026, 8, 20)


def test_window_is_days_before_the_newest_flight_up_to_a_year_past_today():
    window = remote_memory.window_for(date(2026, 8, 1), TODAY, 60)
    assert (window.date_min, window.date_max) == (date(2026, 6, 2), date(2027, 8, 21))
    later = remote_memory.window_for(date(2026, 9, 30), TODAY, 60)  # a flight logged ahead of today
    assert (later.date_min, later.date_max) == (date(2026, 6, 21), date(2027, 10, 1))  # today's flights stay inside
    assert window.holds(date(2026, 6, 2)) and not window.holds(date(2026, 6, 1)) and not window.holds(None)


def test_a_crowded_window_starts_after_the_crowd_but_keeps_the_newest_day():
    # The 100th newest remembered flight flew on 2026-07-10: the window starts the day after, not 60 days back.
    window = remote_memory.window_for(date(2026, 8, 1), TODAY, 60, crowded_until=date(2026, 7, 10))
    assert window.date_min == date(2026, 7, 11)
    # A sparse logbook's crowd is further back than the days: the days win.
    assert remote_memory.window_for(date(2026, 8, 1), TODAY, 60, crowded_until=date(2025, 1, 1)).date_min == date(2026, 6, 2)
    # A hundred flights on the newest day itself: the window still holds that day.
    assert remote_memory.window_for(date(2026, 8, 1), TODAY, 60, crowded_until=date(2026, 8, 1)).date_min == date(2026, 8, 1)


def test_window_query_is_custom_range_with_naive_midnights_and_no_culture_strings():
    fq = json.loads(remote_memory.window_query(remote_memory.Window(date(2026, 6, 2), date(2027, 8, 21))))
    assert fq == {"DateRange": 9, "DateMin": "2026-06-02T00:00:00", "DateMax": "2027-08-21T00:00:00"}
    assert json.loads(remote_memory.enumerated_query([7, 3, 7])) == {"EnumeratedFlights": [3, 7]}


def test_remote_totals_reads_the_overall_count_and_total_time():
    items = [
        {"Value": 12.5, "Description": "PIC", "Group": 5},
        {"Value": Decimal("550.9000"), "Description": "Total Time", "NumericType": 2, "IsTime": True, "Group": 7},
        {"Value": Decimal("1187.0"), "Description": "Flights", "IsInt": True, "Group": 7},
    ]
    assert remote_memory.remote_totals(items) == remote_memory.RemoteTotals(1187, Decimal("550.9000"))
    # Zero rows are dropped by MyFlightbook: no Total Time row means 0 hours; an empty answer an empty logbook.
    assert remote_memory.remote_totals([items[2]]) == remote_memory.RemoteTotals(1187, Decimal(0))
    assert remote_memory.remote_totals([]) == remote_memory.RemoteTotals(0, Decimal(0))
    assert remote_memory.remote_totals([items[0]]) is None  # no count: the tripwire cannot be checked


def test_seen_of_keeps_id_date_and_hours_and_tolerates_a_bad_date():
    assert remote_memory.seen_of(make_flight(7, date(2026, 5, 1))) == remote_memory.Seen(7, date(2026, 5, 1), Decimal("1.2000"))
    assert remote_memory.seen_of({"FlightID": 8, "Date": "soon"}) == remote_memory.Seen(8, None, Decimal(0))
    assert remote_memory.seen_of({"Date": "2026-05-01T00:00:00"}) is None and remote_memory.seen_of("x") is None



def test_logbook_totals_follow_the_flights():
    flights = make_logbook(3)
    assert remote_memory.remote_totals(logbook_totals(flights)) == remote_memory.RemoteTotals(3, Decimal("3.60"))
    assert logbook_totals([]) == []
