"""The one path by which imported flights enter the logbook, for every source (MyFlightbook, Logger, CSV).

A caller maps its records to `IncomingFlight`s (plain data, no model instances), opens an import run
(`open_run`), hands over batches (`IngestRun.store_batch`), names what it could not map
(`IngestRun.refuse`) and ends the run (`finish` / `fail`). This module decides what each record is
to the logbook and writes it:

- Dedupe, in this order: the record's external id (`mfb:123`, `logger:<importId>`), then its source
  digest (a record without an id that was stored before), then the legacy route key
  `date:departure:destination` (a row from before external ids: the sync seed's rule), when the
  run's policy allows it.
- A per-source `Policy` says what a matched record whose source changed does: MyFlightbook keeps the
  pilot's copy and lists it ("changed on MyFlightbook"); Logger updates by importId (Logger's own
  rule); a digest policy updates when the digest differs. A record that would change nothing is
  `unchanged`, never "updated".
- Each batch (at most `BATCH_SIZE` records) is one transaction; a record the database refuses is
  retried alone in a savepoint so only that record is lost. No transaction spans a whole package or
  sync, so another pilot's write never waits behind a long import.
- Undo's bookkeeping: a flight remembers the run that created it (`created_by_run`) apart from the
  last run that wrote it (`import_batch`), so undoing a run removes what it created and can say which
  of those a later run has since updated.

It must never overwrite a flight the policy says is the pilot's, keep an unbounded list in memory or
in a run's details, or write anything but flights and the run's own row.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable, Iterable, Sequence

from django.db import DatabaseError, connections, router, transaction
from django.utils import timezone

from flightbridge.bulk import insert_rows
from flightbridge.logbook.aircraft import aircraft_ids_for_tails
from flightbridge.logbook.flightcheck import stored_check
from flightbridge.logbook.models import Flight, FlightSource, ImportStatus, LogbookImport
from flightbridge.logbook.services import TAKEN_KEY, UNCHANGED_WORDS, UNCHANGED_WORDS_MYFLIGHTBOOK, finish_import

log = logging.getLogger(__name__)

BATCH_SIZE = 500  # records per transaction: short enough that no writer waits long behind one
MAX_LISTED = 1000  # reasons and changed flights listed per run; beyond that they are only counted

# Record outcomes.
CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
CHANGED_KEPT = "changed-kept"  # the source changed, the pilot's copy was kept (and listed)
LINKED = "linked"  # a pre-existing row without external id matched by date and route: its id filled in
SKIPPED = "skipped"
FAILED = "failed"
OUTCOMES = (CREATED, UPDATED, UNCHANGED, CHANGED_KEPT, LINKED, SKIPPED, FAILED)

LINKED_REASON = "matched an existing flight by date and route (external id filled in)"
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
    legacy_key: str | None = None

    @property
    def key(self) -> str:
        return self.record or self.external_id or self.label

    @property
    def route_key(self) -> str | None:
        """`date:departure:destination`, the key rows had before external ids."""
        if self.legacy_key is not None:
            return self.legacy_key
        day = self.fields.get("date")
        if not isinstance(day, date):
            return None
        return f"{day.isoformat()}:{self.fields.get('departure', '')}:{self.fields.get('destination', '')}"


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
    skipped: int = 0
    failed: int = 0
    by_reason: Counter = field(default_factory=Counter)
    reasons: list[dict] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)
    unlisted: int = 0

    def note(self, record: str, field_name: str | None, reason: str, label: str | None = None) -> None:
        if len(self.reasons) >= MAX_LISTED:
            self.unlisted += 1
            return
        entry = {"record": record, "field": field_name, "reason": reason}
        if label and label != record:
            entry["label"] = label
        self.reasons.append(entry)

    def as_dict(self) -> dict[str, int]:
        return {CREATED: self.created, UPDATED: self.updated, UNCHANGED: self.unchanged, CHANGED_KEPT: self.changed_kept,
                LINKED: self.linked, SKIPPED: self.skipped, FAILED: self.failed}


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

    def __init__(self, record: LogbookImport, policy: Policy | None = None, *, batch_size: int | None = None):
        self.record = record
        self.owner = record.owner
        self.source = record.source
        self.policy = policy or POLICIES.get(record.source, UPDATE_WHEN_CHANGED)
        self.batch_size = batch_size or BATCH_SIZE
        self.counts = RunCounts()
        #: the caller's part of the run's details (the run adds its own keys when it saves)
        self.details: dict = dict(record.details or {})
        #: {upper-case tail: aircraft id} of the chunk being stored: each flight links to its aircraft
        self._aircraft_ids: dict[str, int] = {}

    @property
    def id(self) -> int:
        return self.record.pk

    # ------------------------------------------------------------------------------ the caller's API

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
        if not external_ids:
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
                    counts.by_reason[self.policy.repeated_reason] += 1
                continue  # otherwise store_batch sees both and counts the repeat itself
            stored_digest, flight_id = stored.get(external_id, (None, None))
            # As `_is_unchanged`: a row stored before digests were kept has none and counts as unchanged.
            unchanged = flight_id is not None and (not stored_digest or stored_digest == digest)
            first[external_id] = flight_id if unchanged else None
            if unchanged:
                skipped[position] = flight_id
                counts.unchanged += 1
                counts.by_reason[self.policy.unchanged_reason] += 1
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
        self.counts.by_reason[reason] += 1
        self.counts.note(record or label, field_name, reason, label)
        return RecordOutcome(label, record or label, SKIPPED, flight_id=flight_id, field=field_name, reason=reason)

    def save_progress(self) -> None:
        """Write the running counts, the bounded reasons and the details to the run's row."""
        counts, policy = self.counts, self.policy
        skipped = counts.skipped + counts.linked
        if policy.skipped_includes_unchanged:
            skipped += counts.unchanged + counts.changed_kept
        details = {**self.details, "outcomes": counts.as_dict(), "skipped_by_reason": dict(counts.by_reason),
                   "backfilled": counts.linked, "reasons_not_listed": counts.unlisted}
        values = {"imported": counts.created, "updated": counts.updated, "unchanged": counts.unchanged,
                  "skipped": skipped, "failed": counts.failed, "changed_at_source": counts.changed_kept,
                  "reasons": counts.reasons, "details": details}
        LogbookImport.objects.filter(pk=self.record.pk).update(**values)
        for name, value in values.items():
            setattr(self.record, name, value)

    def finish(self, message: str) -> LogbookImport:
        self.save_progress()
        finish_import(self.record, ImportStatus.COMPLETED, message=message)
        return self.record

    def fail(self, message: str) -> LogbookImport:
        self.save_progress()
        finish_import(self.record, ImportStatus.FAILED, message=message)
        return self.record

    # ------------------------------------------------------------------------------------ dedupe

    def _store_chunk(self, flights: Sequence[IncomingFlight]) -> list[RecordOutcome]:
        policy = self.policy
        self._aircraft_ids = aircraft_ids_for_tails(self.owner, {f.fields.get("tail_number") for f in flights})
        by_external = self._existing_by_external_id([f.external_id for f in flights if f.external_id])
        unmatched = [f for f in flights if not (f.external_id and f.external_id in by_external)]
        by_digest = self._existing_by_digest([f.source_hash for f in unmatched if f.source_hash])
        legacy: dict[str, list[int]] = {}
        if policy.match_legacy:
            legacy = self._legacy_rows([f for f in unmatched if f.source_hash not in by_digest])

        results: list[RecordOutcome | None] = [None] * len(flights)
        seen: set[str] = set()
        claimed: set[int] = set()
        creates: list[tuple[int, IncomingFlight]] = []
        updates: list[tuple[int, IncomingFlight, Flight]] = []
        with transaction.atomic():
            for position, incoming in enumerate(flights):
                # Without an id or a digest a record cannot be recognised again: each one is new.
                identity = incoming.external_id or (f"digest:{incoming.source_hash}" if incoming.source_hash else None)
                if identity is not None and identity in seen:
                    results[position] = self._quiet(incoming, SKIPPED, None, policy.repeated_reason)
                    continue
                seen.add(identity)
                existing = by_external.get(incoming.external_id) if incoming.external_id else None
                if existing is None and incoming.source_hash in by_digest:
                    existing = by_digest[incoming.source_hash]
                    if existing.pk in claimed:
                        existing = None
                if existing is not None:
                    claimed.add(existing.pk)
                    decided = self._matched(incoming, existing)
                    if decided is None:
                        updates.append((position, incoming, existing))
                    else:
                        results[position] = decided
                    continue
                route_key = incoming.route_key if policy.match_legacy else None
                candidates = [pk for pk in legacy.get(route_key, ()) if pk not in claimed] if route_key else []
                if candidates and self._link(candidates[0], incoming):
                    claimed.add(candidates[0])
                    results[position] = self._linked(incoming, candidates[0])
                    continue
                creates.append((position, incoming))
            for position, outcome in self._create(creates):
                results[position] = outcome
            for position, outcome in self._update(updates):
                results[position] = outcome
        return [result for result in results if result is not None]

    def _existing_by_external_id(self, external_ids: list[str]) -> dict[str, Flight]:
        if not external_ids:
            return {}
        # No ORDER BY: Flight's default ordering (-date) made SQLite walk the owner's whole logbook by
        # (owner, date) instead of looking the ids up in the unique (owner, external_id) index (issue 15).
        rows = Flight.objects.filter(owner=self.owner, external_id__in=external_ids).order_by()
        return {flight.external_id: flight for flight in rows}

    def _existing_by_digest(self, digests: list[str]) -> dict[str, Flight]:
        """Stored rows without an external id whose record had this digest: the same record again."""
        if not digests:
            return {}
        # Sorted here, not in SQL: an ORDER BY id made SQLite walk the owner's rows by id instead of using
        # the (owner, source_hash) index for rows without an external id (issue 15). The oldest row wins.
        rows = Flight.objects.filter(owner=self.owner, external_id__isnull=True, source_hash__in=digests).order_by()
        found: dict[str, Flight] = {}
        for flight in sorted(rows, key=lambda row: row.pk):
            found.setdefault(flight.source_hash, flight)
        return found

    def _legacy_rows(self, flights: Iterable[IncomingFlight]) -> dict[str, list[int]]:
        dates = {f.fields["date"] for f in flights if isinstance(f.fields.get("date"), date)}
        if not dates:
            return {}
        rows = (Flight.objects.filter(owner=self.owner, external_id__isnull=True, date__in=dates)
                .order_by("id").values_list("id", "date", "departure", "destination"))
        legacy: dict[str, list[int]] = {}
        for flight_id, day, departure, destination in rows:
            legacy.setdefault(f"{day.isoformat()}:{departure}:{destination}", []).append(flight_id)
        return legacy

    # ---------------------------------------------------------------------------------- decisions

    def _matched(self, incoming: IncomingFlight, existing: Flight) -> RecordOutcome | None:
        """The outcome for a record already in the logbook, or None when it must be updated."""
        if self._is_unchanged(incoming, existing):
            if incoming.external_id and not existing.external_id:
                # Found by digest: remember its id so the next import finds it by id. `update()` leaves
                # `updated_at` alone, so Undo does not mistake this for a pilot's edit.
                Flight.objects.filter(pk=existing.pk, external_id__isnull=True).update(external_id=incoming.external_id)
            return self._quiet(incoming, UNCHANGED, existing.pk, self.policy.unchanged_reason)
        if self.policy.update_changed:
            return None
        counts = self.counts
        counts.changed_kept += 1
        counts.by_reason[self.policy.changed_reason] += 1
        counts.note(incoming.key, None, self.policy.changed_reason, incoming.label)
        if len(counts.changed) < MAX_LISTED:
            counts.changed.append({"record": incoming.key, "flight_id": existing.pk, "date": existing.date.isoformat()})
        return RecordOutcome(incoming.label, incoming.key, CHANGED_KEPT, flight_id=existing.pk,
                             reason=self.policy.changed_reason)

    def _is_unchanged(self, incoming: IncomingFlight, existing: Flight) -> bool:
        if self.policy.compare_fields:
            return all(getattr(existing, name) == value for name, value in incoming.fields.items())
        # A row stored before digests were kept has none: it cannot have "changed" as far as we know.
        return not existing.source_hash or existing.source_hash == incoming.source_hash

    def _quiet(self, incoming: IncomingFlight, outcome: str, flight_id: int | None, reason: str) -> RecordOutcome:
        """An outcome counted by reason but not listed (unchanged, repeated): nothing for the pilot to act on."""
        if outcome == UNCHANGED:
            self.counts.unchanged += 1
        else:
            self.counts.skipped += 1
        self.counts.by_reason[reason] += 1
        return RecordOutcome(incoming.label, incoming.key, outcome, flight_id=flight_id, reason=reason)

    def _link(self, flight_id: int, incoming: IncomingFlight) -> bool:
        # Fill in only the key (and the digest, to notice later changes); the row's content is the
        # pilot's and is not overwritten. `update()` leaves updated_at alone.
        values = {"source_hash": incoming.source_hash}
        if incoming.external_id:
            values["external_id"] = incoming.external_id
        return bool(Flight.objects.filter(pk=flight_id, external_id__isnull=True).update(**values))

    def _linked(self, incoming: IncomingFlight, flight_id: int) -> RecordOutcome:
        self.counts.linked += 1
        self.counts.by_reason[LINKED_REASON] += 1
        self.counts.note(incoming.key, "external_id", LINKED_REASON, incoming.label)
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
        return self._write(rows, CREATED, lambda group: insert_rows(Flight, [row for _, _, row in group]),
                           lambda row, _incoming: insert_rows(Flight, [row])[0])

    def _update(self, updates: list[tuple[int, IncomingFlight, Flight]]) -> list[tuple[int, RecordOutcome]]:
        def update_all(group: list[tuple[int, IncomingFlight, Flight]]) -> list[int]:
            return [update_one(flight, incoming) for _, incoming, flight in group]

        def update_one(flight: Flight, incoming: IncomingFlight) -> int:
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
            with transaction.atomic():
                ids = write_all(group)
            results = [(position, RecordOutcome(incoming.label, incoming.key, outcome, flight_id=flight_id))
                       for (position, incoming, _), flight_id in zip(group, ids)]
        except DatabaseError:
            log.info("a batch was refused by the database; writing its flights one by one to find the bad one")
            results = []
            for position, incoming, item in group:
                try:
                    with transaction.atomic():
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


def open_run(owner, source: str, *, job=None, policy: Policy | None = None, details: dict | None = None,
             batch_size: int | None = None) -> IngestRun:
    """Record a new import run (status processing) and return the handle that stores its flights."""
    record = LogbookImport.objects.create(owner=owner, source=source, job=job, details=details or {})
    return IngestRun(record, policy, batch_size=batch_size)



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
        entries = list(record.details.get(TAKEN_KEY) or [])
        for result in taken:
            entries.append({"flight_id": result.flight_id, "record": result.record, "taken_at": now,
                            "before": before[result.record], "version": flights[result.record].source_update})
        Flight.objects.filter(pk__in=[result.flight_id for result in taken]).update(source_update=None)
        # A run lists at most MAX_LISTED changed flights, and a flight can be taken once per listing.
        LogbookImport.objects.filter(pk=record.pk).update(details={**record.details, TAKEN_KEY: entries[-MAX_LISTED:]})
    return outcome
