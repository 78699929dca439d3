"""Deleted and changed on MyFlightbook (issue 12): a full sync marks and lists a flight MyFlightbook no longer
has (never deletes it), lists a changed one, and the pilot can take MyFlightbook's version for one flight or
all listed ones; undoing the run puts the pilot's copy back."""

from __future__ import annotations

import json
from datetime import date

import pytest

from flightbridge.logbook.models import Flight, LogbookImport
from flightbridge.myflightbook.sandbox import SandboxServer
from flightbridge.myflightbook.sandbox.fake import connect_to_sandbox
from flightbridge.myflightbook.sync import sync_user
from flightbridge.myflightbook.tokens import LinkedAccount, client_for
from flightbridge.registry.fake import FakeRegistry

TODAY = date(2026, 8, 20)
FLIGHTS = 60

pytestmark = pytest.mark.django_db


@pytest.fixture
def mfb():
    with SandboxServer(flights=FLIGHTS, seed=5, today=TODAY) as server:
        yield server


@pytest.fixture
def synced(user, settings, mfb):
    connect_to_sandbox(user, mfb, settings)
    first = sync_user(user, LinkedAccount(user), lookup=FakeRegistry({}), today=TODAY)
    assert first["imported"] == FLIGHTS
    return first


def sync(user, **options):
    # What a full walk finds anywhere in the logbook (issue 15 made quick the default; a quick sync's view
    # of deletions and changes is tested in test_flights.py and test_flights_sandbox.py).
    options.setdefault("mode", "full")
    return sync_user(user, LinkedAccount(user), lookup=FakeRegistry({}), today=TODAY, **options)


def local(user, record) -> Flight:
    return Flight.objects.get(owner=user, external_id=f"mfb:{record['FlightID']}")


def test_a_flight_deleted_on_myflightbook_is_marked_and_listed_not_deleted(user, synced, mfb, api):
    gone = [mfb.account.flights.pop(5), mfb.account.flights.pop(20)]  # the pilot deleted them on MyFlightbook
    result = sync(user)
    assert result["deleted_on_myflightbook"] == 2 and result["imported"] == 0
    run = LogbookImport.objects.get(pk=result["import_id"])
    listed = run.details["deleted_on_myflightbook"]
    assert {entry["record"] for entry in listed} == {f"mfb:{record['FlightID']}" for record in gone}
    for entry in listed:
        flight = Flight.objects.get(pk=entry["flight_id"])  # still here: the pilot's copy
        assert flight.deleted_at_source is not None and entry["date"] == flight.date.isoformat()
    assert "2 no longer on MyFlightbook, kept and marked" in run.message
    assert Flight.objects.filter(owner=user).count() == FLIGHTS
    # Asked for by id before being called deleted (paging can skip a flight).
    asked = [json.loads(call["params"]["fq"]) for call in mfb.calls if "EnumeratedFlights" in call["params"].get("fq", "")]
    assert sorted(asked[-1]["EnumeratedFlights"]) == sorted(record["FlightID"] for record in gone)
    assert mfb.writes == []

    shown = api.get(f"/api/flights/{listed[0]['flight_id']}").json()
    assert shown["deleted_at_source"] is not None and shown["source_update_waiting"] is False
    assert api.get(f"/api/imports/{run.pk}").json()["details"]["deleted_on_myflightbook"] == listed

    # It comes back on MyFlightbook (restored there): the mark goes.
    mfb.account.flights.insert(5, gone[0])
    again = sync(user)
    assert again["deleted_on_myflightbook"] == 1
    assert local(user, gone[0]).deleted_at_source is None and local(user, gone[1]).deleted_at_source is not None


class SkipsOneFlight:
    """A paged walk that misses one flight, as offset paging does when a flight is deleted mid-walk."""

    def __init__(self, inner, flight_id):
        self.inner, self.flight_id = inner, flight_id
        self.min_interval_ms = 0

    def call(self, method, **params):
        answer = self.inner.call(method, **params)
        if method == "FlightsWithQueryAndOffset" and "EnumeratedFlights" not in str(params.get("fq")):
            answer = [record for record in answer if record["FlightID"] != self.flight_id]
        return answer


def test_a_flight_only_skipped_by_paging_is_not_called_deleted(user, synced, mfb):
    skipped = mfb.account.flights[7]
    client = client_for(user)
    try:
        result = sync(user, client=SkipsOneFlight(client, skipped["FlightID"]))
    finally:
        client.close()
    assert result["deleted_on_myflightbook"] == 0
    assert local(user, skipped).deleted_at_source is None
    assert LogbookImport.objects.get(pk=result["import_id"]).details["deleted_on_myflightbook"] == []


def test_take_myflightbook_version_for_one_flight_then_undo_puts_yours_back(user, synced, mfb, api):
    record = mfb.account.flights[3]
    before = local(user, record)
    record["Comment"] = "Corrected on MyFlightbook: it was a night flight."
    record["Landings"] = record.get("Landings", 0) + 2  # two touch-and-goes logged later
    result = sync(user)
    assert result["changed_on_myflightbook"] == 1
    run = LogbookImport.objects.get(pk=result["import_id"])
    flight = local(user, record)
    assert flight.remarks == before.remarks  # listed, not applied
    assert flight.source_update["raw"]["Comment"] == record["Comment"] and flight.source_update["run_id"] == run.pk
    assert api.get(f"/api/flights/{flight.pk}").json()["source_update_waiting"] is True

    response = api.post(f"/api/imports/{run.pk}/take-myflightbook", {"flight_ids": [flight.pk]}, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["taken"], body["not_taken"], body["run"]["id"]) == ([flight.pk], [], run.pk)
    flight.refresh_from_db()
    assert flight.remarks == record["Comment"]
    assert flight.day_landings + flight.night_landings == record["Landings"]
    assert flight.source_update is None and flight.import_batch_id == run.pk and flight.created_by_run_id == before.created_by_run_id
    assert api.get(f"/api/flights/{flight.pk}").json()["source_update_waiting"] is False
    again = api.post(f"/api/imports/{run.pk}/take-myflightbook", {"flight_ids": [flight.pk]}, content_type="application/json").json()
    assert again["taken"] == [] and "no newer MyFlightbook version" in again["not_taken"][0]["reason"]

    # Undo of the run puts the pilot's copy back, and MyFlightbook's version waits again.
    undone = api.post(f"/api/imports/{run.pk}/revert").json()
    assert "put back your version of 1 flight" in undone["run"]["message"]
    flight.refresh_from_db()
    assert (flight.remarks, flight.day_landings, flight.night_landings) == (before.remarks, before.day_landings, before.night_landings)
    assert flight.source_hash == before.source_hash and flight.import_batch_id == before.import_batch_id
    assert flight.source_update["raw"]["Comment"] == record["Comment"]
    assert mfb.writes == []


def test_take_all_listed_and_bad_requests(user, synced, mfb, api):
    changed = [mfb.account.flights[1], mfb.account.flights[10], mfb.account.flights[30]]
    for record in changed:
        record["Comment"] = f"edited {record['FlightID']}"
    run_id = sync(user)["import_id"]
    untouched = local(user, mfb.account.flights[2])

    assert api.post(f"/api/imports/{run_id}/take-myflightbook", {"flight_ids": [untouched.pk]},
                    content_type="application/json").status_code == 422  # not listed by this run
    assert api.post("/api/imports/999999/take-myflightbook", {}, content_type="application/json").status_code == 404
    body = api.post(f"/api/imports/{run_id}/take-myflightbook", {}, content_type="application/json").json()  # every listed flight
    assert sorted(body["taken"]) == sorted(local(user, record).pk for record in changed)
    assert [local(user, record).remarks for record in changed] == [record["Comment"] for record in changed]
    assert local(user, mfb.account.flights[2]).updated_at == untouched.updated_at


def test_the_pages_show_and_take(user, synced, mfb, client):
    record = mfb.account.flights[4]
    record["Comment"] = "Changed on MyFlightbook"
    gone = mfb.account.flights.pop(12)
    run_id = sync(user)["import_id"]
    client.force_login(user)
    imports = client.get("/logbook/imports/").content.decode()
    section = imports[imports.index(f'id="import-{run_id}"'):]
    assert "data-deleted-on-myflightbook" in section and f"mfb:{gone['FlightID']}" in section
    assert "data-take-myflightbook" in section and "Take MyFlightbook's version of the 1 changed flight" in section

    flight = local(user, record)
    page = client.get(f"/logbook/flights/{flight.pk}").content.decode()
    assert "data-source-update" in page and "Take MyFlightbook" in page
    deleted_page = client.get(f"/logbook/flights/{local(user, gone).pk}").content.decode()
    assert "data-deleted-at-source" in deleted_page and "Your copy is kept" in deleted_page

    response = client.post(f"/logbook/imports/{run_id}/take-myflightbook/", {"flight_id": flight.pk})
    assert response.status_code == 302 and response["Location"].endswith(f"/logbook/flights/{flight.pk}")
    flight.refresh_from_db()
    assert flight.remarks == "Changed on MyFlightbook" and flight.source_update is None
    # The run created nothing, but the take can be undone from the imports page.
    imports = client.get("/logbook/imports/").content.decode()
    assert "data-undo" in imports[imports.index(f'id="import-{run_id}"'):]
