"""What one MyFlightbook sync tells when it ends: the job's result, the run's stored details, the pilot's line.

Built from what the run's flights phase (`flights.py`) and reference-data phase (`reference_data.py`)
counted; the details are written through the logbook's handle on the import (`IngestRun.details`), at most
once a second while pages come in and once at every end of a run. It reads, it never decides: nothing here
changes what a sync stores, and it never calls MyFlightbook.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from flightbridge.logbook import ingest

if TYPE_CHECKING:
    from flightbridge.myflightbook.flights import FlightSync
    from flightbridge.myflightbook.reference_data import ReferenceDataSync

PROGRESS_EVERY_SECONDS = 1.0  # the run's row is written at most this often while pages come in


class RunReport:
    """The report of one run: `flights` and `reference` are read when it is asked, never copied."""

    def __init__(self, ingest_run: ingest.IngestRun, flights: FlightSync, reference: ReferenceDataSync):
        self.ingest_run = ingest_run
        self.flights = flights
        self.reference = reference
        self._progress_saved_at = float("-inf")

    def save(self) -> None:
        """The run's details as they are now (the run's row is written by whoever ends or advances it)."""
        flights, reference = self.flights, self.reference
        self.ingest_run.details.update({
            "pages": flights.pages,
            "changed_on_myflightbook": self.ingest_run.counts.changed,
            "deleted_on_myflightbook": flights.deleted,
            "aircraft": {"created": reference.aircraft.created, "skipped": reference.aircraft.skipped,
                         "reasons": reference.aircraft.reasons},
            "currency": {"stored": reference.currency_stored, "unmapped": reference.currency_unmapped},
            "totals": {"stored": reference.totals_stored},
            **self.mode_details(),
        })

    def save_progress(self) -> None:
        """The run's row, at most once a second: at MyFlightbook's pace that is every page or two, and an
        unpaced re-check would otherwise spend a write per page on it. Every end of a run saves it."""
        now = time.monotonic()
        if now - self._progress_saved_at < PROGRESS_EVERY_SECONDS:
            return
        self._progress_saved_at = now
        self.save()
        self.ingest_run.save_progress()

    def result(self) -> dict:
        """The job's result (without its `message`)."""
        counts, flights, reference = self.flights.counts, self.flights, self.reference
        return {
            "import_id": self.ingest_run.record.pk,
            "pages": counts.pages,
            "imported": counts.imported,
            "skipped": counts.skipped,
            "failed": counts.failed,
            "changed_on_myflightbook": counts.changed,
            "deleted_on_myflightbook": flights.deleted_count,
            "backfilled": counts.backfilled,
            "aircraft_created": reference.aircraft.created,
            "aircraft_skipped": reference.aircraft.skipped,
            "currency_items": reference.currency_stored,
            "currency_unmapped": len(reference.currency_unmapped),
            "totals": reference.totals_stored,
            "mode": flights.mode,
            "escalated": flights.escalated,
        }

    def mode_details(self) -> dict:
        """Which mode ran and why, for the run's details (docs/sync.md)."""
        flights, remote = self.flights, self.reference.remote
        return {
            "mode": flights.mode,
            "escalated": flights.escalated,
            "full_reason": flights.full_reason,
            "window": flights.window.as_dict() if flights.window else None,
            "tripwire": {"myflightbook": remote.as_dict() if remote else None,
                         "seen": flights.expected.as_dict(flights.rounding_unit) if flights.expected else None},
            "refetched_by_id": flights.refetched,
            "deleted_on_myflightbook_count": flights.deleted_count,
        }

    def summary(self) -> str:
        """One line a pilot understands."""
        counts, flights, reference = self.flights.counts, self.flights, self.reference
        parts = [f"Imported {counts.imported} new flight{'s' if counts.imported != 1 else ''}"]
        extra = []
        if counts.skipped:
            extra.append(f"{counts.skipped} already in the logbook")
        if counts.changed:
            extra.append(f"{counts.changed} changed on MyFlightbook and left as imported")
        if flights.deleted_count:
            extra.append(f"{flights.deleted_count} no longer on MyFlightbook, kept and marked")
        if counts.failed:
            extra.append(f"{counts.failed} not imported")
        if extra:
            parts[0] += f" ({', '.join(extra)})"
        parts.append(f"{reference.aircraft.created} aircraft added")
        parts.append(f"{reference.currency_stored} currency items and {reference.totals_stored} totals updated")
        if flights.escalated:
            parts.append("full sync (the quick sync found a change its date window cannot see)")
        else:
            parts.append(f"{flights.mode} sync")
        return "; ".join(parts) + "."
