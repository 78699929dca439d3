"""An independent check of quick sync over real HTTP: the pilot adds, backdates, deletes and edits flights on
the sandbox between syncs, and after every quick sync the local logbook holds each MyFlightbook flight
exactly once (a flight deleted there stays here, listed on the run, and is never imported again).

The check compares with the sandbox's own logbook, not with anything the sync reports.
"""

import dataclasses
import json
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest

from flightbridge.jobs.models import SyncJob
from flightbridge.logbook.models import Flight, LogbookImport
from flightbridge.myflightbook.sandbox import SandboxServer
from flightbridge.myflightbook.sandbox.fake import connect_to_sandbox
from flightbridge.myflightbook.sync import sync_user
from flightbridge.myflightbook.tokens import LinkedAccount
from flightbridge.registry.fake import FakeRegistry

TODAY = date(2026, 11, 20)


@pytest.fixture
def mfb():
    with SandboxServer(flights=300, seed=23, today=TODAY) as server:
        yield server


def sync(user) -> dict:
    return sync_user(user, LinkedAccount(user), lookup=FakeRegistry(), today=TODAY, window_days=60)


def assert_logbook_matches(user, mfb, deleted: set[int]) -> None:
    local = Counter(Flight.objects.filter(owner=user).values_list("external_id", flat=True))
    assert [key for key, count in local.items() if count > 1] == []  # none duplicated
    remote = {f"mfb:{row['FlightID']}" for row in mfb.account.flights}
    assert set(local) - {f"mfb:{flight_id}" for flight_id in deleted} == remote  # none missed, none invented
    assert remote.isdisjoint(f"mfb:{flight_id}" for flight_id in deleted)


def changed_records(user) -> set[str]:
    run = LogbookImport.objects.filter(owner=user).latest("id")
    return {entry["record"] for entry in run.reasons if "changed on MyFlightbook" in entry["reason"]}


def flight_queries(mfb, since: int) -> list[dict]:
    return [json.loads(call["params"]["fq"]) for call in mfb.calls[since:] if call.get("method") == "FlightsWithQueryAndOffset"]


@pytest.mark.django_db
def test_quick_syncs_keep_the_logbook_matching_through_adds_backdates_deletes_and_edits(user, settings, mfb):
    connect_to_sandbox(user, mfb, settings)
    account = mfb.account
    deleted: set[int] = set()

    first = sync(user)
    assert (first["mode"], first["imported"]) == ("full", 300)
    assert_logbook_matches(user, mfb, deleted)

    def step(expect_mode: str, expect_escalated: bool) -> dict:
        before = len(mfb.calls)
        result = sync(user)
        assert (result["mode"], result["escalated"]) == (expect_mode, expect_escalated), result["message"]
        assert_logbook_matches(user, mfb, deleted)
        queries = flight_queries(mfb, before)
        assert queries[0]["DateRange"] == 9 and "DateMinStr" not in queries[0] and "DateMaxStr" not in queries[0]
        assert queries[0]["DateMin"].endswith("T00:00:00") and queries[0]["DateMax"].endswith("T00:00:00")
        return result

    # New flights today: the window sees them.
    account.add_flight(TODAY)
    account.add_flight(TODAY - timedelta(days=1))
    assert step("quick", False)["imported"] == 2

    # A flight logged late, dated two years ago: only the totals can tell.
    late = account.add_flight(TODAY - timedelta(days=730))
    assert step("full", True)["imported"] == 1
    assert Flight.objects.filter(owner=user, external_id=f"mfb:{late['FlightID']}").count() == 1

    # A recent flight backdated years: followed by its FlightID, no full walk, not imported twice.
    recent = account.flights[3]["FlightID"]
    account.redate_flight(recent, TODAY - timedelta(days=1500))
    result = step("quick", False)
    assert result["imported"] == 0
    assert LogbookImport.objects.filter(owner=user).latest("id").details["refetched_by_id"] == 1

    # Deleted: an old one (the totals tell) and a recent one (the window tells).
    old = account.flights[-10]["FlightID"]
    account.delete_flight(old)
    deleted.add(old)
    assert step("full", True)["deleted_on_myflightbook"] == 1
    newest = account.flights[0]["FlightID"]
    account.delete_flight(newest)
    deleted.add(newest)
    assert step("quick", False)["deleted_on_myflightbook"] == 1
    listed = LogbookImport.objects.filter(owner=user).latest("id").details["deleted_on_myflightbook"]
    assert [entry["record"] for entry in listed] == [f"mfb:{newest}"]

    # Edited: an old flight's hours (the totals tell) and a recent flight's remarks (the window tells);
    # both are listed as changed on MyFlightbook and the pilot's copy is kept.
    # (The backdated flight is listed again by every full walk: its date changed there, and here it is kept.)
    old_edit = account.flights[-20]
    account.edit_flight(old_edit["FlightID"], TotalFlightTime=Decimal(str(old_edit.get("TotalFlightTime", 0))) + Decimal("0.40"))
    assert step("full", True)["changed_on_myflightbook"] == 2
    assert changed_records(user) == {f"mfb:{old_edit['FlightID']}", f"mfb:{recent}"}
    edited = account.flights[1]["FlightID"]
    account.edit_flight(edited, Comment="edited on MyFlightbook")
    assert step("quick", False)["changed_on_myflightbook"] == 1
    assert changed_records(user) == {f"mfb:{edited}"}
    assert Flight.objects.get(owner=user, external_id=f"mfb:{edited}").remarks != "edited on MyFlightbook"

    # Nothing changed: quick, nothing imported, and MyFlightbook was only read.
    assert step("quick", False)["imported"] == 0
    assert mfb.writes == []


@pytest.mark.django_db
def test_the_job_and_the_run_say_which_mode_ran(user, settings, mfb, api, drain_jobs):
    connect_to_sandbox(user, mfb, settings)
    settings.CONFIG = dataclasses.replace(settings.CONFIG, mfb_quick_window_days=60)

    def sync_through_the_api(path: str) -> tuple[dict, dict]:
        job_id = api.post(path).json()["id"]
        drain_jobs()
        job = api.get(f"/api/jobs/{job_id}").json()
        run = LogbookImport.objects.get(pk=job["result"]["import_id"])
        return job, run.details

    job, details = sync_through_the_api("/api/integrations/myflightbook/sync")
    assert job["status"] == "succeeded" and SyncJob.objects.get(pk=job["id"]).params == {"mode": "quick", "trigger": "manual"}
    assert (job["progress"]["mode"], job["progress"]["escalated"]) == ("full", False)  # a first sync is full
    assert (job["result"]["mode"], details["mode"], details["escalated"]) == ("full", "full", False)

    job, details = sync_through_the_api("/api/integrations/myflightbook/sync")
    assert (job["progress"]["mode"], job["progress"]["escalated"], details["mode"], details["escalated"]) == (
        "quick", False, "quick", False)
    assert job["message"].endswith("; quick sync.")

    mfb.account.add_flight(TODAY - timedelta(days=900))
    job, details = sync_through_the_api("/api/integrations/myflightbook/sync")
    assert (job["progress"]["mode"], job["progress"]["escalated"], details["mode"], details["escalated"]) == (
        "full", True, "full", True)

    job, details = sync_through_the_api("/api/integrations/myflightbook/sync?full=true")
    assert (job["progress"]["mode"], job["progress"]["escalated"], details["full_reason"]) == (
        "full", False, "a full sync was asked for")
    status = api.get("/api/integrations/myflightbook").json()
    assert (status["last_sync_mode"], status["last_sync_escalated"], status["auto_sync"]) == ("full", False, True)
    assert status["next_sync_at"] is not None and status["next_full_sync_at"] is not None


@pytest.mark.django_db
@pytest.mark.parametrize("unit", [60, 100])
def test_the_unchanged_demo_logbook_syncs_quick_under_either_rounding_unit(user, settings, unit):
    # Issue 20: MyFlightbook rounds each flight to the pilot's unit before it sums (Totals.cs). The demo's
    # times are arbitrary hundredths, so a plain sum never equals its minute-rounded total: comparing plain
    # sums made every quick sync a full walk. The first (full) sync learns the unit; quick syncs then agree.
    from flightbridge.myflightbook import demo
    from flightbridge.myflightbook.models import SyncSchedule

    with SandboxServer(flights=demo.DEMO_FLIGHTS, seed=1, today=TODAY, rounding_unit=unit) as mfb:
        connect_to_sandbox(user, mfb, settings)
        assert sync(user)["mode"] == "full"
        before = len(mfb.calls)
        result = sync(user)
        assert (result["mode"], result["escalated"], result["imported"]) == ("quick", False, 0), result["message"]
        assert SyncSchedule.objects.get(owner=user).rounding_unit == unit
        assert len([call for call in mfb.calls[before:] if call.get("method")]) <= 6
        # A new flight of 1.33 h (80 minutes to MyFlightbook, 1.33 in the sum): still quick, still agreeing.
        mfb.account.add_flight(TODAY, TotalFlightTime=Decimal("1.33"), PIC=Decimal("1.33"), CrossCountry=Decimal("1.3333"))
        result = sync(user)
        assert (result["mode"], result["escalated"], result["imported"]) == ("quick", False, 1), result["message"]
        # An old flight re-timed by a tenth changes the total under either unit: the tripwire still trips.
        old = mfb.account.flights[-5]
        mfb.account.edit_flight(old["FlightID"], TotalFlightTime=old.get("TotalFlightTime", Decimal(0)) + Decimal("0.1"))
        assert (sync(user)["mode"], LogbookImport.objects.filter(owner=user).latest("id").details["escalated"]) == ("full", True)
        assert sync(user)["mode"] == "quick"
        assert mfb.writes == []
