"""The one import loop (`logbook/importing.py`): batches, counts, reasons, progress, the finish and failure
messages, for every importer the same; a preview is the same loop writing nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from flightbridge.errors import InputError
from flightbridge.interchange import services as csv_services
from flightbridge.logbook import importing, ingest
from flightbridge.logbook.import_report import ImportReport
from flightbridge.logbook.models import Flight, FlightSource, ImportStatus, LogbookImport
from flightbridge.logger import mapping as logger_mapping
from flightbridge.logger import services as logger_services

pytestmark = pytest.mark.django_db

HEADER = "Date,Tail Number,Route,Total Flight Time,Landings,Comments\n"


def flight(number: int) -> ingest.IncomingFlight:
    day = date(2024, 1, 1 + number % 28)
    return ingest.IncomingFlight(external_id=f"test:{number}", source_hash=f"{number:064x}", label=f"flight {number}",
                                 fields={"date": day, "departure": "KPAO", "destination": "KSQL", "tail_number": "N1",
                                         "total_flight_time": Decimal("1.0") + number})


class Listed(importing.Importer):
    """An importer of a list of records, keeping what became of each."""

    source = FlightSource.LOGGER
    policy = ingest.UPDATE_BY_ID
    phase = "things"

    def __init__(self, records, fail_after: int | None = None, error: Exception | None = None):
        self.given = records
        self.fail_after, self.error = fail_after, error
        self.results: dict = {}
        self.ended = False

    def start(self, report: ImportReport) -> None:
        report.entered = "a list"

    def records(self, run):
        for number, record in enumerate(self.given):
            if number == self.fail_after:
                raise self.error
            yield number, record

    def took(self, key, outcome) -> None:
        self.results[key] = outcome.outcome

    def end(self, report: ImportReport) -> None:
        self.ended = True

    def title(self) -> str:
        return "A list"


def test_every_record_is_accounted_for_in_batches_with_progress_after_each(user):
    records = [flight(n) for n in range(5)]
    records.insert(2, importing.Refusal("row 2", "date", "not a date", also=(("route", "no airports"),)))
    records.insert(4, importing.Skip("row 4", "id", "this logbook's own export", flight_id=None))
    told = []
    importer = Listed(records)
    done = importing.run_import(user, importer, batch_size=2, progress=lambda **said: told.append(said))
    assert importer.results == {0: "created", 1: "created", 2: "failed", 3: "created", 4: "skipped", 5: "created",
                                6: "created"}
    assert (done.counts.created, done.counts.failed, done.counts.skipped) == (5, 1, 1)
    assert done.message == "A list: 5 new, 1 already in the logbook, 1 not imported."
    run = LogbookImport.objects.get(pk=done.run.pk)
    assert (run.status, run.imported, run.failed, run.message) == (ImportStatus.COMPLETED, 5, 1, done.message)
    assert [reason["field"] for reason in run.reasons] == ["date", "route", "id"]
    assert ImportReport.of(run).entered == "a list" and importer.ended
    # After each batch of 2 flights, and at the end: the pages follow these.
    assert [said["rows_read"] for said in told] == [2, 6, 7, 7]
    assert told[-1] == {"phase": "things", "run_id": run.pk, "rows_read": 7, "created": 5, "updated": 0, "unchanged": 0,
                        "refused": 1, "skipped": 1}
    assert Flight.objects.filter(owner=user, created_by_run=run).count() == 5  # Undo removes exactly these


def test_a_preview_is_the_same_loop_writing_nothing(user):
    records = [flight(1), importing.Refusal("row 2", "date", "not a date"), flight(1)]
    preview = importing.run_import(user, Listed(records), dry_run=True)
    assert not LogbookImport.objects.exists() and not Flight.objects.exists()
    assert preview.message == "A list: 1 would be created, 1 already in the logbook, 1 would not be imported " \
                              "(preview: nothing was saved)."
    done = importing.run_import(user, Listed(records))
    assert done.counts == preview.counts


def test_a_run_that_refused_every_record_has_failed(user):
    done = importing.run_import(user, Listed([importing.Refusal("row 1", "date", "not a date")]))
    assert (done.run.status, done.message) == (ImportStatus.FAILED, "A list: 1 not imported.")


@pytest.mark.parametrize("error, says", [
    (InputError("The file ends in the middle of a row."), "Import stopped: The file ends in the middle of a row; "),
    (RuntimeError("password=hunter2 in /srv/secret"), "Import stopped: an unexpected error (logged); "),
])
def test_an_import_that_cannot_go_on_fails_saying_why_and_what_it_kept(user, error, says):
    importer = Listed([flight(1), flight(2), flight(3)], fail_after=2, error=error)
    with pytest.raises(type(error)):
        importing.run_import(user, importer, batch_size=1)
    run = LogbookImport.objects.get()
    assert run.status == ImportStatus.FAILED and run.imported == 2
    assert run.message == says + "the 2 flight(s) stored before it are kept (Undo removes them)."
    assert "hunter2" not in run.message


def test_the_file_and_the_package_importers_stop_with_the_same_words(user, monkeypatch):
    """Both feed the one loop: an unexpected error mid-import is said the same way for either."""
    data = (HEADER + "2024-05-01,N1,KPAO KSQL,1.0,1,\n").encode()
    monkeypatch.setattr(csv_services, "stored_check", lambda *args, **kwargs: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        csv_services.import_csv(user, data, "myflightbook")
    monkeypatch.setattr(logger_mapping, "entry_to_flight", lambda *args, **kwargs: 1 / 0)
    package = {"metadata": {"appName": "t", "appVersion": "1", "isUTC": True},
               "entries": [{"importId": "a", "entryType": "Flight", "departureDate": "2024-05-01"}]}
    with pytest.raises(ZeroDivisionError):
        logger_services.import_package(user, package)
    file_run, package_run = LogbookImport.objects.order_by("id")
    assert file_run.source == "csv:myflightbook" and package_run.source == "logger"
    assert file_run.status == package_run.status == ImportStatus.FAILED
    assert file_run.message == "Import stopped: an unexpected error (logged); the 1 flight(s) stored before it are " \
                               "kept (Undo removes them)."
    assert package_run.message == "Import stopped: an unexpected error (logged); nothing was stored."


@pytest.mark.parametrize("keep", [False, True])
def test_a_stored_batch_is_held_only_for_a_caller_that_asks(user, keep):
    """A file of 100,000 rows must not hold every row's outcome to its end; a sync's page larger than a batch
    gets every outcome of its page back from `flush`."""
    run = ingest.open_run(user, FlightSource.LOGGER, policy=ingest.UPDATE_BY_ID, batch_size=2)
    loop = importing.ImportLoop(run, keep_outcomes=keep)
    for number in range(5):
        loop.add(number, flight(number))
    returned = loop.flush()
    assert [outcome.record for outcome in returned] == ([f"test:{n}" for n in range(5)] if keep else ["test:4"])
    assert Flight.objects.filter(owner=user).count() == 5
