"""What one import run did, as named fields: the typed form of `LogbookImport.details`.

Every importer's run (MyFlightbook sync, Logger package, logbook file, a flight entered by hand) writes
its report through `ImportReport.to_details` and every reader (the Imports page, the API, Undo, the
Logger export, taking a source's version) reads it through `ImportReport.of(run)`: the keys of the
stored JSON are spelled here and nowhere else.

The stored JSON keeps the keys runs have always had (`outcomes`, `skipped_by_reason`, `isUTC`,
`deleted_on_myflightbook`, …), so a run recorded before this type existed reads through it as it is,
and `GET /api/imports/{id}`'s `details` keeps every key API clients read. A report adds one key of its
own, `counted_reasons` (each reason with the outcome it counted), so a reader never has to recognise an
outcome by its wording; for older runs, `_legacy_counted_reasons` does that once, from the words the
importers used then.

Reading never fails: a value of the wrong shape (a run written by older code, a hand-edited row) reads
as absent, so one odd run never takes down the page that lists it. Pure: no database, no models.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

# Record outcomes as the ingest counts them (`logbook.decision`), in its order.
COUNTED = ("created", "updated", "unchanged", "changed-kept", "linked", "duplicate", "skipped", "failed")
#: The outcomes whose records are in the logbook already (not stored again): listed by reason.
ALREADY_OUTCOMES = ("linked", "duplicate", "skipped")

#: Key of the flights whose source version the pilot took through a run (what each held before: Undo puts it back).
TAKEN_KEY = "taken_from_source"
REPORT_VERSION = 2

# The words older runs counted their unchanged and changed-at-the-source records by (`ingest.Policy`), read
# by `_legacy_counted_reasons` only.
_LEGACY_UNCHANGED = ("unchanged since it was last imported", "already imported")
_LEGACY_CHANGED = ("changed on MyFlightbook since import (kept as imported)",
                   "changed at its source since import (kept as imported)")
_LEGACY_LINKED = "matched an existing flight by date and route (external id filled in)"
_LEGACY_DUPLICATE_PREFIX = "already in the logbook ("
_LEGACY_NEAR_MATCH_PREFIX = "created; flight "
_LEGACY_NAMED_FLIGHT = re.compile(r"(?P<reason>.+): flight (?P<flight_id>\d+)")


@dataclass
class OutcomeCounts:
    """Records of the run by outcome (`logbook.decision`)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_kept: int = 0  # changed at the source, the pilot's copy kept (and listed)
    linked: int = 0  # a flight entered by hand, matched by date and route: its id filled in
    duplicate: int = 0  # the same flight from another source, already in the logbook
    skipped: int = 0  # listed twice, or the importer's own choice (this logbook's own export pasted back)
    failed: int = 0  # refused: the source could not be mapped, or the database refused it

    def by_code(self) -> dict[str, int]:
        """By the ingest's outcome codes (`changed-kept`, …), the keys the run's `outcomes` have always had."""
        return {code: getattr(self, code.replace("-", "_")) for code in COUNTED}

    @property
    def already(self) -> int:
        """Records in the logbook already that the run did not store again (the progress bar's "already")."""
        return self.unchanged + self.changed_kept + self.linked + self.duplicate


@dataclass
class CountedReason:
    """Records the run did not store, counted by the reason they share (the count covers all of them)."""

    outcome: str  # one of COUNTED
    reason: str
    count: int


@dataclass
class SourceFlight:
    """A flight in the logbook the source changed or no longer has (kept as the pilot has it, listed)."""

    record: str
    flight_id: int | None = None  # None only in runs recorded before flights were listed by id
    date: str = ""


@dataclass
class ListedReason:
    """One record the run lists (`LogbookImport.reasons`, bounded), with the outcome it was counted under."""

    record: str
    field: str | None
    reason: str
    outcome: str = "failed"
    label: str = ""
    #: the flight it is (already in the logbook) or resembles (a near match)
    flight_id: int | None = None

    @property
    def name(self) -> str:
        """The record as a page names it: "line 4 (Date)", "line 5 (flight 12)"."""
        detail = self.field or (f"flight {self.flight_id}" if self.flight_id else "")
        return (f"{self.record} ({detail})" if detail else self.record)[:120]


def listed_reasons(items: Any) -> list[ListedReason]:
    """A run's listed reasons, typed. Runs recorded before reasons carried their outcome have it read from
    their words (the importers' words then: `_legacy_listed_outcome`)."""
    listed = []
    for item in _dicts(items):
        reason = str(item.get("reason") or "no reason given")
        outcome = item.get("outcome")
        flight_id = item.get("flight_id") if isinstance(item.get("flight_id"), int) else None
        if outcome not in COUNTED:
            outcome = _legacy_listed_outcome(reason)
            named = _LEGACY_NAMED_FLIGHT.fullmatch(reason) if outcome == "duplicate" else None
            if named:  # "already in the logbook (from MyFlightbook): flight 12"
                reason, flight_id = named["reason"], int(named["flight_id"])
        listed.append(ListedReason(record=str(item.get("record") or item.get("label") or item.get("external_id") or "?"),
                                   field=item.get("field") if isinstance(item.get("field"), str) else None,
                                   reason=reason, outcome=outcome, label=_text(item.get("label")), flight_id=flight_id))
    return listed


@dataclass
class CsvReport:
    """A logbook file's run: its format, the version of that format, notes on the file as a whole."""

    format: str = ""
    version: str = ""
    notes: list[dict] = field(default_factory=list)  # [{row, column, reason}], the first 100


@dataclass
class LoggerEntry:
    """What became of one entry of a Logger package (its problems are in the run's reasons)."""

    index: int
    import_id: str | None
    status: str  # imported | updated | unchanged | skipped | failed
    flight_id: int | None = None
    label: str = ""


@dataclass
class LoggerReport:
    """A Logger package's run: its basis (UTC or local), its metadata, and each entry's result."""

    is_utc: bool | None = None
    metadata: dict = field(default_factory=dict)
    api: str = ""
    entries: list[LoggerEntry] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)


@dataclass
class AircraftTally:
    created: int = 0
    skipped: int = 0
    reasons: list[dict] = field(default_factory=list)  # [{record, field, reason}] of the skipped ones


@dataclass
class CurrencyTally:
    stored: int = 0
    unmapped: list[dict] = field(default_factory=list)  # [{record, field, reason}]


@dataclass
class Tripwire:
    """The quick sync's check: MyFlightbook's whole-logbook totals beside what the syncs have seen."""

    myflightbook: dict | None = None
    seen: dict | None = None


@dataclass
class MyFlightbookReport:
    """A MyFlightbook sync's run: which mode ran and why, and what it did beside the flights."""

    mode: str = ""
    escalated: bool = False
    full_reason: str = ""
    window: dict | None = None
    tripwire: Tripwire = field(default_factory=Tripwire)
    refetched_by_id: int = 0
    pages: int = 0
    aircraft: AircraftTally = field(default_factory=AircraftTally)
    currency: CurrencyTally = field(default_factory=CurrencyTally)
    totals_stored: int = 0


@dataclass
class ImportReport:
    """One run's report: counts, reasons, what changed or went at the source, per-format extras."""

    counts: OutcomeCounts = field(default_factory=OutcomeCounts)
    counted_reasons: list[CountedReason] = field(default_factory=list)
    #: reasons beyond the run's listed ones (`LogbookImport.reasons`, bounded): counted only
    reasons_not_listed: int = 0
    changed_at_source: list[SourceFlight] = field(default_factory=list)
    deleted_at_source: list[SourceFlight] = field(default_factory=list)
    #: all of them, the list above naming the first ones
    deleted_at_source_count: int = 0
    taken_from_source: list[dict] = field(default_factory=list)
    reverted: dict | None = None
    csv: CsvReport | None = None
    logger: LoggerReport | None = None
    myflightbook: MyFlightbookReport | None = None
    #: a flight entered by hand: the flight in words
    entered: str = ""

    # ------------------------------------------------------------------------------------ reading

    @classmethod
    def of(cls, run) -> "ImportReport":
        """The report of a `LogbookImport` (any run, whenever it was recorded)."""
        return cls.from_details(run.details, run.source)

    @classmethod
    def from_details(cls, details: Any, source: str = "") -> "ImportReport":
        details = details if isinstance(details, dict) else {}
        counts = _dict(details.get("outcomes"))
        report = cls(
            counts=OutcomeCounts(**{code.replace("-", "_"): _int(counts.get(code)) for code in COUNTED}),
            reasons_not_listed=_int(details.get("reasons_not_listed")),
            changed_at_source=_source_flights(details.get("changed_on_myflightbook")),
            deleted_at_source=_source_flights(details.get("deleted_on_myflightbook")),
            taken_from_source=_dicts(details.get(TAKEN_KEY)),
            reverted=details.get("reverted") if isinstance(details.get("reverted"), dict) else None,
            entered=_text(details.get("entered")),
        )
        if "outcomes" not in details and isinstance(details.get("backfilled"), int):
            report.counts.linked = details["backfilled"]
        deleted = details.get("deleted_on_myflightbook_count", details.get("deleted_on_myflightbook"))
        report.deleted_at_source_count = max(_int(deleted), len(report.deleted_at_source))
        if isinstance(details.get("counted_reasons"), list):
            report.counted_reasons = [
                CountedReason(outcome, reason, count) for item in _dicts(details["counted_reasons"])
                if (outcome := item.get("outcome")) in COUNTED and isinstance(reason := item.get("reason"), str)
                and (count := _int(item.get("count"))) > 0]
        else:
            report.counted_reasons = _legacy_counted_reasons(_dict(details.get("skipped_by_reason")))
        kind, _, file_format = source.partition(":")
        if kind == "csv":
            report.csv = CsvReport(format=_text(details.get("format")) or file_format,
                                   version=_text(details.get("version")), notes=_dicts(details.get("notes")))
        elif kind == "logger":
            report.logger = _logger_report(details)
        elif kind == "myflightbook":
            report.myflightbook = _myflightbook_report(details)
        return report

    # ------------------------------------------------------------------------------------ writing

    def to_details(self) -> dict:
        """The stored form (`LogbookImport.details`), in the keys runs have always had plus `counted_reasons`."""
        details: dict[str, Any] = {
            "report": REPORT_VERSION,
            "outcomes": self.counts.by_code(),
            "counted_reasons": [asdict(item) for item in self.counted_reasons],
            # Every reason a record was counted under, as the API has always listed them.
            "skipped_by_reason": self.count_by_reason(),
            "backfilled": self.counts.linked,
            "reasons_not_listed": self.reasons_not_listed,
        }
        if self.entered:
            details["entered"] = self.entered
        if self.csv is not None:
            details.update(format=self.csv.format, version=self.csv.version, notes=self.csv.notes)
        if self.logger is not None:
            logger = self.logger
            details.update(isUTC=logger.is_utc, metadata=logger.metadata, api=logger.api, warnings=logger.warnings,
                           entries=[{"index": entry.index, "importId": entry.import_id, "status": entry.status,
                                     "flight_id": entry.flight_id, "label": entry.label} for entry in logger.entries])
        if self.myflightbook is not None:
            sync = self.myflightbook
            details.update(
                pages=sync.pages, mode=sync.mode, escalated=sync.escalated, full_reason=sync.full_reason,
                window=sync.window, tripwire=asdict(sync.tripwire), refetched_by_id=sync.refetched_by_id,
                aircraft=asdict(sync.aircraft), currency=asdict(sync.currency), totals={"stored": sync.totals_stored},
                changed_on_myflightbook=[asdict(item) for item in self.changed_at_source],
                deleted_on_myflightbook=[asdict(item) for item in self.deleted_at_source],
                deleted_on_myflightbook_count=self.deleted_at_source_count)
        if self.taken_from_source:
            details[TAKEN_KEY] = self.taken_from_source
        if self.reverted is not None:
            details["reverted"] = self.reverted
        return details

    # ------------------------------------------------------------------------------------ questions

    def count_by_reason(self) -> dict[str, int]:
        counted: dict[str, int] = {}
        for item in self.counted_reasons:
            counted[item.reason] = counted.get(item.reason, 0) + item.count
        return counted

    def already_by_reason(self) -> list[CountedReason]:
        """The reasons records already in the logbook were not stored again (repeated, linked, the same flight
        from another source, this logbook's own export), most records first."""
        return sorted((item for item in self.counted_reasons if item.outcome in ALREADY_OUTCOMES),
                      key=lambda item: -item.count)

    @property
    def aircraft_created(self) -> int:
        return self.myflightbook.aircraft.created if self.myflightbook else 0


def _int(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _dicts(value) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _source_flights(value) -> list[SourceFlight]:
    return [SourceFlight(record=str(item.get("record") or item.get("external_id") or ""),
                         flight_id=item["flight_id"] if isinstance(item.get("flight_id"), int) else None,
                         date=_text(item.get("date"))) for item in _dicts(value)]


_OUTCOME_ORDER = {code: rank for rank, code in enumerate(COUNTED)}


def _legacy_counted_reasons(by_reason: dict) -> list[CountedReason]:
    """A run recorded before reasons were kept with their outcome: each one's outcome from its words (every
    reason counted by reason was a record not stored: skipped, unless its words say otherwise)."""
    # In the vocabulary's order, then the bigger group first: PostgreSQL's jsonb keeps no key order, so the order
    # the reasons were stored in is not the order they come back in.
    counted = [CountedReason(_legacy_outcome(reason, otherwise="skipped"), reason, count)
               for reason, count in by_reason.items() if isinstance(reason, str) and _int(count)]
    return sorted(counted, key=lambda item: (_OUTCOME_ORDER.get(item.outcome, len(_OUTCOME_ORDER)), -item.count, item.reason))


def _legacy_listed_outcome(reason: str) -> str:
    """A listed record's outcome from its words (a listed record was refused, unless its words say otherwise)."""
    if reason.startswith(_LEGACY_NEAR_MATCH_PREFIX):
        return "created"
    return _legacy_outcome(reason, otherwise="failed")


def _legacy_outcome(reason: str, *, otherwise: str) -> str:
    if reason in _LEGACY_UNCHANGED:
        return "unchanged"
    if reason in _LEGACY_CHANGED:
        return "changed-kept"
    if reason == _LEGACY_LINKED:
        return "linked"
    if reason.startswith(_LEGACY_DUPLICATE_PREFIX):
        return "duplicate"
    return otherwise


def _logger_report(details: dict) -> LoggerReport:
    is_utc = details.get("isUTC")
    entries = [LoggerEntry(index=_int(item.get("index")), import_id=item["importId"] if isinstance(item.get("importId"), str) else None,
                           status=_text(item.get("status")), flight_id=item["flight_id"] if isinstance(item.get("flight_id"), int) else None,
                           label=_text(item.get("label")))
               for item in _dicts(details.get("entries"))]
    return LoggerReport(is_utc=is_utc if isinstance(is_utc, bool) else None, metadata=_dict(details.get("metadata")),
                        api=str(details.get("api") or ""), entries=entries, warnings=_dicts(details.get("warnings")))


def _myflightbook_report(details: dict) -> MyFlightbookReport:
    aircraft, currency, tripwire = _dict(details.get("aircraft")), _dict(details.get("currency")), _dict(details.get("tripwire"))
    window = details.get("window")
    return MyFlightbookReport(
        mode=_text(details.get("mode")), escalated=details.get("escalated") is True, full_reason=_text(details.get("full_reason")),
        window=window if isinstance(window, dict) else None,
        tripwire=Tripwire(myflightbook=tripwire.get("myflightbook") if isinstance(tripwire.get("myflightbook"), dict) else None,
                          seen=tripwire.get("seen") if isinstance(tripwire.get("seen"), dict) else None),
        refetched_by_id=_int(details.get("refetched_by_id")), pages=_int(details.get("pages")),
        aircraft=AircraftTally(created=_int(aircraft.get("created")), skipped=_int(aircraft.get("skipped")),
                               reasons=_dicts(aircraft.get("reasons"))),
        currency=CurrencyTally(stored=_int(currency.get("stored")), unmapped=_dicts(currency.get("unmapped"))),
        totals_stored=_int(_dict(details.get("totals")).get("stored")))
