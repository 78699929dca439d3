"""Undo of real import runs (tests/logbook/test_revert.py covers the service on hand-made runs): a
MyFlightbook sync against the sandbox and Logger package imports, reverted through the API, with a
flight edited since kept and listed, and what happens after (a re-sync brings back exactly what was
removed; reverting a later Logger run leaves an earlier run's flights alone)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from flightbridge.logbook.models import Flight, ImportStatus, LogbookImport, UserAircraft
from flightbridge.logger import services as logger_services
from flightbridge.myflightbook.sandbox import SandboxServer
from flightbridge.myflightbook.sandbox.fake import connect_to_sandbox
from flightbridge.registry.fake import FakeRegistry
from tests.trust.conftest import assert_complete

pytestmark = pytest.mark.django_db


def age(run: LogbookImport, seconds: int = 30) -> None:
    """Move a finished run and what it wrote into the past, as if it ended a while ago."""
    shift = timedelta(seconds=seconds)
    run.refresh_from_db()
    LogbookImport.objects.filter(pk=run.pk).update(started_at=run.started_at - shift, finished_at=run.finished_at - shift)
    for model in (Flight, UserAircraft):
        for row in model.objects.filter(import_batch=run):
            model.objects.filter(pk=row.pk).update(created_at=row.created_at - shift, updated_at=row.updated_at - shift)


def test_revert_a_myflightbook_sync_then_resync_brings_back_exactly_what_was_removed(user, api, settings, drain_jobs,
                                                                                       monkeypatch):
    registry = FakeRegistry({"N52417": ("CESSNA", "172S"), "N731PA": ("PIPER", "PA-28-181")})
    monkeypatch.setattr("flightbridge.myflightbook.sync.default_lookup", registry)
    with SandboxServer(flights=120, seed=7) as mfb:
        connect_to_sandbox(user, mfb, settings)
        api.post("/api/integrations/myflightbook/sync")
        drain_jobs()
        run = LogbookImport.objects.get(owner=user)
        assert run.status == ImportStatus.COMPLETED and run.imported == 120
        aircraft = UserAircraft.objects.filter(owner=user, import_batch=run).count()
        assert aircraft >= 1
        age(run)
        edited = Flight.objects.filter(owner=user).order_by("id")[5]
        edited.remarks = "fixed the route by hand"
        edited.save()

        response = api.post(f"/api/imports/{run.pk}/revert")
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["removed_flights"] == 119 and [flight["id"] for flight in body["kept_flights"]] == [edited.pk]
        assert body["run"]["status"] == "reverted" and "kept 1 flight" in body["run"]["message"]
        assert list(Flight.objects.filter(owner=user).values_list("pk", flat=True)) == [edited.pk]
        assert not UserAircraft.objects.filter(owner=user, import_batch=run).exists()
        shown = api.get(f"/api/imports/{run.pk}").json()
        assert shown["status"] == "reverted"

        # The next sync brings the removed flights back once; the kept one is not duplicated.
        api.post("/api/integrations/myflightbook/sync")
        drain_jobs()
        again = LogbookImport.objects.exclude(pk=run.pk).get(owner=user)
        assert (again.imported, again.skipped) == (119, 1)
        assert Flight.objects.get(pk=edited.pk).remarks == "fixed the route by hand"
        assert_complete(user, mfb)
        assert mfb.writes == []


def logger_package(*import_ids: str, total: str = "1:30") -> dict:
    entries = [{"importId": import_id, "entryType": "Flight", "departureDate": "2024-05-01", "departureTime": "14:00",
                "arrivalTime": "15:30", "departureAirport": "KPAO", "arrivalAirport": "KSQL", "totalTime": total}
               for import_id in import_ids]
    return {"metadata": {"appName": "Logger", "appVersion": "1.0", "isUTC": True}, "entries": entries}


def test_revert_a_logger_import_run_and_a_later_one_leaves_the_earlier_runs_flights(user, api):
    first = logger_services.import_package(user, logger_package("a", "b"))
    assert first.batch.imported == 2
    age(first.batch, 60)
    # b again, changed in Logger: updated; c: new. (An identical b would be "unchanged", issue 14.)
    second = logger_services.import_package(user, logger_package("b", "c", total="1:45"))
    assert (second.batch.imported, second.batch.updated) == (1, 1)
    age(second.batch, 30)

    response = api.post(f"/api/imports/{second.batch.pk}/revert")
    assert response.status_code == 200, response.content
    assert response.json()["removed_flights"] == 1  # only c: b was created by the first run
    assert sorted(Flight.objects.filter(owner=user).values_list("external_id", flat=True)) == ["logger:a", "logger:b"]
    assert api.post(f"/api/imports/{second.batch.pk}/revert").status_code == 409

    response = api.post(f"/api/imports/{first.batch.pk}/revert")
    assert response.status_code == 200 and response.json()["run"]["status"] == "reverted"
    assert Flight.objects.filter(owner=user, external_id="logger:a").count() == 0
    # b was created by the first run but last written by the second: kept, and listed with that reason.
    b = Flight.objects.get(owner=user, external_id="logger:b")
    body = response.json()
    assert body["removed_flights"] == 1
    assert [(kept["id"], kept["reason"]) for kept in body["kept_flights"]] == [
        (b.pk, f"updated by a later import run (#{second.batch.pk})")]
    assert f"kept 1 flight(s) updated by a later import run (#{second.batch.pk})" in body["run"]["message"]


def test_a_run_whose_flights_a_later_run_updated_says_so_before_undo_and_undo_lists_them(user, api):
    first = logger_services.import_package(user, logger_package("a", "b", "c"))
    age(first.batch, 60)
    assert api.get(f"/api/imports/{first.batch.pk}").json()["flights_touched_by_later_runs"] == {
        "count": 0, "flight_ids": [], "run_ids": []}
    second = logger_services.import_package(user, logger_package("a", "b", "c", total="2:00"))
    assert (second.batch.imported, second.batch.updated, second.batch.unchanged) == (0, 3, 0)
    third = logger_services.import_package(user, logger_package("a", "b", "c", total="2:00"))
    assert (third.batch.imported, third.batch.updated, third.batch.unchanged) == (0, 0, 3)
    ids = sorted(Flight.objects.filter(owner=user).values_list("pk", flat=True))

    shown = api.get(f"/api/imports/{first.batch.pk}").json()
    assert shown["flights_touched_by_later_runs"] == {"count": 3, "flight_ids": ids, "run_ids": [second.batch.pk]}
    response = api.post(f"/api/imports/{first.batch.pk}/revert")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["removed_flights"] == 0 and sorted(kept["id"] for kept in body["kept_flights"]) == ids
    assert {kept["reason"] for kept in body["kept_flights"]} == {f"updated by a later import run (#{second.batch.pk})"}
    assert Flight.objects.filter(owner=user).count() == 3
