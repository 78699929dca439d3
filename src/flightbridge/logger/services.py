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
from flightbridge.logbook import ingest, outcomes
from flightbridge.logbook import services as logbook_services
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
            details = LogbookImport.objects.filter(pk=batch_id).values_list("details", flat=True).first() or {}
            value = details.get("isUTC") if isinstance(details, dict) else None
            self._basis[batch_id] = value if isinstance(value, bool) else None
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
STATUSES = ("imported", "updated", "unchanged", "skipped", "failed")


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

    def as_stored(self) -> dict:
        """What the run keeps of it: the problems are in the run's (bounded) reasons already; the label lets the
        import page list the entries of a run that ran as a job."""
        return {"index": self.index, "importId": self.import_id, "status": self.status, "flight_id": self.flight_id,
                "label": self.label}


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
    (unsaved for a `preview`: the same import as a dry run, which writes nothing). Run by the
    `logger.import_package` job (`jobs.py`), which passes its `job` and `report` (progress after every batch).
    """
    airports = airports or default_airports()
    package = codec.load_package(source)
    check_size(package, max_entries or default_max_entries())
    parsed = codec.validate_package(package)  # all in memory: nothing is written until it is done
    problems = _problems_by_index(parsed)
    is_utc = parsed.is_utc
    own = _own_exports(owner) if any(isinstance(entry, dict) and isinstance(entry.get("importId"), str)
                                     and _UUID.fullmatch(entry["importId"]) for entry in parsed.entries) else {}
    run = ingest.open_run(owner, FlightSource.LOGGER, policy=ingest.UPDATE_BY_ID,
                          details={"isUTC": is_utc, "metadata": parsed.metadata, "api": codec.API_VERSION}, dry_run=preview,
                          job=job)
    results: list[EntryResult] = []
    try:
        for start in range(0, len(parsed.entries), run.batch_size):
            results.extend(_import_batch(run, parsed, start, problems, own, airports))
            run.save_progress()
            if report is not None:
                counts = run.counts
                report(phase="entries", run_id=run.id, rows_read=len(results), created=counts.created,
                       updated=counts.updated, unchanged=counts.unchanged, refused=counts.failed,
                       skipped=counts.skipped + counts.duplicate)
    except Exception as exc:
        stored = run.counts.created + run.counts.updated
        kept = f"the {stored} flight(s) stored before it are kept" if stored else "nothing was stored"
        run.fail(f"Import stopped, {kept}: {exc}")
        raise
    counts = run.counts
    run.details["entries"] = [result.as_stored() for result in results]
    run.details["warnings"] = _problem_dicts(parsed.warnings[:ingest.MAX_LISTED])
    message = _summary(results)
    if counts.failed and not (counts.created or counts.updated or counts.unchanged):
        batch = run.fail(message)
    else:
        batch = run.finish(message)
    return ImportResult(batch=batch, is_utc=is_utc, entries=results, warnings=_problem_dicts(parsed.warnings))


def _import_batch(run: ingest.IngestRun, parsed: codec.ParsedPackage, start: int, problems: dict[int, list[Problem]],
                  own: dict[str, int], airports: Airports) -> list[EntryResult]:
    """Map entries[start:start + batch size] and store the valid ones in one ingest batch."""
    results: list[EntryResult] = []
    incoming: list[tuple[EntryResult, ingest.IncomingFlight]] = []
    for index in range(start, min(start + run.batch_size, len(parsed.entries))):
        entry = parsed.entries[index]
        import_id = entry.get("importId") if isinstance(entry, dict) else None
        import_id = import_id if isinstance(import_id, str) else None
        result = EntryResult(index, import_id, "failed", label=entry_label(entry, index))
        results.append(result)
        record = _record_key(import_id, index)
        found = problems.get(index)
        if found is None:
            external_id = external_id_for(import_id)
            if import_id in own and not run.holds(external_id):
                reason = f"FlightBridge's own export of flight {own[import_id]}, which is already in the logbook"
                run.skip(result.label, "importId", reason, record=record, flight_id=own[import_id])
                result.status, result.flight_id = "skipped", own[import_id]
                result.problems = [{"index": index, "importId": import_id, "field": "importId", "reason": reason}]
                continue
            mapped = mapping.entry_to_flight(entry, index, is_utc=parsed.is_utc, airports=airports)
            if not mapped.problems:
                incoming.append((result, ingest.IncomingFlight(
                    external_id=external_id, source_hash=source_hash(entry), fields={**mapped.fields, "raw": entry},
                    label=result.label, record=record)))
                continue
            found = mapped.problems
        result.problems = _problem_dicts(found)
        run.refuse(result.label, found[0].field, found[0].reason, record=record,
                   also=[(problem.field, problem.reason) for problem in found[1:]])
    outcome = run.store_batch([flight for _, flight in incoming])
    for (result, _), stored in zip(incoming, outcome):
        result.status, result.flight_id = STATUS_OF_OUTCOME[stored.outcome], stored.flight_id
        if stored.outcome == ingest.FAILED:
            result.problems = [{"index": result.index, "importId": result.import_id, "field": stored.field,
                                "reason": stored.reason}]
    return results


def _summary(results: list[EntryResult]) -> str:
    counts = {status: sum(result.status == status for result in results) for status in STATUSES}
    return f"Logger package: {outcomes.sentence(counts)}."
