"""Reading and summarising a pilot's logbook (flights, currency, totals), the import-run state machine,
Undo, and a pilot's own corrections to a flight."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from flightbridge.errors import Conflict, InputError, NotFound
from flightbridge.logbook import outcomes
from flightbridge.logbook.flightcheck import COUNT_FIELDS, FIELD_NAMES, HOUR_FIELDS, stored_check
from flightbridge.logbook.import_report import ImportReport, ListedReason, listed_reasons
from flightbridge.logbook.models import (
    IMPORT_TRANSITIONS,
    CurrencyRecord,
    Flight,
    FlightSource,
    ImportStatus,
    LogbookImport,
    LogbookTotal,
    UserAircraft,
)
from flightbridge.states import move_status

ZERO = Decimal("0")
SUMMED_HOURS = ("total_flight_time", "pic", "night", "imc", "simulated_ifr", "cross_country")


def flights_for(owner, date_from: date | None = None, date_to: date | None = None, *, aircraft_id: int | None = None,
                model_id: int | None = None, category_class: str | None = None):
    """The pilot's flights, newest first; optionally in a date range, one aircraft, one model, one category/class."""
    if date_from and date_to and date_from > date_to:
        raise InputError("The From date is after the To date.", [{"field": "from", "reason": "must be on or before the To date"}])
    query = Flight.objects.filter(owner=owner)
    if date_from:
        query = query.filter(date__gte=date_from)
    if date_to:
        query = query.filter(date__lte=date_to)
    if aircraft_id is not None:
        query = query.filter(aircraft_id=aircraft_id)
    if model_id is not None:
        # The pilot's aircraft of that model first: the flights are then read by their aircraft index, not
        # by walking the whole logbook (summary?model_id= over 50,000 flights, docs/benchmarks.md).
        aircraft_ids = list(UserAircraft.objects.filter(owner=owner, aircraft_model_id=model_id).values_list("id", flat=True))
        query = query.filter(aircraft_id__in=aircraft_ids)
    if category_class:
        query = query.filter(flown_in_category_class(category_class))
    return query.order_by("-date", "-id")


def oldest_first_in_pages(flights, page: int = 2000) -> Iterator:
    """`flights` (a queryset, or its `values_list(..., "id", named=True)`) oldest first, by (date, id), one page of
    `page` rows at a time, each page its own complete query (keyset paging).

    Unlike `.iterator()`, no statement stays open between pages, so a job may write its progress while it reads:
    on SQLite a connection whose read is still open cannot write once another connection has (the heartbeat):
    "database is locked" (issue 22's export jobs). Memory holds one page.
    """
    flights = flights.order_by("date", "id")
    last = None
    while True:
        query = flights if last is None else flights.filter(Q(date__gt=last.date) | Q(date=last.date, id__gt=last.id))
        rows = list(query[:page])
        yield from rows
        if len(rows) < page:
            return
        last = rows[-1]


def flown_in_category_class(category_class: str) -> Q:
    """Flights flown in a category/class: the flight's own (MyFlightbook's CatClassOverride, else its
    CatClassDisplay) when it has one, else its aircraft's."""
    return Q(category_class=category_class) | Q(category_class="", aircraft__category_class=category_class)


def flagged_flights(owner):
    """The pilot's flights the flight check flagged (imported as sent with a value they cannot have), newest first."""
    return Flight.objects.filter(owner=owner).exclude(flight_check=[]).order_by("-date", "-id")


FLAGGED_LISTED = 20  # flagged flights named per run; the count covers them all


def flagged_by_run(run_ids: list[int]) -> dict[int, dict]:
    """For each run: the flights it wrote last that the flight check flagged, kept as sent.

    `{run_id: {"count": n, "flights": [{"flight_id", "date", "label", "problems"}]}}`, the first
    FLAGGED_LISTED named; runs with none are left out. One query for a page of runs.
    """
    if not run_ids:
        return {}
    rows = (Flight.objects.filter(import_batch__in=run_ids).exclude(flight_check=[]).order_by("date", "id")
            .values_list("import_batch", "id", "date", "route", "departure", "destination", "flight_check"))
    found: dict[int, dict] = {}
    for run_id, flight_id, day, route, departure, destination, problems in rows:
        entry = found.setdefault(run_id, {"count": 0, "flights": []})
        entry["count"] += 1
        if len(entry["flights"]) < FLAGGED_LISTED:
            where = route or "–".join(part for part in (departure, destination) if part)
            entry["flights"].append({"flight_id": flight_id, "date": day.isoformat(),
                                     "label": f"{day.isoformat()} {where}".strip(), "problems": problems})
    return found


RECHECK_CHUNK = 2000  # flights read and written per transaction by recheck_flights


def recheck_flights(owner=None) -> tuple[int, int]:
    """Run the flight check again over stored flights (all, or one pilot's), a chunk at a time, writing only
    the flags that change; `updated_at` is left alone (this is not the pilot's edit). Returns (checked, flagged)."""
    today = timezone.localdate()
    names = ["id", "date", "simulator_type", "flight_check", *HOUR_FIELDS, *COUNT_FIELDS]
    query = Flight.objects.all() if owner is None else Flight.objects.filter(owner=owner)
    checked = flagged = 0
    last = 0
    while True:
        rows = list(query.filter(pk__gt=last).order_by("pk").values(*names)[:RECHECK_CHUNK])
        if not rows:
            return checked, flagged
        with transaction.atomic():
            for row in rows:
                found = stored_check(row, today=today)
                flagged += bool(found)
                if found != row["flight_check"]:
                    Flight.objects.filter(pk=row["id"]).update(flight_check=found)
        checked += len(rows)
        last = rows[-1]["id"]


def summarize(flights, places: int = 2) -> dict:
    """Totals over a flight queryset, computed by the database in one query; hours to `places` decimals.

    The API's summary has always given hundredths. Pages ask for the stored precision (HOURS_PLACES) and write
    the sums in the pilot's format: H:MM from the exact sum (0.875 h is 52.5 min, not a sum first rounded to 0.88)."""
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
    quantum = Decimal(1).scaleb(-places)
    for name in SUMMED_HOURS:
        row[name] = Decimal(row[name]).quantize(quantum)
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


# "Totals by source": one heading per dimension, Total Time first (the number a pilot looks for), then
# what the pilot did, the conditions, the counts and category/class. MyFlightbook's per-model, per-ICAO
# and per-property lines (TotalsGroup 2, 3, 4, 6) all land in OTHER; they are grouped by that group.
DIMENSION_ORDER = ("TOTAL_TIME", "ROLE", "CONDITIONS", "COUNTS", "CATEGORY", "OTHER")
MYFLIGHTBOOK_GROUP_TITLES = {2: "By ICAO type", 3: "By model", 4: "By capability", 5: "Other fields", 6: "By property"}


@dataclass
class TotalsSection:
    title: str
    dimension: str
    lines: list


def group_totals(lines) -> list[TotalsSection]:
    """`LogbookTotal` lines of one source and period → sections in reading order, each with its lines."""
    from flightbridge.logbook.models import TotalDimension

    sections: dict[tuple[int, str], TotalsSection] = {}
    for line in lines:
        rank = DIMENSION_ORDER.index(line.dimension) if line.dimension in DIMENSION_ORDER else len(DIMENSION_ORDER)
        title = TotalDimension(line.dimension).label if line.dimension in TotalDimension.values else line.dimension
        if line.dimension == "OTHER":
            group = (line.raw or {}).get("Group")
            title = MYFLIGHTBOOK_GROUP_TITLES.get(group, "Other") if isinstance(group, int) else "Other"
        key = (rank, title)
        sections.setdefault(key, TotalsSection(title=title, dimension=line.dimension, lines=[])).lines.append(line)
    return [sections[key] for key in sorted(sections, key=lambda item: (item[0], item[1] == "Other", item[1]))]


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
        closed += close_interrupted_run(batch, RUN_INTERRUPTED)
    return closed


def close_interrupted_run(batch: LogbookImport, message: str) -> bool:
    """Fail a run whose worker stopped mid-run. It saved its counts now and then (a sync at most once a
    second); the flights it created are the truth of what it stored, so `imported` is counted from them."""
    LogbookImport.objects.filter(pk=batch.pk, status=ImportStatus.PROCESSING).update(
        imported=Flight.objects.filter(created_by_run=batch).count())
    return finish_import(batch, ImportStatus.FAILED, message=message)


EDITED_SINCE = "edited since the import"
CHANGED_SINCE_TAKEN = "changed since you took the source's version"


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


def touched_by_later_runs(run_ids: list[int], *, listed: int = 100) -> dict[int, dict]:
    """For each run: the flights it created that a later run has written since (Undo will keep them).

    `{run_id: {"count": n, "flight_ids": [...], "run_ids": [...]}}`, ids listed up to `listed`; runs with
    none are left out. One query for any number of runs (the imports page asks for a whole page).
    """
    if not run_ids:
        return {}
    rows = (Flight.objects.filter(created_by_run__in=run_ids, import_batch__isnull=False)
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
            raise NotFound("There is no such import in your logbook.")
        # Named by source and start time, the way the Imports page lists runs (a pilot never sees row ids).
        name = f"The {batch.source_label} import of {batch.started_at:%Y-%m-%d %H:%M} UTC"
        if batch.source == FlightSource.MANUAL:
            raise Conflict("A flight entered by hand has no Undo: correct it on its page.")
        if batch.status == ImportStatus.PROCESSING:
            raise Conflict(f"{name} is still processing; undo it once it has finished.")
        if batch.status == ImportStatus.REVERTED:
            raise Conflict(f"{name} was already reverted on {batch.reverted_at:%Y-%m-%d %H:%M} UTC.")
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
        restored, kept_taken = restore_taken_versions(batch, edited_after)
        kept += kept_taken
        report = ImportReport.of(batch)
        report.reverted = {
            "removed_flights": removed_flights, "removed_aircraft": removed_aircraft, "restored_flights": restored,
            "kept_flight_ids": [item.flight.pk for item in kept],
            "kept": [{"flight_id": item.flight.pk, "reason": item.reason} for item in kept[:1000]]}
        LogbookImport.objects.filter(pk=batch.pk).update(details=report.to_details())
        finish_import(batch, ImportStatus.REVERTED, message=_reverted_message(removed_flights, removed_aircraft, kept, restored))
    return RevertResult(batch=batch, removed_flights=removed_flights, removed_aircraft=removed_aircraft, kept=kept)


def restore_taken_versions(batch: LogbookImport, edited_after) -> tuple[int, list[KeptFlight]]:
    """Undo's part for the flights whose source version the pilot took through `batch`: each gets back
    what it held before, and the source's version waits again to be taken. A flight changed since the
    take (edited, or written by a later run) is kept as it is and listed."""
    restored, kept = 0, []
    for entry in ImportReport.of(batch).taken_from_source:
        flight = Flight.objects.select_for_update().filter(pk=entry.get("flight_id"), owner=batch.owner).first()
        if flight is None:
            continue
        taken_at = max(datetime.fromisoformat(entry["taken_at"]) + timedelta(seconds=1), edited_after)
        if flight.updated_at > taken_at or flight.import_batch_id != batch.pk:
            kept.append(KeptFlight(flight, CHANGED_SINCE_TAKEN))
            continue
        for name, value in entry["before"].items():
            if name == "import_batch_id":
                flight.import_batch_id = value
            else:
                setattr(flight, name, Flight._meta.get_field(name).to_python(value))
        flight.source_update = entry.get("version")
        flight.save()
        restored += 1
    return restored, kept


def _reverted_message(removed_flights: int, removed_aircraft: int, kept: list[KeptFlight], restored: int = 0) -> str:
    message = f"Reverted: removed {removed_flights} flight(s) and {removed_aircraft} aircraft"
    if restored:
        message += f"; put back your version of {restored} flight(s) you had replaced with the source's"
    kept_taken = [item for item in kept if item.reason == CHANGED_SINCE_TAKEN]
    kept = [item for item in kept if item.reason != CHANGED_SINCE_TAKEN]
    if kept_taken:
        message += f"; kept {len(kept_taken)} flight(s) changed since you took the source's version"
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
    """A run with its report, one page of its reasons (and of a Logger run's entries) at a time.

    `report` is the run read through `ImportReport` (any run, whenever recorded); `details` is the same run
    in its stored keys, as this route has always answered (clients written against it keep working)."""
    run = LogbookImport.objects.filter(pk=import_id, owner=owner).first()
    if run is None:
        raise NotFound(f"no import run {import_id}")
    reasons = run.reasons or []
    report = ImportReport.of(run)
    entries = report.logger.entries if report.logger else []
    pages = max(1, -(-max(len(reasons), len(entries)) // RUN_PAGE_SIZE))
    if page > pages:
        raise InputError(f"import run {import_id} has {pages} page(s) of details; page {page} is past the end",
                         [{"field": "page", "reason": f"at most {pages}"}])
    window = slice((page - 1) * RUN_PAGE_SIZE, page * RUN_PAGE_SIZE)
    details = dict(run.details) if isinstance(run.details, dict) else {}
    if isinstance(details.get("entries"), list):
        details["entries_total"] = len(details["entries"])
        details["entries"] = details["entries"][window]
    if report.logger:
        report.logger.entries = entries[window]
    touched = touched_by_later_runs([run.pk]).get(run.pk, {"count": 0, "flight_ids": [], "run_ids": []})
    return {**import_run_summary(run), "reasons": reasons[window], "report": report, "details": details, "page": page,
            "pages": pages, "page_size": RUN_PAGE_SIZE, "flights_touched_by_later_runs": touched,
            "flight_check": flagged_by_run([run.pk]).get(run.pk, {"count": 0, "flights": []})}


@dataclass
class FlightOrigin:
    """Where a flight came from, in a pilot's words, for its page."""

    source: str
    source_label: str
    source_id: str  # MyFlightbook's FlightID or Logger's importId, as the source knows it
    source_id_label: str
    run: LogbookImport | None
    edited_since_import: bool


def flight_origin(flight: Flight) -> FlightOrigin:
    external = flight.external_id or ""
    prefix, _, own_id = external.partition(":")
    labels = {"mfb": "MyFlightbook flight ID", "logger": "Logger importId"}
    run = flight.import_batch
    # Same rule as revert_import: changed more than a second after its run finished means the pilot edited it.
    edited = bool(run and run.finished_at and flight.updated_at > run.finished_at + timedelta(seconds=1))
    return FlightOrigin(
        source=flight.source, source_label=flight.source_label,
        source_id=own_id if prefix in labels else external, source_id_label=labels.get(prefix, "External id"),
        run=run, edited_since_import=edited,
    )


# --- What the Imports page says about each run ----------------------------------------------------

REASON_SAMPLE = 20  # records named under each reason; the count covers them all


@dataclass
class ReasonGroup:
    """One kind of outcome of a run ("Skipped aircraft", "Failed records: no date", …) with its count."""

    key: str
    title: str
    count: int
    records: list[str]


@dataclass
class RunView:
    run: LogbookImport
    report: ImportReport
    groups: list[ReasonGroup]
    created: int  # flights and aircraft this run added: nothing to undo when 0
    moved_to_later_runs: int  # flights it added that a later run has re-imported since

    @property
    def can_undo(self) -> bool:
        # Something to undo: flights or aircraft it added, or source versions the pilot took through it. A
        # flight entered by hand has no Undo: it is corrected on its page.
        if self.run.source == FlightSource.MANUAL:
            return False
        taken = bool(self.report.taken_from_source)
        return self.run.status in (ImportStatus.COMPLETED, ImportStatus.FAILED) and (self.created > 0 or taken)


def _record_names(items, limit: int = REASON_SAMPLE) -> list[str]:
    names = []
    for item in items[:limit]:
        if isinstance(item, ListedReason):
            names.append(item.name)
        else:
            name = str(item.get("record") or item.get("label") or item.get("external_id") or item.get("date") or "?")
            names.append((f"{name} ({item['field']})" if item.get("field") else name)[:120])
    return names


def _by_reason(items) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for item in items:
        reason = item.reason if isinstance(item, ListedReason) else item.get("reason")
        grouped.setdefault(str(reason or "no reason given"), []).append(item)
    return grouped


NEAR_MATCH_TITLE = (f"{outcomes.NEW.capitalize()}, and a flight of the same date, aircraft and route but other times is "
                    "in the logbook: check whether they are the same flight")


def reason_groups(run: LogbookImport, report: ImportReport | None = None) -> list[ReasonGroup]:
    """A run's outcomes grouped, each with a count, in the pilot's words (`outcomes.py`: new, updated,
    unchanged, already in the logbook, not imported), every group of skipped or refused records titled
    with its reason in the words the API gives.

    Reads the run's report (`import_report.py`: counts, reasons counted by outcome, the sync's aircraft,
    currency and changed or deleted flights) and its listed reasons, each with its outcome, and says
    nothing it does not know.
    """
    report = report or ImportReport.of(run)
    groups: list[ReasonGroup] = []

    def add(key: str, title: str, count: int, records=()) -> None:
        if count > 0:
            groups.append(ReasonGroup(key, title, count, _record_names(list(records))))

    add("imported", f"{outcomes.NEW.capitalize()} flights", run.imported)
    add("updated", f"{outcomes.UPDATED.capitalize()} flights", run.updated)
    unchanged_by_reason = sum(item.count for item in report.counted_reasons if item.outcome == "unchanged")
    add("unchanged", f"{outcomes.UNCHANGED.capitalize()}: in the logbook exactly as sent",
        run.unchanged or unchanged_by_reason)

    # Aircraft and currency items the run did not bring in, one group per reason.
    sync = report.myflightbook
    if sync is not None:
        skipped_aircraft = sync.aircraft.skipped
        for why, items in _by_reason(sync.aircraft.reasons).items():
            add(f"aircraft:{why}", f"Aircraft {outcomes.NOT_IMPORTED}: {why}", len(items), items)
            skipped_aircraft -= len(items)
        add("skipped_aircraft", f"Aircraft {outcomes.NOT_IMPORTED}", skipped_aircraft)  # beyond those listed
        for why, items in _by_reason(sync.currency.unmapped).items():
            add(f"currency:{why}", f"Currency items {outcomes.NOT_IMPORTED} (FlightBridge cannot read them): {why}",
                len(items), items)

    add("changed_at_source", f"{outcomes.ALREADY.capitalize()}: changed {_at_source(run)} since import (kept as you have it)",
        run.changed_at_source, [vars(item) for item in report.changed_at_source])
    add("deleted_at_source", f"Deleted {_at_source(run)} (kept here)", report.deleted_at_source_count,
        [vars(item) for item in report.deleted_at_source])

    # Records already here, counted by reason (repeated, matched by date and route, the same flight from
    # another source, this logbook's own export …); unchanged and changed ones have their groups above.
    listed = listed_reasons(run.reasons)
    by_reason = _by_reason(item for item in listed if item.outcome not in ("unchanged", "changed-kept", "created"))
    for item in report.already_by_reason():
        add(f"skipped:{item.reason}", f"{outcomes.ALREADY.capitalize()}: {item.reason}", item.count,
            by_reason.pop(item.reason, []))
    # New flights that resemble one already here, for the pilot to check.
    near = [item for item in listed if item.outcome == "created"]
    add("near_match", NEAR_MATCH_TITLE, len(near), near)
    # Whatever is left in the reasons list: records that were not imported, grouped by reason.
    for why, items in sorted(by_reason.items(), key=lambda item: -len(item[1])):
        add(f"reason:{why}", f"{outcomes.NOT_IMPORTED.capitalize()}: {why}", len({item.record for item in items}), items)
    return groups


def _at_source(run: LogbookImport) -> str:
    return "on MyFlightbook" if run.source == FlightSource.MYFLIGHTBOOK else "at its source"


#: The words an import policy (ingest.Policy.unchanged_reason) gives a record already here as sent.
UNCHANGED_WORDS = "unchanged since it was last imported"
UNCHANGED_WORDS_MYFLIGHTBOOK = "already imported"


def _flagged_group(flagged: dict) -> ReasonGroup:
    records = [f"{item['label']}: " + "; ".join(f"{FIELD_NAMES.get(p.get('field'), p.get('field'))}: {p.get('reason')}"
                                                   for p in item["problems"]) for item in flagged["flights"]]
    return ReasonGroup("flight_check", "Flagged by the flight check (kept as sent)", flagged["count"], records)


def describe_runs(runs) -> list[RunView]:
    runs = list(runs)
    # Flights each run created that a later run has updated since (an Undo of the run keeps them), and
    # the run's flights the flight check flagged, in one query each for the whole page.
    ids = [run.pk for run in runs]
    touched = touched_by_later_runs(ids)
    flagged = flagged_by_run(ids)
    views = []
    for run in runs:
        report = ImportReport.of(run)
        groups = reason_groups(run, report)
        if run.pk in flagged:
            groups.append(_flagged_group(flagged[run.pk]))
        views.append(RunView(run=run, report=report, groups=groups, created=run.imported + report.aircraft_created,
                             moved_to_later_runs=touched.get(run.pk, {}).get("count", 0)))
    return views
