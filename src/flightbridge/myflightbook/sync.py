"""The MyFlightbook sync: one run's steps, in the seed's order, and what it says when it stops.

One run = one `LogbookImport` (processing → completed | failed). The calls go in the seed's order, paced
by the client: AircraftForUser → FlightsWithQueryAndOffset (a quick window or every page of 50) →
GetCurrencyForUser → TotalsForUserWithQuery, then the tripwire (which may walk the whole logbook in the
same run) and the local 12-month rollup. The work of each step lives in a module named for it:
`reference_data.py` (aircraft, currency, totals, handed to the logbook's writers), `flights.py` (the
quick window, the full walk, the tripwire check; the sync's memory of MyFlightbook is
`remote_memory.py`), and `run_report.py` (the job's result, the sync's part of the run's report, the pilot's line).
docs/sync.md says what a quick and a full run do.

It is handed what it needs (a client with `.call`, and the pilot's account to report to: the username it
saw, a grant that is gone) and never imports the stored connection: the job kind in `jobs.py` wires them
together. Whatever stops a run, the flights stored before it are kept and the run ends `failed` with a
message that says what to do.

Read-only: a run only ever asks the client for the four read methods above.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Callable, Protocol

from flightbridge.errors import FatalError, NeedsReauth, TransientError
from flightbridge.logbook import importing, ingest, rollup
from flightbridge.logbook.models import FlightSource, ImportStatus, LogbookImport
from flightbridge.logbook.services import close_interrupted_run
from flightbridge.myflightbook import remote_memory, schedule
from flightbridge.myflightbook.client import MyFlightbookCalls
from flightbridge.myflightbook.flights import PAGE_SIZE, POLICY, FlightSync, SyncCounts
from flightbridge.myflightbook.reference_data import ReferenceDataSync
from flightbridge.myflightbook.run_report import PROGRESS_EVERY_SECONDS, RunReport
from flightbridge.registry.interfaces import RegistryLookup

SOURCE = FlightSource.MYFLIGHTBOOK

Report = Callable[..., None]
Lookup = Callable[[str], RegistryLookup]

TITLE = "MyFlightbook sync"  # how the pilot's line opens: "MyFlightbook sync: 3 new, 16 unchanged; …"
INTERRUPTED = "This sync stopped before it finished (its worker was restarted); flights stored before that are kept."


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


class MyFlightbookSync:
    """One sync run for `owner` through `client` (a `MyFlightbookClient` or the in-memory fake).

    `report` hears the run's progress (phase, counts, mode) as keyword arguments, for the job's progress bar.
    """

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
        mode: str = remote_memory.QUICK,
        window_days: int | None = None,
    ):
        if mode not in remote_memory.MODES:
            raise FatalError(f"unknown sync mode {mode!r}; use {' or '.join(remote_memory.MODES)}")
        self.owner = owner
        self.client = client
        self.account: AccountPort = account or NoAccount()
        self.job = job
        self.progress: Report = report or (lambda **_: None)
        self.lookup: Lookup = lookup or default_lookup
        self.page_size = page_size
        self.prefetch = prefetch
        self.today = today
        self.asked_mode = mode
        self.window_days = window_days
        self.ingest_run: ingest.IngestRun | None = None
        self.loop: importing.ImportLoop | None = None
        self.flights: FlightSync | None = None
        self.reference: ReferenceDataSync | None = None
        self.run_report: RunReport | None = None

    # ------------------------------------------------------------------------------------ the run

    def run(self) -> dict:
        """Run every step; returns the job result (with a one-line `message`). Raises on failure, after
        marking the import failed."""
        self._close_interrupted_runs()
        self._start(ingest.open_run(self.owner, SOURCE, job=self.job, policy=POLICY))
        flights, reference = self.flights, self.reference
        try:
            flights.instance_types = reference.sync_aircraft()  # a flight's device class comes from its aircraft
            flights.sync()
            reference.sync_currency()
            remote = reference.sync_totals()
            flights.check_totals(remote)  # may walk the whole logbook now, and learns the pilot's rounding unit
            self.progress(phase="rollup")
            rollup.compute_rollup(self.owner, self.today, rounding_unit=flights.rounding_unit)
        except NeedsReauth as exc:
            message = reconnect_message(exc)
            self.account.mark_needs_reconnect(message)
            self._fail(exc, message)
            raise NeedsReauth(message) from None
        except TransientError as exc:
            message = retry_later_message(exc, self.counts.imported)
            self._fail(exc, message)
            raise TransientError(message, retry_after=exc.retry_after) from None
        except Exception as exc:
            self._fail(exc)  # the import loop's words: why it stopped and what it kept
            raise
        schedule.record_sync(self.owner, remote, walked_all=flights.mode == remote_memory.FULL,
                             rounding_unit=flights.rounding_unit)
        self.run_report.save()
        # A sync does more than read flights: one whose every flight was refused still brought in the rest.
        message = self.loop.finish(TITLE, self.run_report.remarks(), refusing_all_fails=False, tell_job=False).message
        return {**self.run_report.result(), "message": message}

    def _start(self, ingest_run: ingest.IngestRun) -> None:
        """Each step's part of the run, all recording into `ingest_run` through the logbook's import loop."""
        self.ingest_run = ingest_run
        # The run's row at most once a second while pages come in: at MyFlightbook's pace that is every page
        # or two, and an unpaced re-check would otherwise spend a write per page on it.
        self.loop = importing.ImportLoop(ingest_run, progress=self.progress, phase="flights",
                                         save_every=PROGRESS_EVERY_SECONDS)
        self.flights = FlightSync(
            self.owner, self.client, self.loop, progress=self.progress, on_account_name=self.account.record_account_name,
            after_page=self._page_stored, page_size=self.page_size, prefetch=self.prefetch, today=self.today,
            mode=self.asked_mode, window_days=self.window_days)
        self.reference = ReferenceDataSync(self.owner, self.client, ingest_run, progress=self.progress, lookup=self.lookup)
        self.run_report = RunReport(ingest_run, self.flights, self.reference)

    def _page_stored(self) -> None:
        self.run_report.save()  # the loop writes it with the run's row

    @property
    def batch(self) -> LogbookImport | None:
        """This run's import row."""
        return self.ingest_run.record if self.ingest_run is not None else None

    @batch.setter
    def batch(self, record: LogbookImport) -> None:
        # A test hands a run's row directly and stores pages into it, without the calls before them.
        self._start(ingest.IngestRun(record, POLICY))

    @property
    def counts(self) -> SyncCounts:
        return self.flights.counts if self.flights is not None else SyncCounts()

    def store_page(self, records: list) -> set[str]:
        """One page of MyFlightbook records mapped and stored (`FlightSync.store_page`)."""
        return self.flights.store_page(records)

    def _close_interrupted_runs(self) -> None:
        """A run still `processing` now lost its worker (only one sync per pilot can be active): close it."""
        stale = LogbookImport.objects.filter(owner=self.owner, source=SOURCE, status=ImportStatus.PROCESSING)
        if self.job is not None:
            stale = stale.exclude(job=self.job)
        for batch in stale:
            close_interrupted_run(batch, INTERRUPTED)

    def _fail(self, exc: Exception, message: str | None = None) -> None:
        self.run_report.save()
        self.loop.stop(exc, message)


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
