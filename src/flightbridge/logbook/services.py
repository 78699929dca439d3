"""Reading and summarising a pilot's logbook, and the import-run state machine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from flightbridge.errors import Conflict, InputError, NotFound
from flightbridge.logbook.models import IMPORT_TRANSITIONS, Flight, ImportStatus, LogbookImport, UserAircraft
from flightbridge.states import move_status

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
        # day + night landings of any kind = MyFlightbook's `Landings` total (docs/myflightbook.md)
        landings=Coalesce(Sum("day_landings"), 0) + Coalesce(Sum("night_landings"), 0),
        day_full_stop_landings=Coalesce(Sum("day_full_stop_landings"), 0),
        night_full_stop_landings=Coalesce(Sum("night_full_stop_landings"), 0),
        approaches=Coalesce(Sum("approaches"), 0),
        **sums,
    )
    for name in SUMMED_HOURS:
        row[name] = Decimal(row[name]).quantize(Decimal("0.01"))
    return row


def finish_import(batch: LogbookImport, to: str, *, message: str = "") -> bool:
    """Move an import run along its state machine (processing → completed | failed → reverted)."""
    values = {"message": message or batch.message}
    if to in (ImportStatus.COMPLETED, ImportStatus.FAILED):
        values["finished_at"] = timezone.now()
    if to == ImportStatus.REVERTED:
        values["reverted_at"] = timezone.now()
    moved = move_status(LogbookImport.objects.filter(pk=batch.pk), IMPORT_TRANSITIONS, to, **values)
    if moved:
        batch.refresh_from_db()
    return moved


RUN_INTERRUPTED = ("This import stopped before it finished: the worker running it stopped unexpectedly. "
                   "Flights stored before that are kept; run it again to bring in the rest.")


def close_runs_of_dead_job(job_id: int) -> int:
    """Fail the import runs a dead worker's job left `processing`. Returns how many."""
    closed = 0
    for batch in LogbookImport.objects.filter(job_id=job_id, status=ImportStatus.PROCESSING):
        closed += finish_import(batch, ImportStatus.FAILED, message=RUN_INTERRUPTED)
    return closed


@dataclass
class RevertResult:
    batch: LogbookImport
    removed_flights: int
    removed_aircraft: int
    kept_flights: list[Flight]


def revert_import(owner, import_id: int) -> RevertResult:
    """Undo one import run: remove what it created, keep (and list) what the pilot edited since.

    A flight counts as created by the run when its `import_batch` is the run and it was created while
    the run was open; it counts as edited when it changed after the run finished. Everything happens in
    one transaction: either the run is reverted as a whole or nothing changes.
    """
    with transaction.atomic():
        batch = LogbookImport.objects.select_for_update().filter(pk=import_id, owner=owner).first()
        if batch is None:
            raise NotFound(f"no import run {import_id}")
        if batch.status == ImportStatus.PROCESSING:
            raise Conflict(f"import run {import_id} is still processing; revert it once it has finished")
        if batch.status == ImportStatus.REVERTED:
            raise Conflict(f"import run {import_id} was already reverted on {batch.reverted_at:%Y-%m-%d %H:%M} UTC")
        # One second of grace: a row written in the run's last instant is not an edit.
        edited_after = (batch.finished_at or timezone.now()) + timedelta(seconds=1)
        created = Flight.objects.filter(owner=owner, import_batch=batch, created_at__gte=batch.started_at)
        kept = list(created.filter(updated_at__gt=edited_after).order_by("date", "id"))
        removed_flights, _ = created.exclude(pk__in=[flight.pk for flight in kept]).delete()
        aircraft = UserAircraft.objects.filter(owner=owner, import_batch=batch, manual=False,
                                               created_at__gte=batch.started_at, updated_at__lte=edited_after)
        removed_aircraft, _ = aircraft.delete()
        details = {**batch.details, "reverted": {"removed_flights": removed_flights, "removed_aircraft": removed_aircraft,
                                                 "kept_flight_ids": [flight.pk for flight in kept]}}
        LogbookImport.objects.filter(pk=batch.pk).update(details=details)
        kept_note = f"; kept {len(kept)} flight(s) edited since the import" if kept else ""
        finish_import(batch, ImportStatus.REVERTED,
                      message=f"Reverted: removed {removed_flights} flight(s) and {removed_aircraft} aircraft{kept_note}.")
    return RevertResult(batch=batch, removed_flights=removed_flights, removed_aircraft=removed_aircraft, kept_flights=kept)
