"""The one path by which imported flights enter the logbook, for every source (MyFlightbook, Logger, CSV).

A caller maps its records to `IncomingFlight`s (plain data, no model instances), opens an import run
(`open_run`), hands over batches (`IngestRun.store_batch`), names what it could not map
(`IngestRun.refuse`) and ends the run (`finish` / `fail`). What each record is to the logbook is decided
by `decision.py` (by external id, digest, a hand-entered flight's route key, the same flight from another
source; a per-source `Policy` for a changed one); this module looks up what the decision needs, once a
batch, and writes what it decided:

- Each batch (at most `BATCH_SIZE` records) is one transaction; a record the database refuses is
  retried alone in a savepoint so only that record is lost. No transaction spans a whole package or
  sync, so another pilot's write never waits behind a long import.
- Undo's bookkeeping: a flight remembers the run that created it (`created_by_run`) apart from the
  last run that wrote it (`import_batch`), so undoing a run removes what it created and can say which
  of those a later run has since updated.
- A dry run (`open_run(..., dry_run=True)`, every preview) is the same code writing nothing: what it would
  have written is kept in memory (`_DryWrites`), so a preview cannot disagree with the import.

It must never overwrite a flight the policy says is the pilot's, keep an unbounded list in memory (a dry
run holds what it would write: one file's or package's records, both capped) or in a run's details, or
write anything but flights and the run's own row.
"""

from __future__ import annotations

import logging
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from types import SimpleNamespace
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from django.db import DatabaseError, connections, router, transaction
from django.utils import timezone

from flightbridge.bulk import insert_rows
from flightbridge.logbook import decision
from flightbridge.logbook.aircraft import aircraft_ids_for_tails
from flightbridge.logbook.decision import Candidates, Decider, judge_match
from flightbridge.logbook.flightcheck import stored_check
from flightbridge.logbook.import_report import CountedReason, ImportReport, OutcomeCounts, SourceFlight
from flightbridge.logbook.models import Flight, FlightSource, ImportStatus, LogbookImport, route_key
from flightbridge.logbook.services import UNCHANGED_WORDS, UNCHANGED_WORDS_MYFLIGHTBOOK, finish_import

log = logging.getLogger(__name__)

BATCH_SIZE = 500  # records per transaction: short enough that no writer waits long behind one
MAX_LISTED = 1000  # reasons and changed flights listed per run; beyond that they are only counted

# Record outcomes and the decision itself live in `decision.py`; re-exported here for the importers.
CREATED, UPDATED, UNCHANGED, CHANGED_KEPT = decision.CREATED, decision.UPDATED, decision.UNCHANGED, decision.CHANGED_KEPT
LINKED, DUPLICATE, SKIPPED, FAILED = decision.LINKED, decision.DUPLICATE, decision.SKIPPED, decision.FAILED
OUTCOMES = decision.OUTCOMES
LINKED_REASON = decision.LINKED_REASON
REPEATED_REASON = "listed twice in one batch"


@dataclass(frozen=True)
class Policy:
    """What a source's re-import does to a flight already in the logbook."""

    name: str
    #: a matched record whose source changed: overwrite it (True) or keep the pilot's copy and list it
    update_changed: bool
    #: "changed" means any stored field differs (True) or the source digest differs (False)
    compare_fields: bool
    #: rows without an external id may be matched by `date:departure:destination`
    match_legacy: bool
    #: the run's `skipped` count includes unchanged and changed-kept records (MyFlightbook's historical count)
    skipped_includes_unchanged: bool = False
    unchanged_reason: str = UNCHANGED_WORDS
    changed_reason: str = "changed at its source since import (kept as imported)"
    repeated_reason: str = REPEATED_REASON


#: MyFlightbook: a flight, once imported, is the pilot's; a change on MyFlightbook is listed, not applied.
KEEP_PILOTS_COPY = Policy(
    "keep-pilots-copy", update_changed=False, compare_fields=False, match_legacy=True, skipped_includes_unchanged=True,
    unchanged_reason=UNCHANGED_WORDS_MYFLIGHTBOOK, changed_reason="changed on MyFlightbook since import (kept as imported)",
    repeated_reason="listed twice by MyFlightbook on one page",
)
#: Logger: the same importId again replaces the flight, as Logger itself does; identical is unchanged.
UPDATE_BY_ID = Policy("update-by-id", update_changed=True, compare_fields=True, match_legacy=False)
#: A file of rows (CSV): update when the record's digest differs, unchanged when it is equal.
UPDATE_WHEN_CHANGED = Policy("update-when-changed", update_changed=True, compare_fields=False, match_legacy=True)

#: A flight the pilot entered by hand: always a new flight. It has no id or digest to be recognised by,
#: and is never linked by date and route to a flight already here (two flights a day on one route are
#: real); a later MyFlightbook sync links its copy to this one by date and route (KEEP_PILOTS_COPY).
ENTERED_BY_HAND = Policy("entered-by-hand", update_changed=False, compare_fields=False, match_legacy=False)

POLICIES = {FlightSource.MYFLIGHTBOOK: KEEP_PILOTS_COPY, FlightSource.LOGGER: UPDATE_BY_ID,
            FlightSource.MANUAL: ENTERED_BY_HAND}
#: The pilot asked for the source's newer version of a flight a run listed as changed: update it.
TAKE_SOURCE_VERSION = Policy("take-source-version", update_changed=True, compare_fields=False, match_legacy=False)


@dataclass(frozen=True)
class IncomingFlight:
    """One mapped record from a source, ready to store.

    `fields` are `Flight` field values (including `raw`, the record as received); `label` names the
    record in words a pilot recognises ("entry 3 (2024-05-01 KPAO→KSQL)"); `record` is the stable key
    listed in the run's reasons (defaults to the external id, else the label).
    """

    external_id: str | None
    source_hash: str
    fields: dict
    label: str
    record: str | None = None

    @property
    def key(self) -> str:
        return self.record or self.external_id or self.label

    @property
    def route_key(self) -> str | None:
        """`date:departure:destination`, the key rows had before external ids."""
        return decision.incoming_route_key(self.fields)


@dataclass(frozen=True)
class RecordOutcome:
    label: str
    record: str
    outcome: str
    flight_id: int | None = None
    field: str | None = None
    reason: str = ""


@dataclass
class BatchOutcome:
    records: list[RecordOutcome] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(record.outcome for record in self.records)
        return {outcome: counted[outcome] for outcome in OUTCOMES}

    def __iter__(self):
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)


@dataclass
class RunCounts:
    """Running counts of one import run, and its bounded lists of reasons and changed flights."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_kept: int = 0
    linked: int = 0
    duplicate: int = 0
    skipped: int = 0
    failed: int = 0
    #: records counted by (outcome, reason): each reason a record was not stored under, with its outcome
    by_reason: Counter = field(default_factory=Counter)
    reasons: list[dict] = field(default_factory=list)
    changed: list[SourceFlight] = field(default_factory=list)
    unlisted: int = 0

    def note(self, record: str, field_name: str | None, reason: str, label: str | None = None, *,
             outcome: str = FAILED, flight_id: int | None = None) -> None:
        """List a record with its reason, the outcome it was counted under and the flight it is (or resembles)."""
        if len(self.reasons) >= MAX_LISTED:
            self.unlisted += 1
            return
        entry = {"record": record, "field": field_name, "reason": reason, "outcome": outcome}
        if label and label != record:
            entry["label"] = label
        if flight_id is not None:
            entry["flight_id"] = flight_id
        self.reasons.append(entry)

    def as_dict(self) -> dict[str, int]:
        return {CREATED: self.created, UPDATED: self.updated, UNCHANGED: self.unchanged, CHANGED_KEPT: self.changed_kept,
                LINKED: self.linked, DUPLICATE: self.duplicate, SKIPPED: self.skipped, FAILED: self.failed}

    def outcomes(self) -> OutcomeCounts:
        return OutcomeCounts(created=self.created, updated=self.updated, unchanged=self.unchanged,
                             changed_kept=self.changed_kept, linked=self.linked, duplicate=self.duplicate,
                             skipped=self.skipped, failed=self.failed)

    def counted_reasons(self) -> list[CountedReason]:
        return [CountedReason(outcome, reason, count) for (outcome, reason), count in self.by_reason.items()]


@dataclass(frozen=True)
class Recheck:
    """What one lookup of a page's external ids found (`IngestRun.recheck`)."""

    #: per key: the stored flight's id when the record is stored unchanged (counted already), else None
    unchanged: list[int | None]
    #: the external ids asked about that are in the logbook already
    stored: frozenset[str] = frozenset()
    #: of those, the ones marked deleted at the source
    marked_deleted: frozenset[str] = frozenset()
    #: flight ids among them holding a newer source version the pilot has not taken
    pending: frozenset[int] = frozenset()


class IngestRun:
    """One import run: stores batches of incoming flights and keeps the run's row up to date."""

    def __init__(self, record: LogbookImport, policy: Policy | None = None, *, batch_size: int | None = None,
                 dry_run: bool = False, report: ImportReport | None = None):
        self.record = record
        self.owner = record.owner
        self.source = record.source
        self.policy = policy or POLICIES.get(record.source, UPDATE_WHEN_CHANGED)
        self.batch_size = batch_size or BATCH_SIZE
        self.counts = RunCounts()
        self.decider = Decider(self.policy, self.source)
        #: the run's report (`import_report.py`): the caller fills in its format's part, the run its counts
        self.report = report or ImportReport.of(record)
        #: {upper-case tail: aircraft id} of the chunk being stored: each flight links to its aircraft
        self._aircraft_ids: dict[str, int] = {}
        #: A dry run (every preview) decides and counts exactly as the store does but writes nothing: what it
        #: would have written is kept in memory (`_DryWrites`) so later batches see it as the store's would.
        self.dry = _DryWrites(keep_fields=self.policy.compare_fields) if dry_run else None

    @property
    def dry_run(self) -> bool:
        return self.dry is not None

    @property
    def id(self) -> int:
        return self.record.pk

    # ------------------------------------------------------------------------------ the caller's API

    def holds(self, external_id: str) -> bool:
        """A flight with this external id is in the logbook (or, in a dry run, would be by now)."""
        return bool(self._existing_by_external_id([external_id]))

    def store_batch(self, flights: Sequence[IncomingFlight]) -> BatchOutcome:
        """Dedupe and store `flights`, `batch_size` at a time, each chunk in its own transaction."""
        outcome = BatchOutcome()
        for start in range(0, len(flights), self.batch_size):
            outcome.records.extend(self._store_chunk(flights[start:start + self.batch_size]))
        return outcome

    def recheck(self, keys: Sequence[tuple[str, str] | None], *, also: Iterable[str] = ()) -> "Recheck":
        """Before the caller maps its records: which of them, given as (external id, digest) or None,
        are stored unchanged (or repeat, later in `keys`, one that is), as the stored flight's id (None
        for the rest). They are counted here exactly as `store_batch` would count them, so the caller
        need not map or send them: an unchanged re-check then costs a digest and one query a page
        (issue 15, cost per flight). An unchanged flight is listed by its source again, so it is no
        longer marked deleted there and has no newer version there to offer: both are cleared, with a
        write only for the flights that need it. Only for policies that compare digests; otherwise
        nothing is skipped (what is stored is still told).

        The answer also says which of the external ids (those in `keys` and in `also`, the records
        the caller could not digest) are in the logbook already, and their marks, so the caller need
        not ask again.
        """
        skipped: list[int | None] = [None] * len(keys)
        external_ids = {key[0] for key in keys if key is not None}
        external_ids.update(also)
        if not external_ids or self.dry_run:
            return Recheck(skipped)
        stored: dict[str, tuple[str, int]] = {}
        marked_deleted: set[str] = set()
        pending: set[int] = set()
        for external_id, digest, flight_id, is_marked_deleted, has_source_version in _stored_versions(self.owner.pk, external_ids):
            stored[external_id] = (digest, flight_id)
            if is_marked_deleted:
                marked_deleted.add(external_id)
            if has_source_version:
                pending.add(flight_id)
        first: dict[str, int | None] = {}
        counts = self.counts
        revived: list[str] = []
        settled: list[int] = []
        for position, key in enumerate(keys):
            if key is None or self.policy.compare_fields:
                continue
            external_id, digest = key
            if external_id in first:
                if first[external_id] is not None:  # a repeat of a record counted here: counted as a repeat
                    skipped[position] = first[external_id]
                    counts.skipped += 1
                    counts.by_reason[SKIPPED, self.policy.repeated_reason] += 1
                continue  # otherwise store_batch sees both and counts the repeat itself
            stored_digest, flight_id = stored.get(external_id, (None, None))
            # The store's own judgement (`decision.judge_match`), on what the lookup read of the flight.
            unchanged = flight_id is not None and judge_match(
                self.policy, digest, None, _Digest(stored_digest)) == UNCHANGED
            first[external_id] = flight_id if unchanged else None
            if unchanged:
                skipped[position] = flight_id
                counts.unchanged += 1
                counts.by_reason[UNCHANGED, self.policy.unchanged_reason] += 1
                if external_id in marked_deleted:
                    revived.append(external_id)
                if flight_id in pending:
                    settled.append(flight_id)
        if revived:
            self.note_present_at_source(revived)
        if settled:
            self.keep_source_versions({}, current=settled)
        return Recheck(skipped, stored=frozenset(stored), marked_deleted=frozenset(marked_deleted),
                       pending=frozenset(pending))

    def refuse(self, label: str, field_name: str | None, reason: str, *, record: str | None = None,
               also: Iterable[tuple[str | None, str]] = ()) -> RecordOutcome:
        """A record the source could not map: counted once as failed, listed with its reason (and any
        further (field, reason) problems of the same record in `also`)."""
        self.counts.failed += 1
        self.counts.note(record or label, field_name, reason, label)
        for other_field, other_reason in also:
            self.counts.note(record or label, other_field, other_reason, label)
        return RecordOutcome(label, record or label, FAILED, field=field_name, reason=reason)

    def skip(self, label: str, field_name: str | None, reason: str, *, record: str | None = None,
             flight_id: int | None = None) -> RecordOutcome:
        """A record the caller chose not to store (e.g. the logbook's own export pasted back)."""
        self.counts.skipped += 1
        self.counts.by_reason[SKIPPED, reason] += 1
        self.counts.note(record or label, field_name, reason, label, outcome=SKIPPED, flight_id=flight_id)
        return RecordOutcome(label, record or label, SKIPPED, flight_id=flight_id, field=field_name, reason=reason)

    def save_progress(self) -> None:
        """Write the running counts, the bounded reasons and the report to the run's row."""
        counts, policy = self.counts, self.policy
        skipped = counts.skipped + counts.linked + counts.duplicate
        if policy.skipped_includes_unchanged:
            skipped += counts.unchanged + counts.changed_kept
        report = self.report
        report.counts = counts.outcomes()
        report.counted_reasons = counts.counted_reasons()
        report.reasons_not_listed = counts.unlisted
        if counts.changed:
            report.changed_at_source = list(counts.changed)
        values = {"imported": counts.created, "updated": counts.updated, "unchanged": counts.unchanged,
                  "skipped": skipped, "failed": counts.failed, "changed_at_source": counts.changed_kept,
                  "reasons": counts.reasons, "details": report.to_details()}
        if not self.dry_run:
            LogbookImport.objects.filter(pk=self.record.pk).update(**values)
        for name, value in values.items():
            setattr(self.record, name, value)

    def finish(self, message: str) -> LogbookImport:
        return self._end(ImportStatus.COMPLETED, message)

    def fail(self, message: str) -> LogbookImport:
        return self._end(ImportStatus.FAILED, message)

    def _end(self, status: str, message: str) -> LogbookImport:
        self.save_progress()
        if self.dry_run:
            self.record.status, self.record.message = status, message
        else:
            finish_import(self.record, status, message=message)
        return self.record

    # ------------------------------------------------------------------------------------ dedupe

    def _store_chunk(self, flights: Sequence[IncomingFlight]) -> list[RecordOutcome]:
        self._aircraft_ids = aircraft_ids_for_tails(self.owner, {f.fields.get("tail_number") for f in flights})
        found = self._candidates(flights)
        decide = self.decider.batch().decide
        results: list[RecordOutcome | None] = [None] * len(flights)
        creates: list[tuple[int, IncomingFlight]] = []
        updates: list[tuple[int, IncomingFlight, Any]] = []
        near: dict[int, Any] = {}
        with self._atomic():
            for position, incoming in enumerate(flights):
                decided = decide(incoming, found)
                outcome = decided.outcome
                if outcome == SKIPPED:
                    results[position] = self._quiet(incoming, SKIPPED, None, decided.reason)
                elif outcome == UNCHANGED:
                    if incoming.external_id and not decided.existing.external_id:
                        # Found by digest: remember its id so the next import finds it by id.
                        self._remember_id(decided.existing, incoming.external_id)
                    results[position] = self._quiet(incoming, UNCHANGED, decided.flight_id, decided.reason)
                elif outcome == CHANGED_KEPT:
                    results[position] = self._changed_kept(incoming, decided.existing)
                elif outcome == UPDATED:
                    updates.append((position, incoming, decided.existing))
                elif outcome == LINKED and self._link(decided.flight_id, incoming):
                    results[position] = self._linked(incoming, decided.flight_id)
                elif outcome == DUPLICATE:
                    results[position] = self._duplicate(incoming, decided)
                else:
                    creates.append((position, incoming))
                    if decided.near is not None:
                        near[position] = decided
            for position, outcome in self._create(creates):
                if position in near and outcome.outcome == CREATED:
                    outcome = replace(outcome, reason=near[position].reason)
                    self.counts.note(flights[position].key, None, outcome.reason, flights[position].label,
                                     outcome=CREATED, flight_id=near[position].near.pk)
                results[position] = outcome
            for position, outcome in self._update(updates):
                results[position] = outcome
        return [result for result in results if result is not None]

    def _candidates(self, flights: Sequence[IncomingFlight]) -> Candidates:
        """What the logbook holds that these records could be: one query for each kind of match."""
        found = Candidates(by_external=self._existing_by_external_id([f.external_id for f in flights if f.external_id]))
        unmatched = [f for f in flights if not (f.external_id and f.external_id in found.by_external)]
        found.by_digest = self._existing_by_digest([f.source_hash for f in unmatched if f.source_hash])
        by_content = [f for f in unmatched if f.source_hash not in found.by_digest]
        if by_content:
            found.legacy, found.same_day = self._same_day(by_content)
        return found

    def _existing_by_external_id(self, external_ids: list[str]) -> dict[str, Any]:
        if not external_ids:
            return {}
        # No ORDER BY: Flight's default ordering (-date) made SQLite walk the owner's whole logbook by
        # (owner, date) instead of looking the ids up in the unique (owner, external_id) index (issue 15).
        rows = Flight.objects.filter(owner=self.owner, external_id__in=external_ids).order_by()
        found = {flight.external_id: flight for flight in rows}
        if self.dry_run:
            found.update(self.dry.by_external(external_ids))
        return found

    def _existing_by_digest(self, digests: list[str]) -> dict[str, Any]:
        """Stored rows without an external id whose record had this digest: the same record again."""
        if not digests:
            return {}
        # Sorted here, not in SQL: an ORDER BY id made SQLite walk the owner's rows by id instead of using
        # the (owner, source_hash) index for rows without an external id (issue 15). The oldest row wins.
        rows = Flight.objects.filter(owner=self.owner, external_id__isnull=True, source_hash__in=digests).order_by()
        if self.dry_run:
            rows = self.dry.without_external_id(rows, digests)
        found: dict[str, Any] = {}
        for flight in sorted(rows, key=_age):
            found.setdefault(flight.source_hash, flight)
        return found

    def _same_day(self, flights: Iterable[IncomingFlight]) -> tuple[dict[str, list[int]], dict[tuple, list[Any]]]:
        """The owner's flights on these records' dates: those without an external id or digest by route key (to link),
        and all of them by date, aircraft and route (the same flight from another source)."""
        dates = {f.fields["date"] for f in flights if isinstance(f.fields.get("date"), date)}
        if not dates:
            return {}, {}
        # Oldest first, sorted here: an ORDER BY id made SQLite walk the owner's whole logbook by id instead of
        # the (owner, date) index, so each batch cost time in proportion to the logbook (100,000 rows: ~14x 10,000).
        rows = sorted((_Stored(*values) for values in Flight.objects.filter(owner=self.owner, date__in=dates)
                       .order_by().values_list(*decision.STORED_COLUMNS)), key=lambda row: row.pk)
        if self.dry_run:
            rows = self.dry.on_dates(rows, dates)
        legacy: dict[str, list[int]] = {}
        same_day: dict[tuple, list[Any]] = {}
        for row in rows:
            # A hand-entered flight (or one from before ids and digests): once linked it has a digest, so a
            # later record without an id cannot link to it again.
            if row.external_id is None and not row.source_hash:
                legacy.setdefault(route_key(row.date, row.departure, row.destination), []).append(row.pk)
            same_day.setdefault(decision.same_flight_key(row), []).append(row)
        return legacy, same_day

    # ---------------------------------------------------------------------------------- outcomes

    def _changed_kept(self, incoming: IncomingFlight, existing) -> RecordOutcome:
        counts, reason = self.counts, self.policy.changed_reason
        counts.changed_kept += 1
        counts.by_reason[CHANGED_KEPT, reason] += 1
        counts.note(incoming.key, None, reason, incoming.label, outcome=CHANGED_KEPT)  # its flight: in `changed`
        if len(counts.changed) < MAX_LISTED:
            counts.changed.append(SourceFlight(record=incoming.key, flight_id=existing.pk, date=existing.date.isoformat()))
        return RecordOutcome(incoming.label, incoming.key, CHANGED_KEPT, flight_id=existing.pk, reason=reason)

    def _duplicate(self, incoming: IncomingFlight, decided: decision.Decision) -> RecordOutcome:
        """The same flight from another source: counted (by source) and listed with the flight it is."""
        self.counts.duplicate += 1
        self.counts.by_reason[DUPLICATE, decided.reason] += 1
        self.counts.note(incoming.key, None, decided.reason, incoming.label, outcome=DUPLICATE, flight_id=decided.flight_id)
        return RecordOutcome(incoming.label, incoming.key, DUPLICATE, flight_id=decided.flight_id, reason=decided.reason)

    def _quiet(self, incoming: IncomingFlight, outcome: str, flight_id: int | None, reason: str) -> RecordOutcome:
        """An outcome counted by reason but not listed (unchanged, repeated): nothing for the pilot to act on."""
        if outcome == UNCHANGED:
            self.counts.unchanged += 1
        else:
            self.counts.skipped += 1
        self.counts.by_reason[outcome, reason] += 1
        return RecordOutcome(incoming.label, incoming.key, outcome, flight_id=flight_id, reason=reason)

    def _remember_id(self, existing, external_id: str) -> None:
        if self.dry_run:
            self.dry.edit(existing, external_id=external_id)
            return
        # `update()` leaves `updated_at` alone, so Undo does not mistake this for a pilot's edit.
        Flight.objects.filter(pk=existing.pk, external_id__isnull=True).update(external_id=external_id)

    def _link(self, flight_id: int, incoming: IncomingFlight) -> bool:
        # Fill in only the key (and the digest, to notice later changes); the row's content is the
        # pilot's and is not overwritten. `update()` leaves updated_at alone.
        values = {"source_hash": incoming.source_hash}
        if incoming.external_id:
            values["external_id"] = incoming.external_id
        if self.dry_run:
            return self.dry.link(self.dry.new(flight_id) or Flight.objects.get(pk=flight_id), values)
        return bool(Flight.objects.filter(pk=flight_id, external_id__isnull=True).update(**values))

    def _linked(self, incoming: IncomingFlight, flight_id: int) -> RecordOutcome:
        self.counts.linked += 1
        self.counts.by_reason[LINKED, LINKED_REASON] += 1
        self.counts.note(incoming.key, "external_id", LINKED_REASON, incoming.label, outcome=LINKED, flight_id=flight_id)
        return RecordOutcome(incoming.label, incoming.key, LINKED, flight_id=flight_id, field="external_id",
                             reason=LINKED_REASON)

    # ------------------------------------------------------------------------------------ writes

    def _values(self, incoming: IncomingFlight) -> dict:
        # Kept as the source sent it, with what the flight check finds in it (listed on the Flight check page).
        values = {**incoming.fields, "source_hash": incoming.source_hash, "source": self.source,
                  "import_batch_id": self.record.pk, "flight_check": stored_check(incoming.fields, today=timezone.localdate())}
        # Only ever set, never cleared here: a flight whose aircraft is unknown to this chunk keeps its link.
        aircraft_id = self._aircraft_ids.get(str(incoming.fields.get("tail_number") or "").strip().upper())
        if aircraft_id is not None:
            values["aircraft_id"] = aircraft_id
        return values

    def _create(self, creates: list[tuple[int, IncomingFlight]]) -> list[tuple[int, RecordOutcome]]:
        # Plain rows, not model instances: a first sync's CPU went mostly to bulk_create's per-field work.
        rows = [(position, incoming, {**self._values(incoming), "owner_id": self.owner.pk,
                                      "external_id": incoming.external_id, "created_by_run_id": self.record.pk})
                for position, incoming in creates]
        if self.dry_run:
            insert = self.dry.create
        else:
            insert = partial(insert_rows, Flight)
        return self._write(rows, CREATED, lambda group: insert([row for _, _, row in group]),
                           lambda row, _incoming: insert([row])[0])

    def _update(self, updates: list[tuple[int, IncomingFlight, Any]]) -> list[tuple[int, RecordOutcome]]:
        def update_all(group: list[tuple[int, IncomingFlight, Any]]) -> list[int]:
            return [update_one(flight, incoming) for _, incoming, flight in group]

        def update_one(flight, incoming: IncomingFlight) -> int:
            if self.dry_run:
                self.dry.edit(flight, **self._values(incoming))
            else:
                self._apply(flight, incoming)
            return flight.pk

        return self._write(updates, UPDATED, update_all, update_one)

    def _write(self, group: list[tuple[int, IncomingFlight, Any]], outcome: str,
               write_all: Callable[[list], list[int]], write_one: Callable[[Any, IncomingFlight], int]
               ) -> list[tuple[int, RecordOutcome]]:
        """Write the group in one savepoint (`write_all` returns the flights' ids in order); if the database
        refuses it, write each record in its own savepoint so only the refused record is lost (and listed
        with the reason)."""
        if not group:
            return []
        try:
            with self._atomic():
                ids = write_all(group)
            results = [(position, RecordOutcome(incoming.label, incoming.key, outcome, flight_id=flight_id))
                       for (position, incoming, _), flight_id in zip(group, ids)]
        except DatabaseError:
            log.info("a batch was refused by the database; writing its flights one by one to find the bad one")
            results = []
            for position, incoming, item in group:
                try:
                    with self._atomic():
                        flight_id = write_one(item, incoming)
                except DatabaseError as exc:
                    results.append((position, self._refused_by_database(incoming, exc)))
                else:
                    results.append((position, RecordOutcome(incoming.label, incoming.key, outcome, flight_id=flight_id)))
        stored = sum(result.outcome == outcome for _, result in results)
        if outcome == CREATED:
            self.counts.created += stored
        else:
            self.counts.updated += stored
        return results

    def _atomic(self):
        return nullcontext() if self.dry_run else transaction.atomic()

    def _apply(self, flight: Flight, incoming: IncomingFlight) -> None:
        for name, value in self._values(incoming).items():
            setattr(flight, name, value)
        flight.save()

    def _refused_by_database(self, incoming: IncomingFlight, exc: DatabaseError) -> RecordOutcome:
        reason = f"the database refused the record ({type(exc).__name__})"
        self.counts.failed += 1
        self.counts.note(incoming.key, None, reason, incoming.label)
        return RecordOutcome(incoming.label, incoming.key, FAILED, field=None, reason=reason)


    # ------------------------------------------------------- what the source deleted or changed since

    def mark_deleted_at_source(self, external_ids: Iterable[str]) -> list[dict]:
        """This source's flights that the source no longer has. They are the pilot's copies: marked (with
        when that was first noticed), never deleted. Returns them as the run lists them (bounded)."""
        rows = Flight.objects.filter(owner=self.owner, source=self.source, external_id__in=list(external_ids))
        rows.filter(deleted_at_source__isnull=True).update(deleted_at_source=timezone.now())  # keeps updated_at
        return [{"record": external_id, "flight_id": pk, "date": day.isoformat()}
                for pk, external_id, day in rows.order_by("date", "id").values_list("id", "external_id", "date")[:MAX_LISTED]]

    def note_present_at_source(self, external_ids: Iterable[str]) -> int:
        """Flights the source lists (again): no longer marked as deleted there."""
        return Flight.objects.filter(owner=self.owner, source=self.source, external_id__in=list(external_ids),
                                     deleted_at_source__isnull=False).update(deleted_at_source=None)

    def keep_source_versions(self, versions: dict[int, dict], current: Iterable[int] = ()) -> None:
        """Remember the source's newer version of flights kept as the pilot's copy (`versions`: flight id →
        what the source sent), so the pilot can take it later; forget it for flights whose source record
        matches the stored one again (`current`)."""
        for flight_id, version in versions.items():
            Flight.objects.filter(owner=self.owner, pk=flight_id).update(source_update=version)
        current = list(current)
        if current:
            Flight.objects.filter(owner=self.owner, pk__in=current, source_update__isnull=False).update(source_update=None)

def _age(flight) -> tuple[bool, int]:
    """Oldest first, as ids order rows in the database: a dry run's new flights (ids -1, -2, …) come after
    every stored one, in the order they were made."""
    return (flight.pk < 0, abs(flight.pk))


class _Digest(NamedTuple):
    """What the re-check's lookup read of a stored flight, as `decision.judge_match` reads it."""

    source_hash: str


class _Stored(NamedTuple):
    """A stored flight as the decision reads it by date (`decision.STORED_COLUMNS`, in that order)."""

    pk: int
    external_id: str | None
    source: str
    source_hash: str
    date: date
    tail_number: str
    departure: str
    destination: str
    total_flight_time: Decimal
    pic: Decimal
    sic: Decimal
    cross_country: Decimal
    night: Decimal
    imc: Decimal
    simulated_ifr: Decimal
    dual: Decimal
    cfi: Decimal
    ground_sim: Decimal
    day_landings: int
    night_landings: int
    approaches: int


class _DryWrites:
    """What a dry run would have written, in memory, so that its later batches find it exactly as the
    store's later batches find it in the database: new flights (with ids counting down from -1), and the
    ids, digests and fields written into stored ones. Only what the decision reads is kept of a new flight
    (all its fields only for a policy that compares them, Logger's: at most one package)."""

    def __init__(self, keep_fields: bool):
        self.keep_fields = keep_fields
        self.next_id = 0
        self.external: dict[str, Any] = {}  # external id → a new flight, or a stored one given that id
        self.no_external: list[Any] = []  # new flights without an external id
        self.edits: dict[int, dict] = {}  # stored flight id → the values written into it

    def create(self, rows: list[dict]) -> list[int]:
        ids = []
        for row in rows:
            self.next_id -= 1
            kept = {name: row.get(name) for name in decision.STORED_COLUMNS if name != "id"}
            if self.keep_fields:
                kept.update(row)
            flight = SimpleNamespace(**kept, pk=self.next_id, id=self.next_id)
            if flight.external_id:
                self.external[flight.external_id] = flight
            else:
                self.no_external.append(flight)
            ids.append(flight.pk)
        return ids

    def edit(self, flight, **values) -> None:
        for name, value in values.items():
            setattr(flight, name, value)
        if flight.pk > 0:
            self.edits.setdefault(flight.pk, {}).update(values)
        if getattr(flight, "external_id", None):
            self.external[flight.external_id] = flight

    def new(self, flight_id: int) -> Any:
        """A flight this dry run created without an external id (a link candidate of a later record)."""
        if flight_id < 0:
            return next((row for row in self.no_external if row.pk == flight_id), None)
        return None

    def link(self, flight: Any, values: dict) -> bool:
        """`flight`: the stored row the store's `update()` would fill in (read for this dry run alone)."""
        if self.edits.get(flight.pk, {}).get("external_id"):
            return False  # as the store's `update()` filtered on external_id IS NULL
        self.edits.setdefault(flight.pk, {}).update(values)
        for name, value in values.items():
            setattr(flight, name, value)
        if flight.external_id:
            self.external[flight.external_id] = flight
            if flight.pk < 0:
                self.no_external.remove(flight)
        elif flight.pk > 0:
            self.no_external.append(flight)  # found by its new digest from now on
        return True

    def by_external(self, external_ids: list[str]) -> dict[str, Any]:
        return {external_id: self.external[external_id] for external_id in external_ids if external_id in self.external}

    def without_external_id(self, rows, digests: list[str]) -> list[Any]:
        wanted = set(digests)
        kept = {}
        for row in rows:
            edited = self.edits.get(row.pk, {})
            if edited.get("external_id"):
                continue
            for name, value in edited.items():
                setattr(row, name, value)
            if row.source_hash in wanted:
                kept[row.pk] = row
        for row in self.no_external:
            if row.source_hash in wanted and not row.external_id:  # given an id since: found by it alone
                kept.setdefault(row.pk, row)
        return list(kept.values())

    def on_dates(self, rows: list[_Stored], dates: set) -> list[Any]:
        edited_rows = [row._replace(**{name: value for name, value in self.edits[row.pk].items()
                                       if name in _Stored._fields}) if row.pk in self.edits else row for row in rows]
        new = {row.pk: row for row in (*self.external.values(), *self.no_external) if row.pk < 0 and row.date in dates}
        return edited_rows + sorted(new.values(), key=_age)


def _stored_versions(owner_id: int, external_ids: Iterable[str]) -> list[tuple[str, str, int, bool, bool]]:
    """(external id, digest, flight id, marked deleted at the source, holds a source version) of the owner's
    flights with these external ids, on the unique (owner, external_id) index.

    Plain SQL: this runs once a page on every re-check, and building the same query through the ORM
    (and converting its rows) cost more than the rest of an unchanged page together (issue 15).
    """
    ids = list(external_ids)
    connection = connections[router.db_for_read(Flight)]
    quote, meta = connection.ops.quote_name, Flight._meta

    def column(name: str) -> str:
        return quote(meta.get_field(name).column)

    sql = (f"SELECT {column('external_id')}, {column('source_hash')}, {column('id')}, "
           f"{column('deleted_at_source')} IS NOT NULL, {column('source_update')} IS NOT NULL "
           f"FROM {quote(meta.db_table)} WHERE {column('owner')} = %s AND {column('external_id')} IN "
           f"({', '.join(['%s'] * len(ids))})")
    with connection.cursor() as cursor:
        cursor.execute(sql, [owner_id, *ids])
        return [(external_id, digest, flight_id, bool(marked), bool(pending))
                for external_id, digest, flight_id, marked, pending in cursor.fetchall()]


def open_run(owner, source: str, *, job=None, policy: Policy | None = None, report: ImportReport | None = None,
             batch_size: int | None = None, dry_run: bool = False) -> IngestRun:
    """Record a new import run (status processing) and return the handle that stores its flights; `report`
    holds the format's part of the run's report (`import_report.py`), the run adds its counts.

    With `dry_run` (a preview) nothing is recorded: the run decides and counts every record exactly as the
    real one would, and writes nothing."""
    report = report or ImportReport()
    details = report.to_details()
    if dry_run:
        record = LogbookImport(owner=owner, source=source, job=job, details=details)
    else:
        record = LogbookImport.objects.create(owner=owner, source=source, job=job, details=details)
    return IngestRun(record, policy, batch_size=batch_size, dry_run=dry_run, report=report)


def _jsonable(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def take_source_versions(run: LogbookImport, incoming: Sequence[IncomingFlight]) -> BatchOutcome:
    """The pilot takes the source's version of flights `run` listed as changed there.

    Each flight is updated through the same path as any import (it stays the run's); what it held before
    goes into the run's details (`taken_from_source`), so undoing the run puts it back. One transaction:
    all of them are taken or none.
    """
    with transaction.atomic():
        record = LogbookImport.objects.select_for_update().get(pk=run.pk)
        flights = {flight.external_id: flight for flight in Flight.objects.filter(
            owner=record.owner, source=record.source, external_id__in=[item.external_id for item in incoming]).order_by()}
        before = {}
        for item in incoming:
            flight = flights.get(item.external_id)
            if flight is not None:
                names = [*item.fields, "source_hash"]
                before[item.external_id] = {**{name: _jsonable(getattr(flight, name)) for name in names},
                                            "import_batch_id": flight.import_batch_id}
        handle = IngestRun(record, TAKE_SOURCE_VERSION)
        outcome = handle.store_batch(list(incoming))
        taken = [result for result in outcome if result.outcome == UPDATED and result.record in before]
        now = timezone.now().isoformat()
        report = ImportReport.of(record)
        entries = report.taken_from_source
        for result in taken:
            entries.append({"flight_id": result.flight_id, "record": result.record, "taken_at": now,
                            "before": before[result.record], "version": flights[result.record].source_update})
        Flight.objects.filter(pk__in=[result.flight_id for result in taken]).update(source_update=None)
        # A run lists at most MAX_LISTED changed flights, and a flight can be taken once per listing.
        report.taken_from_source = entries[-MAX_LISTED:]
        LogbookImport.objects.filter(pk=record.pk).update(details=report.to_details())
    return outcome
