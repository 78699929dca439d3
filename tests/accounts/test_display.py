"""Hours written as the pilot prefers, as MyFlightbook writes them (MFBExtensions.cs FormatDecimal and ToHHMM)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flightbridge.accounts.display import DEFAULT_HOURS_FORMAT, HoursFormat, format_hours, hours_format

TWO, ONE, ADAPTIVE, HHMM = HoursFormat.TWO_DECIMALS, HoursFormat.ONE_DECIMAL, HoursFormat.ADAPTIVE, HoursFormat.HHMM


@pytest.mark.parametrize(("hours", "style", "shown"), [
    # 1:20 is 1.3333… hours, the 4-decimal value MyFlightbook stores for cross-country
    ("1.3333", TWO, "1.33"), ("1.3333", ONE, "1.3"), ("1.3333", ADAPTIVE, "1.33"), ("1.3333", HHMM, "1:20"),
    # decimals round half away from zero (.NET's custom numeric formats): 0.875 → 0.88 and 0.9
    ("0.875", TWO, "0.88"), ("0.875", ONE, "0.9"), ("0.875", ADAPTIVE, "0.88"),
    ("0.125", TWO, "0.13"), ("0.25", ONE, "0.3"), ("0.05", ONE, "0.1"),
    # H:MM is ToHHMM's Math.Round(hours * 60): half to even at the minute. 0.875 h is exactly 52.5 minutes.
    ("0.875", HHMM, "0:52"), ("0.625", HHMM, "0:38"), ("1.9999", HHMM, "2:00"), ("0.0083", HHMM, "0:00"),
    # the adaptive "#,##0.0#" keeps one decimal at least and a second only when it is needed
    ("1.5", ADAPTIVE, "1.5"), ("1.5", TWO, "1.50"), ("2", ADAPTIVE, "2.0"), ("1.996", ADAPTIVE, "2.0"), ("1.25", ADAPTIVE, "1.25"),
    ("0", TWO, "0.00"), ("0", ONE, "0.0"), ("0", HHMM, "0:00"),
    # thousands grouped, hours and minutes too ("#,#0")
    ("1234.5", TWO, "1,234.50"), ("1234.5", HHMM, "1,234:30"), ("12345.6789", ONE, "12,345.7"),
])
def test_each_format_writes_hours_as_myflightbook_does(hours, style, shown):
    assert format_hours(Decimal(hours), style) == shown


def test_a_form_box_gets_no_thousands_separator():
    # what a form shows is read back by the logbook's parser, which takes 1234.50 or 1234:30, not 1,234.50
    assert format_hours(Decimal("1234.5"), TWO, grouped=False) == "1234.50"
    assert format_hours(Decimal("1234.5"), HHMM, grouped=False) == "1234:30"


def test_text_that_is_not_hours_is_left_alone_and_unknown_styles_are_the_default():
    assert format_hours("n/a", HHMM) == "n/a"
    assert format_hours(None, TWO) == "None"
    assert hours_format("") == hours_format("nonsense") == DEFAULT_HOURS_FORMAT == TWO
    assert format_hours(Decimal("1.3333"), "") == "1.33"
