"""Issue 24: time in each category/class, added up from a MyFlightbook logbook, equals MyFlightbook's own
"Times by Category/Class" lines (each flight rounded to the pilot's unit before the sum, Totals.cs)."""

from datetime import date
from decimal import Decimal

import pytest

from flightbridge.logbook import pilot_aircraft, services
from flightbridge.logbook.models import LogbookTotal
from flightbridge.myflightbook.sandbox import SandboxServer
from flightbridge.myflightbook.sandbox.fake import connect_to_sandbox
from flightbridge.myflightbook.sync import sync_user
from flightbridge.myflightbook.tokens import LinkedAccount
from flightbridge.registry.fake import FakeRegistry

pytestmark = pytest.mark.django_db
TODAY = date(2026, 8, 20)


@pytest.mark.parametrize("unit", [60, 100])
def test_category_class_totals_equal_myflightbooks_lines(user, settings, api, unit):
    with SandboxServer(flights=300, seed=11, today=TODAY, rounding_unit=unit) as mfb:
        connect_to_sandbox(user, mfb, settings)
        sync_user(user, LinkedAccount(user), lookup=FakeRegistry(), today=TODAY)
    theirs = {line.description: line.value for line in LogbookTotal.objects.filter(
        owner=user, source="myflightbook", dimension="CATEGORY")}
    assert len(theirs) >= 2  # the sandbox's logbook is flown in several classes
    ours = {item.category_class: item for item in pilot_aircraft.time_by_category_class(services.flights_for(user),
                                                                                        rounding_unit=unit)}
    assert {name: item.total_time.quantize(Decimal("0.01")) for name, item in ours.items()} == theirs
    # The plain sum of stored times is not MyFlightbook's number (4-decimal times): the rounding matters.
    response = api.get(f"/api/flights/by-category-class?rounding_unit={unit}").json()
    assert isinstance(response, list), response
    assert {row["category_class"]: Decimal(row["total_time"]).quantize(Decimal("0.01")) for row in response} == theirs
    assert api.get("/api/flights/by-category-class?rounding_unit=7").status_code == 422
