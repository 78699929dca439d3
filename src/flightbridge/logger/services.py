"""Export a pilot's flights as Logger deep links, and import Logger packages into the logbook.

The import stores each valid entry as a `Flight` (source "logger", external_id "logger:<importId>",
raw = the entry), updates the flight an importId created before (Logger's own rule), and rejects
invalid entries one by one while the valid ones still land. It runs in one transaction with a
savepoint per entry: a package never leaves a half-written flight, and an unexpected failure leaves
the logbook as it was and the `LogbookImport` marked failed. The export never writes anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db import DatabaseError, transaction

from flightbridge import __version__
from flightbridge.errors import InputError
from flightbridge.logbook import services as logbook_services
from flightbridge.logbook.models import Flight, FlightSource, ImportStatus, LogbookImport
from flightbridge.registry.interfaces import Airports

from . import codec, mapping
from .codec import DeepLink, Problem

MAX_LINK_LENGTH_VARIABLE = "FLIGHTBRIDGE_LOGGER_MAX_LINK_LENGTH"
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


def _raw_is_utc(flight: Flight) -> bool | None:
    """The basis (UTC or local) of the Logger package a flight's `raw` came from, if we know it."""
    batch = flight.import_batch
    value = (batch.details or {}).get("isUTC") if batch is not None else None
    return value if isinstance(value, bool) else None


def export_flights(owner, *, date_from: date | None = None, date_to: date | None = None, local: bool = False,
                   flight_ids: list[int] | None = None, max_length: int | None = None,
                   airports: Airports | None = None) -> ExportResult:
    """The owner's flights (a date range, or chosen ids), oldest first, as complete Logger packages."""
    airports = _CachedAirports(airports or default_airports())
    max_length = max_length or default_max_link_length()
    flights = logbook_services.flights_for(owner, date_from, date_to).select_related("import_batch").order_by("date", "id")
    if flight_ids is not None:
        flights = flights.filter(pk__in=flight_ids)
    is_utc = not local
    entries, warnings, dates = [], [], []
    left_out: Counter[str] = Counter()
    count = 0
    for flight in flights.iterator(chunk_size=2000):
        count += 1
        exported = mapping.flight_to_entry(flight, is_utc=is_utc, airports=airports,
                                           raw_is_utc=_raw_is_utc(flight) if mapping.is_logger_flight(flight) else None)
        entries.append(exported.entry)
        dates.append(flight.date)
        warnings.extend(exported.warnings)
        left_out.update(set(exported.left_out_airports))
    # One sentence per airport, however many flights use it: a pilot with 300 flights from S43 reads it once.
    warnings[:0] = [left_out_airport_note(code, flights_using) for code, flights_using in sorted(left_out.items())]
    metadata = codec.build_metadata(is_utc=is_utc, app_version=__version__)
    links = codec.build_deep_links(entries, metadata, max_length=max_length)
    link_dates, start = [], 0
    for link in links:
        link_dates.append((dates[start], dates[start + link.entries - 1]))
        if link.oversized:
            warnings.append(f"The flight of {dates[start].isoformat()} alone is {link.length} characters, over the "
                            f"{max_length}-character limit, so it has a link of its own.")
        start += link.entries
    return ExportResult(links=links, is_utc=is_utc, max_length=max_length, flights=count, warnings=warnings,
                        link_dates=link_dates)


def left_out_airport_note(code: str, flights_using: int) -> str:
    flights_text = "1 flight" if flights_using == 1 else f"{flights_using} flights"
    return (f"{code} is left out of {flights_text}: Logger takes only IATA or ICAO airport codes, "
            f"and {code} is neither (FAA identifiers such as S43 have no ICAO code).")


# --- Import ---------------------------------------------------------------------------------------


@dataclass
class EntryResult:
    index: int
    import_id: str | None
    status: str  # imported | updated | skipped | failed
    flight_id: int | None = None
    problems: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"index": self.index, "importId": self.import_id, "status": self.status, "flight_id": self.flight_id,
                "problems": self.problems}


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


def _existing(owner, external_ids: list[str]) -> dict[str, Flight]:
    found: dict[str, Flight] = {}
    for start in range(0, len(external_ids), 500):
        chunk = external_ids[start:start + 500]
        found.update({flight.external_id: flight for flight in Flight.objects.filter(owner=owner, external_id__in=chunk)})
    return found


def import_package(owner, source: str | dict, *, airports: Airports | None = None) -> ImportResult:
    """Parse, validate and store a Logger package (a link, raw or encoded JSON text, or a decoded object).

    Raises `codec.PackageError` (an `InputError`) when the package as a whole cannot be read; then
    nothing is recorded. Otherwise returns per-entry results and the `LogbookImport` run.
    """
    airports = airports or default_airports()
    parsed = codec.parse_package(source)
    is_utc = parsed.is_utc
    batch = LogbookImport.objects.create(owner=owner, source=FlightSource.LOGGER,
                                         details={"isUTC": is_utc, "metadata": parsed.metadata, "api": codec.API_VERSION})
    results: list[EntryResult] = []
    try:
        with transaction.atomic():
            valid = parsed.valid_entries()
            ids = {index: external_id_for(entry["importId"]) for index, entry in valid}
            existing = _existing(owner, list(ids.values()))
            own = _own_exports(owner) if any(_UUID.fullmatch(entry["importId"]) for _i, entry in valid) else {}
            valid_by_index = dict(valid)
            for index, entry in enumerate(parsed.entries):
                import_id = entry.get("importId") if isinstance(entry, dict) else None
                import_id = import_id if isinstance(import_id, str) else None
                if index not in valid_by_index:
                    results.append(EntryResult(index, import_id, "failed", problems=_problem_dicts(parsed.problems_for(index))))
                    continue
                external_id = ids[index]
                if external_id not in existing and import_id in own:
                    results.append(EntryResult(index, import_id, "skipped", flight_id=own[import_id], problems=[{
                        "index": index, "importId": import_id, "field": "importId",
                        "reason": f"FlightBridge's own export of flight {own[import_id]}, which is already in the logbook"}]))
                    continue
                mapped = mapping.entry_to_flight(entry, index, is_utc=is_utc, airports=airports)
                if mapped.problems:
                    results.append(EntryResult(index, import_id, "failed", problems=_problem_dicts(mapped.problems)))
                    continue
                results.append(_store(owner, batch, entry, external_id, mapped.fields, existing, index))
            _record_counts(batch, results, parsed)
    except Exception as exc:
        logbook_services.finish_import(batch, ImportStatus.FAILED, message=f"Import stopped, nothing was stored: {exc}")
        raise
    stored = sum(result.status in ("imported", "updated") for result in results)
    failed = sum(result.status == "failed" for result in results)
    final = ImportStatus.FAILED if failed and not stored else ImportStatus.COMPLETED
    logbook_services.finish_import(batch, final, message=_summary(results))
    return ImportResult(batch=batch, is_utc=is_utc, entries=results, warnings=_problem_dicts(parsed.warnings))


def _store(owner, batch: LogbookImport, entry: dict, external_id: str, fields: dict, existing: dict, index: int) -> EntryResult:
    import_id = entry["importId"]
    values = {**fields, "raw": entry, "source_hash": source_hash(entry), "import_batch": batch,
              "source": FlightSource.LOGGER}
    try:
        with transaction.atomic():
            flight = existing.get(external_id)
            if flight is not None:  # the same importId again: update, as Logger does
                for name, value in values.items():
                    setattr(flight, name, value)
                flight.save()
                status = "updated"
            else:
                flight = Flight.objects.create(owner=owner, external_id=external_id, **values)
                existing[external_id] = flight
                status = "imported"
    except DatabaseError as exc:
        # Validation should have caught anything a database refuses; if one slips through, this entry
        # alone fails (its savepoint is rolled back) and the rest of the package still imports.
        reason = f"the database refused it ({type(exc).__name__})"
        return EntryResult(index, import_id, "failed", problems=[{"index": index, "importId": import_id, "field": None,
                                                                  "reason": reason}])
    return EntryResult(index, import_id, status, flight_id=flight.pk)


def _record_counts(batch: LogbookImport, results: list[EntryResult], parsed: codec.ParsedPackage) -> None:
    reasons = []
    for result in results:
        if result.status in ("failed", "skipped"):
            record = f"logger:{result.import_id}" if result.import_id else f"entries[{result.index}]"
            reasons.extend({"record": record, "field": problem.get("field"), "reason": problem["reason"]}
                           for problem in result.problems)
    counts = {status: sum(result.status == status for result in results) for status in ("imported", "updated", "skipped", "failed")}
    details = {**batch.details, "entries": [result.as_dict() for result in results],
               "warnings": _problem_dicts(parsed.warnings)}
    LogbookImport.objects.filter(pk=batch.pk).update(reasons=reasons, details=details, **counts)
    batch.refresh_from_db()


def _summary(results: list[EntryResult]) -> str:
    counts = {status: sum(result.status == status for result in results) for status in ("imported", "updated", "skipped", "failed")}
    return (f"Logger package: {counts['imported']} imported, {counts['updated']} updated, "
            f"{counts['skipped']} skipped, {counts['failed']} rejected.")
