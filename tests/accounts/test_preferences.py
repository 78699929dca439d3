"""A pilot's hours preference through the API: stored per pilot, refused by name when unknown, and presentation
only (the flights API keeps exact decimals whatever it is)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from flightbridge.accounts.models import PilotPreferences
from flightbridge.accounts.services import hours_format_of
from flightbridge.logbook.models import Flight

pytestmark = pytest.mark.django_db


def test_the_preference_is_the_default_until_chosen_then_kept_per_pilot(api, user, other_api, other_user):
    assert api.get("/api/me/preferences").json() == {"hours_format": "two_decimals"}
    assert not PilotPreferences.objects.exists()  # reading writes nothing

    response = api.patch("/api/me/preferences", {"hours_format": "hhmm"}, content_type="application/json")
    assert response.status_code == 200 and response.json() == {"hours_format": "hhmm"}
    assert hours_format_of(user) == "hhmm"
    assert other_api.get("/api/me/preferences").json() == {"hours_format": "two_decimals"}
    assert hours_format_of(other_user) == "two_decimals"


def test_an_unknown_format_is_refused_naming_the_field_and_nothing_changes(api, user):
    api.patch("/api/me/preferences", {"hours_format": "one_decimal"}, content_type="application/json")
    response = api.patch("/api/me/preferences", {"hours_format": "sexagesimal"}, content_type="application/json")
    assert response.status_code == 422
    assert "hours_format" in response.content.decode()
    assert hours_format_of(user) == "one_decimal"


def test_the_api_keeps_exact_hours_whatever_the_pilot_sees(api, user):
    Flight.objects.create(owner=user, date=date(2026, 5, 2), total_flight_time=Decimal("1.3333"),
                          cross_country=Decimal("1.3333"))
    api.patch("/api/me/preferences", {"hours_format": "hhmm"}, content_type="application/json")
    flight = api.get("/api/flights").json()["items"][0]
    assert Decimal(str(flight["cross_country"])) == Decimal("1.3333")
    assert Decimal(str(flight["total_flight_time"])) == Decimal("1.3333")


def test_the_preference_needs_a_pilot(client):
    assert client.get("/api/me/preferences").status_code == 401
