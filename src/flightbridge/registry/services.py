"""Load the FAA registry and answer "what is N12345?".

`load_registry` streams a releasable-database ZIP into a new generation and makes it current in the
same transaction, then deletes older generations; `lookup` reads only the current generation in one
statement. A lookup must never see an empty registry because a reload is running, and must never
raise for what a pilot typed: non-US and malformed tails are an answer, not an error.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from flightbridge.locks import REGISTRY_LOAD, hold

from . import codes
from .interfaces import RegistryLookup
from .models import RegistryAircraft, RegistryGeneration, RegistryModel
from .nnumber import mode_s_hex, normalize_n_number
from .releasable import DEREG, MASTER, Limits, Problem, ReleasableSource, iter_aircraft, read_acftref, read_engines

log = logging.getLogger(__name__)

BATCH_SIZE = 2000
KEEP_PROBLEMS = 200  # stored on the generation and printed; the counts cover all of them


@dataclass
class LoadReport:
    source: str
    file_date: date | None
    generation_id: int = 0
    master_rows: int = 0
    aircraft: int = 0
    deregistered: int = 0
    models_known: int = 0
    engines_known: int = 0
    bad_rows: int = 0
    warnings: int = 0
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        if problem.skipped:
            self.bad_rows += 1
        else:
            self.warnings += 1
        if len(self.problems) < KEEP_PROBLEMS:
            self.problems.append(problem)
            # DEBUG: the command prints them and the load keeps them (admin); INFO would list each twice.
            log.debug("registry load: %s", problem)

    def summary(self) -> str:
        return (
            f"FAA registry of {self.file_date or 'unknown date'} loaded from {self.source}: "
            f"{self.aircraft} aircraft from {self.master_rows} MASTER rows, {self.deregistered} deregistered, "
            f"{self.models_known} aircraft models, {self.engines_known} engines; "
            f"{self.bad_rows} bad rows skipped, {self.warnings} field problems; {self.seconds:.1f} s"
        )


_CHAR_LIMITS = [
    (f.name, f.max_length) for f in RegistryAircraft._meta.concrete_fields if isinstance(f, models.CharField) and f.max_length
]


def _fit(values: dict, report: LoadReport, file_name: str) -> dict:
    """A value longer than our column (the layout drifts) is cut and reported, never a failed INSERT."""
    for name, limit in _CHAR_LIMITS:
        value = values.get(name)
        if value and len(value) > limit:
            values[name] = value[:limit]
            report.add(Problem(file_name, values["line"], name, f"{value!r} is longer than {limit} characters; cut", False))
    return values


def load_registry(path: str | Path, *, batch_size: int = BATCH_SIZE,
                  progress: Callable[[str], None] | None = None) -> LoadReport:
    """Load a releasable-database ZIP or folder and make it the current registry. Raises FatalError only for an unreadable file set.

    Load, then swap: the rows go into a new generation that no lookup reads, one short transaction per
    batch, so SQLite's write lock is free between batches and pilots' writes (a token's `last_used_at`
    too) go on during a load; a file of 800 MiB of empty lines held it for minutes in one transaction
    (issue 22). Only the swap is one transaction. A load that fails leaves no rows behind and the
    current registry as it was. `progress` hears how far the load is, after each committed batch.
    """
    started = time.perf_counter()
    limits = Limits(member_bytes=settings.FLIGHTBRIDGE_REGISTRY_MAX_MEMBER_BYTES,
                    total_bytes=settings.FLIGHTBRIDGE_REGISTRY_MAX_TOTAL_BYTES,
                    line_chars=settings.FLIGHTBRIDGE_REGISTRY_MAX_LINE_CHARS,
                    lines=settings.FLIGHTBRIDGE_REGISTRY_MAX_LINES,
                    seconds=settings.FLIGHTBRIDGE_REGISTRY_MAX_SECONDS)
    with hold(REGISTRY_LOAD), ReleasableSource(path, limits) as source:
        report = LoadReport(source=str(path), file_date=source.file_date(MASTER))
        models_ = read_acftref(source, report.add)
        engines = read_engines(source, report.add)
        report.models_known, report.engines_known = len(models_), len(engines)
        generation = RegistryGeneration.objects.create(source=str(path)[:500], file_date=report.file_date)
        report.generation_id = generation.id
        try:
            _store_models(models_, generation, batch_size)
            report.aircraft = _store(source, MASTER, generation, models_, engines, report, batch_size, progress)
            if source.has(DEREG):
                report.deregistered = _store(source, DEREG, generation, models_, engines, report, batch_size, progress)
            report.seconds = time.perf_counter() - started
            with transaction.atomic():
                _finish(generation, report)
                # The swap: from this commit on, lookups see the new generation; until it, the old one.
                RegistryGeneration.objects.filter(is_current=True).exclude(id=generation.id).update(is_current=False)
                RegistryGeneration.objects.filter(id=generation.id).update(is_current=True)
        except BaseException:
            _delete_generation(generation.id)
            raise
        deleted = prune_old_generations()
    report.seconds = time.perf_counter() - started
    RegistryGeneration.objects.filter(id=report.generation_id).update(seconds=report.seconds)
    log.info("%s (%d old rows removed)", report.summary(), deleted)
    return report


#: Rows between two progress messages.
PROGRESS_EVERY = 50_000


def _store(source, file_name, generation, models_, engines, report: LoadReport, batch_size: int,
           progress: Callable[[str], None] | None = None) -> int:
    stored = 0
    skipped_before = report.bad_rows
    said = [0]

    def committed(rows: int) -> None:
        if progress is not None and rows // PROGRESS_EVERY > said[0] // PROGRESS_EVERY:
            said[0] = rows
            progress(f"{file_name}: {rows:,} rows stored so far, {report.bad_rows} skipped")

    writer = _BulkWriter(generation.id, batch_size, committed)
    for values in iter_aircraft(source, file_name, models_, engines, report.add):
        writer.add(_fit(values, report, file_name))
        stored += 1
    writer.flush()
    if progress is not None:
        progress(f"{file_name}: {stored:,} rows stored")
    if file_name == MASTER:
        report.master_rows = stored + report.bad_rows - skipped_before
    return stored


_MODEL_LIMITS = [(f.name, f.max_length) for f in RegistryModel._meta.concrete_fields
                 if isinstance(f, models.CharField) and f.max_length]


def _store_models(models_: dict, generation: RegistryGeneration, batch_size: int) -> None:
    """Every ACFTREF row, used or not: the FAA aircraft reference model source reads them from here."""
    writer = _BulkWriter(generation.id, batch_size, lambda rows: None, RegistryModel)
    for code, ref in models_.items():
        values = {"code": code, **{name: getattr(ref, name) for name in (
            "manufacturer", "model", "type_aircraft", "type_engine", "category", "builder_certification", "engines",
            "seats", "weight_class", "speed", "tc_data_sheet", "tc_data_holder")}}
        for name, limit in _MODEL_LIMITS:  # the layout drifts: a long value is cut, as for aircraft rows
            if values[name] and len(values[name]) > limit:
                values[name] = values[name][:limit]
        writer.add(values)
    writer.flush()


class _BulkWriter:
    """Insert aircraft rows in batches without building model instances (300,000 of them cost more than the INSERTs).

    Each batch is its own short transaction: PostgreSQL gets a COPY of the batch, SQLite one prepared
    INSERT run with executemany. `committed(rows so far)` is called after each commit.
    """

    def __init__(self, generation_id: int, batch_size: int, committed: Callable[[int], None], model=RegistryAircraft):
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.names = [f.attname for f in self.fields]
        self.columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        self.table = connection.ops.quote_name(model._meta.db_table)
        self.generation_id, self.batch_size, self.committed = generation_id, batch_size, committed
        self.batch: list[tuple] = []
        self.rows = 0

    def add(self, values: dict) -> None:
        values["generation_id"] = self.generation_id
        self.batch.append(tuple(values.get(name) for name in self.names))
        if len(self.batch) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {self.table} ({self.columns}) FROM STDIN") as copy:
                    for row in self.batch:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.names))
                cursor.executemany(f"INSERT INTO {self.table} ({self.columns}) VALUES ({marks})",
                                   [tuple(_sqlite_value(value) for value in row) for row in self.batch])
        self.rows += len(self.batch)
        self.batch = []
        self.committed(self.rows)


def _sqlite_value(value):
    return value.isoformat() if isinstance(value, date) else value


def _finish(generation: RegistryGeneration, report: LoadReport) -> None:
    for name in ("master_rows", "aircraft", "deregistered", "models_known", "engines_known", "bad_rows", "warnings", "seconds"):
        setattr(generation, name, getattr(report, name))
    generation.problems = [problem.as_dict() for problem in report.problems]
    generation.save()


#: Rows deleted per transaction when a generation goes (300,000 in one DELETE held SQLite's write lock for seconds).
DELETE_BATCH = 5_000


def _delete_generation(generation_id: int) -> int:
    """Delete a generation that is not current, its rows a batch per short transaction; how many rows."""
    deleted = 0
    rows = RegistryAircraft.objects.filter(generation_id=generation_id)
    while True:
        last = list(rows.order_by("id").values_list("id", flat=True)[DELETE_BATCH - 1:DELETE_BATCH])
        with transaction.atomic():
            batch = rows.filter(id__lte=last[0]) if last else rows
            count, _ = batch.delete()
            if not last:
                # ACFTREF is a few thousand rows (at most ~100,000): one DELETE, with the generation.
                RegistryModel.objects.filter(generation_id=generation_id).delete()
                RegistryGeneration.objects.filter(id=generation_id, is_current=False).delete()
        deleted += count
        if not last:
            return deleted


def prune_old_generations() -> int:
    """Delete every generation but the current one (after the swap committed; a failed load's leftovers too)."""
    return sum(_delete_generation(old_id)
               for old_id in RegistryGeneration.objects.filter(is_current=False).values_list("id", flat=True))


def current_generation() -> RegistryGeneration | None:
    return RegistryGeneration.objects.filter(is_current=True).first()


def lookup(tail: str, *, today: date | None = None) -> RegistryLookup:
    """The registry's answer for one tail number; never raises for what a pilot typed."""
    query = str(tail or "")
    mark = normalize_n_number(query)
    if mark is None:
        return RegistryLookup(
            query=query,
            is_us_registration=False,
            found=False,
            message=f"{query.strip() or 'A blank tail'} is not a US registration: a US mark is N + 1–5 characters, "
            "the first a digit 1–9, at most two letters at the end and never I or O.",
        )
    today = today or timezone.localdate()
    # One statement joined on is_current: a concurrent reload's swap is all-or-nothing for it.
    rows = list(
        RegistryAircraft.objects.filter(generation__is_current=True, n_number=mark[1:])
        .select_related("generation").defer("generation__problems")
    )
    if not rows:
        loaded = current_generation()
        if loaded is None:
            message = f"{mark} is a valid US mark, but no FAA registry has been loaded (run: flightbridge registry load PATH)."
        else:
            message = f"{mark} is a valid US mark but is not in the FAA registry of {loaded.file_date or 'unknown date'}."
        return RegistryLookup(query=query, is_us_registration=True, found=False, n_number=mark,
                              mode_s_hex=mode_s_hex(mark) or "", message=message)
    current = [row for row in rows if row.source == RegistryAircraft.MASTER]
    past = sorted((row for row in rows if row.source == RegistryAircraft.DEREG),
                  key=lambda row: row.cancel_date or date.min, reverse=True)
    row = current[0] if current else past[0]
    status = codes.registration_status(row.status_code, row.expiration_date, deregistered=not current, today=today)
    return RegistryLookup(
        query=query,
        is_us_registration=True,
        found=True,
        n_number=mark,
        manufacturer=row.manufacturer,
        model=row.model,
        aircraft_type=codes.decode(codes.TYPE_AIRCRAFT, row.type_aircraft),
        engine_type=codes.decode(codes.TYPE_ENGINE, row.type_engine),
        seats=row.seats,
        year=row.year,
        status=status,
        mode_s_hex=row.mode_s_hex or mode_s_hex(mark) or "",
        message=_status_message(mark, row, status),
        details=_details(row, past if current else past[1:]),
    )


def _status_message(mark: str, row: RegistryAircraft, status: str) -> str:
    what = " ".join(part for part in (row.manufacturer, row.model) if part) or "unknown model"
    if status == codes.VALID:
        until = f" until {row.expiration_date.isoformat()}" if row.expiration_date else ""
        return f"{mark}: {what}, registration valid{until}."
    if status == codes.EXPIRED:
        since = f" on {row.expiration_date.isoformat()}" if row.expiration_date else ""
        why = codes.decode(codes.STATUS_CODE, row.status_code) if row.status_code in codes.EXPIRED_STATUS_CODES else "past its expiration date"
        return f"{mark}: {what}, registration expired{since} ({why})."
    if status == codes.DEREGISTERED:
        since = f" on {row.cancel_date.isoformat()}" if row.cancel_date else ""
        return f"{mark}: {what}, deregistered{since}; the mark is not assigned to an aircraft now."
    return f"{mark}: {what}, registration not valid: {codes.decode(codes.STATUS_CODE, row.status_code) or 'no status code'}."


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _details(row: RegistryAircraft, earlier: list[RegistryAircraft]) -> dict:
    return {
        "serial_number": row.serial_number,
        "mfr_mdl_code": row.mfr_mdl_code,
        "category": codes.decode(codes.AIRCRAFT_CATEGORY, row.category),
        "builder_certification": codes.decode(codes.BUILDER_CERTIFICATION, row.builder_certification),
        "engines": row.engines,
        "weight_class": row.weight_class,
        "engine_manufacturer": row.engine_manufacturer,
        "engine_model": row.engine_model,
        "horsepower": row.horsepower,
        "thrust": row.thrust,
        "registrant_type": codes.decode(codes.TYPE_REGISTRANT, row.registrant_type),
        "certification": row.certification,
        "status_code": row.status_code,
        "status_text": codes.decode(codes.STATUS_CODE, row.status_code),
        "mode_s_octal": row.mode_s_octal,
        "cert_issue_date": _iso(row.cert_issue_date),
        "airworthiness_date": _iso(row.airworthiness_date),
        "last_action_date": _iso(row.last_action_date),
        "expiration_date": _iso(row.expiration_date),
        "cancel_date": _iso(row.cancel_date),
        "kit_manufacturer": row.kit_manufacturer,
        "kit_model": row.kit_model,
        "earlier_deregistrations": [
            {"serial_number": old.serial_number, "manufacturer": old.manufacturer, "model": old.model,
             "cancel_date": _iso(old.cancel_date)}
            for old in earlier
        ],
        "registry_file_date": _iso(row.generation.file_date),
        "registry_source_line": f"{'MASTER' if row.source == row.MASTER else 'DEREG'}.txt line {row.line}",
    }


# --- ACFTREF and the model code of registered aircraft (for the fleet's FAA source and aircraft linking) ------


def reference_models(*, after: str = "", limit: int = 500, code: str | None = None) -> list[RegistryModel]:
    """ACFTREF rows of the current generation in code order, the page after code `after` (or the one `code`)."""
    rows = RegistryModel.objects.filter(generation__is_current=True)
    if code is not None:
        return list(rows.filter(code=code)[:1])
    return list(rows.filter(code__gt=after).order_by("code")[:limit])


def reference_model_count() -> int:
    return RegistryModel.objects.filter(generation__is_current=True).count()


#: registration marks per lookup query: well under every database's limit on bound parameters
MARKS_PER_QUERY = 900


def registered_models(marks) -> dict[str, dict]:
    """For each mark (`N12345`) in the current MASTER file: its MFR MDL CODE and the type facts of its row.

    Marks that are not US marks or not registered are left out. A few queries for any number of marks.
    """
    wanted: dict[str, str] = {}
    for mark in marks:
        normalized = normalize_n_number(str(mark or ""))
        if normalized:
            wanted[normalized[1:]] = normalized
    found: dict[str, dict] = {}
    bodies = list(wanted)
    for start in range(0, len(bodies), MARKS_PER_QUERY):
        chunk = bodies[start:start + MARKS_PER_QUERY]
        rows = RegistryAircraft.objects.filter(generation__is_current=True, source=RegistryAircraft.MASTER,
                                               n_number__in=chunk).values(
            "n_number", "mfr_mdl_code", "type_aircraft", "type_engine", "category", "engines", "manufacturer", "model")
        for row in rows:
            found[wanted[row.pop("n_number")]] = row
    return found
