"""What a MyFlightbook sync reads beside flights: the pilot's aircraft, currency and totals.

Each is read with one call (AircraftForUser, GetCurrencyForUser, TotalsForUserWithQuery), mapped here, and
handed as plain values to the logbook's writers (`logbook/reference_data.py`): this module never writes a
logbook table itself. An aircraft is added only from an FAA registration and never replaces one the
pilot entered by hand; a currency item or total we do not understand is logged and skipped, never shown
as if it passed. The totals' flight count and total time are also the tripwire's other side
(`remote_memory.remote_totals`).

Read-only: it only ever asks MyFlightbook for the three read methods above.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable

from flightbridge.errors import BadRecord, FlightBridgeError
from flightbridge.logbook import ingest
from flightbridge.logbook.aircraft import link_pilot_aircraft
from flightbridge.logbook.models import FlightSource, SimulatorType, UserAircraft
from flightbridge.logbook.reference_data import add_source_aircraft, replace_currency, replace_totals
from flightbridge.myflightbook import remote_memory
from flightbridge.myflightbook.client import MyFlightbookCalls, call_for_list
from flightbridge.myflightbook.currency import MappedCurrency, map_currency_item
from flightbridge.myflightbook.mapping import instance_type_of, is_anonymous_tail, simulator_type_for, to_jsonable
from flightbridge.myflightbook.totals import map_totals
from flightbridge.registry.interfaces import RegistryLookup

log = logging.getLogger(__name__)

SOURCE = FlightSource.MYFLIGHTBOOK

AIRCRAFT_NOT_US = "not a US registration"
AIRCRAFT_ANONYMOUS = "an anonymous aircraft (a model, no registration)"
AIRCRAFT_SIMULATOR = "a simulator or training device, not a registered aircraft"
AIRCRAFT_NOT_FOUND = "no matching FAA registration"
AIRCRAFT_MANUAL = "a manually entered aircraft with this registration exists (never overwritten)"
AIRCRAFT_EXISTS = "already synced"
AIRCRAFT_NO_REGISTRY = "the FAA registry lookup is unavailable"

Progress = Callable[..., None]
Lookup = Callable[[str], RegistryLookup]


@dataclass
class AircraftCounts:
    created: int = 0
    skipped: int = 0
    reasons: list[dict] = field(default_factory=list)


class ReferenceDataSync:
    """Aircraft, currency and totals for one run of `owner` (aircraft recorded against `ingest_run`'s import,
    so Undo removes them)."""

    def __init__(self, owner, client: MyFlightbookCalls, ingest_run: ingest.IngestRun, *, progress: Progress,
                 lookup: Lookup):
        self.owner = owner
        self.client = client
        self.ingest_run = ingest_run
        self.progress = progress
        self.lookup = lookup
        self.aircraft = AircraftCounts()
        self.currency_stored = 0
        self.currency_unmapped: list[dict] = []
        self.totals_stored = 0
        self.remote: remote_memory.RemoteTotals | None = None  # MyFlightbook's count and total time, this run

    # ------------------------------------------------------------------------------------ aircraft

    def sync_aircraft(self) -> dict[int, Any]:
        """The pilot's aircraft; returns each AircraftID's device class (InstanceTypeID), which the flights need."""
        self.progress(phase="aircraft")
        aircraft = call_for_list(self.client, "AircraftForUser")
        instance_types: dict[int, Any] = {}
        for item in aircraft:
            if not isinstance(item, dict):
                continue
            aircraft_id = item.get("AircraftID")
            if isinstance(aircraft_id, int):
                instance_types[aircraft_id] = instance_type_of(item)
        for item in aircraft:
            if isinstance(item, dict):
                self._store_aircraft(item)
        link_pilot_aircraft(self.owner, myflightbook_models={
            str(item.get("TailNumber") or "").strip().upper(): (
                item.get("ModelID") if isinstance(item.get("ModelID"), int) else None, str(item.get("ModelDescription") or ""))
            for item in aircraft if isinstance(item, dict)})
        self.progress(phase="aircraft", aircraft_created=self.aircraft.created, aircraft_skipped=self.aircraft.skipped)
        return instance_types

    def _skip_aircraft(self, tail: str, reason: str) -> None:
        self.aircraft.skipped += 1
        if len(self.aircraft.reasons) < ingest.MAX_LISTED:  # beyond that they are only counted
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
        added = add_source_aircraft(
            self.owner, self.ingest_run.record, registration=registration, model=model,
            manufacturer=answer.manufacturer or "", source=SOURCE, external_id=f"mfb-aircraft:{item.get('AircraftID')}",
            details={"registry": to_jsonable(_registry_facts(answer)), "myflightbook": to_jsonable(item)})
        if not added:  # created meanwhile by another run: nothing to add
            self._skip_aircraft(tail, AIRCRAFT_EXISTS)
            return
        self.aircraft.created += 1

    # ------------------------------------------------------------------------- currency and totals

    def sync_currency(self) -> None:
        self.progress(phase="currency")
        items = call_for_list(self.client, "GetCurrencyForUser")
        mapped: list[tuple[MappedCurrency, Any]] = []
        for item in items:
            result = map_currency_item(item)
            if isinstance(result, MappedCurrency):
                mapped.append((result, item))
            else:
                # Logged and skipped, never shown: an item we do not understand must not look like a pass.
                log.info("MyFlightbook currency item %r not mapped: %s", result.label, result.reason)
                self.currency_unmapped.append({"record": result.label, "field": "Attribute", "reason": result.reason})
        self.currency_stored = replace_currency(self.owner, SOURCE, [
            (record.label, {"kind": record.kind, "category": record.category, "status": record.status, "value": record.value,
                            "discrepancy": record.discrepancy, "ipc_required": record.ipc_required,
                            "expires_on": record.expires_on, "raw": to_jsonable(item)})
            for record, item in mapped])
        self.progress(phase="currency", currency_items=self.currency_stored, currency_unmapped=len(self.currency_unmapped))

    def sync_totals(self) -> remote_memory.RemoteTotals | None:
        """The lifetime totals; returns MyFlightbook's flight count and total time (None without a count)."""
        self.progress(phase="totals")
        items = call_for_list(self.client, "TotalsForUserWithQuery", fq=remote_memory.EMPTY_QUERY)
        self.remote = remote_memory.remote_totals(items)
        lines, skipped = map_totals(items)
        rows = replace_totals(self.owner, SOURCE, [
            {"period": "lifetime", "dimension": line.dimension, "key": line.key, "description": line.description,
             "value": line.value, "unit": line.unit, "raw": line.raw} for line in lines])
        self.totals_stored = len(rows)
        for reason in skipped:
            log.info("MyFlightbook total skipped: %s", reason)
        self.progress(phase="totals", totals=self.totals_stored)
        return self.remote


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
