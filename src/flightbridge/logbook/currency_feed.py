"""A pilot's private iCalendar feed (RFC 5545) of the dates their computed currency items expire.

The URL's token is the feed's only key, so a phone calendar can subscribe without logging in. The token
reads this one pilot's currency items and nothing else; only its SHA-256 digest is stored; a new link
replaces the old one and turning the feed off deletes it, after which the old URL answers 404. Events are
built from the items computed at the moment of the request (`currency_report`), so the feed follows
every import, edit and Undo. Written with the `icalendar` library.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from icalendar import Alarm, Calendar, Event

from flightbridge.logbook import currency_report
from flightbridge.logbook.models import CurrencyFeed

#: 32 random bytes: nothing to guess or brute-force, so a fast digest is enough (as for API tokens).
TOKEN_BYTES = 32
#: Reminders before an item's last current day: the "expiring" window, and a week before.
REMINDERS = (timedelta(days=30), timedelta(days=7))
PRODID = "-//FlightBridge//Currency feed//EN"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_path(token: str) -> str:
    return reverse("currency-feed", args=[token])


@transaction.atomic
def turn_on_feed(owner) -> str:
    """A new private feed for the pilot; returns its token (shown once). Any earlier link stops working."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    CurrencyFeed.objects.filter(owner=owner).delete()
    CurrencyFeed.objects.create(owner=owner, digest=_digest(token))
    return token


def turn_off_feed(owner) -> bool:
    """Revoke the pilot's feed; True when there was one."""
    deleted, _ = CurrencyFeed.objects.filter(owner=owner).delete()
    return bool(deleted)


def feed_of(owner) -> CurrencyFeed | None:
    return CurrencyFeed.objects.filter(owner=owner).first()


def owner_of(token: str):
    """The pilot whose live feed this token opens, or None (unknown, or revoked)."""
    feed = CurrencyFeed.objects.select_related("owner").filter(digest=_digest(token)).first()
    if feed is None or not feed.owner.is_active:
        return None
    CurrencyFeed.objects.filter(pk=feed.pk).update(last_read_at=timezone.now())
    return feed.owner


def calendar_for(owner, today: date | None = None, now: datetime | None = None) -> bytes:
    """The pilot's feed: one all-day event on each item's last current day, with reminders before it."""
    now = now or timezone.now()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "FlightBridge currency")
    # Calendar apps re-read a subscription at most this often; the items change only with flights or the day.
    calendar.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT6H")  # a DURATION; unknown X- properties are written as given
    for one in currency_report.computed_currency(owner, today):
        item = one.item
        if item.expires_on is None:
            continue  # never current: there is no date to remind of
        event = Event()
        # Stable per item, so a calendar moves the event when the date changes instead of adding another.
        event.add("uid", f"{item.kind}.{_uid_part(item.category)}.{owner.pk}@flightbridge")
        event.add("dtstamp", now)
        event.add("dtstart", item.expires_on)
        event.add("dtend", item.expires_on + timedelta(days=1))
        event.add("summary", f"{one.label}: last day current")
        event.add("description", _description(one))
        event.add("transp", "TRANSPARENT")
        for before in REMINDERS:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"{one.label} expires on {item.expires_on:%Y-%m-%d}")
            alarm.add("trigger", -before)
            event.add_component(alarm)
        calendar.add_component(event)
    return calendar.to_ical()


def _uid_part(category: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in category) or "all"


def _description(one: currency_report.ComparedItem) -> str:
    item = one.item
    lines = [item.rule, f"Status today: {item.status}; last day current: {item.expires_on:%Y-%m-%d}."]
    if item.ipc_required:
        lines.append("Past the grace period: only an instrument proficiency check restores it.")
    elif item.grace_until and item.status == "expired":
        lines.append(f"6 approaches and holding restore it until {item.grace_until:%Y-%m-%d}.")
    if item.shortfall:
        lines.append(item.shortfall)
    if item.flights:
        made_by = ", ".join(f"{one.flight_dates[flight_id][0]:%Y-%m-%d}" for flight_id in item.flights)
        lines.append(f"Made by the flights of {made_by}.")
    return "\n".join(lines)
