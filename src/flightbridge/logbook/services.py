"""Reading and summarising a pilot's logbook (flights, currency, totals), the import-run state machine,
Undo, and a pilot's own corrections to a flight."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Count, F, Q, Sum, TextField
from django.db.models.functions import Coalesce
from django.utils import timezone

from flightbridge.errors import Conflict, InputError, NotFound
from flightbridge.logbook.models import (
    IMPORT_TRANSITIONS,
    CurrencyRecord,
    Flight,
    ImportStatus,
    LogbookImport,
    LogbookTotal,
    UserAircraft,
)
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
        landings=Coalesce(Sum("day_landings"), 0) + Coalesce(Sum("night_landings"), 0),
        approaches=Coalesce(Sum("approaches"), 0),
        **sums,
    )
    for name in SUMMED_HOURS:
        row[name] = Decimal(row[name]).quantize(Decimal("0.01"))
    return row


# Order on the page: what stops a pilot from flying first.
CURRENCY_STATUS_ORDER = {"NON_COMPLIANT": 0, "EXPIRING_SOON": 1, "UNKNOWN": 2, "CURRENT": 3}


def currency_for(owner) -> list[CurrencyRecord]:
    """The pilot's currency items, as the last MyFlightbook sync reported them, most urgent first."""
    rows = list(CurrencyRecord.objects.filter(owner=owner))
    rows.sort(key=lambda row: (CURRENCY_STATUS_ORDER.get(row.status, 9), row.kind, row.category, row.label))
    return rows


def totals_for(owner, source: str | None = None) -> list[LogbookTotal]:
    """Total lines: MyFlightbook's lifetime snapshot and the logbook's own computed-local rollup."""
    query = LogbookTotal.objects.filter(owner=owner)
    if source:
        query = query.filter(source=source)
    return list(query.order_by("source", "period", "dimension", "key", "description"))


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


EDITED_SINCE = "edited since the import"


def updated_by_later_run(run_id: int) -> str:
    return f"updated by a later import run (#{run_id})"


@dataclass
class KeptFlight:
    flight: Flight
    reason: str


@dataclass
class RevertResult:
    batch: LogbookImport
    removed_flights: int
    removed_aircraft: int
    kept: list[KeptFlight]

    @property
    def kept_flights(self) -> list[Flight]:
        return [kept.flight for kept in self.kept]


def touched_by_later_runs(owner, run_ids: list[int], *, listed: int = 100) -> dict[int, dict]:
    """For each run: the flights it created that a later run has written since (Undo will keep them).

    `{run_id: {"count": n, "flight_ids": [...], "run_ids": [...]}}`, ids listed up to `listed`; runs with
    none are left out. One query for any number of runs (the imports page asks for a whole page).
    """
    rows = (Flight.objects.filter(owner=owner, created_by_run__in=run_ids, import_batch__isnull=False)
            .exclude(import_batch=F("created_by_run")).order_by("id").values_list("created_by_run", "id", "import_batch"))
    found: dict[int, dict] = {}
    for run_id, flight_id, later_run in rows:
        entry = found.setdefault(run_id, {"count": 0, "flight_ids": [], "run_ids": []})
        entry["count"] += 1
        if len(entry["flight_ids"]) < listed:
            entry["flight_ids"].append(flight_id)
        if later_run not in entry["run_ids"]:
            entry["run_ids"].append(later_run)
    return found


def revert_import(owner, import_id: int) -> RevertResult:
    """Undo one import run: remove the flights it created, keep (and list, with the reason) the ones the
    pilot edited since or a later run updated since.

    A flight belongs to the run that created it (`created_by_run`), whichever run wrote it last. It is
    kept when a later run wrote it since (its `import_batch` moved on: removing it would lose that run's
    record) or when it changed after the run finished (the pilot's edit). Everything happens in one
    transaction: either the run is reverted as a whole or nothing changes.
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
        created = Flight.objects.filter(owner=owner, created_by_run=batch)
        kept = [KeptFlight(flight, EDITED_SINCE if flight.import_batch_id in (None, batch.pk)
                           else updated_by_later_run(flight.import_batch_id))
                for flight in created.filter(Q(updated_at__gt=edited_after)
                                             | (Q(import_batch__isnull=False) & ~Q(import_batch=batch))).order_by("date", "id")]
        removed_flights, _ = created.exclude(pk__in=[item.flight.pk for item in kept]).delete()
        aircraft = UserAircraft.objects.filter(owner=owner, import_batch=batch, manual=False,
                                               created_at__gte=batch.started_at, updated_at__lte=edited_after)
        removed_aircraft, _ = aircraft.delete()
        details = {**batch.details, "reverted": {
            "removed_flights": removed_flights, "removed_aircraft": removed_aircraft,
            "kept_flight_ids": [item.flight.pk for item in kept],
            "kept": [{"flight_id": item.flight.pk, "reason": item.reason} for item in kept[:1000]]}}
        LogbookImport.objects.filter(pk=batch.pk).update(details=details)
        finish_import(batch, ImportStatus.REVERTED, message=_reverted_message(removed_flights, removed_aircraft, kept))
    return RevertResult(batch=batch, removed_flights=removed_flights, removed_aircraft=removed_aircraft, kept=kept)


def _reverted_message(removed_flights: int, removed_aircraft: int, kept: list[KeptFlight]) -> str:
    message = f"Reverted: removed {removed_flights} flight(s) and {removed_aircraft} aircraft"
    edited = sum(item.reason == EDITED_SINCE for item in kept)
    later = len(kept) - edited
    if edited:
        message += f"; kept {edited} flight(s) edited since the import"
    if later:
        runs = sorted({item.flight.import_batch_id for item in kept if item.reason != EDITED_SINCE} - {None})
        named = ", ".join(f"#{run}" for run in runs)
        message += f"; kept {later} flight(s) updated by a later import run ({named})" if named else \
            f"; kept {later} flight(s) updated by a later import run"
    return message + "."


# --- Import runs as the API shows them ---------------------------------------------------------------

RUN_PAGE_SIZE = 100  # reasons (and Logger entries) per page of a run's details


def import_runs(owner):
    return LogbookImport.objects.filter(owner=owner).defer("details")


def import_run_summary(run: LogbookImport) -> dict:
    """A run in a list: counts and a link, never its (possibly long) details."""
    return {"id": run.pk, "source": run.source, "status": run.status, "job_id": run.job_id, "imported": run.imported,
            "updated": run.updated, "unchanged": run.unchanged, "skipped": run.skipped, "failed": run.failed,
            "changed_at_source": run.changed_at_source, "reasons_total": len(run.reasons or []),
            "message": run.message, "started_at": run.started_at, "finished_at": run.finished_at,
            "reverted_at": run.reverted_at, "url": f"/api/imports/{run.pk}"}


def import_run_detail(owner, import_id: int, page: int = 1) -> dict:
    """A run with its details, one page of its reasons (and of a Logger run's entries) at a time."""
    run = LogbookImport.objects.filter(pk=import_id, owner=owner).first()
    if run is None:
        raise NotFound(f"no import run {import_id}")
    reasons = run.reasons or []
    details = dict(run.details or {})
    entries = details.get("entries") if isinstance(details.get("entries"), list) else []
    pages = max(1, -(-max(len(reasons), len(entries)) // RUN_PAGE_SIZE))
    if page > pages:
        raise InputError(f"import run {import_id} has {pages} page(s) of details; page {page} is past the end",
                         [{"field": "page", "reason": f"at most {pages}"}])
    window = slice((page - 1) * RUN_PAGE_SIZE, page * RUN_PAGE_SIZE)
    if "entries" in details:
        details["entries"] = entries[window]
        details["entries_total"] = len(entries)
    touched = touched_by_later_runs(owner, [run.pk]).get(run.pk, {"count": 0, "flight_ids": [], "run_ids": []})
    return {**import_run_summary(run), "reasons": reasons[window], "details": details, "page": page, "pages": pages,
            "page_size": RUN_PAGE_SIZE, "flights_touched_by_later_runs": touched}


# --- A pilot's own corrections -----------------------------------------------------------------------

#: What a pilot may correct by hand. Where a flight came from (source, external id, raw record, its
#: import runs) is not theirs to rewrite: Undo and the next import depend on it.
EDITABLE_FIELDS = (
    "date", "departure", "destination", "route", "tail_number", "aircraft_type", "simulator_type",
    "total_flight_time", "pic", "sic", "cross_country", "night", "imc", "simulated_ifr", "dual", "cfi", "ground_sim",
    "day_landings", "day_takeoffs", "night_landings", "night_takeoffs", "approaches", "holds",
    "block_out", "block_in", "takeoff_at", "landing_at",
    "flight_rules", "approach_type", "pic_name", "sic_name", "instructor_name", "student_name", "remarks",
)


def edit_flight(owner, flight_id: int, changes: dict) -> Flight:
    """Apply a pilot's corrections to one of their flights and record them as an edit.

    Every value is checked by the field's own rules (a date, hours with two decimals, a count, a
    length); the first pass collects every problem, so the pilot sees them all at once, and nothing
    is saved unless all are fine. Saving moves `updated_at`, which is how Undo recognises a flight the
    pilot edited after its import (and then keeps it).
    """
    flight = Flight.objects.filter(pk=flight_id, owner=owner).first()
    if flight is None:
        raise NotFound(f"no flight {flight_id}")
    problems = [{"field": name, "reason": "not a field you can edit"} for name in changes if name not in EDITABLE_FIELDS]
    cleaned = {}
    for name, value in changes.items():
        if name not in EDITABLE_FIELDS:
            continue
        model_field = Flight._meta.get_field(name)
        if value is None and not model_field.null:
            value = "" if isinstance(model_field, (CharField, TextField)) else value
        try:
            cleaned[name] = model_field.clean(value, flight)
        except ValidationError as exc:
            problems.append({"field": name, "reason": "; ".join(exc.messages)})
    if problems:
        raise InputError(f"flight {flight_id} was not changed: " + "; ".join(f"{p['field']}: {p['reason']}" for p in problems),
                         problems)
    if not cleaned:
        return flight
    for name, value in cleaned.items():
        setattr(flight, name, value)
    flight.save(update_fields=[*cleaned, "updated_at"])
    return flight
