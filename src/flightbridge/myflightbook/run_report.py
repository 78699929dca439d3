"""What one MyFlightbook sync tells: the job's result, the sync's part of the run's report, the pilot's line.

Built from what the run's flights phase (`flights.py`) and reference-data phase (`reference_data.py`)
counted. The sync's part of the run's typed report (`logbook.import_report.MyFlightbookReport`: mode,
tripwire, aircraft, currency, totals, and the flights deleted on MyFlightbook) is filled in here; the
logbook's import loop (`logbook/importing.py`) writes it with the run's row, at most once a second while
pages come in and once at every end of a run. It reads, it never decides: nothing here changes what a
sync stores, and it never calls MyFlightbook.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flightbridge.logbook import ingest
from flightbridge.logbook.import_report import (
    AircraftTally,
    CurrencyTally,
    MyFlightbookReport,
    SourceFlight,
    Tripwire,
)

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

    def save(self) -> None:
        """The sync's part of the run's report as it is now (written with the run's row by the import loop)."""
        flights, reference, report = self.flights, self.reference, self.ingest_run.report
        remote = reference.remote
        report.myflightbook = MyFlightbookReport(
            mode=flights.mode, escalated=flights.escalated, full_reason=flights.full_reason,
            window=flights.window.as_dict() if flights.window else None,
            tripwire=Tripwire(myflightbook=remote.as_dict() if remote else None,
                              seen=flights.expected.as_dict(flights.rounding_unit) if flights.expected else None),
            refetched_by_id=flights.refetched, pages=flights.pages,
            aircraft=AircraftTally(created=reference.aircraft.created, skipped=reference.aircraft.skipped,
                                   reasons=reference.aircraft.reasons),
            currency=CurrencyTally(stored=reference.currency_stored, unmapped=reference.currency_unmapped),
            totals_stored=reference.totals_stored)
        report.deleted_at_source = [SourceFlight(**item) for item in flights.deleted]
        report.deleted_at_source_count = flights.deleted_count

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

    def remarks(self) -> str:
        """What the pilot's line says after the flights' counts (`ImportLoop.finish` says those, in the words
        every import uses): changed or gone on MyFlightbook, aircraft, currency and totals, and the mode."""
        counts, flights, reference = self.flights.counts, self.flights, self.reference
        parts = []
        if counts.changed:
            parts.append(f"{counts.changed} changed on MyFlightbook and kept as you have it")
        if flights.deleted_count:
            parts.append(f"{flights.deleted_count} no longer on MyFlightbook, kept and marked")
        parts.append(f"{reference.aircraft.created} aircraft added")
        parts.append(f"{reference.currency_stored} currency items and {reference.totals_stored} totals updated")
        if flights.escalated:
            parts.append("full sync (the quick sync found a change its date window cannot see)")
        else:
            parts.append(f"{flights.mode} sync")
        return "; " + "; ".join(parts)
