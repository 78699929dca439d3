"""The currency engine on hand-computed cases from the regulations (issue 25, "Done when"): pure data, no
database. Dates are computed by hand from §61.57 and §61.56 and written out, not derived from the code."""

from __future__ import annotations

from datetime import date, timedelta

from flightbridge.logbook.currency import (
    CurrencyFlight,
    compute_currency,
    end_of_calendar_month_after,
    status_on,
)

TODAY = date(2026, 12, 7)


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def flight(id: int, day: date, **counts) -> CurrencyFlight:
    counts.setdefault("category_class", "ASEL")
    landings = counts.pop("landings", 0)
    counts.setdefault("takeoffs", landings)
    return CurrencyFlight(id=id, date=day, landings=landings, **counts)


def item(items, kind, category=""):
    found = [one for one in items if one.kind == kind and one.category == category]
    assert len(found) == 1, [(one.kind, one.category) for one in items]
    return found[0]


def test_calendar_months_end_on_the_last_day_of_the_month():
    assert end_of_calendar_month_after(date(2025, 1, 10), 6) == date(2025, 7, 31)
    assert end_of_calendar_month_after(date(2024, 5, 15), 24) == date(2026, 5, 31)
    assert end_of_calendar_month_after(date(2025, 8, 31), 6) == date(2026, 2, 28)


def test_status_boundaries():
    assert status_on(None, TODAY) == "never"
    assert status_on(TODAY - timedelta(days=1), TODAY) == "expired"
    assert status_on(TODAY, TODAY) == "expiring"
    assert status_on(TODAY + timedelta(days=30), TODAY) == "expiring"
    assert status_on(TODAY + timedelta(days=31), TODAY) == "current"


def test_three_landings_80_days_ago_are_current_until_day_90():
    items = compute_currency([flight(1, ago(80), landings=3)], TODAY)
    day = item(items, "passenger_day_90", "ASEL")
    # 80 days ago + 90 days = 10 days from now (2026-12-17): current, and within 30 days, so "expiring".
    assert day.expires_on == date(2026, 12, 17)
    assert day.status == "expiring"
    assert day.flights == (1,)


def test_four_landings_over_two_flights_count_from_the_third_newest():
    # 2 landings 10 days ago, 2 landings 40 days ago: the third newest landing is 40 days ago → +90 = 50 days ahead.
    items = compute_currency([flight(1, ago(40), landings=2), flight(2, ago(10), landings=2)], TODAY)
    day = item(items, "passenger_day_90", "ASEL")
    assert day.expires_on == date(2027, 1, 26)
    assert day.status == "current"
    assert day.flights == (2, 1)


def test_two_landings_are_never_current_and_say_what_is_missing():
    items = compute_currency([flight(1, ago(5), landings=2)], TODAY)
    day = item(items, "passenger_day_90", "ASEL")
    assert (day.status, day.expires_on, day.flights) == ("never", None, ())
    assert day.shortfall == "Needs 1 landing and 1 takeoff in the last 90 days."


def test_takeoffs_count_too():
    # §61.57(a) needs 3 takeoffs AND 3 landings; 3 landings with 2 logged takeoffs is not enough.
    items = compute_currency([flight(1, ago(5), landings=3, takeoffs=2)], TODAY)
    assert item(items, "passenger_day_90", "ASEL").status == "never"


def test_tailwheel_needs_full_stops_in_a_tailwheel_airplane():
    touch_and_goes = flight(1, ago(20), landings=3, full_stop_landings=0, tailwheel=True)
    items = compute_currency([touch_and_goes], TODAY)
    assert item(items, "passenger_day_90", "ASEL").status == "current"  # day currency: any landing counts
    assert [one for one in items if one.category == "ASEL (tailwheel)"] == []  # no full stop: no tailwheel item

    full_stops = [touch_and_goes, flight(2, ago(30), landings=2, full_stop_landings=2, tailwheel=True),
                  flight(3, ago(50), landings=1, full_stop_landings=1, tailwheel=True),
                  flight(4, ago(5), landings=3, full_stop_landings=3)]  # nosewheel: not a tailwheel landing
    tailwheel = item(compute_currency(full_stops, TODAY), "passenger_day_90", "ASEL (tailwheel)")
    # Third newest full stop in a tailwheel airplane: 50 days ago → +90 = 40 days ahead.
    assert (tailwheel.status, tailwheel.expires_on, tailwheel.flights) == ("current", date(2027, 1, 16), (2, 3))


def test_night_fails_on_two_night_full_stops_and_passes_on_three():
    two = [flight(1, ago(10), landings=2, night_full_stop_landings=2, night_takeoffs=3)]
    night = item(compute_currency(two, TODAY), "passenger_night_90", "ASEL")
    assert night.status == "never"
    assert night.shortfall == "Needs 1 night full-stop landing in the last 90 days."
    # Night touch-and-goes are landings, not full stops: they do not help.
    two_and_touch = [flight(1, ago(10), landings=4, night_full_stop_landings=2, night_takeoffs=4)]
    assert item(compute_currency(two_and_touch, TODAY), "passenger_night_90", "ASEL").status == "never"

    three = two + [flight(2, ago(50), landings=1, night_full_stop_landings=1, night_takeoffs=1)]
    night = item(compute_currency(three, TODAY), "passenger_night_90", "ASEL")
    assert (night.status, night.expires_on, night.flights) == ("current", date(2027, 1, 16), (1, 2))


def test_night_needs_night_takeoffs():
    rows = [flight(1, ago(10), landings=3, night_full_stop_landings=3, night_takeoffs=2)]
    night = item(compute_currency(rows, TODAY), "passenger_night_90", "ASEL")
    assert night.status == "never" and night.shortfall == "Needs 1 night takeoff in the last 90 days."


def test_instrument_six_approaches_and_a_hold_five_calendar_months_ago():
    # July 2026 is 5 calendar months before December 2026: current through the end of January 2027.
    rows = [flight(1, date(2026, 7, 14), approaches=4, holds=1), flight(2, date(2026, 7, 2), approaches=2)]
    ifr = item(compute_currency(rows, TODAY), "instrument", "Airplane")
    assert (ifr.status, ifr.expires_on, ifr.flights) == ("current", date(2027, 1, 31), (1, 2))
    assert ifr.grace_until == date(2027, 7, 31)


def test_instrument_grace_then_ipc_required_then_an_ipc_restores_it():
    rows = [flight(1, date(2025, 1, 10), approaches=6, holds=1)]  # reference-data.md §4.8's vector
    in_grace = item(compute_currency(rows, date(2025, 9, 15)), "instrument", "Airplane")
    assert (in_grace.status, in_grace.expires_on, in_grace.grace_until) == ("expired", date(2025, 7, 31), date(2026, 1, 31))
    assert not in_grace.ipc_required
    assert "after 2026-01-31 only an IPC" in in_grace.shortfall

    assert not item(compute_currency(rows, date(2026, 1, 31)), "instrument", "Airplane").ipc_required
    lapsed = item(compute_currency(rows, date(2026, 2, 1)), "instrument", "Airplane")
    assert lapsed.ipc_required and "only an IPC restores it (since 2026-02-01)" in lapsed.shortfall

    # An IPC in a simulator flight the next March: current through September 2026.
    ipc = rows + [flight(2, date(2026, 3, 3), device="FFS", ipc=True)]
    restored = item(compute_currency(ipc, date(2026, 4, 1)), "instrument", "Airplane")
    assert (restored.status, restored.expires_on, restored.flights, restored.ipc_required) == (
        "current", date(2026, 9, 30), (2,), False)


def test_approaches_before_an_ipc_do_not_count():
    rows = [flight(1, date(2026, 10, 1), ipc=True), flight(2, date(2026, 11, 20), approaches=3, holds=1),
            flight(3, date(2026, 9, 20), approaches=6, holds=1)]
    ifr = item(compute_currency(rows, TODAY), "instrument", "Airplane")
    assert (ifr.expires_on, ifr.flights) == (date(2027, 4, 30), (1,))


def test_simulators_count_only_where_the_rule_lets_them():
    ftd = [flight(1, ago(10), device="FTD", approaches=6, holds=1, landings=3)]
    items = compute_currency(ftd, TODAY)
    assert item(items, "instrument", "Airplane").status == "current"  # FTD: approaches yes
    assert [one.kind for one in items if one.kind.startswith("passenger")] == []  # landings no
    ffs = [flight(1, ago(10), device="FFS", landings=3)]
    assert item(compute_currency(ffs, TODAY), "passenger_day_90", "ASEL").status == "current"
    basic = [flight(1, ago(10), device="FLAPS", approaches=6, holds=1)]
    assert [one.kind for one in compute_currency(basic, TODAY)] == ["flight_review"]


def test_a_flight_review_through_a_checkride_property():
    rows = [flight(1, date(2024, 5, 15), flight_review=True), flight(2, date(2022, 1, 3), flight_review=True)]
    review = item(compute_currency(rows, TODAY), "flight_review")
    assert (review.status, review.expires_on, review.flights) == ("expired", date(2026, 5, 31), (1,))
    recent = rows + [flight(3, date(2025, 11, 2), category_class="Glider", device="FLAPS", flight_review=True)]
    review = item(compute_currency(recent, TODAY), "flight_review")
    assert (review.status, review.expires_on, review.flights) == ("current", date(2027, 11, 30), (3,))


def test_no_flight_review_is_never():
    assert item(compute_currency([], TODAY), "flight_review").status == "never"


def test_a_category_class_with_no_flights():
    items = compute_currency([flight(1, ago(5), landings=3)], TODAY, also_classes=["AMEL"], also_categories=["Rotorcraft"])
    amel = item(items, "passenger_day_90", "AMEL")
    assert (amel.status, amel.expires_on, amel.flights) == ("never", None, ())
    assert amel.shortfall == "Needs 3 landings and 3 takeoffs in the last 90 days."
    assert item(items, "passenger_night_90", "AMEL").status == "never"
    assert item(items, "instrument", "Rotorcraft").status == "never"
    assert item(items, "passenger_day_90", "ASEL").status == "current"


def test_type_rated_landings_count_for_the_type_and_the_class():
    rows = [flight(1, ago(10), category_class="AMEL", type_name="B737", landings=3)]
    items = compute_currency(rows, TODAY)
    assert item(items, "passenger_day_90", "AMEL (B737)").status == "current"
    assert item(items, "passenger_day_90", "AMEL").status == "current"
    # ...but landings in the class do not make one current in the type.
    rows.append(flight(2, ago(2), category_class="AMEL", landings=3))
    rows[0] = flight(1, ago(100), category_class="AMEL", type_name="B737", landings=3)
    items = compute_currency(rows, TODAY)
    assert item(items, "passenger_day_90", "AMEL (B737)").status == "expired"
    assert item(items, "passenger_day_90", "AMEL").status == "current"


def test_flights_from_logger_and_a_csv_count_beside_myflightbooks():
    rows = [flight(1, ago(30), landings=1, source="myflightbook"), flight(2, ago(20), landings=1, source="logger"),
            flight(3, ago(10), landings=1, source="csv")]
    day = item(compute_currency(rows, TODAY), "passenger_day_90", "ASEL")
    assert (day.status, day.expires_on, day.flights) == ("current", ago(30) + timedelta(days=90), (3, 2, 1))
    assert day.counts["landings"] == {"myflightbook": 1, "logger": 1, "csv": 1}


def test_unknown_category_and_monitored_flights_count_for_nothing():
    rows = [flight(1, ago(5), category_class="", landings=3, approaches=6, holds=1),
            flight(2, ago(6), landings=3, pilot_monitoring=True)]
    assert [one.kind for one in compute_currency(rows, TODAY)] == ["flight_review"]


# §61.57(c)(3)–(4) gliders. Today is 7 Dec 2026, so "the 6 calendar months before the month of the flight"
# run from 1 Jun 2026; an event in October 2026 keeps the item current through 30 Apr 2027.

def glider(id: int, day: date, **counts) -> CurrencyFlight:
    return flight(id, day, category_class="Glider", **counts)


def glider_item(items):
    return item(items, "instrument", "Glider")


def test_glider_instrument_time_and_maneuvers_in_a_glider_make_it_current_with_passengers():
    items = compute_currency([glider(1, date(2026, 10, 15), instrument_time=2.0, glider_maneuvers=2.0,
                                     glider_passenger_maneuvers=True)], TODAY)
    ifr = glider_item(items)
    assert (ifr.status, ifr.expires_on, ifr.privilege, ifr.flights) == ("current", date(2027, 4, 30), "Passengers", (1,))
    assert ifr.shortfall == ""


def test_hood_time_in_a_single_engine_airplane_is_glider_currency_without_passengers():
    flights = [flight(2, date(2026, 11, 20), instrument_time=1.0, glider_maneuvers=2.0),  # ASEL, under the hood
               glider(1, date(2026, 7, 4), landings=3)]
    ifr = glider_item(compute_currency(flights, TODAY))
    assert (ifr.status, ifr.expires_on, ifr.privilege, ifr.flights) == ("current", date(2027, 5, 31), "No Passengers", (2,))
    assert ifr.shortfall == ("To carry passengers: needs 2 hours of instrument time in a glider and the instrument "
                             "maneuvers for passengers in a glider in the last 6 calendar months.")
    # An airplane pilot who never flew a glider has no glider item at all (Currency.cs AddGliderChecks).
    assert not [one for one in compute_currency(flights[:1], TODAY) if one.category == "Glider"]


def test_glider_hours_add_up_over_flights_and_date_from_the_one_that_completes_them():
    flights = [glider(1, date(2026, 11, 2), instrument_time=0.6, glider_maneuvers=2.0),
               glider(2, date(2026, 8, 20), instrument_time=0.4), glider(3, date(2026, 7, 1), instrument_time=5.0)]
    ifr = glider_item(compute_currency(flights, TODAY))
    # 0.6 + 0.4 = 1 hour on 20 Aug (exactly, however the hours were written): current through 28 Feb 2027.
    assert (ifr.status, ifr.expires_on, ifr.privilege, ifr.flights) == ("current", date(2027, 2, 28), "No Passengers", (1, 2))


def test_glider_instrument_currency_expiring_expired_and_never():
    expiring = glider_item(compute_currency([glider(1, date(2026, 6, 10), instrument_time=1.0, glider_maneuvers=2.0)], TODAY))
    assert (expiring.status, expiring.expires_on) == ("expiring", date(2026, 12, 31))  # 24 days away
    lapsed = glider_item(compute_currency([glider(1, date(2026, 3, 5), instrument_time=1.0, glider_maneuvers=2.0)], TODAY))
    assert (lapsed.status, lapsed.expires_on, lapsed.grace_until, lapsed.ipc_required, lapsed.privilege) == (
        "expired", date(2026, 9, 30), date(2027, 3, 31), False, "")
    assert lapsed.shortfall.startswith("Needs 1 hour of instrument time and 2 hours of instrument maneuvers")
    long_ago = glider_item(compute_currency([glider(1, date(2025, 4, 10), instrument_time=1.0, glider_maneuvers=2.0)], TODAY))
    assert (long_ago.expires_on, long_ago.grace_until, long_ago.ipc_required) == (date(2025, 10, 31), date(2026, 4, 30), True)
    never = glider_item(compute_currency([glider(1, ago(10), landings=3, instrument_time=0.9, glider_maneuvers=2.0)], TODAY))
    assert (never.status, never.expires_on, never.flights) == ("never", None, ())
    assert never.shortfall.startswith("Needs 0.1 hours of instrument time (in a glider")


def test_glider_devices_count_as_the_rule_lets_them():
    session = dict(instrument_time=3.0, glider_maneuvers=3.0, glider_passenger_maneuvers=True)
    # §61.57(c)(4): a full flight simulator or flight training device that represents a glider counts …
    for device in ("FFS", "FTD"):
        ifr = glider_item(compute_currency([glider(1, date(2026, 10, 15), device=device, **session)], TODAY))
        assert (ifr.status, ifr.privilege) == ("current", "Passengers"), device
    # … an ATD, an uncertified device and an airplane simulator do not; and a monitored flight is not the pilot's.
    for flights in ([glider(1, date(2026, 10, 15), device="AATD", **session)],
                    [glider(1, date(2026, 10, 15), device="FLAPS", **session)],
                    [glider(2, ago(30), landings=3), flight(1, date(2026, 10, 15), device="FFS", **session)],
                    [glider(1, date(2026, 10, 15), pilot_monitoring=True, **session)]):
        assert glider_item(compute_currency(flights, TODAY)).status == "never", flights


def test_an_ipc_in_a_real_airplane_restores_glider_instrument_currency_with_passengers():
    flights = [flight(2, date(2026, 9, 14), ipc=True), glider(1, date(2025, 4, 10), instrument_time=1.0, glider_maneuvers=2.0)]
    ifr = glider_item(compute_currency(flights, TODAY))
    assert (ifr.status, ifr.expires_on, ifr.privilege, ifr.flights) == ("current", date(2027, 3, 31), "Passengers", (2,))
    # In a simulator it is no IPC for a glider (GliderIFRCurrency.cs: "MUST be a real aircraft").
    flights[0] = flight(2, date(2026, 9, 14), ipc=True, device="FFS")
    assert glider_item(compute_currency(flights, TODAY)).status == "expired"
