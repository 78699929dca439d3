"""Export a pilot's flights as a ForeFlight or MyFlightbook CSV, and import a logbook file into the logbook.

The export only reads: it streams the flights oldest first, one row at a time. The import never writes a
`Flight` itself: every row goes through the logbook's ingest path (one import run, source
`csv:<format>`, Undo), and aircraft through the logbook's aircraft service. A preview reads the file and
the logbook and writes nothing.
"""

from __future__ import annotations

import codecs

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Callable, Iterator

from django.db.models import Q
from django.utils import timezone

from flightbridge.errors import InputError
from flightbridge.logbook import importing, ingest
from flightbridge.logbook import services as logbook_services
from flightbridge.logbook.aircraft import ImportedAircraft, add_imported_aircraft
from flightbridge.logbook.flightcheck import stored_check
from flightbridge.logbook.import_report import CsvReport, ImportReport
from flightbridge.logbook.models import FILE_FORMAT_NAMES, FlightSource, UserAircraft
from flightbridge.registry import services as registry

from . import columns
from .aircraft import facts_for_export, known_aircraft
from .reading import MAX_ROWS, MYFLIGHTBOOK_FILE_ID, AircraftFacts, read_logbook
from .writing import property_columns_for, write_foreflight, write_myflightbook

EXPORT_CHUNK = 2000
EXPORTED_FIELDS = (
    "date", "tail_number", "departure", "destination", "route", "aircraft_type", "simulator_type", "total_flight_time",
    "pic", "sic", "cross_country", "night", "imc", "simulated_ifr", "dual", "cfi", "ground_sim", "day_landings",
    "night_landings", "day_takeoffs", "night_takeoffs", "approaches", "holds", "approach_type", "block_out", "takeoff_at",
    "landing_at", "block_in", "pic_name", "sic_name", "instructor_name", "student_name", "remarks", "custom_properties",
    "day_full_stop_landings", "night_full_stop_landings", "aircraft_id", "category_class", "takeoffs_inferred",
    "hobbs_start", "hobbs_end", "tach_start", "tach_end", "engine_start", "engine_end", "flight_review", "ipc", "checkride",
)


def myflightbook_property_columns(flights) -> tuple[str, ...]:
    """The carried-property columns a MyFlightbook file of `flights` needs: one pass over their properties
    (a chunked stream, nothing else of the row), before the rows are written (the header comes first)."""
    used: set[int] = set()
    for properties in flights.exclude(custom_properties=[]).values_list("custom_properties", flat=True).iterator(
            chunk_size=EXPORT_CHUNK):
        for prop in properties if isinstance(properties, list) else ():
            if isinstance(prop, dict) and type(prop.get("PropTypeID")) is int:
                used.add(prop["PropTypeID"])
    markers = [name for name in ("flight_review", "ipc", "checkride") if flights.filter(**{name: True}).exists()]
    return property_columns_for(used, markers)
MAX_UPLOAD_BYTES = 64 * 1024 * 1024  # 100,000 rows of a wide ForeFlight file fit in well under this


@dataclass
class CsvExport:
    format: str
    filename: str
    flights: int
    left_out_myflightbook: int
    lines: Iterator[str] = field(repr=False)
    written: int = 0  # flights written so far, as `lines` is read


def _check_format(file_format: str) -> str:
    if file_format not in columns.EXPORT_FORMATS:
        raise InputError(f"unknown export format {file_format!r}; use foreflight or myflightbook",
                         [{"field": "format", "reason": "foreflight or myflightbook"}])
    return file_format


def _registry_lookup() -> Callable[[str], dict]:
    def lookup(tail: str) -> dict:
        answer = registry.lookup(tail)
        if not answer.found:
            return {}
        return {"manufacturer": answer.manufacturer, "model": answer.model, "aircraft_type": answer.aircraft_type,
                "engine_type": answer.engine_type, "year": answer.year}

    return lookup


def aircraft_for_export(owner, flights, lookup: Callable[[str], dict] | None = None) -> dict[str, AircraftFacts]:
    """Every aircraft the flights use (one row per tail): the pilot's aircraft and the FAA registry's facts."""
    lookup = lookup or _registry_lookup()
    used: dict[str, tuple[str, str]] = {}
    for tail, model, device in flights.order_by().values_list("tail_number", "aircraft_type", "simulator_type").distinct():
        if tail and (tail not in used or (model and not used[tail][0])):
            used[tail] = (model, device)
    mine = {aircraft.registration.upper(): aircraft
            for aircraft in UserAircraft.objects.filter(owner=owner).select_related("aircraft_model")}
    facts = {}
    for tail, (model, device) in used.items():
        known = mine.get(tail.upper())
        registry = (known.details or {}).get("registry") if known else None
        device = known.device_class if known and device == "REAL" else device
        if not registry and device == "REAL":
            registry = lookup(tail)
        facts[tail] = facts_for_export(tail, model=model or (known.model if known else ""), device_class=device,
                                       registry=registry, manufacturer=known.manufacturer if known else "",
                                       known=known_aircraft(known) if known else None)
    return facts


def myflightbook_aircraft(owner) -> dict[int, tuple[str, str]]:
    """{aircraft id: (model, category/class)} for the MyFlightbook CSV: the model is the shared model's number
    (or name) when the aircraft has one, else the aircraft's own model text."""
    found = {}
    for aircraft in UserAircraft.objects.filter(owner=owner).select_related("aircraft_model"):
        known = known_aircraft(aircraft)
        found[aircraft.pk] = (known.model or aircraft.model, aircraft.category_class)
    return found


def export_csv(owner, file_format: str, *, date_from: date | None = None, date_to: date | None = None,
               include_myflightbook: bool = False, registry_lookup: Callable[[str], dict] | None = None,
               hhmm: bool = False) -> CsvExport:
    """The owner's flights in a date range as ForeFlight's import template or MyFlightbook's import CSV.

    The MyFlightbook file leaves out flights that came from the pilot's MyFlightbook account (they are
    there already; importing them again would duplicate them) unless `include_myflightbook`.
    """
    _check_format(file_format)
    flights = logbook_services.flights_for(owner, date_from, date_to).order_by("date", "id")
    left_out = 0
    if file_format == columns.MYFLIGHTBOOK and not include_myflightbook:
        # Synced flights, and rows of a MyFlightbook export file (they carry its Flight ID): both are there already.
        from_myflightbook = Q(source=FlightSource.MYFLIGHTBOOK) | Q(external_id__startswith=MYFLIGHTBOOK_FILE_ID)
        left_out = flights.filter(from_myflightbook).count()
        flights = flights.exclude(from_myflightbook)
    span = "-".join(day.isoformat() for day in (date_from, date_to) if day) or "all"
    export = CsvExport(format=file_format, filename=f"flightbridge-{file_format}-{span}.csv", flights=flights.count(),
                       left_out_myflightbook=left_out, lines=iter(()))

    def lines() -> Iterator[str]:
        # Lazy: nothing but the counts is read until the first line is asked for, so a caller that sends a big
        # export to a job (issue 22) has done no per-flight work in the request.
        # Plain named rows of just the exported columns: no model instances, no `raw` (the bulk of a row).
        rows = logbook_services.oldest_first_in_pages(flights.values_list(*EXPORTED_FIELDS, "id", named=True), EXPORT_CHUNK)
        counted = _counted(rows, export)
        if file_format == columns.FOREFLIGHT:
            yield from write_foreflight(counted, aircraft_for_export(owner, flights, registry_lookup))
        else:
            yield from write_myflightbook(counted, myflightbook_aircraft(owner), myflightbook_property_columns(flights),
                                          hhmm=hhmm)

    export.lines = lines()
    return export


def _counted(rows: Iterator, export: CsvExport) -> Iterator:
    for row in rows:
        export.written += 1
        yield row


# --- import ---------------------------------------------------------------------------------------------

MAX_LISTED_ROWS = 1000  # rows listed in a result; the rest are counted only (a 100,000-row file stays small)
PREVIEW_OUTCOMES = ("created", "updated", "unchanged", "linked", "duplicate", "skipped", "failed")


@dataclass
class RowResult:
    line: int
    outcome: str  # created | updated | unchanged | linked | duplicate | skipped | failed (preview: what would happen)
    label: str
    flight_id: int | None = None
    problems: list[dict] = field(default_factory=list)
    #: what the flight check finds in the row: it is imported as sent, and flagged (logbook/flightcheck.py)
    flight_check: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"line": self.line, "outcome": self.outcome, "label": self.label, "flight_id": self.flight_id,
                "problems": self.problems, "flight_check": self.flight_check}


@dataclass
class CsvImportResult:
    """A file's import (or preview): the loop's outcome, and the file's own part: each row's result."""

    outcome: importing.ImportOutcome
    format: str
    version: str
    rows: list[RowResult]
    notes: list[dict]
    rows_not_listed: int = 0
    flagged: int = 0  # rows the flight check flagged (imported as sent)

    @property
    def preview(self) -> bool:
        return self.outcome.preview

    @property
    def message(self) -> str:
        return self.outcome.message

    @property
    def run(self):
        """The LogbookImport (None for a preview)."""
        return None if self.preview else self.outcome.run

    @property
    def counts(self) -> dict[str, int]:
        counts = self.outcome.counts
        # A file's policy updates a changed row, so nothing is "changed at the source"; were it, it is not stored.
        return {"created": counts.created, "updated": counts.updated, "unchanged": counts.unchanged,
                "linked": counts.linked, "duplicate": counts.duplicate, "skipped": counts.skipped + counts.changed_kept,
                "failed": counts.failed}


class FileImporter(importing.Importer):
    """A logbook file's part of an import: each row read as an `IncomingFlight` (or refused with its line and
    column), the file's aircraft added before the flights that use them, and each row's result listed."""

    policy = ingest.UPDATE_WHEN_CHANGED
    phase = "flights"

    def __init__(self, owner, logbook):
        self.owner = owner
        self.logbook = logbook
        self.source = f"csv:{logbook.format}"
        self.rows: list[RowResult] = []
        self.rows_not_listed = 0
        self.flagged = 0
        self.today = timezone.localdate()
        self._stored_fields: dict[int, dict] = {}  # line → the fields stored for it, until its result is in

    def start(self, report: ImportReport) -> None:
        report.csv = CsvReport(format=self.logbook.format, version=self.logbook.version)

    def records(self, run):
        for row in self.logbook.rows():
            if row.flight is None:
                first, *rest = row.problems
                yield row, importing.Refusal(f"line {row.line}", first.column, first.reason,
                                             also=tuple((problem.column, problem.reason) for problem in rest))
                continue
            parsed = row.flight
            yield row, ingest.IncomingFlight(external_id=parsed.identity, source_hash=parsed.source_hash,
                                             fields=parsed.fields, label=parsed.label, record=f"line {parsed.line}")

    def prepare(self, run, batch) -> list[ingest.IncomingFlight]:
        tails = {row.flight.fields["tail_number"] for row, _ in batch if row.flight.fields["tail_number"]}
        facts = [self.logbook.aircraft[tail] for tail in tails if tail in self.logbook.aircraft]
        aircraft = add_imported_aircraft(self.owner, run.record, [
            ImportedAircraft(registration=item.registration, device_class=item.device_class,
                             model=item.model or item.type_code, manufacturer=item.make, details=item.as_dict())
            for item in facts], dry_run=run.dry_run)
        flights = []
        for row, incoming in batch:
            fields = _incoming_fields(row.flight, aircraft)
            self._stored_fields[row.line] = fields
            flights.append(replace(incoming, fields=fields))
        return flights

    def took(self, row, outcome) -> None:
        fields = self._stored_fields.pop(row.line, None)
        if row.flight is None:
            result = RowResult(row.line, "failed", f"line {row.line}", problems=_problems(row))
        else:
            failed = outcome.outcome == ingest.FAILED
            problems = [{"row": row.line, "column": outcome.field, "reason": outcome.reason}] if (
                outcome.reason and outcome.outcome not in (ingest.UNCHANGED, ingest.LINKED)) else []
            result = RowResult(row.line, outcome.outcome if outcome.outcome in PREVIEW_OUTCOMES else "skipped",
                               row.flight.label, flight_id=outcome.flight_id, problems=problems,
                               flight_check=[] if failed else stored_check(fields, today=self.today))
        self.flagged += bool(result.flight_check)
        if len(self.rows) < MAX_LISTED_ROWS:
            self.rows.append(result)
        else:
            self.rows_not_listed += 1

    def end(self, report: ImportReport) -> None:
        report.csv.notes = self.notes()[:100]

    def notes(self) -> list[dict]:
        return [note.as_dict() for note in self.logbook.notes]

    def title(self) -> str:
        return f"{FILE_FORMAT_NAMES.get(self.logbook.format, self.logbook.format)} file ({self.logbook.version} format)"

    def remarks(self, preview: bool) -> str:
        if not self.flagged:
            return ""
        return f"; {self.flagged} flagged by the flight check ({'would be ' if preview else ''}kept as sent)"


def _incoming_fields(parsed, aircraft: dict) -> dict:
    values = dict(parsed.fields)
    mine = aircraft.get(parsed.fields["tail_number"])
    if mine is not None:
        # Matched by registration: the pilot's aircraft fills what the file left out (simulators included).
        if values.get("simulator_type", "REAL") in ("REAL", "FLAPS") and mine.device_class != values.get("simulator_type"):
            values["simulator_type"] = mine.device_class
        if not values.get("aircraft_type") and mine.model:
            values["aircraft_type"] = mine.model[:128]
    values["raw"] = parsed.raw
    return values


def _problems(row) -> list[dict]:
    return [problem.as_dict() for problem in row.problems]


#: What the upload request reads of a file before it queues the import: enough for the format and the header,
#: so the request answers in the same time whatever the file's length; the job reads the whole file.
CHECKED_HEAD_BYTES = 256 * 1024


def read_upload(data: bytes, file_format: str | None = None, *, max_rows: int | None = None, head_only: bool = False):
    """The file as a logbook to import (its format known, its rows not read yet): refuses a file too big or
    of no known format at once, so an upload that starts a job is answered in the request. `head_only` reads
    only the first CHECKED_HEAD_BYTES (whole lines) for that check."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError(f"The file is {len(data) // (1024 * 1024)} MB; at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB "
                         "can be imported at once. Split it by year.", [{"field": "file", "reason": "too large"}])
    if head_only and len(data) > CHECKED_HEAD_BYTES and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        end = data.rfind(b"\n", 0, CHECKED_HEAD_BYTES)
        data = data[:end + 1] if end > 0 else data
    return read_logbook(data, file_format, max_rows=max_rows or MAX_ROWS)


def import_csv(owner, data: bytes, file_format: str | None = None, *, preview: bool = False,
               max_rows: int | None = None, job=None, report: Callable[..., None] | None = None) -> CsvImportResult:
    """Read a ForeFlight, MyFlightbook or LogTen Pro file and store its flights through the ingest path
    (or, with `preview`, run the same import as a dry run: every row decided as the import decides it,
    nothing written). Run by the `interchange.import_csv` job (`jobs.py`), which passes its `job` (so the
    reaper can close the run) and `report` (the job's progress, after every batch).

    A file that cannot be read as a whole raises `InputError` and records nothing; a bad row is refused
    with reasons naming its line and column while the rest imports.
    """
    logbook = read_upload(data, file_format, max_rows=max_rows)
    return _import(owner, logbook, dry_run=preview, job=job, report=report)


def _import(owner, logbook, *, dry_run: bool = False, job=None, report: Callable[..., None] | None = None
            ) -> CsvImportResult:
    """One import run (source `csv:<format>`) through the logbook's import loop. A dry run (the preview) is
    the same run with nothing written."""
    importer = FileImporter(owner, logbook)
    outcome = importing.run_import(owner, importer, dry_run=dry_run, job=job, progress=report)
    return CsvImportResult(outcome=outcome, format=logbook.format, version=logbook.version, rows=importer.rows,
                           notes=importer.notes(), rows_not_listed=importer.rows_not_listed, flagged=importer.flagged)
