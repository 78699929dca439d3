"""The typed import report: runs recorded before it existed read through it, on the Imports page and in the API.

The three `OLD_*` dicts are literal copies of what each importer wrote to `LogbookImport.details` before
the report type (a ForeFlight file, a Logger package, a MyFlightbook sync), keys and shapes as they were.
"""

from __future__ import annotations

import re
from datetime import date
from html import unescape
from decimal import Decimal

import pytest

from flightbridge.interchange import services as csv_services
from flightbridge.logbook import services
from flightbridge.logbook.import_report import CountedReason, ImportReport, SourceFlight
from flightbridge.logbook.models import Flight, ImportStatus, LogbookImport

OLD_CSV = {
    "format": "foreflight",
    "outcomes": {"created": 2, "updated": 1, "unchanged": 1, "changed-kept": 0, "linked": 1, "duplicate": 1,
                 "skipped": 0, "failed": 1},
    "skipped_by_reason": {"unchanged since it was last imported": 1,
                          "matched an existing flight by date and route (external id filled in)": 1,
                          "already in the logbook (from MyFlightbook)": 1},
    "backfilled": 1,
    "reasons_not_listed": 0,
    "version": "2026",
    "notes": [{"row": None, "column": "Route", "reason": "an unknown column, left out"}],
}
OLD_CSV_REASONS = [
    {"record": "line 3", "field": "external_id", "reason": "matched an existing flight by date and route (external id filled in)"},
    {"record": "line 4", "field": None, "reason": "already in the logbook (from MyFlightbook): flight 1"},
    {"record": "line 7", "field": "Date", "reason": "not a date (2024-13-01)"},
]

OLD_LOGGER = {
    "isUTC": False,
    "metadata": {"appName": "Your Third Party App", "appVersion": "1.0"},
    "api": "1.2",
    "outcomes": {"created": 1, "updated": 0, "unchanged": 0, "changed-kept": 0, "linked": 0, "duplicate": 0,
                 "skipped": 1, "failed": 1},
    "skipped_by_reason": {"FlightBridge's own export of flight 1, which is already in the logbook": 1},
    "backfilled": 0,
    "reasons_not_listed": 0,
    "entries": [
        {"index": 0, "importId": "a", "status": "imported", "flight_id": None, "label": "entry 1 (2024-05-01 KPAO→KSQL)"},
        {"index": 1, "importId": "b", "status": "failed", "flight_id": None, "label": "entry 2 (2024-05-02)"},
        {"index": 2, "importId": "c", "status": "skipped", "flight_id": None, "label": "entry 3"},
    ],
    "warnings": [],
}
OLD_LOGGER_REASONS = [
    {"record": "logger:b", "field": "departureDate", "reason": "not a date", "label": "entry 2 (2024-05-02)"},
    {"record": "logger:c", "field": "importId", "reason": "FlightBridge's own export of flight 1, which is already in the logbook",
     "label": "entry 3"},
]

OLD_MYFLIGHTBOOK = {
    "outcomes": {"created": 3, "updated": 0, "unchanged": 16, "changed-kept": 1, "linked": 0, "duplicate": 0,
                 "skipped": 1, "failed": 0},
    "skipped_by_reason": {"already imported": 16, "changed on MyFlightbook since import (kept as imported)": 1,
                          "listed twice by MyFlightbook on one page": 1},
    "backfilled": 0,
    "reasons_not_listed": 0,
    "pages": 1,
    "changed_on_myflightbook": [{"record": "mfb:9", "flight_id": None, "date": "2024-01-01"}],
    "deleted_on_myflightbook": [{"record": "mfb:12", "flight_id": None, "date": "2023-12-30"}],
    "aircraft": {"created": 1, "skipped": 2, "reasons": [{"record": "SIM-ONLY", "field": "TailNumber",
                                                          "reason": "a simulator or training device, not a registered aircraft"}]},
    "currency": {"stored": 3, "unmapped": [{"record": "Glider Aerotow", "field": "Attribute", "reason": "not an FAA pilot currency we track"}]},
    "totals": {"stored": 12},
    "mode": "quick",
    "escalated": False,
    "full_reason": "",
    "window": {"date_min": "2023-11-01", "date_max": "2024-01-02"},
    "tripwire": {"myflightbook": {"flights": 20, "total_time": "31.5000"},
                 "seen": {"flights": 20, "total_time": "31.5000", "rounding_unit": 60}},
    "refetched_by_id": 0,
    "deleted_on_myflightbook_count": 1,
}
OLD_MYFLIGHTBOOK_REASONS = [
    {"record": "mfb:9", "field": None, "reason": "changed on MyFlightbook since import (kept as imported)"},
]


def _flight(user, external_id: str, day: date) -> Flight:
    return Flight.objects.create(owner=user, date=day, departure="KPAO", destination="KSQL", external_id=external_id,
                                 total_flight_time=Decimal("1.0"))


@pytest.fixture
def old_runs(user):
    """The three runs as the importers recorded them before the report type, with the flights they name."""
    changed, deleted = _flight(user, "mfb:9", date(2024, 1, 1)), _flight(user, "mfb:12", date(2023, 12, 30))
    stored = _flight(user, "logger:a", date(2024, 5, 1))
    mfb = dict(OLD_MYFLIGHTBOOK, changed_on_myflightbook=[{"record": "mfb:9", "flight_id": changed.pk, "date": "2024-01-01"}],
               deleted_on_myflightbook=[{"record": "mfb:12", "flight_id": deleted.pk, "date": "2023-12-30"}])
    logger = dict(OLD_LOGGER, entries=[dict(OLD_LOGGER["entries"][0], flight_id=stored.pk), *OLD_LOGGER["entries"][1:]])
    runs = {
        "csv": LogbookImport.objects.create(owner=user, source="csv:foreflight", imported=2, updated=1, unchanged=1,
                                            skipped=2, failed=1, reasons=OLD_CSV_REASONS, details=OLD_CSV),
        "logger": LogbookImport.objects.create(owner=user, source="logger", imported=1, skipped=1, failed=1,
                                               reasons=OLD_LOGGER_REASONS, details=logger),
        "myflightbook": LogbookImport.objects.create(owner=user, source="myflightbook", imported=3, unchanged=16,
                                                     skipped=18, changed_at_source=1, reasons=OLD_MYFLIGHTBOOK_REASONS,
                                                     details=mfb),
    }
    Flight.objects.filter(pk=stored.pk).update(created_by_run=runs["logger"], import_batch=runs["logger"])
    for run in runs.values():
        services.finish_import(run, ImportStatus.COMPLETED, message=f"{run.source_label} import.")
    return {name: LogbookImport.objects.get(pk=run.pk) for name, run in runs.items()}


@pytest.mark.django_db
def test_old_runs_read_through_the_report_by_name(old_runs):
    csv, logger, mfb = (ImportReport.of(old_runs[name]) for name in ("csv", "logger", "myflightbook"))
    assert (csv.counts.created, csv.counts.linked, csv.counts.duplicate, csv.counts.failed) == (2, 1, 1, 1)
    assert (csv.csv.format, csv.csv.version, csv.csv.notes[0]["column"]) == ("foreflight", "2026", "Route")
    assert [(item.outcome, item.count) for item in csv.counted_reasons] == [("unchanged", 1), ("linked", 1), ("duplicate", 1)]
    assert (logger.logger.is_utc, logger.logger.metadata["appName"], logger.logger.api) == (False, "Your Third Party App", "1.2")
    assert [(entry.index, entry.import_id, entry.status) for entry in logger.logger.entries] == [
        (0, "a", "imported"), (1, "b", "failed"), (2, "c", "skipped")]
    sync = mfb.myflightbook
    assert (sync.mode, sync.escalated, sync.window["date_min"], sync.tripwire.myflightbook["flights"]) == (
        "quick", False, "2023-11-01", 20)
    assert (sync.aircraft.created, sync.aircraft.skipped, sync.currency.stored, sync.totals_stored) == (1, 2, 3, 12)
    assert mfb.changed_at_source[0].record == "mfb:9" and mfb.deleted_at_source_count == 1
    assert {item.reason: item.outcome for item in mfb.counted_reasons} == {
        "already imported": "unchanged", "changed on MyFlightbook since import (kept as imported)": "changed-kept",
        "listed twice by MyFlightbook on one page": "skipped"}


def _groups(html: str, run: LogbookImport) -> dict[str, int]:
    """The reason groups of one run's card on the Imports page, by key, with their counts."""
    card = html.split(f'id="import-{run.pk}"', 1)[1].split('class="card run"', 1)[0]
    return {unescape(key): int(count) for key, count in re.findall(r'data-group="([^"]+)" data-count="(\d+)"', card)}


@pytest.mark.django_db
def test_the_imports_page_shows_old_runs_as_it_did(client, user, old_runs):
    client.force_login(user)
    html = client.get("/logbook/imports/").content.decode()
    assert _groups(html, old_runs["csv"]) == {
        "imported": 2, "updated": 1, "unchanged": 1,
        "skipped:matched an existing flight by date and route (external id filled in)": 1,
        "skipped:already in the logbook (from MyFlightbook)": 1, "reason:not a date (2024-13-01)": 1}
    assert _groups(html, old_runs["logger"]) == {
        "imported": 1, "skipped:FlightBridge's own export of flight 1, which is already in the logbook": 1,
        "reason:not a date": 1}
    assert _groups(html, old_runs["myflightbook"]) == {
        "imported": 3, "unchanged": 16,
        "aircraft:a simulator or training device, not a registered aircraft": 1, "skipped_aircraft": 1,
        "currency:not an FAA pilot currency we track": 1, "changed_at_source": 1, "deleted_at_source": 1,
        "skipped:listed twice by MyFlightbook on one page": 1}
    deleted = Flight.objects.get(external_id="mfb:12")
    assert f'href="/logbook/flights/{deleted.pk}">2023-12-30</a> <code>mfb:12</code>' in html
    # Undo is offered for runs that created something.
    assert html.count("data-undo") == 3

    entries = client.get(f"/logbook/import/logger/?run={old_runs['logger'].pk}").content.decode()
    assert re.findall(r'data-entry-status="(\w+)" data-entry-number="(\d+)"', entries) == [
        ("imported", "1"), ("failed", "2"), ("skipped", "3")]
    assert "not a date" in entries


@pytest.mark.django_db
def test_the_api_shows_old_runs_by_name_and_in_their_stored_keys(api, old_runs):
    for name, old in (("csv", OLD_CSV), ("myflightbook", OLD_MYFLIGHTBOOK)):
        got = api.get(f"/api/imports/{old_runs[name].pk}").json()
        assert set(got["details"]) == set(old)  # every key clients read, as it was stored
        assert got["details"]["skipped_by_reason"] == old["skipped_by_reason"]
    csv = api.get(f"/api/imports/{old_runs['csv'].pk}").json()["report"]
    assert csv["counts"] == {"created": 2, "updated": 1, "unchanged": 1, "changed_kept": 0, "linked": 1, "duplicate": 1,
                             "skipped": 0, "failed": 1}
    assert (csv["csv"]["version"], csv["logger"], csv["myflightbook"]) == ("2026", None, None)
    logger = api.get(f"/api/imports/{old_runs['logger'].pk}").json()
    assert logger["details"]["isUTC"] is False and logger["details"]["entries_total"] == 3
    assert [entry["import_id"] for entry in logger["report"]["logger"]["entries"]] == ["a", "b", "c"]
    sync = api.get(f"/api/imports/{old_runs['myflightbook'].pk}").json()["report"]
    assert (sync["myflightbook"]["mode"], sync["myflightbook"]["tripwire"]["seen"]["rounding_unit"]) == ("quick", 60)
    assert [item["record"] for item in sync["deleted_at_source"]] == ["mfb:12"]
    assert {"outcome": "changed-kept", "reason": "changed on MyFlightbook since import (kept as imported)",
            "count": 1} in sync["counted_reasons"]


def test_a_report_reads_back_as_it_was_written():
    report = ImportReport.from_details(OLD_MYFLIGHTBOOK, "myflightbook")
    report.counted_reasons.append(CountedReason("duplicate", "already in the logbook (from a ForeFlight file)", 2))
    report.taken_from_source = [{"flight_id": 9, "record": "mfb:9", "taken_at": "2026-12-07T03:00:00+00:00",
                                 "before": {}, "version": None}]
    again = ImportReport.from_details(report.to_details(), "myflightbook")
    assert again == report
    # The stored keys stay those runs always had: what the API's `details` and its clients read.
    assert set(OLD_MYFLIGHTBOOK) <= set(report.to_details())


def test_a_reason_is_grouped_by_the_outcome_it_was_counted_under_not_by_its_words():
    """A new run says each reason's outcome: a reason worded like an old "unchanged" one is still what it was
    counted as (only runs recorded before `counted_reasons` are read by their words)."""
    report = ImportReport(counted_reasons=[CountedReason("skipped", "already imported", 2),
                                           CountedReason("unchanged", "the same as last time", 5)])
    again = ImportReport.from_details(report.to_details(), "myflightbook")
    assert [(item.outcome, item.reason) for item in again.already_by_reason()] == [("skipped", "already imported")]


def test_a_value_of_the_wrong_shape_reads_as_absent():
    report = ImportReport.from_details({"outcomes": "lots", "deleted_on_myflightbook": 3, "changed_on_myflightbook": 2,
                                        "entries": [1, {"index": 0, "status": "imported"}], "isUTC": "yes",
                                        "aircraft": ["N1"], "tripwire": None}, "logger")
    assert report.counts.created == 0 and report.deleted_at_source_count == 3 and report.changed_at_source == []
    assert [(entry.index, entry.status) for entry in report.logger.entries] == [(0, "imported")]
    assert report.logger.is_utc is None and report.myflightbook is None
    assert ImportReport.from_details(None, "myflightbook").myflightbook.aircraft.created == 0
    assert SourceFlight("mfb:1").flight_id is None


@pytest.mark.django_db
def test_the_page_groups_each_listed_record_under_the_outcome_it_was_counted_as(client, user):
    """A file holding a flight the logbook has from MyFlightbook, and one on its date, aircraft and route with
    other times: the first is "already in the logbook", named under that group (not also "not imported"), the
    second is new and listed for the pilot to check."""
    stored = Flight.objects.create(owner=user, date=date(2024, 5, 1), departure="KPAO", destination="KSQL",
                                   tail_number="N12345", total_flight_time=Decimal("1.00"), day_landings=1,
                                   source="myflightbook", external_id="mfb:1", source_hash="a" * 64)
    header = "Date,Tail Number,Route,Total Flight Time,Landings,Comments\n"
    rows = "2024-05-01,N12345,KPAO KSQL,1.5,1,longer\n2024-05-01,N12345,KPAO KSQL,1.0,1,the same\n"
    done = csv_services.import_csv(user, (header + rows).encode(), "myflightbook")
    assert (done.counts["duplicate"], done.counts["created"]) == (1, 1)
    client.force_login(user)
    html = client.get("/logbook/imports/").content.decode()
    assert _groups(html, done.run) == {"imported": 1, "skipped:already in the logbook (from MyFlightbook)": 1,
                                       "near_match": 1}
    assert f"line 2 (flight {stored.pk})" in html and f"line 3 (flight {stored.pk})" in html
