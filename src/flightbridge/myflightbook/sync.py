"""The MyFlightbook sync: aircraft, flights, currency, totals, then the local 12-month rollup.

One run = one `LogbookImport` (processing → completed | failed). The calls go in the seed's order,
paced by the client: AircraftForUser → FlightsWithQueryAndOffset in pages of 50 until a short page →
GetCurrencyForUser → TotalsForUserWithQuery.

One page is in memory at a time (when pacing is on, the next page is fetched by a helper thread while
this one is stored), so a logbook of any size runs in flat memory apart from the set of FlightIDs seen
(one short string per flight).

A run is quick or full (`quick.py`, docs/sync.md). A quick run asks only for the flights dated from a
window before the newest flight seen, re-fetches by FlightID the ones that left the window, and then
checks MyFlightbook's whole-logbook totals against what the syncs have seen; when they disagree it
escalates to a full walk in the same run. A full run (the first sync, `?full=true`, the scheduled
reconciliation) walks every page and marks the flights MyFlightbook no longer has.

Flights are stored by the logbook's ingest (`logbook/ingest.py`, policy "keep the pilot's copy"):
`external_id = mfb:{FlightID}` is the key; a row from before external ids is matched by the legacy
route key `date:departure:destination` and only gets its external id filled in. A flight whose
MyFlightbook record changed since import is counted and listed as "changed on MyFlightbook", and left
alone; MyFlightbook's version waits on the flight until the pilot takes it (`myflightbook/changes.py`).
After a complete walk, an imported flight MyFlightbook no longer lists (asked for by id first, since
offset paging can skip one) is marked deleted on MyFlightbook and listed; it is never deleted here. A record that cannot be mapped is refused with its reason; each page is one transaction, so a
page is either stored whole (minus its bad records) or not at all. Aircraft are created only from an
FAA registration and never replace a manually entered aircraft.

It is handed what it needs (a client with `.call`, and the pilot's account to report to: the
username it saw, a grant that is gone) and never imports the stored connection: the job kind in
`jobs.py` wires them together.

Read-only: this module only ever asks the client for the four read methods above.
"""

from __future__ import annotations

import json
import logging
import re
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Protocol

from django.conf import settings
from django.db import connection

from flightbridge.errors import BadRecord, FatalError, FlightBridgeError, NeedsReauth, TransientError
from flightbridge.logbook import ingest, reference_data, rollup
from flightbridge.logbook.aircraft import link_pilot_aircraft
from flightbridge.logbook.models import (
    Flight,
    FlightSource,
    ImportStatus,
    LogbookImport,
    SimulatorType,
    UserAircraft,
)
from flightbridge.logbook.services import close_interrupted_run
from flightbridge.myflightbook import quick, schedule, tripwire
from flightbridge.myflightbook.tripwire import SeenTimes
from flightbridge.myflightbook.client import MyFlightbookCalls
from flightbridge.myflightbook.currency import MappedCurrency, map_currency_item
from flightbridge.myflightbook.mapping import (
    UNLABELLED,
    instance_type_of,
    is_anonymous_tail,
    map_flight,
    external_id_for,
    record_digest,
    record_label,
    simulator_type_for,
    to_jsonable,
)
from flightbridge.myflightbook.totals import map_totals
from flightbridge.registry.interfaces import RegistryLookup

log = logging.getLogger(__name__)

PAGE_SIZE = 50  # the seed: "Flights are paged in batches of 50"
PROGRESS_EVERY_SECONDS = 1.0  # the run's row is written at most this often while pages come in
ENUMERATED_PER_CALL = 50  # flights asked for by id in one call (FlightQuery.EnumeratedFlights)
EMPTY_QUERY = "{}"  # FlightQuery `fq` is required; `{}` means all flights
MAX_LISTED = ingest.MAX_LISTED  # reasons listed per run; beyond that they are only counted
PREFETCH_MIN_INTERVAL_MS = 50  # below this the pacing wait is too short for a helper thread to pay off
SOURCE = FlightSource.MYFLIGHTBOOK

Report = Callable[..., None]
Lookup = Callable[[str], RegistryLookup]

#: A flight once imported is the pilot's: a change on MyFlightbook is listed, never applied (the sync seed).
POLICY = ingest.KEEP_PILOTS_COPY
SKIP_ALREADY = POLICY.unchanged_reason
SKIP_CHANGED = POLICY.changed_reason
SKIP_LEGACY = ingest.LINKED_REASON
SKIP_REPEATED = POLICY.repeated_reason

INTERRUPTED = "This sync stopped before it finished (its worker was restarted); flights stored before that are kept."

AIRCRAFT_NOT_US = "not a US registration"
AIRCRAFT_ANONYMOUS = "an anonymous aircraft (a model, no registration)"
AIRCRAFT_SIMULATOR = "a simulator or training device, not a registered aircraft"
AIRCRAFT_NOT_FOUND = "no matching FAA registration"
AIRCRAFT_MANUAL = "a manually entered aircraft with this registration exists (never overwritten)"
AIRCRAFT_EXISTS = "already synced"
AIRCRAFT_NO_REGISTRY = "the FAA registry lookup is unavailable"


class AccountPort(Protocol):
    """The pilot's MyFlightbook account as the sync sees it (`tokens.LinkedAccount` in production)."""

    def client(self) -> MyFlightbookCalls:
        """A client for this account; NeedsReauth when it is not connected."""

    def record_account_name(self, name: str) -> None:
        """MyFlightbook revealed the account's username (LogbookEntry `User`)."""

    def mark_needs_reconnect(self, message: str) -> None:
        """The grant is gone: only the pilot can renew it."""


class NoAccount:
    """For a sync run on a client alone (tests, a one-off script): nothing to report to."""

    def client(self) -> MyFlightbookCalls:
        raise NeedsReauth("No MyFlightbook account was given to this sync.")

    def record_account_name(self, name: str) -> None:
        pass

    def mark_needs_reconnect(self, message: str) -> None:
        pass


def default_lookup(tail: str) -> RegistryLookup:
    """The FAA registry lookup from the registry app, imported when first needed."""
    from flightbridge.registry.services import lookup

    return lookup(tail)


@dataclass(frozen=True)
class SyncCounts:
    """The flight counts of a sync as the job result and the progress bar name them."""

    imported: int = 0
    skipped: int = 0
    failed: int = 0
    changed: int = 0
    backfilled: int = 0
    pages: int = 0
    reasons: list[dict] = field(default_factory=list)

    @classmethod
    def of(cls, counts: ingest.RunCounts, pages: int) -> "SyncCounts":
        # MyFlightbook's `skipped` has always meant "not stored by this sync": already there, changed
        # there (kept as imported), matched by route, or listed twice.
        skipped = counts.skipped + counts.unchanged + counts.changed_kept + counts.linked
        return cls(imported=counts.created, skipped=skipped, failed=counts.failed, changed=counts.changed_kept,
                   backfilled=counts.linked, pages=pages, reasons=counts.reasons)


@dataclass
class AircraftCounts:
    created: int = 0
    skipped: int = 0
    reasons: list[dict] = field(default_factory=list)


class PagePrefetcher:
    """Fetches page n+1 on one helper thread while page n is being stored.

    Only one call is ever in flight, so pacing and the call order stay exactly as without it. The
    helper's database connection (the client's pacing gate and token refresh may use one) is closed
    when the prefetcher is.
    """

    def __init__(self, fetch: Callable[[int], Any], enabled: bool):
        self.fetch = fetch
        self.enabled = enabled
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mfb-prefetch") if enabled else None
        self._pending: tuple[int, Future] | None = None

    def start(self, offset: int) -> None:
        if self._pool is not None:
            self._pending = (offset, self._pool.submit(self.fetch, offset))

    def get(self, offset: int) -> Any:
        if self._pending is not None and self._pending[0] == offset:
            _, future = self._pending
            self._pending = None
            return future.result()
        return self.fetch(offset)

    def close(self) -> None:
        if self._pool is None:
            return
        if self._pending is not None:
            self._pending[1].cancel()
            try:
                self._pending[1].result()
            except Exception:  # a page nobody will store; its error is not this run's error
                pass
        self._pool.submit(_close_thread_connection).result()
        self._pool.shutdown(wait=True)


def _close_thread_connection() -> None:
    connection.close()  # resolved on the calling thread: closes that thread's own connection


class MyFlightbookSync:
    """One sync run for `owner` through `client` (a `MyFlightbookClient` or the in-memory fake)."""

    def __init__(
        self,
        owner,
        client: MyFlightbookCalls,
        *,
        account: AccountPort | None = None,
        job=None,
        report: Report | None = None,
        lookup: Lookup | None = None,
        page_size: int = PAGE_SIZE,
        prefetch: bool | None = None,
        today: date | None = None,
        mode: str = quick.QUICK,
        window_days: int | None = None,
    ):
        if mode not in quick.MODES:
            raise FatalError(f"unknown sync mode {mode!r}; use {' or '.join(quick.MODES)}")
        self.owner = owner
        self.client = client
        self.account: AccountPort = account or NoAccount()
        self.job = job
        self.report: Report = report or (lambda **_: None)
        self.lookup: Lookup = lookup or default_lookup
        self.page_size = page_size
        if prefetch is None:
            prefetch = getattr(client, "min_interval_ms", 0) >= PREFETCH_MIN_INTERVAL_MS
        self.prefetch = prefetch
        self.today = today
        self.pages = 0
        self.seen: set[str] = set()  # external ids MyFlightbook listed in this run (one short string per flight)
        self.deleted: list[dict] = []
        self.deleted_count = 0
        self._ingest: ingest.IngestRun | None = None
        self.aircraft = AircraftCounts()
        self.instance_types: dict[int, Any] = {}
        self.currency_stored = 0
        self.currency_unmapped: list[dict] = []
        self.totals_stored = 0
        self.batch: LogbookImport | None = None
        self._account_seen = False
        self.asked_mode = mode
        self.window_days = window_days
        self.mode = mode  # what ran: quick, or full (asked for, a first sync, or escalated)
        self.escalated = False
        self.full_reason = ""
        self.window: quick.Window | None = None
        self.manifest = quick.Manifest(owner)
        self.remote: quick.RemoteTotals | None = None  # MyFlightbook's totals, this run
        self.expected: SeenTimes | None = None  # what the syncs had seen, when compared
        self.rounding_unit: int | None = None  # the pilot's MathRoundingUnit, as known (tripwire.py)
        self.refetched = 0
        self.escalate_because = ""  # set by the quick read when only a full walk will do
        self.stored_ids: set[int] = set()  # FlightIDs this run stored before an escalation (a window's worth)
        self._progress_saved_at = float("-inf")

    # ------------------------------------------------------------------------------------ the run

    def run(self) -> dict:
        """Run every phase; returns the job result (with a one-line `message`). Raises on failure, after
        marking the import failed."""
        self._close_interrupted_runs()
        self._ingest = ingest.open_run(self.owner, SOURCE, job=self.job, policy=POLICY)
        self.batch = self._ingest.record
        try:
            self.sync_aircraft()
            self.sync_flights()
            self.sync_currency()
            self.sync_totals()
            self.check_totals()
            self.report(phase="rollup")
            rollup.compute_rollup(self.owner, self.today, rounding_unit=self.rounding_unit)
        except NeedsReauth as exc:
            message = reconnect_message(exc)
            self.account.mark_needs_reconnect(message)
            self._fail(message)
            raise NeedsReauth(message) from None
        except TransientError as exc:
            message = retry_later_message(exc, self.counts.imported)
            self._fail(message)
            raise TransientError(message, retry_after=exc.retry_after) from None
        except FlightBridgeError as exc:
            self._fail(str(exc))
            raise
        except Exception:
            self._fail("An internal error stopped this sync; flights stored before it are kept.")
            raise
        schedule.record_sync(self.owner, self.remote, walked_all=self.mode == quick.FULL, rounding_unit=self.rounding_unit)
        message = self.summary()
        self._save_details()
        self.ingest_run.finish(message)
        return {**self.result(), "message": message}

    @property
    def ingest_run(self) -> ingest.IngestRun:
        """The logbook's handle on this run's import (made for `self.batch` when a test sets it directly)."""
        if self._ingest is None or self._ingest.record is not self.batch:
            self._ingest = ingest.IngestRun(self.batch, POLICY)
        return self._ingest

    @property
    def counts(self) -> SyncCounts:
        if self.batch is None:
            return SyncCounts(pages=self.pages)
        return SyncCounts.of(self.ingest_run.counts, self.pages)

    def _close_interrupted_runs(self) -> None:
        """A run still `processing` now lost its worker (only one sync per pilot can be active): close it."""
        stale = LogbookImport.objects.filter(owner=self.owner, source=SOURCE, status=ImportStatus.PROCESSING)
        if self.job is not None:
            stale = stale.exclude(job=self.job)
        for batch in stale:
            close_interrupted_run(batch, INTERRUPTED)

    def _fail(self, message: str) -> None:
        self._save_details()
        self.ingest_run.fail(message)

    # ------------------------------------------------------------------------------------ aircraft

    def sync_aircraft(self) -> None:
        self.report(phase="aircraft")
        aircraft = self._list(self.client.call("AircraftForUser"), "AircraftForUser")
        for item in aircraft:
            if not isinstance(item, dict):
                continue
            aircraft_id = item.get("AircraftID")
            if isinstance(aircraft_id, int):
                self.instance_types[aircraft_id] = instance_type_of(item)
        for item in aircraft:
            if isinstance(item, dict):
                self._store_aircraft(item)
        link_pilot_aircraft(self.owner, myflightbook_models={
            str(item.get("TailNumber") or "").strip().upper(): (
                item.get("ModelID") if isinstance(item.get("ModelID"), int) else None, str(item.get("ModelDescription") or ""))
            for item in aircraft if isinstance(item, dict)})
        self.report(phase="aircraft", aircraft_created=self.aircraft.created, aircraft_skipped=self.aircraft.skipped)

    def _skip_aircraft(self, tail: str, reason: str) -> None:
        self.aircraft.skipped += 1
        if len(self.aircraft.reasons) < MAX_LISTED:
            self.aircraft.reasons.append({"record": tail or "?", "field": "TailNumber", "reason": reason})

    def _store_aircraft(self, item: dict) -> None:
        tail = str(item.get("TailNumber") or "").strip().upper()
        try:
            device = simulator_type_for(instance_type_of(item), tail, "InstanceTypeID")
        except BadRecord as exc:
            self._skip_aircraft(tail, exc.reason)
            return
        if device != SimulatorType.REAL:
            self._skip_aircraft(tail, AIRCRAFT_SIMULATOR)
            return
        if is_anonymous_tail(tail):
            self._skip_aircraft(tail, AIRCRAFT_ANONYMOUS)
            return
        if not tail or tail.startswith("SIM"):
            self._skip_aircraft(tail, AIRCRAFT_NOT_US)
            return
        mine = UserAircraft.objects.filter(owner=self.owner)
        if mine.filter(registration__iexact=tail, manual=True).exists():
            self._skip_aircraft(tail, AIRCRAFT_MANUAL)
            return
        try:
            answer = self.lookup(tail)
        except ImportError:
            self._skip_aircraft(tail, AIRCRAFT_NO_REGISTRY)
            return
        except FlightBridgeError as exc:
            self._skip_aircraft(tail, f"{AIRCRAFT_NO_REGISTRY}: {exc}")
            return
        if not answer.is_us_registration:
            self._skip_aircraft(tail, AIRCRAFT_NOT_US)
            return
        if not answer.found:
            self._skip_aircraft(tail, AIRCRAFT_NOT_FOUND)
            return
        registration = (answer.n_number or tail).upper()
        existing = mine.filter(registration__iexact=registration).first()
        if existing is not None:
            self._skip_aircraft(tail, AIRCRAFT_MANUAL if existing.manual else AIRCRAFT_EXISTS)
            return
        model = answer.model or str(item.get("ModelDescription") or "")
        added = reference_data.add_source_aircraft(
            self.owner, self.batch, registration=registration, model=model, manufacturer=answer.manufacturer or "",
            source=SOURCE, external_id=f"mfb-aircraft:{item.get('AircraftID')}",
            details={"registry": to_jsonable(_registry_facts(answer)), "myflightbook": to_jsonable(item)})
        if not added:  # created meanwhile by another run: nothing to add
            self._skip_aircraft(tail, AIRCRAFT_EXISTS)
            return
        self.aircraft.created += 1

    # ------------------------------------------------------------------------------------- flights

    def _fetch_page(self, offset: int, fq: str = EMPTY_QUERY) -> list:
        page = self.client.call("FlightsWithQueryAndOffset", fq=fq, offset=offset, maxCount=self.page_size)
        return self._list(page, "FlightsWithQueryAndOffset")

    def sync_flights(self) -> None:
        """The window (quick) or every page (full); a first sync or an asked-for full sync walks it all."""
        if self.asked_mode == quick.FULL:
            self.full_reason = quick.ASKED_FULL
        else:
            newest = self.manifest.newest_date()
            if newest is None and self.manifest.is_empty():
                self.full_reason = quick.FIRST_SYNC
            else:
                today = self.today or date.today()
                self.window = quick.window_for(newest or today, today, self._window_days())
        if self.full_reason:
            self.mode = quick.FULL
            self.report(mode=self.mode, escalated=False)
            self.walk_all()
            return
        self.mode = quick.QUICK
        self.report(mode=self.mode, escalated=False, window=self.window.as_dict())
        seen = self.walk(quick.window_query(self.window))
        self.stored_ids |= seen
        self.follow_flights_that_left(self.manifest.ids_in(self.window) - seen)
        self.bring_back_flights_gone_here()

    def _window_days(self) -> int:
        return self.window_days if self.window_days is not None else settings.CONFIG.mfb_quick_window_days

    def walk_all(self) -> None:
        """Every page of the logbook; what the syncs had seen and this walk did not is gone from MyFlightbook.

        After an escalation the window's flights come round again: they were stored (and counted) once
        already in this run, so they are only remembered, not stored twice.
        """
        known = self.manifest.load()
        listed = self.walk(EMPTY_QUERY, already_stored=self.stored_ids)
        found = self.find_deleted()  # only after a complete walk: a run that stopped early has not seen everything
        self.manifest.forget(known - listed - found)

    def follow_flights_that_left(self, missing: set[int]) -> None:
        """Flights seen in the window before and not now were re-dated or deleted: ask for them by FlightID.

        Those MyFlightbook still returns moved (their new date is remembered); the rest were deleted.
        """
        if not missing:
            return
        found = self.walk(quick.enumerated_query(missing))
        self.stored_ids |= found
        self.refetched += len(found)
        self.forget_deleted(missing - found)

    def bring_back_flights_gone_here(self) -> None:
        """Synced flights missing from the logbook here (an undone sync, a deleted row) come back, as a full
        sync would bring them: fetched by FlightID a page at a time, or by a full walk when there are many."""
        gone = self.manifest.gone_here(quick.REFETCH_LIMIT + 1)
        if len(gone) > quick.REFETCH_LIMIT:
            self.escalate_because = quick.GONE_HERE
            return
        for start in range(0, len(gone), self.page_size):
            chunk = set(gone[start:start + self.page_size])
            found = self.walk(quick.enumerated_query(chunk))
            self.stored_ids |= found
            self.refetched += len(found)
            self.forget_deleted(chunk - found)

    def forget_deleted(self, gone: set[int]) -> None:
        """Deleted on MyFlightbook (seen by a quick read): forgotten by the sync; the pilot's flight stays,
        marked and listed on the run as a full walk's `find_deleted` does."""
        if not gone:
            return
        self.manifest.forget(gone)
        marked = self.ingest_run.mark_deleted_at_source([external_id_for(flight_id) for flight_id in sorted(gone)])
        self.deleted.extend(marked[:max(0, MAX_LISTED - len(self.deleted))])
        self.deleted_count += len(gone)

    def check_totals(self) -> None:
        """The tripwire: after a quick read, the syncs' memory must add up to MyFlightbook's totals, added up
        as MyFlightbook adds them (tripwire.py); after a full walk, the totals tell the pilot's rounding unit.

        A disagreement means something outside the window changed (a backdated, added, deleted or
        re-timed old flight): walk the whole logbook now, in this run.
        """
        self.rounding_unit = schedule.rounding_unit_for(self.owner)
        if self.mode != quick.QUICK:
            self._learn_rounding_unit()
            return
        self.expected = self.manifest.totals()
        if self.escalate_because:
            reason = self.escalate_because
        elif self.remote is None:
            reason = quick.TOTALS_MISSING
        elif not tripwire.check(self.remote.flights, self.remote.total_time, self.expected, self.rounding_unit,
                                walked_all=False).agrees:
            reason = quick.TOTALS_DISAGREE
        else:
            return
        log.info("sync of user %s escalates to a full walk: %s", self.owner.pk, reason)
        self.mode, self.escalated, self.full_reason = quick.FULL, True, reason
        self.report(phase="flights", mode=self.mode, escalated=True)
        self.walk_all()
        self._learn_rounding_unit()

    def _learn_rounding_unit(self) -> None:
        if self.remote is None:
            return
        walked = self.manifest.totals()
        self.expected = self.expected or walked  # an escalated run's details keep what the quick read compared
        self.rounding_unit = tripwire.check(self.remote.flights, self.remote.total_time, walked, self.rounding_unit,
                                            walked_all=True).rounding_unit

    def walk(self, fq: str, already_stored: set[int] = frozenset()) -> set[int]:
        """Store every page of the flights `fq` selects; returns the FlightIDs MyFlightbook listed."""
        self.report(phase="flights", pages_done=self.counts.pages, imported=self.counts.imported,
                    skipped=self.counts.skipped, failed=self.counts.failed, changed=self.counts.changed)
        prefetcher = PagePrefetcher(lambda at: self._fetch_page(at, fq), self.prefetch)
        offset = 0
        listed: set[int] = set()
        try:
            while True:
                page = prefetcher.get(offset)
                full = len(page) >= self.page_size
                if full:
                    prefetcher.start(offset + self.page_size)  # fetched while this page is stored
                self._remember_account(page)
                seen = [quick.seen_of(record) for record in page]
                if already_stored:
                    # Listed by MyFlightbook in this run, even when stored earlier in it (find_deleted asks).
                    self.seen.update(record_label(record) for record in page if isinstance(record, dict))
                    page = [record for record, item in zip(page, seen) if item is None or item.flight_id not in already_stored]
                seen = [item for item in seen if item is not None]
                present = self.store_page(page)
                self.manifest.record(seen, present)
                listed.update(item.flight_id for item in seen)
                self.pages += 1
                self._save_progress()
                counts = self.counts
                self.report(
                    phase="flights",
                    pages_done=counts.pages,
                    imported=counts.imported,
                    skipped=counts.skipped,
                    failed=counts.failed,
                    changed=counts.changed,
                )
                if not full:
                    break  # no total is returned: a short page is the last one
                offset += self.page_size
        finally:
            prefetcher.close()
        return listed

    def _remember_account(self, page: list) -> None:
        if self._account_seen:
            return
        for record in page:
            if isinstance(record, dict) and isinstance(record.get("User"), str) and record["User"]:
                self.account.record_account_name(record["User"])
                self._account_seen = True
                return

    def store_page(self, records: list) -> set[str]:
        """Map one page and hand it to the logbook's ingest (one transaction, dedupe, keep the pilot's copy).

        A record that cannot be mapped is refused with its reason; the rest of the page is still stored.
        Returns the external ids of the page's flights that are in the logbook now.
        """
        incoming: list[ingest.IncomingFlight] = []
        versions: dict[str, dict] = {}
        # Flights stored unchanged are counted from their digest, without mapping them (issue 15).
        keys = [record_digest(record) for record in records]
        labels = [key[0] if key is not None else record_label(record) if isinstance(record, dict) else None
                  for record, key in zip(records, keys)]
        self.seen.update(label for label in labels if label is not None)  # listed, even if it cannot be stored
        undigested = [label for key, label in zip(keys, labels) if key is None and label not in (None, UNLABELLED)]
        recheck = self.ingest_run.recheck(keys, also=undigested)
        for record, key, flight_id in zip(records, keys, recheck.unchanged):
            if flight_id is not None:
                continue
            try:
                flight = map_flight(record, instance_types=self.instance_types, digest=key[1] if key else None)
            except BadRecord as exc:
                reason = exc.as_dict() if exc.record else {**exc.as_dict(), "record": record_label(record)}
                self.ingest_run.refuse(reason["record"], reason["field"], reason["reason"])
                continue
            incoming.append(ingest.IncomingFlight(
                external_id=flight.external_id, source_hash=flight.source_hash, fields={**flight.fields, "raw": flight.raw},
                label=flight.external_id))
            # What the pilot takes if they choose MyFlightbook's version later (the device class comes from
            # AircraftForUser, so it travels with the record).
            aircraft_id = record.get("AircraftID")
            versions[flight.external_id] = {"raw": flight.raw, "run_id": self.batch.pk, "instance_type": (
                self.instance_types.get(aircraft_id) if isinstance(aircraft_id, int) else None)}
        if not incoming:
            return set(recheck.stored)
        outcome = self.ingest_run.store_batch(incoming)
        # Listed again: no longer deleted there; unchanged again: no newer version to offer. Only the
        # flights the recheck found marked are written (none, on almost every page).
        revived = [item.external_id for item in incoming if item.external_id in recheck.marked_deleted]
        if revived:
            self.ingest_run.note_present_at_source(revived)
        kept = {result.flight_id: versions[result.record] for result in outcome if result.outcome == ingest.CHANGED_KEPT}
        current = [result.flight_id for result in outcome if result.outcome == ingest.UNCHANGED and result.flight_id and (
            result.flight_id in recheck.pending or result.record not in recheck.stored)]
        if kept or current:
            self.ingest_run.keep_source_versions(kept, current=current)
        return set(recheck.stored) | {result.record for result in outcome if result.flight_id is not None}

    def find_deleted(self) -> set[int]:
        """Flights imported earlier that this full walk did not see, asked for by id before they are called
        deleted: offset paging over a live logbook can skip a flight (reference §8), and one that turns up
        this way is stored (and remembered) like any other. The rest are marked on the pilot's copy and
        listed. Returns the FlightIDs that turned up."""
        known = Flight.objects.filter(owner=self.owner, source=SOURCE, external_id__startswith="mfb:")
        missing = [external_id for external_id in known.values_list("external_id", flat=True).order_by("external_id")
                   if external_id not in self.seen and external_id[4:].isdigit()]
        turned_up: set[int] = set()
        for start in range(0, len(missing), ENUMERATED_PER_CALL):
            ids = [int(external_id[4:]) for external_id in missing[start:start + ENUMERATED_PER_CALL]]
            found = self._list(self.client.call("FlightsWithQueryAndOffset", fq=json.dumps({"EnumeratedFlights": ids}),
                                                offset=0, maxCount=0), "FlightsWithQueryAndOffset")
            page = [record for record in found if isinstance(record, dict) and record.get("FlightID") in ids]
            present = self.store_page(page)
            seen = [item for item in map(quick.seen_of, page) if item is not None]
            self.manifest.record(seen, present)
            turned_up.update(item.flight_id for item in seen)
        gone = [external_id for external_id in missing if external_id not in self.seen]
        self.deleted = self.ingest_run.mark_deleted_at_source(gone) if gone else []
        self.deleted_count = len(gone)
        return turned_up

    # ------------------------------------------------------------------------- currency and totals

    def sync_currency(self) -> None:
        self.report(phase="currency")
        items = self._list(self.client.call("GetCurrencyForUser"), "GetCurrencyForUser")
        mapped: list[tuple[MappedCurrency, Any]] = []
        for item in items:
            result = map_currency_item(item)
            if isinstance(result, MappedCurrency):
                mapped.append((result, item))
            else:
                # Logged and skipped, never shown: an item we do not understand must not look like a pass.
                log.info("MyFlightbook currency item %r not mapped: %s", result.label, result.reason)
                self.currency_unmapped.append({"record": result.label, "field": "Attribute", "reason": result.reason})
        self.currency_stored = reference_data.replace_currency(self.owner, SOURCE, [
            (record.label, {"kind": record.kind, "category": record.category, "status": record.status, "value": record.value,
                            "discrepancy": record.discrepancy, "ipc_required": record.ipc_required,
                            "expires_on": record.expires_on, "raw": to_jsonable(item)})
            for record, item in mapped])
        self.report(phase="currency", currency_items=self.currency_stored, currency_unmapped=len(self.currency_unmapped))

    def sync_totals(self) -> None:
        self.report(phase="totals")
        items = self._list(self.client.call("TotalsForUserWithQuery", fq=EMPTY_QUERY), "TotalsForUserWithQuery")
        self.remote = quick.remote_totals(items)
        lines, skipped = map_totals(items)
        rows = reference_data.replace_totals(self.owner, SOURCE, [
            {"period": "lifetime", "dimension": line.dimension, "key": line.key, "description": line.description,
             "value": line.value, "unit": line.unit, "raw": line.raw} for line in lines])
        self.totals_stored = len(rows)
        for reason in skipped:
            log.info("MyFlightbook total skipped: %s", reason)
        self.report(phase="totals", totals=self.totals_stored)

    # ------------------------------------------------------------------------------------- helpers

    @staticmethod
    def _list(value: Any, method: str) -> list:
        if value is None:
            return []  # MyFlightbook answers an empty body for null
        if not isinstance(value, list):
            raise FatalError(f"MyFlightbook {method} returned {type(value).__name__}, not a list; the sync stopped.")
        return value

    def _save_details(self) -> None:
        self.ingest_run.details.update({
            "pages": self.pages,
            "changed_on_myflightbook": self.ingest_run.counts.changed,
            "deleted_on_myflightbook": self.deleted,
            "aircraft": {"created": self.aircraft.created, "skipped": self.aircraft.skipped, "reasons": self.aircraft.reasons},
            "currency": {"stored": self.currency_stored, "unmapped": self.currency_unmapped},
            "totals": {"stored": self.totals_stored},
            **self.mode_details(),
        })

    def _save_progress(self) -> None:
        """The run's row, at most once a second: at MyFlightbook's pace that is every page or two, and an
        unpaced re-check would otherwise spend a write per page on it. Every end of a run saves it."""
        now = time.monotonic()
        if now - self._progress_saved_at < PROGRESS_EVERY_SECONDS:
            return
        self._progress_saved_at = now
        self._save_details()
        self.ingest_run.save_progress()

    def result(self) -> dict:
        counts = self.counts
        return {
            "import_id": self.batch.pk,
            "pages": counts.pages,
            "imported": counts.imported,
            "skipped": counts.skipped,
            "failed": counts.failed,
            "changed_on_myflightbook": counts.changed,
            "deleted_on_myflightbook": self.deleted_count,
            "backfilled": counts.backfilled,
            "aircraft_created": self.aircraft.created,
            "aircraft_skipped": self.aircraft.skipped,
            "currency_items": self.currency_stored,
            "currency_unmapped": len(self.currency_unmapped),
            "totals": self.totals_stored,
            "mode": self.mode,
            "escalated": self.escalated,
        }

    def mode_details(self) -> dict:
        """Which mode ran and why, for the run's details (docs/sync.md)."""
        return {
            "mode": self.mode,
            "escalated": self.escalated,
            "full_reason": self.full_reason,
            "window": self.window.as_dict() if self.window else None,
            "tripwire": {"myflightbook": self.remote.as_dict() if self.remote else None,
                         "seen": self.expected.as_dict(self.rounding_unit) if self.expected else None},
            "refetched_by_id": self.refetched,
            "deleted_on_myflightbook_count": self.deleted_count,
        }

    def summary(self) -> str:
        """One line a pilot understands."""
        counts = self.counts
        parts = [f"Imported {counts.imported} new flight{'s' if counts.imported != 1 else ''}"]
        extra = []
        if counts.skipped:
            extra.append(f"{counts.skipped} already in the logbook")
        if counts.changed:
            extra.append(f"{counts.changed} changed on MyFlightbook and left as imported")
        if self.deleted_count:
            extra.append(f"{self.deleted_count} no longer on MyFlightbook, kept and marked")
        if counts.failed:
            extra.append(f"{counts.failed} not imported")
        if extra:
            parts[0] += f" ({', '.join(extra)})"
        parts.append(f"{self.aircraft.created} aircraft added")
        parts.append(f"{self.currency_stored} currency items and {self.totals_stored} totals updated")
        if self.escalated:
            parts.append("full sync (the quick sync found a change its date window cannot see)")
        else:
            parts.append(f"{self.mode} sync")
        return "; ".join(parts) + "."


RECONNECT_GUIDANCE = "Reconnect MyFlightbook on the logbook page, then sync again."
# The client's and the token store's own short hint, replaced by the fuller guidance above.
_SHORT_HINT = re.compile(r"[;,.]?\s*reconnect MyFlightbook\.?\s*$", re.IGNORECASE)


def reconnect_message(exc: Exception) -> str:
    """The failure text plus what to do about it: the grant is gone, only the pilot can renew it.

    Said once: a stored connection message that already carries the guidance is passed on as it is.
    """
    text = str(exc).strip()
    if RECONNECT_GUIDANCE in text:
        return text
    text = _SHORT_HINT.sub("", text).rstrip(".") or "MyFlightbook no longer accepts this connection"
    return f"{text}. {RECONNECT_GUIDANCE}"


def retry_later_message(exc: Exception, kept: int) -> str:
    """The outage as MyFlightbook reported it, what was kept, and what to do: nothing is lost by waiting."""
    flights = f"{kept} flight{'s' if kept != 1 else ''}"
    return (f"{str(exc).rstrip('.')}. MyFlightbook is not answering properly right now, so this sync stopped; "
            f"the {flights} it stored are kept. Sync again later to bring in the rest.")


def _registry_facts(answer: RegistryLookup) -> dict:
    return {
        "n_number": answer.n_number,
        "manufacturer": answer.manufacturer,
        "model": answer.model,
        "aircraft_type": answer.aircraft_type,
        "engine_type": answer.engine_type,
        "seats": answer.seats,
        "year": answer.year,
        "status": answer.status,
        "mode_s_hex": answer.mode_s_hex,
    }


def sync_user(owner, account: AccountPort, *, job=None, report: Report | None = None,
              client: MyFlightbookCalls | None = None, **options: Any) -> dict:
    """Sync `owner`'s MyFlightbook logbook through `account` (the job kind's entry point).

    The client comes from `account.client()` unless one is given (and is then the caller's to close).
    """
    own_client = client is None
    if own_client:
        try:
            client = account.client()
        except NeedsReauth as exc:
            raise NeedsReauth(reconnect_message(exc)) from None
    try:
        return MyFlightbookSync(owner, client, account=account, job=job, report=report, **options).run()
    finally:
        if own_client:
            client.close()
