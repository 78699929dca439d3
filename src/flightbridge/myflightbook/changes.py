"""Taking MyFlightbook's version of flights it changed since they were imported (issue 12).

A sync keeps the pilot's copy of a flight MyFlightbook changed, lists it in the run and keeps
MyFlightbook's version on the flight (`source_update`). Here the pilot takes that version for one
listed flight or all of them: each is re-mapped by the ordinary flight mapping and written by the
logbook's ingest, which records what the flight held so undoing the run puts it back. Never calls
MyFlightbook: the version was fetched by the sync.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flightbridge.errors import BadRecord, Conflict, InputError, NotFound
from flightbridge.logbook import ingest
from flightbridge.logbook.import_report import ImportReport
from flightbridge.logbook.models import Flight, FlightSource, ImportStatus, LogbookImport
from flightbridge.myflightbook.mapping import map_flight

SOURCE = FlightSource.MYFLIGHTBOOK
MAX_IDS = 1000  # a run lists at most this many changed flights
NOTHING_WAITING = "no newer MyFlightbook version is waiting (already taken, or MyFlightbook changed it back)"


@dataclass
class TakeResult:
    run: LogbookImport
    taken: list[int] = field(default_factory=list)
    not_taken: list[dict] = field(default_factory=list)


def listed_changes(run: LogbookImport) -> list[int]:
    """The local flight ids `run` listed as changed on MyFlightbook (its report's `changed_at_source`)."""
    return [item.flight_id for item in ImportReport.of(run).changed_at_source if item.flight_id is not None]


def take_myflightbook_versions(owner, import_id: int, flight_ids: list[int] | None = None) -> TakeResult:
    """Replace the pilot's copy with MyFlightbook's version for `flight_ids` (default: every flight the
    run listed as changed on MyFlightbook)."""
    run = LogbookImport.objects.filter(pk=import_id, owner=owner).first()
    if run is None:
        raise NotFound("There is no such import in your logbook.")
    if run.source != SOURCE:
        raise Conflict("Only a MyFlightbook sync lists flights changed on MyFlightbook.")
    if run.status not in (ImportStatus.COMPLETED, ImportStatus.FAILED):
        raise Conflict(f"This import is {run.get_status_display().lower()}: MyFlightbook's versions can be taken "
                       "from a finished run only.")
    listed = listed_changes(run)
    if flight_ids is not None:
        if len(flight_ids) > MAX_IDS:
            raise InputError(f"At most {MAX_IDS} flights at once.", [{"field": "flight_ids", "reason": f"more than {MAX_IDS}"}])
        unlisted = [flight_id for flight_id in flight_ids if flight_id not in set(listed)]
        if unlisted:
            raise InputError("These flights are not listed by this import as changed on MyFlightbook.",
                             [{"field": "flight_ids", "reason": f"flight {flight_id} is not listed"} for flight_id in unlisted[:20]])
    wanted = listed if flight_ids is None else list(dict.fromkeys(flight_ids))
    result = TakeResult(run=run)
    incoming: list[ingest.IncomingFlight] = []
    by_external: dict[str, int] = {}
    flights = {flight.pk: flight for flight in Flight.objects.filter(owner=owner, source=SOURCE, pk__in=wanted)}
    for flight_id in wanted:
        flight = flights.get(flight_id)
        version = flight.source_update if flight is not None else None
        if not isinstance(version, dict) or not isinstance(version.get("raw"), dict):
            result.not_taken.append({"flight_id": flight_id, "reason": NOTHING_WAITING if flight else "no longer in your logbook"})
            continue
        raw = version["raw"]
        try:
            mapped = map_flight(raw, instance_types={raw.get("AircraftID"): version.get("instance_type")})
        except BadRecord as exc:
            result.not_taken.append({"flight_id": flight_id, "reason": f"MyFlightbook's version cannot be stored: {exc}"})
            continue
        if mapped.external_id != flight.external_id:
            result.not_taken.append({"flight_id": flight_id, "reason": "MyFlightbook's version is of another flight"})
            continue
        by_external[mapped.external_id] = flight_id
        incoming.append(ingest.IncomingFlight(external_id=mapped.external_id, source_hash=mapped.source_hash,
                                              fields={**mapped.fields, "raw": mapped.raw}, label=mapped.external_id))
    if incoming:
        outcome = ingest.take_source_versions(run, incoming)
        for record in outcome:
            if record.outcome == ingest.UPDATED:
                result.taken.append(by_external[record.record])
            else:
                result.not_taken.append({"flight_id": by_external[record.record],
                                         "reason": record.reason or f"not taken ({record.outcome})"})
    run.refresh_from_db()
    result.run = run
    return result
