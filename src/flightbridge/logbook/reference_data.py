"""What a source reports beside flights, written by the logbook: the pilot's aircraft it found, its currency
items and its totals (the MyFlightbook sync hands them here as plain values, as it hands flights to the
ingest; issue 21: the owner writes all its tables).

Each function is one short transaction. It never decides what a source's record means (the source's
mapping does) and never touches flights.
"""

from __future__ import annotations

from typing import Iterable

from django.db import DatabaseError, transaction

from flightbridge.logbook.models import CurrencyRecord, LogbookImport, LogbookTotal, SimulatorType, UserAircraft

_REGISTRATION_LIMIT = UserAircraft._meta.get_field("registration").max_length
_TEXT_LIMIT = UserAircraft._meta.get_field("model").max_length


def add_source_aircraft(owner, run: LogbookImport, *, registration: str, model: str, manufacturer: str, source: str,
                        external_id: str, details: dict) -> bool:
    """A registered aircraft a source found, as one of the pilot's (recorded against `run`, so Undo removes it);
    False when the pilot has it already (added meanwhile by another run)."""
    try:
        with transaction.atomic():
            UserAircraft.objects.create(
                owner=owner, registration=registration[:_REGISTRATION_LIMIT], model=model[:_TEXT_LIMIT],
                manufacturer=manufacturer[:_TEXT_LIMIT], device_class=SimulatorType.REAL, source=source, manual=False,
                external_id=external_id, details=details, import_batch=run)
    except DatabaseError:
        return False
    return True


def replace_currency(owner, source: str, items: Iterable[tuple[str, dict]]) -> int:
    """The source's currency items now, as (label, values): stored or updated by label, and what it no longer
    reports dropped (never shown stale). Returns how many it holds."""
    labels = []
    with transaction.atomic():
        for label, values in items:
            labels.append(label)
            CurrencyRecord.objects.update_or_create(owner=owner, source=source, label=label, defaults=values)
        CurrencyRecord.objects.filter(owner=owner, source=source).exclude(label__in=labels).delete()
    return len(set(labels))


def replace_totals(owner, source: str, lines: Iterable[dict]) -> list[LogbookTotal]:
    """The source's totals now (each line: period, dimension, key, description, value, unit, raw), replacing
    the ones it stored before. The MyFlightbook sync's lifetime totals and the logbook's own 12-month rollup
    (`rollup.compute_rollup`) both store theirs here."""
    rows = [LogbookTotal(owner=owner, source=source, **line) for line in lines]
    with transaction.atomic():
        LogbookTotal.objects.filter(owner=owner, source=source).delete()
        LogbookTotal.objects.bulk_create(rows)
    return rows
