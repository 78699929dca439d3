"""Export a pilot's flights as Logger deep links, and import Logger packages into the logbook.

The import validates the whole package first, in memory and in linear time, before anything is written
(a package of more than FLIGHTBRIDGE_LOGGER_MAX_ENTRIES entries is refused outright). It then hands
the valid entries to the logbook's ingest (`logbook/ingest.py`) in bounded batches: each becomes a
`Flight` (source "logger", external_id "logger:<importId>", raw = the entry); the same importId again
updates the flight (Logger's own rule) or, when nothing would change, reports it unchanged. Invalid
entries are rejected one by one while the valid ones still land. Each batch is its own short
transaction, so a big package never holds the database's write lock for long; an unexpected failure
keeps the batches already stored and marks the `LogbookImport` failed, saying how many. The export
never writes anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from flightbridge import __version__
from flightbridge.errors import InputError
from flightbridge.logbook import importing, ingest
from flightbridge.logbook import services as logbook_services
from flightbridge.logbook.import_report import ImportReport, LoggerEntry, LoggerReport
from flightbridge.logbook.models import Flight, FlightSource, LogbookImport
from flightbridge.registry.interfaces import Airports

from . import codec, mapping
from .codec import DeepLink, Problem

MAX_LINK_LENGTH_VARIABLE = "FLIGHTBRIDGE_LOGGER_MAX_LINK_LENGTH"
MAX_ENTRIES_VARIABLE = "FLIGHTBRIDGE_LOGGER_MAX_ENTRIES"
#: Entries per package. A full link of the default length carries ~150 minimal entries, so 5,000 is a
#: year of airline flying pasted at once; more is refused before any work is done (issue 13).
DEFAULT_MAX_ENTRIES = 5_000
EXTERNAL_PREFIX = "logger:"
_EXTERNAL_ID_LIMIT = Flight._meta.get_field("external_id").max_length
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def default_airports() -> Airports:
    from flightbridge.registry import airports

    return airports


class _CachedAirports:
    """The airport database with one lookup per identifier for the length of an export (10,000 flights
    visit the same few airports thousands of times)."""

    def __init__(self, airports: Airports):
        self._airports = airports
        self._info: dict = {}

    def normalize_airport(self, code: str) -> str:
        return self._airports.normalize_airport(code)

    def airport_info(self, code: str):
        if code not in self._info:
            self._info[code] = self._airports.airport_info(code)
        return self._info[code]

    def to_utc(self, code, local_date, local_time):
        return self._airports.to_utc(code, local_date, local_time)

    def to_local(self, code: str, moment):
        airport = self.airport_info(code)
        return None if airport is None else moment.astimezone(airport.timezone)


def default_max_link_length() -> int:
    """The deployment's link limit (FLIGHTBRIDGE_LOGGER_MAX_LINK_LENGTH), else codec.DEFAULT_MAX_LINK_LENGTH."""
    value = os.environ.get(MAX_LINK_LENGTH_VARIABLE, "").strip()
    if not value:
        return codec.DEFAULT_MAX_LINK_LENGTH
    if not value.isdigit() or int(value) < codec.MIN_MAX_LINK_LENGTH:
        raise InputError(f"{MAX_LINK_LENGTH_VARIABLE} must be a whole number of characters ≥ {codec.MIN_MAX_LINK_LENGTH}")
    return int(value)


def default_max_entries() -> int:
    """The deployment's cap on entries per package (FLIGHTBRIDGE_LOGGER_MAX_ENTRIES), else DEFAULT_MAX_ENTRIES."""
    value = os.environ.get(MAX_ENTRIES_VARIABLE, "").strip()
    if not value:
        return DEFAULT_MAX_ENTRIES
    if not value.isdigit() or int(value) < 1:
        raise InputError(f"{MAX_ENTRIES_VARIABLE} must be a whole number of entries ≥ 1")
    return int(value)


def external_id_for(import_id: str) -> str:
    """`logger:<importId>`; an importId too long for the column is keyed by its SHA-256 instead."""
    external_id = EXTERNAL_PREFIX + import_id
    if len(external_id) <= _EXTERNAL_ID_LIMIT:
        return external_id
    return f"{EXTERNAL_PREFIX}sha256:{hashlib.sha256(import_id.encode('utf-8')).hexdigest()}"


def source_hash(entry: dict) -> str:
    return hashlib.sha256(json.dumps(entry, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


# --- Export ---------------------------------------------------------------------------------------


@dataclass
class ExportResult:
    links: list[DeepLink]
    is_utc: bool
    max_length: int
    flights: int
    warnings: list[str] = field(default_factory=list)
    #: (first, last) logbook date of the flights in each link, in the links' order
    link_dates: list[tuple[date, date]] = field(default_factory=list)

    @property
    def link_rows(self) -> list[tuple[DeepLink, date, date]]:
        return [(link, first, last) for link, (first, last) in zip(self.links, self.link_dates)]

    @property
    def entries(self) -> int:
        return sum(link.entries for link in self.links)

    @property
    def counts(self) -> dict:
        return {"flights": self.flights, "entries": self.entries, "links": len(self.links)}


class LoggerExport:
    """One export of the owner's flights (a date range, or chosen ids), oldest first, as complete Logger
    packages, produced one link at a time so a route can stream it.

    Iterate `rows()` once for (link, first date, last date); `flights` and `warnings` are whole once it
    has ended. Work is linear in the flights: each import run's `details` (which holds a result per
    entry, thousands for a big package) is decoded once for the run, not once per flight — joining it to
    every flight made a 5,000-flight export decode it 5,000 times, 13–18 ms a flight (issue 22).
    """

    def __init__(self, owner, *, date_from: date | None = None, date_to: date | None = None, local: bool = False,
                 flight_ids: list[int] | None = None, max_length: int | None = None, airports: Airports | None = None):
        self.airports = _CachedAirports(airports or default_airports())
        self.max_length = max_length or default_max_link_length()
        self.is_utc = not local
        # Checked here, so a route refuses a bad query before its streamed answer has begun.
        codec.check_max_link_length(self.max_length)
        flights = logbook_services.flights_for(owner, date_from, date_to).defer("source_update").order_by("date", "id")
        self._flights = flights.filter(pk__in=flight_ids) if flight_ids is not None else flights
        self.flights = 0
        self._flight_warnings: list[str] = []
        self._link_warnings: list[str] = []
        self._left_out: Counter[str] = Counter()
        self._basis: dict[int, bool | None] = {}

    def count(self) -> int:
        """How many flights the export holds (one COUNT, before any is read): decides inline or a job."""
        return self._flights.count()

    def _raw_is_utc(self, flight: Flight) -> bool | None:
        """The basis (UTC or local) of the Logger package a flight's `raw` came from, if we know it."""
        batch_id = flight.import_batch_id
        if batch_id is None:
            return None
        if batch_id not in self._basis:
            details = LogbookImport.objects.filter(pk=batch_id).values_list("details", flat=True).first()
            report = ImportReport.from_details(details, FlightSource.LOGGER).logger
            self._basis[batch_id] = report.is_utc if report else None
        return self._basis[batch_id]

    def _entries(self, dates: deque) -> Iterator[dict]:
        for flight in logbook_services.oldest_first_in_pages(self._flights):
            self.flights += 1
            exported = mapping.flight_to_entry(flight, is_utc=self.is_utc, airports=self.airports,
                                               raw_is_utc=self._raw_is_utc(flight) if mapping.is_logger_flight(flight) else None)
            dates.append(flight.date)
            self._flight_warnings.extend(exported.warnings)
            self._left_out.update(set(exported.left_out_airports))
            yield exported.entry

    def rows(self) -> Iterator[tuple[DeepLink, date, date]]:
        dates: deque[date] = deque()
        metadata = codec.build_metadata(is_utc=self.is_utc, app_version=__version__)
        for link in codec.iter_deep_links(self._entries(dates), metadata, max_length=self.max_length):
            first = dates.popleft()
            last = first
            for _ in range(link.entries - 1):
                last = dates.popleft()
            if link.oversized:
                self._link_warnings.append(f"The flight of {first.isoformat()} alone is {link.length} characters, over the "
                                           f"{self.max_length}-character limit, so it has a link of its own.")
            yield link, first, last

    @property
    def warnings(self) -> list[str]:
        # One sentence per airport, however many flights use it: a pilot with 300 flights from S43 reads it once.
        notes = [left_out_airport_note(code, flights_using) for code, flights_using in sorted(self._left_out.items())]
        return notes + self._flight_warnings + self._link_warnings


def export_flights(owner, *, date_from: date | None = None, date_to: date | None = None, local: bool = False,
                   flight_ids: list[int] | None = None, max_length: int | None = None,
                   airports: Airports | None = None) -> ExportResult:
    """The owner's flights (a date range, or chosen ids), oldest first, as complete Logger packages."""
    export = LoggerExport(owner, date_from=date_from, date_to=date_to, local=local, flight_ids=flight_ids,
                          max_length=max_length, airports=airports)
    rows = list(export.rows())
    return ExportResult(links=[link for link, _, _ in rows], is_utc=export.is_utc, max_length=export.max_length,
                        flights=export.flights, warnings=export.warnings,
                        link_dates=[(first, last) for _, first, last in rows])


def export_json_chunks(export: LoggerExport) -> Iterator[str]:
    """The API's answer (`ExportOut`) written as the links are packed: the links first, the counts after."""
    yield '{"links":['
    links = entries = 0
    for link, _first, _last in export.rows():
        yield ("," if links else "") + json.dumps({"url": link.url, "entries": link.entries, "length": link.length,
                                                  "import_ids": list(link.import_ids), "oversized": link.oversized})
        links += 1
        entries += link.entries
    counts = {"flights": export.flights, "entries": entries, "links": links}
    yield "]," + json.dumps({"counts": counts, "is_utc": export.is_utc, "max_length": export.max_length,
                             "warnings": export.warnings})[1:]


def left_out_airport_note(code: str, flights_using: int) -> str:
    flights_text = "1 flight" if flights_using == 1 else f"{flights_using} flights"
    return (f"{code} is left out of {flights_text}: Logger takes only IATA or ICAO airport codes, "
            f"and {code} is neither (FAA identifiers such as S43 have no ICAO code).")


# --- Import ---------------------------------------------------------------------------------------


STATUS_OF_OUTCOME = {ingest.CREATED: "imported", ingest.UPDATED: "updated", ingest.UNCHANGED: "unchanged",
                     ingest.LINKED: "unchanged", ingest.CHANGED_KEPT: "unchanged", ingest.DUPLICATE: "skipped",
                     ingest.SKIPPED: "skipped", ingest.FAILED: "failed"}


@dataclass
class EntryResult:
    index: int
    import_id: str | None
    status: str  # imported | updated | unchanged | skipped | failed
    flight_id: int | None = None
    problems: list[dict] = field(default_factory=list)
    label: str = ""

    def as_dict(self) -> dict:
        return {"index": self.index, "importId": self.import_id, "status": self.status, "flight_id": self.flight_id,
                "problems": self.problems, "label": self.label}


@dataclass
class ImportResult:
    batch: LogbookImport
    is_utc: bool
    entries: list[EntryResult]
    warnings: list[dict]


def _problem_dicts(problems: list[Problem]) -> list[dict]:
    return [problem.as_dict() for problem in problems]


def _own_exports(owner) -> dict[str, int]:
    """importIds this logbook mints for its non-Logger flights → flight id (to spot our own links pasted back)."""
    rows = Flight.objects.filter(owner=owner).exclude(source=FlightSource.LOGGER).values_list("pk", "external_id")
    return {codec.import_id_for(owner.pk, pk, external_id): pk for pk, external_id in rows}


def _problems_by_index(parsed: codec.ParsedPackage) -> dict[int, list[Problem]]:
    """Each entry's problems, grouped in one pass (asking per entry would rescan them all every time)."""
    grouped: dict[int, list[Problem]] = {}
    for problem in parsed.problems:
        if problem.index is not None:
            grouped.setdefault(problem.index, []).append(problem)
    return grouped


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def entry_label(entry, index: int) -> str:
    """How a pilot recognises an entry: numbered from 1, with its date and route when it has them."""
    if not isinstance(entry, dict):
        return f"entry {index + 1}"
    route = "→".join(code for code in (_text(entry.get("departureAirport")), _text(entry.get("arrivalAirport"))) if code)
    facts = " ".join(part for part in (_text(entry.get("departureDate"))[:10], route[:20]) if part)
    return f"entry {index + 1} ({facts})" if facts else f"entry {index + 1}"


def _record_key(import_id: str | None, index: int) -> str:
    return f"logger:{import_id}" if import_id else f"entries[{index}]"


def check_size(package: dict, max_entries: int) -> None:
    """Refuse a package with more entries than the deployment takes, before any work is done on them."""
    entries = package.get("entries")
    if isinstance(entries, list) and len(entries) > max_entries:
        raise InputError(
            f"this package has {len(entries):,} entries; one import takes at most {max_entries:,}. "
            "Split it into smaller packages and import them one after another.",
            [{"field": "entries", "reason": f"{len(entries)} entries, more than the limit of {max_entries}"}])


def import_package(owner, source: str | dict, *, airports: Airports | None = None,
                   max_entries: int | None = None, preview: bool = False, job=None,
                   report: Callable[..., None] | None = None) -> ImportResult:
    """Parse, validate and store a Logger package (a link, raw or encoded JSON text, or a decoded object).

    Raises `InputError` (`codec.PackageError` among them) when the package as a whole cannot be read
    or is too big; then nothing is recorded. Otherwise returns per-entry results and the `LogbookImport`
    (unsaved for a `preview`: the same import as a dry run, which writes nothing). The entries go through
    the logbook's import loop (`logbook/importing.py`). Run by the `logger.import_package` job (`jobs.py`),
    which passes its `job` and `report` (progress after every batch).
    """
    package = codec.load_package(source)
    check_size(package, max_entries or default_max_entries())
    parsed = codec.validate_package(package)  # all in memory: nothing is written until it is done
    importer = PackageImporter(owner, parsed, airports or default_airports())
    outcome = importing.run_import(owner, importer, dry_run=preview, job=job, progress=report)
    return ImportResult(batch=outcome.run, is_utc=parsed.is_utc, entries=importer.results,
                        warnings=_problem_dicts(parsed.warnings))


class PackageImporter(importing.Importer):
    """A Logger package's part of an import: each valid entry mapped to an `IncomingFlight`
    (`logger:<importId>`), each invalid one refused with its problems, this logbook's own export pasted
    back skipped, and each entry's result kept in the package's order."""

    source = FlightSource.LOGGER
    policy = ingest.UPDATE_BY_ID
    phase = "entries"

    def __init__(self, owner, parsed: codec.ParsedPackage, airports: Airports):
        self.parsed = parsed
        self.airports = airports
        self.problems = _problems_by_index(parsed)
        self.own = _own_exports(owner) if any(isinstance(entry, dict) and isinstance(entry.get("importId"), str)
                                              and _UUID.fullmatch(entry["importId"]) for entry in parsed.entries) else {}
        self.results: list[EntryResult] = []

    def start(self, report: ImportReport) -> None:
        report.logger = LoggerReport(is_utc=self.parsed.is_utc, metadata=self.parsed.metadata, api=codec.API_VERSION)

    def records(self, run):
        parsed = self.parsed
        for index, entry in enumerate(parsed.entries):
            import_id = entry.get("importId") if isinstance(entry, dict) else None
            import_id = import_id if isinstance(import_id, str) else None
            result = EntryResult(index, import_id, "failed", label=entry_label(entry, index))
            self.results.append(result)
            record = _record_key(import_id, index)
            found = self.problems.get(index)
            if found is None:
                external_id = external_id_for(import_id)
                if import_id in self.own and not run.holds(external_id):
                    reason = f"FlightBridge's own export of flight {self.own[import_id]}, which is already in the logbook"
                    yield result, importing.Skip(result.label, "importId", reason, record=record,
                                                 flight_id=self.own[import_id])
                    continue
                mapped = mapping.entry_to_flight(entry, index, is_utc=parsed.is_utc, airports=self.airports)
                if not mapped.problems:
                    yield result, ingest.IncomingFlight(
                        external_id=external_id, source_hash=source_hash(entry), fields={**mapped.fields, "raw": entry},
                        label=result.label, record=record)
                    continue
                found = mapped.problems
            result.problems = _problem_dicts(found)
            yield result, importing.Refusal(result.label, found[0].field, found[0].reason, record=record,
                                            also=tuple((problem.field, problem.reason) for problem in found[1:]))

    def took(self, result: EntryResult, outcome) -> None:
        result.status, result.flight_id = STATUS_OF_OUTCOME[outcome.outcome], outcome.flight_id
        if outcome.outcome == ingest.SKIPPED and outcome.field == "importId":  # our own export, skipped above
            result.problems = [{"index": result.index, "importId": result.import_id, "field": outcome.field,
                                "reason": outcome.reason}]
        elif outcome.outcome == ingest.FAILED and not result.problems:  # refused by the database
            result.problems = [{"index": result.index, "importId": result.import_id, "field": outcome.field,
                                "reason": outcome.reason}]

    def end(self, report: ImportReport) -> None:
        report.logger.entries = [LoggerEntry(index=result.index, import_id=result.import_id, status=result.status,
                                             flight_id=result.flight_id, label=result.label) for result in self.results]
        report.logger.warnings = _problem_dicts(self.parsed.warnings[:ingest.MAX_LISTED])

    def title(self) -> str:
        return "Logger package"
