"""The private iCalendar feed of currency expiry dates: valid RFC 5545, only its pilot's items, no login,
nothing else readable with its token, and revocable."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from flightbridge.logbook.models import CurrencyFeed, Flight

pytestmark = pytest.mark.django_db

def make_flight(owner, days_ago: int, category_class="ASEL", review=False, **counts) -> Flight:
    values = {"owner": owner, "date": timezone.localdate() - timedelta(days=days_ago), "source": "myflightbook",
              "tail_number": "N1" + category_class, **counts}
    values.update(category_class=category_class, flight_review=review)
    return Flight.objects.create(**values)


def turn_on(api) -> str:
    response = api.post("/api/currency/feed")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["enabled"] is True and body["url"].startswith("http://testserver/calendar/currency/")
    return body["url"].removeprefix("http://testserver")


def read_feed(path: str) -> Calendar:
    response = Client().get(path)  # no login, no cookie: the token is the key
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "Set-Cookie" not in response.headers and response.cookies == {}
    body = response.content
    # RFC 5545 §3.1: CRLF line ends, content lines folded at 75 octets.
    assert body.endswith(b"\r\n") and b"\n" not in body.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    return Calendar.from_ical(body)


def events(calendar: Calendar) -> dict[str, dict]:
    found = {}
    for event in calendar.walk("VEVENT"):
        found[str(event["summary"])] = {"start": event.decoded("dtstart"), "end": event.decoded("dtend"),
                                        "uid": str(event["uid"]), "alarms": event.walk("VALARM")}
    return found


def test_the_feed_is_valid_icalendar_with_one_event_per_dated_item(api, user):
    today = timezone.localdate()
    landing = make_flight(user, 10, day_landings=3, day_takeoffs=3)
    make_flight(user, 300, review=True)
    calendar = read_feed(turn_on(api))
    assert calendar.name == "VCALENDAR"
    assert str(calendar["version"]) == "2.0" and str(calendar["prodid"]) == "-//FlightBridge//Currency feed//EN"
    assert str(calendar["x-published-ttl"]) == "PT6H" and calendar.decoded("refresh-interval") == timedelta(hours=6)
    for event in calendar.walk("VEVENT"):
        for required in ("uid", "dtstamp", "dtstart", "dtend", "summary"):
            assert required in event, (required, event)
    found = events(calendar)
    # ASEL passengers (current) and the flight review; the never-current night item has no date, so no event.
    assert sorted(found) == ["ASEL - Passengers: last day current", "Flight Review: last day current"]
    passengers = found["ASEL - Passengers: last day current"]
    assert passengers["start"] == landing.date + timedelta(days=90) and passengers["end"] == passengers["start"] + timedelta(days=1)
    assert isinstance(passengers["start"], date)  # an all-day event
    assert [str(alarm["action"]) for alarm in passengers["alarms"]] == ["DISPLAY", "DISPLAY"]
    assert [alarm.decoded("trigger") for alarm in passengers["alarms"]] == [timedelta(days=-30), timedelta(days=-7)]
    assert today < passengers["start"]


def test_the_feed_shows_only_its_pilots_items_and_follows_their_flights(api, other_api, user, other_user):
    make_flight(user, 10, day_landings=3, day_takeoffs=3)
    make_flight(other_user, 5, category_class="AMEL", day_landings=3, day_takeoffs=3)
    mine, theirs = turn_on(api), turn_on(other_api)
    assert mine != theirs
    assert sorted(events(read_feed(mine))) == ["ASEL - Passengers: last day current"]
    assert sorted(events(read_feed(theirs))) == ["AMEL - Passengers: last day current"]
    # A new flight moves the date at once; the event keeps its UID so a calendar moves it.
    before = events(read_feed(mine))["ASEL - Passengers: last day current"]
    newer = make_flight(user, 1, day_landings=3, day_takeoffs=3)
    after = events(read_feed(mine))["ASEL - Passengers: last day current"]
    assert after["start"] == newer.date + timedelta(days=90) and after["uid"] == before["uid"]
    assert CurrencyFeed.objects.get(owner=user).last_read_at is not None


def test_a_revoked_or_replaced_link_stops_working(api, user):
    make_flight(user, 10, day_landings=3, day_takeoffs=3)
    first = turn_on(api)
    read_feed(first)
    second = turn_on(api)  # a new link replaces the old one
    assert Client().get(first).status_code == 404
    read_feed(second)
    assert api.get("/api/currency/feed").json()["enabled"] is True
    assert api.get("/api/currency/feed").json()["url"] is None  # the URL is shown once, never again
    assert api.delete("/api/currency/feed").status_code == 204
    gone = Client().get(second)
    assert gone.status_code == 404 and b"turned off" in gone.content
    assert api.get("/api/currency/feed").json() == {"enabled": False, "url": None, "created_at": None, "last_read_at": None}


def test_nothing_else_is_readable_with_the_token(api, user):
    token = turn_on(api).rsplit("/", 1)[1].removesuffix(".ics")
    stranger = Client()
    assert stranger.get("/api/flights", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert stranger.get(f"/calendar/currency/{token[:-1]}x.ics").status_code == 404
    assert stranger.get(f"/calendar/currency/{token}").status_code == 404  # only the .ics path
    page = stranger.get("/logbook/currency/")
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]


def test_the_page_turns_the_feed_on_shows_the_link_once_and_off(client, user):
    client.force_login(user)
    page = client.post("/logbook/currency/feed/", {"action": "on"})
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    url = page.context["new_feed_url"]
    assert url.startswith("http://testserver/calendar/currency/") and url.encode() in page.content
    assert page.context["new_feed_webcal"] == "webcal://" + url.removeprefix("http://")
    read_feed(url.removeprefix("http://testserver"))
    again = client.get("/logbook/currency/")
    assert url.encode() not in again.content and b"Calendar feed is on" in again.content
    off = client.post("/logbook/currency/feed/", {"action": "off"})
    assert off.status_code == 302
    assert Client().get(url.removeprefix("http://testserver")).status_code == 404
    assert not CurrencyFeed.objects.filter(owner=user).exists()
