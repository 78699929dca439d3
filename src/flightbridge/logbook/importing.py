"""The one import loop every importer feeds: a logbook file, a Logger package, a MyFlightbook sync.

An importer only reads its format: it yields each record as an `IncomingFlight` (or a `Refusal` naming
the record, field and reason it could not map, or a `Skip` it chose itself), with its own key for the
record (a file's line, a package's entry). Everything else happens here, once, for all of them:

- the run (`ingest.open_run`, recorded against the job so the reaper can close it, and every flight it
  creates remembered for Undo), its records stored in batches of `ingest.BATCH_SIZE`;
- the counts and the reasons (`IngestRun`, decided by `decision.py`), and the run's typed report
  (`import_report.ImportReport`: the importer fills in its format's part);
- progress to the job after every batch (`JobContext.report`: rows read, created, updated, already in
  the logbook, refused, skipped), which the pages follow live;
- the finish message ("ForeFlight file (2026 format): 3 new, 1 unchanged.") and the failure message,
  the same words for every importer (`outcomes.py`), and the run's end state.

A preview is this loop with `dry_run`: the same records, the same decisions, nothing written.

`run_import(owner, importer)` drives a whole import. The MyFlightbook sync, whose records come a page at a
time between calls for aircraft, currency and totals, drives an `ImportLoop` itself (`add`, `flush`,
`finish`) so its pages go through the same loop. It must never write a `Flight` itself (the ingest does)
or keep more than one batch of records in memory.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from flightbridge.errors import FlightBridgeError
from flightbridge.logbook import ingest, outcomes
from flightbridge.logbook.import_report import ImportReport, OutcomeCounts
from flightbridge.logbook.ingest import IncomingFlight, IngestRun, Policy, RecordOutcome
from flightbridge.logbook.models import LogbookImport

log = logging.getLogger(__name__)

Progress = Callable[..., None]


@dataclass(frozen=True)
class Refusal:
    """A record the importer could not map: not imported, listed with the field and the reason (and any
    further (field, reason) problems of the same record in `also`)."""

    label: str
    field: str | None
    reason: str
    record: str | None = None
    also: tuple[tuple[str | None, str], ...] = ()


@dataclass(frozen=True)
class Skip:
    """A record the importer chose not to store (this logbook's own export pasted back): listed, not imported."""

    label: str
    field: str | None
    reason: str
    record: str | None = None
    flight_id: int | None = None


Record = IncomingFlight | Refusal | Skip


class Importer:
    """One format's part of an import. A subclass reads its format (`records`); the loop does the rest."""

    source: str
    policy: Policy
    #: the job's progress phase while the records are read
    phase = "records"

    def start(self, report: ImportReport) -> None:
        """Fill in the format's part of the run's report before the first record."""

    def records(self, run: IngestRun) -> Iterable[tuple[Any, Record]]:
        """Each record, in order, with the importer's own key for it (handed back to `took`)."""
        raise NotImplementedError

    def prepare(self, run: IngestRun, batch: list[tuple[Any, IncomingFlight]]) -> list[IncomingFlight]:
        """The batch as it is stored (a file adds its aircraft first, so the flights link to them)."""
        return [flight for _, flight in batch]

    def took(self, key: Any, outcome: RecordOutcome) -> None:
        """What became of one record: for the format's own per-record results (a file's rows, a package's entries)."""

    def end(self, report: ImportReport) -> None:
        """Fill in what the format knows once every record is read."""

    def title(self) -> str:
        """What was imported, as the finish message opens: "ForeFlight file (2026 format)", "Logger package"."""
        raise NotImplementedError

    def remarks(self, preview: bool) -> str:
        """Said after the counts ("; 2 flagged by the flight check (kept as sent)"), or nothing."""
        return ""


@dataclass
class ImportOutcome:
    """An import's end: its run (unsaved for a preview), counts, report and the message said to the pilot."""

    run: LogbookImport
    counts: OutcomeCounts
    report: ImportReport
    message: str
    preview: bool


def counts_sentence(counts: OutcomeCounts, *, preview: bool = False) -> str:
    """"3 new, 1 unchanged, 2 already in the logbook, 1 not imported": the counts in the pilot's words."""
    return outcomes.sentence(counts.by_code(), preview=preview)


def stopped_message(exc: BaseException, counts: OutcomeCounts) -> str:
    """Why an import stopped and what it kept, for every importer: a FlightBridge error says its own words,
    anything else is logged and named only as unexpected (its text may hold what a pilot must not see)."""
    stored = counts.created + counts.updated
    kept = f"the {stored} flight(s) stored before it are kept (Undo removes them)" if stored else "nothing was stored"
    why = str(exc).strip().rstrip(".") if isinstance(exc, FlightBridgeError) else "an unexpected error (logged)"
    return f"Import stopped: {why}; {kept}."


class ImportLoop:
    """One run's loop: records in, batches stored, counts and progress kept, the run ended with its message."""

    def __init__(self, run: IngestRun, *, took: Callable[[Any, RecordOutcome], None] | None = None,
                 prepare: Callable[[IngestRun, list], list[IncomingFlight]] | None = None,
                 progress: Progress | None = None, phase: str = "records", save_every: float = 0.0):
        self.run = run
        #: seconds between writes of the run's row while records come in (every end of the run writes it)
        self.save_every = save_every
        self._saved_at = float("-inf")
        self._took = took or (lambda key, outcome: None)
        self._prepare = prepare or (lambda run, batch: [flight for _, flight in batch])
        self._progress = progress
        self.phase = phase
        self._batch: list[tuple[Any, IncomingFlight]] = []
        self._stored: list[RecordOutcome] = []  # outcomes of full batches stored since the caller's last flush

    @property
    def counts(self) -> OutcomeCounts:
        return self.run.counts.outcomes()

    @property
    def read(self) -> int:
        """Records read so far: every one counted by its outcome, and those waiting for their batch."""
        return sum(self.run.counts.as_dict().values()) + len(self._batch)

    def add(self, key: Any, record: Record) -> RecordOutcome | None:
        """One record: a refusal or a skip is counted at once; a flight waits for its batch (stored when full).
        Returns the outcome when it is known now."""
        if isinstance(record, Refusal):
            outcome = self.run.refuse(record.label, record.field, record.reason, record=record.record, also=record.also)
        elif isinstance(record, Skip):
            outcome = self.run.skip(record.label, record.field, record.reason, record=record.record,
                                    flight_id=record.flight_id)
        else:
            self._batch.append((key, record))
            if len(self._batch) >= self.run.batch_size:
                self._stored.extend(self._store())
                self.tell()
            return None
        self._took(key, outcome)
        return outcome

    def flush(self, *, tell: bool = True) -> list[RecordOutcome]:
        """Store the waiting records now (one transaction a batch) and, unless the caller tells it itself,
        tell the job how far the run is. Returns the outcomes of the flights stored since the last flush."""
        stored, self._stored = self._stored + self._store(), []
        if tell and stored:
            self.tell()
        return stored

    def _store(self) -> list[RecordOutcome]:
        if not self._batch:
            return []
        batch, self._batch = self._batch, []
        flights = self._prepare(self.run, batch)
        stored = self.run.store_batch(flights).records
        for (key, _), outcome in zip(batch, stored):
            self._took(key, outcome)
        return stored

    def tell(self, **extra: Any) -> None:
        """The run's counts to its row (the Imports page shows them while it runs; at most every `save_every`
        seconds) and to the job's progress, with an importer's own counts (`extra`) beside them."""
        now = time.monotonic()
        if now - self._saved_at >= self.save_every:
            self._saved_at = now
            self.run.save_progress()
        self._tell_job(**extra)

    def _tell_job(self, **extra: Any) -> None:
        if self._progress is None:
            return
        counts = self.run.counts
        said = {"phase": self.phase, "run_id": self.run.id, "rows_read": self.read, "created": counts.created,
                "updated": counts.updated, "unchanged": self.counts.already, "refused": counts.failed,
                "skipped": counts.skipped}
        self._progress(**{**said, **extra})

    def finish(self, title: str, remarks: str = "", *, refusing_all_fails: bool = True,
               tell_job: bool = True) -> ImportOutcome:
        """End the run with its message. A run that refused every record it read and stored nothing has
        failed (unless the importer did more than read records: `refusing_all_fails`); any other run
        completed, its refusals listed. `tell_job` False: the importer has told the job itself and gone on
        to other phases since (a sync), so its progress is left as it is."""
        self.flush()
        counts, preview = self.counts, self.run.dry_run
        message = f"{title}: {counts_sentence(counts, preview=preview)}{remarks}"
        message += " (preview: nothing was saved)." if preview else "."
        if tell_job:
            self._tell_job()
        if refusing_all_fails and counts.failed and not (counts.created or counts.updated or counts.already
                                                          or counts.skipped):
            record = self.run.fail(message)
        else:
            record = self.run.finish(message)
        return ImportOutcome(run=record, counts=counts, report=self.run.report, message=message, preview=preview)

    def stop(self, exc: BaseException, message: str | None = None) -> None:
        """The import cannot go on: the run ends failed, saying why and what it kept (or `message`, an
        importer's own words for what the pilot can do about it)."""
        if not isinstance(exc, FlightBridgeError):
            log.exception("import run %s stopped", self.run.id)
        self.run.fail(message or stopped_message(exc, self.counts))


def run_import(owner, importer: Importer, *, dry_run: bool = False, job=None, progress: Progress | None = None,
               batch_size: int | None = None) -> ImportOutcome:
    """Import everything `importer` reads into `owner`'s logbook as one run (or, `dry_run`, the same run
    writing nothing: a preview). `job` and `progress` (`JobContext.report`) come from the job kind."""
    report = ImportReport()
    importer.start(report)
    run = ingest.open_run(owner, importer.source, policy=importer.policy, report=report, job=job, dry_run=dry_run,
                          batch_size=batch_size)  # the run keeps `report`: the importer may fill it in as it reads
    loop = ImportLoop(run, took=importer.took, prepare=importer.prepare, progress=progress, phase=importer.phase)
    try:
        for key, record in importer.records(run):
            loop.add(key, record)
        loop.flush()
        importer.end(run.report)
    except Exception as exc:
        loop.stop(exc)
        raise
    return loop.finish(importer.title(), importer.remarks(dry_run))
