"""Reading and summarising a pilot's logbook, and the import-run state machine."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from flightbridge.errors import InputError
from flightbridge.logbook.models import IMPORT_TRANSITIONS, Flight, ImportStatus, LogbookImport

ZERO = Decimal("0")
SUMMED_HOURS = ("total_flight_time", "pic", "night", "imc", "simulated_ifr", "cross_country")


def flights_for(owner, date_from: date | None = None, date_to: date | None = None):
    if date_from and date_to and date_from > date_to:
        raise InputError("`from` is after `to`", [{"field": "from", "reason": "must be on or before `to`"}])
    query = Flight.objects.filter(owner=owner)
    if date_from:
        query = query.filter(date__gte=date_from)
    if date_to:
        query = query.filter(date__lte=date_to)
    return query.order_by("-date", "-id")


def summarize(flights) -> dict:
    """Totals over a flight queryset, computed by the database in one query."""
    sums = {name: Coalesce(Sum(name), ZERO) for name in SUMMED_HOURS}
    row = flights.aggregate(
        flights=Count("id"),
        landings=Coalesce(Sum("day_landings"), 0) + Coalesce(Sum("night_landings"), 0),
        approaches=Coalesce(Sum("approaches"), 0),
        **sums,
    )
    for name in SUMMED_HOURS:
        row[name] = Decimal(row[name]).quantize(Decimal("0.01"))
    return row


def finish_import(batch: LogbookImport, to: str, *, message: str = "") -> bool:
    """Move an import run along its state machine (processing → completed | failed → reverted)."""
    allowed_from = [status for status, targets in IMPORT_TRANSITIONS.items() if to in targets]
    values = {"status": to, "message": message or batch.message}
    if to in (ImportStatus.COMPLETED, ImportStatus.FAILED):
        values["finished_at"] = timezone.now()
    if to == ImportStatus.REVERTED:
        values["reverted_at"] = timezone.now()
    moved = LogbookImport.objects.filter(pk=batch.pk, status__in=allowed_from).update(**values) == 1
    if moved:
        batch.refresh_from_db()
    return moved
