"""Every page that shows hours writes them as the pilot chose on the settings page; a flight's form shows them
that way too and a box left as shown keeps the exact stored value."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from flightbridge.accounts.services import hours_format_of, set_hours_format
from flightbridge.logbook.models import Flight, LogbookTotal, UserAircraft

pytestmark = pytest.mark.django_db


@pytest.fixture
def flown(user):
    aircraft = UserAircraft.objects.create(owner=user, registration="N172SP", model="C-172 S", device_class="REAL")
    flight = Flight.objects.create(owner=user, date=date(2026, 5, 2), tail_number="N172SP", aircraft=aircraft,
                                   total_flight_time=Decimal("1.3333"), pic=Decimal("1.3333"),
                                   cross_country=Decimal("0.875"), night=Decimal("0.875"))
    LogbookTotal.objects.create(owner=user, source="myflightbook", period="lifetime", dimension="TOTAL_TIME",
                                key="total_time", description="Total Time", value=Decimal("1234.5000"))
    return flight


def shown(html: str, attribute: str, name: str) -> str:
    match = re.search(rf'{attribute}="{name}"[^>]*>([^<]*)<', html)
    assert match, (attribute, name)
    return match.group(1).strip()


def test_the_settings_page_saves_the_choice_and_goes_back_to_the_page_it_came_from(client, user, flown):
    client.force_login(user)
    html = client.get("/settings/").content.decode()
    assert '<option value="two_decimals" selected>' in html and '<option value="hhmm">' in html
    assert shown(html, "data-sample", "1.3333") == "1.33"

    response = client.post("/settings/", {"hours_format": "hhmm", "next": "/logbook/"})
    assert response.status_code == 302 and response["Location"] == "/logbook/"
    assert hours_format_of(user) == "hhmm"
    assert shown(client.get("/settings/").content.decode(), "data-sample", "1.3333") == "1:20"

    # never sent anywhere but this site; an unknown choice is refused and the saved one kept
    assert client.post("/settings/", {"hours_format": "hhmm", "next": "https://evil.example/"})["Location"] == "/settings/"
    html = client.post("/settings/", {"hours_format": "minutes"}, follow=True).content.decode()
    assert "hours_format" in html and hours_format_of(user) == "hhmm"


@pytest.mark.parametrize(("choice", "third", "seven_eighths", "big"), [
    ("two_decimals", "1.33", "0.88", "1,234.50"),
    ("one_decimal", "1.3", "0.9", "1,234.5"),
    ("adaptive", "1.33", "0.88", "1,234.5"),
    ("hhmm", "1:20", "0:52", "1,234:30"),
])
def test_logbook_flight_aircraft_and_totals_pages_follow_the_choice(client, user, flown, choice, third, seven_eighths, big):
    set_hours_format(user, choice)
    client.force_login(user)
    logbook = client.get("/logbook/").content.decode()
    assert shown(logbook, "data-total", "total_flight_time") == third
    assert shown(logbook, "data-total", "cross_country") == seven_eighths
    row = re.search(r'<tr data-flight-id="\d+">.*?</tr>', logbook, re.S).group(0)
    assert shown(row, "data-col", "total") == third
    assert re.search(r'data-key="total_time"><td>Total Time</td><td class="num">([^<]*)<', logbook).group(1) == big

    page = client.get(f"/logbook/flights/{flown.pk}").content.decode()
    assert shown(page, "data-field", "total_flight_time") == third and shown(page, "data-field", "night") == seven_eighths

    aircraft = client.get("/logbook/aircraft/").content.decode()
    assert re.search(r'data-col="hours">([^<]*)<', aircraft).group(1) == third
    detail = client.get(f"/logbook/aircraft/{flown.aircraft_id}/").content.decode()
    assert shown(detail, "data-total", "total_flight_time") == third


def test_the_flight_form_shows_the_pilots_format_and_a_box_left_as_shown_keeps_the_exact_value(client, user, flown):
    set_hours_format(user, "hhmm")
    client.force_login(user)
    html = client.get(f"/logbook/flights/{flown.pk}").content.decode()
    assert re.search(r'name="cross_country" value="0:52"', html)
    assert re.search(r'name="total_flight_time" value="1:20"', html)
    form = {"date": "2026-05-02", "tail_number": "N172SP", "total_flight_time": "1:20", "pic": "1:20",
            "cross_country": "0:52", "night": "0:52", "remarks": "Checked the times"}
    assert client.post(f"/logbook/flights/{flown.pk}", form).status_code == 302
    flown.refresh_from_db()
    assert flown.remarks == "Checked the times"
    assert (flown.total_flight_time, flown.cross_country, flown.night) == (Decimal("1.3333"), Decimal("0.875"), Decimal("0.875"))
    # a box the pilot changes is read as typed, decimal or H:MM, whatever the display choice
    form.update(night="0.5", cross_country="1:15")
    assert client.post(f"/logbook/flights/{flown.pk}", form).status_code == 302
    flown.refresh_from_db()
    assert (flown.night, flown.cross_country) == (Decimal("0.5"), Decimal("1.25"))
