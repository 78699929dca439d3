"""The ingest path itself: dedupe order, the per-source policies, unchanged, the savepoint fallback,
bounded batches and the bookkeeping Undo relies on."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from flightbridge.errors import InputError, NotFound
from flightbridge.logbook import entry, ingest, services
from flightbridge.logbook.import_report import SourceFlight
from flightbridge.logbook.models import Flight, ImportStatus, LogbookImport

pytestmark = pytest.mark.django_db


def incoming(external_id: str | None, *, day: date = date(2024, 5, 1), dep: str = "KPAO", dest: str = "KSQL",
             total: str = "1.0", **fields) -> ingest.IncomingFlight:
    raw = {"id": external_id, "date": day.isoformat(), "from": dep, "to": dest, "total": total, **fields}
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest()
    values = {"date": day, "departure": dep, "destination": dest, "total_flight_time": Decimal(total), "raw": raw, **fields}
    return ingest.IncomingFlight(external_id=external_id, source_hash=digest, fields=values,
                                 label=f"row {external_id} ({day} {dep}→{dest})")


def outcomes(batch: ingest.BatchOutcome) -> list[str]:
    return [record.outcome for record in batch]


def test_new_flights_are_created_with_both_runs_recorded(user):
    run = ingest.open_run(user, "logger", policy=ingest.UPDATE_BY_ID)
    result = run.store_batch([incoming("x:1"), incoming("x:2", day=date(2024, 5, 2))])
    assert outcomes(result) == ["created", "created"]
    flights = Flight.objects.filter(owner=user).order_by("date")
    assert [(f.external_id, f.source, f.import_batch_id, f.created_by_run_id) for f in flights] == [
        ("x:1", "logger", run.id, run.id), ("x:2", "logger", run.id, run.id)]
    assert [record.flight_id for record in result] == [f.pk for f in flights]
    record = run.finish("done")
    assert (record.status, record.imported, record.updated, record.unchanged) == (ImportStatus.COMPLETED, 2, 0, 0)


def test_identical_reimport_is_unchanged_and_writes_nothing(user):
    first = ingest.open_run(user, "logger", policy=ingest.UPDATE_BY_ID)
    first.store_batch([incoming("x:1")])
    first.finish("first")
    before = Flight.objects.get(owner=user).updated_at
    second = ingest.open_run(user, "logger", policy=ingest.UPDATE_BY_ID)
    assert outcomes(second.store_batch([incoming("x:1")])) == ["unchanged"]
    record = second.finish("second")
    flight = Flight.objects.get(owner=user)
    assert (flight.updated_at, flight.import_batch_id) == (before, first.id)
    assert (record.imported, record.updated, record.unchanged, record.skipped) == (0, 0, 1, 0)


def test_update_by_id_overwrites_a_changed_record(user):
    ingest.open_run(user, "logger", policy=ingest.UPDATE_BY_ID).store_batch([incoming("x:1", total="1.0")])
    later = ingest.open_run(user, "logger", policy=ingest.UPDATE_BY_ID)
    result = later.store_batch([incoming("x:1", total="2.5")])
    flight = Flight.objects.get(owner=user)
    assert outcomes(result) == ["updated"] and result.records[0].flight_id == flight.pk
    assert (flight.total_flight_time, flight.import_batch_id) == (Decimal("2.50"), later.id)
    assert flight.created_by_run_id != later.id


def test_keep_pilots_copy_lists_the_change_and_does_not_apply_it(user):
    ingest.open_run(user, "myflightbook", policy=ingest.KEEP_PILOTS_COPY).store_batch([incoming("mfb:1", total="1.0")])
    run = ingest.open_run(user, "myflightbook", policy=ingest.KEEP_PILOTS_COPY)
    result = run.store_batch([incoming("mfb:1", total="3.0"), incoming("mfb:1", total="3.0")])
    flight = Flight.objects.get(owner=user)
    assert outcomes(result) == ["changed-kept", "skipped"]  # the second is the same record listed twice
    assert flight.total_flight_time == Decimal("1.00")
    record = run.finish("ok")
    # MyFlightbook's `skipped` counts everything not stored, as it always has.
    assert (record.changed_at_source, record.skipped, record.unchanged) == (1, 2, 0)
    assert record.reasons == [{"record": "mfb:1", "field": None, "reason": ingest.KEEP_PILOTS_COPY.changed_reason,
                               "outcome": ingest.CHANGED_KEPT, "label": "row mfb:1 (2024-05-01 KPAO→KSQL)"}]
    assert run.counts.changed == [SourceFlight(record="mfb:1", flight_id=flight.pk, date="2024-05-01")]


def test_update_when_changed_uses_the_digest(user):
    policy = ingest.UPDATE_WHEN_CHANGED
    ingest.open_run(user, "manual", policy=policy).store_batch([incoming("csv:1"), incoming("csv:2")])
    run = ingest.open_run(user, "manual", policy=policy)
    assert outcomes(run.store_batch([incoming("csv:1"), incoming("csv:2", total="4.0")])) == ["unchanged", "updated"]
    assert Flight.objects.get(external_id="csv:2").total_flight_time == Decimal("4.00")


def test_dedupe_order_external_id_then_digest_then_route_key(user):
    # A row stored without an id (e.g. a CSV row) and a hand-entered flight on another day.
    no_id = incoming(None, day=date(2024, 6, 1))
    ingest.open_run(user, "manual", policy=ingest.UPDATE_WHEN_CHANGED).store_batch([no_id])
    by_hand = Flight.objects.create(owner=user, date=date(2024, 6, 2), departure="KPAO", destination="KSQL",
                                    remarks="typed in by the pilot")
    with_id = Flight.objects.create(owner=user, date=date(2024, 6, 3), departure="KPAO", destination="KSQL",
                                    external_id="mfb:9", source_hash="old")
    run = ingest.open_run(user, "myflightbook", policy=ingest.KEEP_PILOTS_COPY)
    result = run.store_batch([
        incoming("mfb:9", day=date(2024, 6, 3)),  # 1. external id: found (changed at source, kept)
        replace(no_id, external_id="mfb:7"),  # 2. digest: the same record, now with its id
        incoming("mfb:8", day=date(2024, 6, 2)),  # 3. route key: the hand-entered row gets the id
        incoming("mfb:6", day=date(2024, 6, 2)),  # the route key is used once: a second flight is new
    ])
    assert outcomes(result) == ["changed-kept", "unchanged", "linked", "created"]
    assert [record.flight_id for record in result][:3] == [with_id.pk, Flight.objects.get(source_hash=no_id.source_hash).pk,
                                                           by_hand.pk]
    by_hand.refresh_from_db()
    assert (by_hand.external_id, by_hand.remarks, by_hand.created_by_run_id) == ("mfb:8", "typed in by the pilot", None)
    assert Flight.objects.get(source_hash=no_id.source_hash).external_id == "mfb:7"
    assert Flight.objects.filter(owner=user).count() == 4


def test_a_policy_without_route_keys_creates_instead_of_linking(user):
    Flight.objects.create(owner=user, date=date(2024, 5, 1), departure="KPAO", destination="KSQL")
    run = ingest.open_run(user, "logger", policy=ingest.UPDATE_BY_ID)
    assert outcomes(run.store_batch([incoming("logger:a")])) == ["created"]


def test_a_refused_record_is_the_only_one_lost(user):
    run = ingest.open_run(user, "logger", policy=ingest.UPDATE_BY_ID)
    bad = incoming("x:2", dep="K" * 40)  # longer than the column: PostgreSQL refuses it
    bad = replace(bad, fields={**bad.fields, "day_landings": -1})  # and a negative count: SQLite's CHECK refuses it
    result = run.store_batch([incoming("x:1"), bad, incoming("x:3")])
    assert outcomes(result) == ["created", "failed", "created"]
    assert "the database refused the record" in result.records[1].reason
    assert sorted(Flight.objects.filter(owner=user).values_list("external_id", flat=True)) == ["x:1", "x:3"]
    record = run.finish("partly")
    assert (record.imported, record.failed) == (2, 1) and record.reasons[0]["record"] == "x:2"


def test_a_refused_update_is_the_only_one_lost(user):
    ingest.open_run(user, "logger", policy=ingest.UPDATE_BY_ID).store_batch([incoming("x:1"), incoming("x:2")])
    run = ingest.open_run(user, "logger", policy=ingest.UPDATE_BY_ID)
    bad = incoming("x:2", total="2.0")
    bad = replace(bad, fields={**bad.fields, "night_landings": -3})
    assert outcomes(run.store_batch([incoming("x:1", total="3.0"), bad])) == ["updated", "failed"]
    assert Flight.objects.get(external_id="x:1").total_flight_time == Decimal("3.00")
    assert Flight.objects.get(external_id="x:2").total_flight_time == Decimal("1.00")


def test_refuse_counts_a_record_once_and_lists_each_problem(user):
    run = ingest.open_run(user, "logger")
    run.refuse("entry 4 (2024-05-01)", "departureDate", "not a date", record="entries[3]",
               also=[("totalTime", "not a duration")])
    record = run.fail("nothing stored")
    assert (record.status, record.failed) == (ImportStatus.FAILED, 1)
    assert [(r["record"], r["field"], r["label"]) for r in record.reasons] == [
        ("entries[3]", "departureDate", "entry 4 (2024-05-01)"), ("entries[3]", "totalTime", "entry 4 (2024-05-01)")]


def test_batches_are_bounded_and_each_is_its_own_transaction(user):
    run = ingest.open_run(user, "logger", policy=ingest.UPDATE_BY_ID, batch_size=3)
    flights = [incoming(f"x:{i}", day=date(2024, 1, 1) + timedelta(days=i)) for i in range(7)]
    with CaptureQueriesContext(connection) as queries:
        result = run.store_batch(flights)
    assert outcomes(result) == ["created"] * 7
    # One write a batch: a multi-row INSERT, or on PostgreSQL the ids drawn for its COPY (flightbridge.bulk).
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "logbook_flight"')
               or (q["sql"].startswith("SELECT nextval") and "logbook_flight" in q["sql"])]
    assert len(inserts) == 3  # 3 + 3 + 1
    savepoints = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SAVEPOINT")]
    # Per batch: its transaction (a savepoint inside the test's own) and the bulk insert's; none per record.
    assert len(savepoints) == 2 * 3
    assert Flight.objects.filter(owner=user).count() == 7


def test_each_lookup_of_a_batch_uses_an_index_not_a_walk_of_the_logbook(user):
    """A 100,000-row import cost ~14 times a 10,000-row one: the same-day lookup's ORDER BY id made SQLite walk
    the owner's whole logbook by its owner index for every batch. Every flight lookup must search by more than
    the owner. (SQLite's planner is the one that chose the walk; PostgreSQL plans by its statistics.)"""
    if connection.vendor != "sqlite":
        pytest.skip("the query plans checked are SQLite's")
    ingest.open_run(user, "logger", policy=ingest.UPDATE_BY_ID).store_batch(
        [incoming(f"x:{i}", day=date(2024, 1, 1) + timedelta(days=i % 40)) for i in range(80)])
    later = [incoming(None, day=date(2024, 1, 1) + timedelta(days=i), total="2.0") for i in range(5)]
    with CaptureQueriesContext(connection) as queries:
        ingest.open_run(user, "csv:foreflight", policy=ingest.UPDATE_BY_ID).store_batch(later)
    lookups = [q["sql"] for q in queries.captured_queries
               if q["sql"].startswith("SELECT") and 'FROM "logbook_flight"' in q["sql"]]
    assert len(lookups) >= 2  # by digest and by date at least
    with connection.cursor() as cursor:
        for sql in lookups:
            plan = " | ".join(row[-1] for row in cursor.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall())
            assert "SCAN logbook_flight" not in plan and "(owner_id=?)" not in plan, (sql, plan)


def test_listed_reasons_are_bounded_and_the_rest_counted(user, monkeypatch):
    monkeypatch.setattr(ingest, "MAX_LISTED", 5)
    run = ingest.open_run(user, "logger")
    for i in range(12):
        run.refuse(f"entry {i + 1}", None, "bad")
    record = run.fail("none")
    assert (record.failed, len(record.reasons), record.details["reasons_not_listed"]) == (12, 5, 7)


# --- Undo's bookkeeping ----------------------------------------------------------------------------


def finished(run: ingest.IngestRun, seconds: int = 60) -> LogbookImport:
    """Finish a run and move it into the past, as if it ended a while ago."""
    record = run.finish("ok")
    shift = timedelta(seconds=seconds)
    LogbookImport.objects.filter(pk=record.pk).update(started_at=record.started_at - shift,
                                                      finished_at=record.finished_at - shift)
    for flight in Flight.objects.filter(import_batch=record):
        Flight.objects.filter(pk=flight.pk).update(created_at=flight.created_at - shift, updated_at=flight.updated_at - shift)
    return record


def test_undo_of_an_earlier_run_lists_flights_a_later_run_updated(user):
    first = ingest.open_run(user, "logger", policy=ingest.UPDATE_BY_ID)
    first.store_batch([incoming("x:1"), incoming("x:2", day=date(2024, 5, 2)), incoming("x:3", day=date(2024, 5, 3))])
    first_record = finished(first, 120)
    second = ingest.open_run(user, "logger", policy=ingest.UPDATE_BY_ID)
    second.store_batch([incoming("x:2", day=date(2024, 5, 2), total="2.0")])
    second_record = finished(second, 60)
    x2 = Flight.objects.get(external_id="x:2")
    assert services.touched_by_later_runs([first_record.pk, second_record.pk]) == {
        first_record.pk: {"count": 1, "flight_ids": [x2.pk], "run_ids": [second_record.pk]}}

    result = services.revert_import(user, first_record.pk)
    assert result.removed_flights == 2
    assert [(kept.flight.pk, kept.reason) for kept in result.kept] == [
        (x2.pk, f"updated by a later import run (#{second_record.pk})")]
    assert list(Flight.objects.filter(owner=user).values_list("external_id", flat=True)) == ["x:2"]
    # The later run created nothing: undoing it removes nothing and the flight stays as it updated it.
    later = services.revert_import(user, second_record.pk)
    assert (later.removed_flights, later.kept) == (0, [])
    assert Flight.objects.get(pk=x2.pk).total_flight_time == Decimal("2.00")


def test_edit_flight_validates_and_is_what_undo_keeps(user, other_user):
    run = ingest.open_run(user, "logger", policy=ingest.UPDATE_BY_ID)
    run.store_batch([incoming("x:1"), incoming("x:2", day=date(2024, 5, 2))])
    record = finished(run)
    flight = Flight.objects.get(external_id="x:1")
    with pytest.raises(InputError) as refused:
        entry.edit_flight(user, flight.pk, {"external_id": "mine", "remarks": "x"})
    assert [problem["field"] for problem in refused.value.problems] == ["external_id"]
    with pytest.raises(InputError) as refused:
        entry.edit_flight(user, flight.pk, {"pic": "1.23456", "day_landings": -1, "date": "soon"})
    assert sorted(problem["field"] for problem in refused.value.problems) == ["date", "day_landings", "pic"]
    assert Flight.objects.get(pk=flight.pk).pic == Decimal("0")  # nothing saved
    with pytest.raises(NotFound):
        entry.edit_flight(other_user, flight.pk, {"remarks": "not yours"})

    edited = entry.edit_flight(user, flight.pk, {"pic": "0.9", "remarks": "fixed the PIC time", "departure": "KSJC"})
    assert (edited.pic, edited.remarks, edited.departure) == (Decimal("0.9"), "fixed the PIC time", "KSJC")
    result = services.revert_import(user, record.pk)
    assert result.removed_flights == 1
    assert [(kept.flight.pk, kept.reason) for kept in result.kept] == [(flight.pk, services.EDITED_SINCE)]
    assert "kept 1 flight(s) edited since the import" in result.batch.message


def test_recheck_counts_what_store_batch_would_without_the_records(user):
    """The cheap path of an unchanged re-check (issue 15): stored-unchanged records and their repeats are
    counted from (external id, digest) alone; changed, new and repeats of those are left to store_batch."""
    one, two = incoming("mfb:1"), incoming("mfb:2", day=date(2024, 5, 2))
    ingest.open_run(user, "myflightbook", policy=ingest.KEEP_PILOTS_COPY).store_batch([one, two])
    changed = incoming("mfb:2", day=date(2024, 5, 2), total="2.5")
    run = ingest.open_run(user, "myflightbook", policy=ingest.KEEP_PILOTS_COPY)
    keys = [("mfb:1", one.source_hash), None, ("mfb:1", one.source_hash), ("mfb:2", changed.source_hash),
            ("mfb:2", two.source_hash), ("mfb:3", "f" * 64)]
    stored_one = Flight.objects.get(owner=user, external_id="mfb:1").pk
    assert run.recheck(keys).unchanged == [stored_one, None, stored_one, None, None, None]
    assert (run.counts.unchanged, run.counts.skipped) == (1, 1)
    assert dict(run.counts.by_reason) == {(ingest.UNCHANGED, ingest.KEEP_PILOTS_COPY.unchanged_reason): 1,
                                          (ingest.SKIPPED, ingest.KEEP_PILOTS_COPY.repeated_reason): 1}
    # What is left goes through store_batch as before: the change is kept and listed, the repeat skipped.
    assert outcomes(run.store_batch([changed, two])) == ["changed-kept", "skipped"]


def test_recheck_leaves_field_comparing_policies_alone(user):
    ingest.open_run(user, "logger", policy=ingest.UPDATE_BY_ID).store_batch([incoming("x:1")])
    run = ingest.open_run(user, "logger", policy=ingest.UPDATE_BY_ID)
    assert run.recheck([("x:1", incoming("x:1").source_hash)]).unchanged == [None]
    assert run.counts.unchanged == 0
