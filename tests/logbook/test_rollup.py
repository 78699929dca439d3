"""The trailing-12-month rollup from local flights (source computed-local)."""

from datetime import date
from decimal import Decimal

import pytest

from flightbridge.logbook.models import Flight, LogbookTotal
from flightbridge.logbook.rollup import compute_rollup, window_start

TODAY = date(2026, 8, 20)


def add(owner, day, **fields):
    return Flight.objects.create(owner=owner, date=day, **fields)


@pytest.mark.parametrize(
    "today, first_day",
    [(date(2026, 8, 20), date(2025, 8, 21)), (date(2028, 2, 29), date(2027, 3, 1)), (date(2026, 1, 1), date(2025, 1, 2))],
)
def test_window_is_the_trailing_twelve_months(today, first_day):
    assert window_start(today) == first_day


@pytest.mark.django_db
def test_rollup_sums_only_the_window_and_only_the_owner(user, other_user):
    add(user, date(2026, 8, 20), total_flight_time=Decimal("1.50"), pic=Decimal("1.50"), night=Decimal("0.30"),
        day_landings=2, night_landings=1, approaches=2, holds=1)
    add(user, date(2025, 8, 21), total_flight_time=Decimal("2.25"), sic=Decimal("2.25"), imc=Decimal("0.75"),
        cross_country=Decimal("2.25"), day_landings=1)
    add(user, date(2025, 8, 20), total_flight_time=Decimal("9.00"), pic=Decimal("9.00"))  # one day too old
    add(user, date(2026, 8, 21), total_flight_time=Decimal("4.00"))  # tomorrow: not in the window
    add(other_user, date(2026, 8, 1), total_flight_time=Decimal("7.00"))
    LogbookTotal.objects.create(owner=user, source="myflightbook", dimension="TOTAL_TIME", key="total_time",
                                description="Total Time", value=Decimal("550.90"))

    compute_rollup(user, TODAY)

    lines = {row.key: row for row in LogbookTotal.objects.filter(owner=user, source="computed-local")}
    assert lines["total_time"].value == Decimal("3.75") and lines["total_time"].dimension == "TOTAL_TIME"
    assert lines["pic"].value == Decimal("1.50") and lines["sic"].value == Decimal("2.25")
    assert (lines["night"].value, lines["imc"].value, lines["cross_country"].value) == (Decimal("0.30"), Decimal("0.75"), Decimal("2.25"))
    assert (lines["flights"].value, lines["landings"].value, lines["approaches"].value, lines["holds"].value) == (2, 4, 2, 1)
    assert lines["flights"].unit == "count" and lines["pic"].unit == "hours"
    assert all(row.period == "trailing-12-months" for row in lines.values())
    assert lines["total_time"].raw == {"from": "2025-08-21", "to": "2026-08-20"}
    # MyFlightbook's own snapshot is untouched, and recomputing replaces rather than duplicates.
    assert LogbookTotal.objects.filter(owner=user, source="myflightbook").count() == 1
    compute_rollup(user, TODAY)
    assert LogbookTotal.objects.filter(owner=user, source="computed-local").count() == len(lines)
    assert not LogbookTotal.objects.filter(owner=other_user).exists()


@pytest.mark.django_db
def test_rollup_of_an_empty_logbook_is_zero(user):
    compute_rollup(user, TODAY)
    values = dict(LogbookTotal.objects.filter(owner=user, source="computed-local").values_list("key", "value"))
    assert values["total_time"] == Decimal("0") and values["flights"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize("unit, total, cross_country", [(None, "3.53", "3.53"), (60, "3.53", "3.53"), (100, "3.54", "3.53")])
def test_hours_are_rounded_per_flight_as_myflightbook_adds_them(user, unit, total, cross_country):
    # Totals.cs: SUM(ROUND(x * qf)) / qf. 1.33 + 0.87 + 1.34 h is 80 + 52 + 80 minutes = 3.5333 h to a pilot on
    # minutes (MyFlightbook's default, used while the unit is not known), 3.54 to one on hundredths.
    for time, cross in (("1.33", "1.3333"), ("0.87", "0.8667"), ("1.34", "1.3333")):
        add(user, TODAY, total_flight_time=Decimal(time), cross_country=Decimal(cross))
    lines = {row.key: row.value for row in compute_rollup(user, TODAY, rounding_unit=unit)}
    assert (lines["total_time"], lines["cross_country"]) == (Decimal(total), Decimal(cross_country))
