"""The flight check (logbook/flightcheck.py): what a flight's values cannot be, as MyFlightbook's FlightLint.cs
compares them (in whole minutes, part times against the total of a real aircraft)."""

from datetime import date
from decimal import Decimal

import pytest

from flightbridge.logbook.flightcheck import check_flight, minutes

TODAY = date(2026, 12, 6)


def found(**values) -> list[tuple[str, str]]:
    return [(problem.field, problem.reason) for problem in check_flight({"date": TODAY, **values}, today=TODAY)]


def test_a_plain_flight_passes():
    assert found(total_flight_time=Decimal("1.4"), pic=Decimal("1.4"), night=Decimal("0.5"), day_landings=3,
                 day_full_stop_landings=1, night_landings=1, night_full_stop_landings=1) == []


@pytest.mark.parametrize("part", ["pic", "sic", "night", "cross_country", "imc", "simulated_ifr", "dual", "cfi"])
def test_each_part_time_over_the_total_of_a_real_aircraft(part):
    assert found(total_flight_time=Decimal("0.57"), **{part: Decimal("99.5")}) == [
        (part, "99.50 h is more than the total time (0.57 h)")]


def test_a_simulator_session_is_measured_by_its_time_in_the_device():
    # FlightLint compares part times with the total only for a real aircraft (CheckTimeIssues); a device's
    # session is its simulator time, and no part of it can be longer (issue 23: PIC 99.5 in a sim session).
    assert found(simulator_type="FTD", total_flight_time=Decimal("0"), ground_sim=Decimal("1.5"),
                 simulated_ifr=Decimal("1.5"), dual=Decimal("1.5")) == []
    assert found(simulator_type="FTD", total_flight_time=Decimal("0"), ground_sim=Decimal("0.57"), pic=Decimal("99.5")) == [
        ("pic", "99.50 h is more than the session's time in the device (0.57 h)")]
    assert found(simulator_type="FFS", total_flight_time=Decimal("2"), ground_sim=Decimal("2"), pic=Decimal("2")) == []
    assert found(simulator_type="REAL", total_flight_time=Decimal("0"), pic=Decimal("99.5")) == [
        ("pic", "99.50 h is more than the total time (0.00 h)")]


def test_times_are_compared_in_whole_minutes_as_flightlint_does():
    # 1.334 h and 1.33 h are both 80 minutes: not "over" the total.
    assert minutes(Decimal("1.334")) == minutes(Decimal("1.33")) == 80
    assert found(total_flight_time=Decimal("1.33"), pic=Decimal("1.334")) == []
    assert found(total_flight_time=Decimal("1.33"), pic=Decimal("1.35")) != []


def test_negative_values_are_named_once():
    assert found(night=Decimal("-1"), total_flight_time=Decimal("1"), night_landings=-2) == [
        ("night", "cannot be negative"), ("night_landings", "cannot be negative")]


def test_more_full_stops_than_landings():
    assert found(day_landings=2, day_full_stop_landings=3) == [
        ("day_full_stop_landings", "3 full-stop landings, but 2 day landings in all")]
    assert found(night_landings=0, night_full_stop_landings=1) == [
        ("night_full_stop_landings", "1 full-stop landings, but 0 night landings in all")]


def test_a_date_after_tomorrow():
    assert found(date=date(2026, 12, 7)) == []  # tomorrow: east of UTC it is already that day
    assert found(date=date(2026, 12, 8)) == [("date", "2026-12-08 is after tomorrow: a flight is logged once flown")]
