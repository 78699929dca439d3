"""The pages' number filters write hours in the pilot's format (accounts/display.py), counts as counts."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template import Context, Template, TemplateSyntaxError

from flightbridge.web.templatetags.logbook_numbers import hours, total_value


@pytest.mark.parametrize(("style", "third", "seven_eighths"), [
    ("two_decimals", "1.33", "0.88"),
    ("one_decimal", "1.3", "0.9"),
    ("adaptive", "1.33", "0.88"),
    # ToHHMM rounds minutes half to even (Math.Round): 0.875 h is exactly 52.5 min
    ("hhmm", "1:20", "0:52"),
])
def test_hours_and_hour_totals_follow_the_pilots_choice(style, third, seven_eighths):
    assert hours(Decimal("1.3333"), style) == third
    assert hours(Decimal("0.875"), style) == seven_eighths
    assert total_value(SimpleNamespace(value=Decimal("1.3333"), unit="hours"), style) == third
    # a count is a count whatever the choice
    assert total_value(SimpleNamespace(value=Decimal("1402"), unit="count"), style) == "1,402"


def test_a_template_that_forgets_the_pilots_format_does_not_load():
    with pytest.raises(TemplateSyntaxError):
        Template("{% load logbook_numbers %}{{ flight.pic|hours }}")
    rendered = Template("{% load logbook_numbers %}{{ value|hours:hours_format }}").render(
        Context({"value": Decimal("1234.5"), "hours_format": "hhmm"}))
    assert rendered == "1,234:30"
