"""The flights of one MyFlightbook sync: the quick window, the full walk, and the tripwire check between them.

A quick run asks only for the flights dated from a window before the newest flight seen, re-fetches by
FlightID the ones that left the window (and the synced flights gone from the logbook here), and then
checks MyFlightbook's whole-logbook totals against what the syncs remember (`remote_memory.py`, added
up as MyFlightbook adds: `tripwire.py`); when they disagree it walks the whole logbook in the same run.
A full run (the first sync, `?full=true`, the scheduled reconciliation) walks every page of 50 until a
short page (no total is returned), then asks by id for the imported flights it did not see before it
calls them deleted on MyFlightbook.

One page is in memory at a time (the next may be on its way: `page_prefetch.py`), so a logbook of any
size runs in flat memory apart from the set of FlightIDs seen. Each page is mapped and fed to the
logbook's import loop (`logbook/importing.py`; stored by `logbook/ingest.py`, policy "keep the pilot's
copy"), one transaction a page; a record that cannot be mapped is refused with its reason. A flight whose MyFlightbook record changed since import
is counted and listed as "changed on MyFlightbook" and left alone: MyFlightbook's version waits on the
flight until the pilot takes it (`changes.py`). A flight deleted on MyFlightbook is marked on the pilot's
copy and listed, never deleted here.

Read-only: it only ever asks MyFlightbook for FlightsWithQueryAndOffset.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

from django.conf import settings

from flightbridge.errors import BadRecord
from flightbridge.logbook import importing, ingest
from flightbridge.logbook.models import Flight, FlightSource
from flightbridge.myflightbook import remote_memory, schedule, tripwire
from flightbridge.myflightbook.client import MyFlightbookCalls, call_for_list
from flightbridge.myflightbook.mapping import UNLABELLED, external_id_for, map_flight, record_digest, record_label
from flightbridge.myflightbook.page_prefetch import PagePrefetcher, worth_prefetching
from flightbridge.myflightbook.tripwire import SeenTimes

log = logging.getLogger(__name__)

PAGE_SIZE = 50  # the seed: "Flights are paged in batches of 50"
# A quick window holds at most two pages of the flights the syncs remember, leaving its third page for the
# flights logged since: three calls and three pages, the ≤ 6 calls a quick sync costs (issue 20).
QUICK_WINDOW_PAGES_REMEMBERED = 2
ENUMERATED_PER_CALL = 50  # flights asked for by id in one call (FlightQuery.EnumeratedFlights)
SOURCE = FlightSource.MYFLIGHTBOOK

#: A flight once imported is the pilot's: a change on MyFlightbook is listed, never applied (the sync seed).
POLICY = ingest.KEEP_PILOTS_COPY

Progress = Callable[..., None]


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


class FlightSync:
    """The flights phase of one run for `owner`, stored through `loop` (the logbook's import loop, on the run).

    `instance_types` (AircraftID → device class, from AircraftForUser) is set before the flights are read;
    `on_account_name` hears the username MyFlightbook reveals; `after_page` runs after every stored page;
    `prefetch` None fetches the next page ahead when the client's pacing leaves time for it.
    """

    def __init__(self, owner, client: MyFlightbookCalls, loop: importing.ImportLoop, *, progress: Progress,
                 on_account_name: Callable[[str], None], after_page: Callable[[], None], page_size: int,
                 prefetch: bool | None, today: date | None, mode: str, window_days: int | None):
        self.owner = owner
        self.client = client
        self.loop = loop
        self.ingest_run = loop.run
        self.progress = progress
        self.on_account_name = on_account_name
        self.after_page = after_page
        self.page_size = page_size
        self.prefetch = worth_prefetching(client) if prefetch is None else prefetch
        self.today = today
        self.asked_mode = mode
        self.window_days = window_days
        self.instance_types: dict[int, Any] = {}
        self.pages = 0
        self.seen: set[str] = set()  # external ids MyFlightbook listed in this run (one short string per flight)
        self.deleted: list[dict] = []
        self.deleted_count = 0
        self.mode = mode  # what ran: quick, or full (asked for, a first sync, or escalated)
        self.escalated = False
        self.full_reason = ""
        self.window: remote_memory.Window | None = None
        self.manifest = remote_memory.Manifest(owner)
        self.expected: SeenTimes | None = None  # what the syncs had seen, when compared
        self.rounding_unit: int | None = None  # the pilot's MathRoundingUnit, as known (tripwire.py)
        self.refetched = 0
        self.escalate_because = ""  # set by the quick read when only a full walk will do
        self.stored_ids: set[int] = set()  # FlightIDs this run stored before an escalation (a window's worth)
        self._account_seen = False

    @property
    def counts(self) -> SyncCounts:
        return SyncCounts.of(self.ingest_run.counts, self.pages)

    # ------------------------------------------------------------------------- quick window or full walk

    def sync(self) -> None:
        """The window (quick) or every page (full); a first sync or an asked-for full sync walks it all."""
        if self.asked_mode == remote_memory.FULL:
            self.full_reason = remote_memory.ASKED_FULL
        else:
            newest = self.manifest.newest_date()
            if newest is None and self.manifest.is_empty():
                self.full_reason = remote_memory.FIRST_SYNC
            else:
                today = self.today or date.today()
                self.window = remote_memory.window_for(
                    newest or today, today, self._window_days(),
                    crowded_until=self.manifest.crowded_until(QUICK_WINDOW_PAGES_REMEMBERED * self.page_size))
        if self.full_reason:
            self.mode = remote_memory.FULL
            self.progress(mode=self.mode, escalated=False)
            self.walk_all()
            return
        self.mode = remote_memory.QUICK
        self.progress(mode=self.mode, escalated=False, window=self.window.as_dict())
        seen = self.walk(remote_memory.window_query(self.window))
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
        listed = self.walk(remote_memory.EMPTY_QUERY, already_stored=self.stored_ids)
        found = self.find_deleted()  # only after a complete walk: a run that stopped early has not seen everything
        self.manifest.forget(known - listed - found)

    def follow_flights_that_left(self, missing: set[int]) -> None:
        """Flights seen in the window before and not now were re-dated or deleted: ask for them by FlightID.

        Those MyFlightbook still returns moved (their new date is remembered); the rest were deleted.
        """
        if not missing:
            return
        found = self.walk(remote_memory.enumerated_query(missing))
        self.stored_ids |= found
        self.refetched += len(found)
        self.forget_deleted(missing - found)

    def bring_back_flights_gone_here(self) -> None:
        """Synced flights missing from the logbook here (an undone sync, a deleted row) come back, as a full
        sync would bring them: fetched by FlightID a page at a time, or by a full walk when there are many."""
        gone = self.manifest.gone_here(remote_memory.REFETCH_LIMIT + 1)
        if len(gone) > remote_memory.REFETCH_LIMIT:
            self.escalate_because = remote_memory.GONE_HERE
            return
        for start in range(0, len(gone), self.page_size):
            chunk = set(gone[start:start + self.page_size])
            found = self.walk(remote_memory.enumerated_query(chunk))
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
        self.deleted.extend(marked[:max(0, ingest.MAX_LISTED - len(self.deleted))])
        self.deleted_count += len(gone)

    # ---------------------------------------------------------------------------------- the tripwire

    def check_totals(self, remote: remote_memory.RemoteTotals | None) -> None:
        """The tripwire: after a quick read, the syncs' memory must add up to MyFlightbook's totals (`remote`),
        added up as MyFlightbook adds them (tripwire.py); after a full walk, the totals tell the pilot's
        rounding unit.

        A disagreement means something outside the window changed (a backdated, added, deleted or
        re-timed old flight): walk the whole logbook now, in this run.
        """
        self.rounding_unit = schedule.rounding_unit_for(self.owner)
        if self.mode != remote_memory.QUICK:
            self._learn_rounding_unit(remote)
            return
        self.expected = self.manifest.totals()
        if self.escalate_because:
            reason = self.escalate_because
        elif remote is None:
            reason = remote_memory.TOTALS_MISSING
        elif not tripwire.check(remote.flights, remote.total_time, self.expected, self.rounding_unit,
                                walked_all=False).agrees:
            reason = remote_memory.TOTALS_DISAGREE
        else:
            return
        log.info("sync of user %s escalates to a full walk: %s", self.owner.pk, reason)
        self.mode, self.escalated, self.full_reason = remote_memory.FULL, True, reason
        self.progress(phase="flights", mode=self.mode, escalated=True)
        self.walk_all()
        self._learn_rounding_unit(remote)

    def _learn_rounding_unit(self, remote: remote_memory.RemoteTotals | None) -> None:
        if remote is None:
            return
        walked = self.manifest.totals()
        self.expected = self.expected or walked  # an escalated run's details keep what the quick read compared
        self.rounding_unit = tripwire.check(remote.flights, remote.total_time, walked, self.rounding_unit,
                                            walked_all=True).rounding_unit

    # ------------------------------------------------------------------------------------- the pages

    def _fetch_page(self, offset: int, fq: str = remote_memory.EMPTY_QUERY) -> list:
        return call_for_list(self.client, "FlightsWithQueryAndOffset", fq=fq, offset=offset, maxCount=self.page_size)

    def walk(self, fq: str, already_stored: set[int] = frozenset()) -> set[int]:
        """Store every page of the flights `fq` selects; returns the FlightIDs MyFlightbook listed."""
        self.progress(phase="flights", pages_done=self.counts.pages, imported=self.counts.imported,
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
                seen = [remote_memory.seen_of(record) for record in page]
                if already_stored:
                    # Listed by MyFlightbook in this run, even when stored earlier in it (find_deleted asks).
                    self.seen.update(record_label(record) for record in page if isinstance(record, dict))
                    page = [record for record, item in zip(page, seen) if item is None or item.flight_id not in already_stored]
                seen = [item for item in seen if item is not None]
                present = self.store_page(page)
                self.manifest.record(seen, present)
                listed.update(item.flight_id for item in seen)
                self.pages += 1
                self.after_page()
                counts = self.counts
                # The import loop's counts, and the sync card's own (sync.js): pages, new, not stored, refused.
                self.loop.tell(pages_done=counts.pages, imported=counts.imported, skipped=counts.skipped,
                               failed=counts.failed, changed=counts.changed)
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
                self.on_account_name(record["User"])
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
                self.loop.add(reason["record"], importing.Refusal(reason["record"], reason["field"], reason["reason"]))
                continue
            incoming.append(ingest.IncomingFlight(
                external_id=flight.external_id, source_hash=flight.source_hash, fields={**flight.fields, "raw": flight.raw},
                label=flight.external_id))
            self.loop.add(flight.external_id, incoming[-1])
            # What the pilot takes if they choose MyFlightbook's version later (the device class comes from
            # AircraftForUser, so it travels with the record).
            aircraft_id = record.get("AircraftID")
            versions[flight.external_id] = {"raw": flight.raw, "run_id": self.ingest_run.record.pk, "instance_type": (
                self.instance_types.get(aircraft_id) if isinstance(aircraft_id, int) else None)}
        if not incoming:
            return set(recheck.stored)
        outcome = self.loop.flush(tell=False)  # one page, one transaction; the walk tells the job after the page
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
            found = call_for_list(self.client, "FlightsWithQueryAndOffset", fq=json.dumps({"EnumeratedFlights": ids}),
                                  offset=0, maxCount=0)
            page = [record for record in found if isinstance(record, dict) and record.get("FlightID") in ids]
            present = self.store_page(page)
            seen = [item for item in map(remote_memory.seen_of, page) if item is not None]
            self.manifest.record(seen, present)
            turned_up.update(item.flight_id for item in seen)
        gone = [external_id for external_id in missing if external_id not in self.seen]
        self.deleted = self.ingest_run.mark_deleted_at_source(gone) if gone else []
        self.deleted_count = len(gone)
        return turned_up
