from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from flightbridge.logbook import services
from flightbridge.logbook.models import Flight, ImportStatus, LogbookImport, UserAircraft

pytestmark = pytest.mark.django_db


def finished_run(owner, flights=3, source="logger"):
    run = LogbookImport.objects.create(owner=owner, source=source, imported=flights)
    made = [Flight.objects.create(owner=owner, date=date(2024, 1, 1) + timedelta(days=i), departure="KPAO", destination="KSQL",
                                  total_flight_time=Decimal("1.0"), source=source, import_batch=run, created_by_run=run, external_id=f"{source}:{run.pk}:{i}")
            for i in range(flights)]
    services.finish_import(run, ImportStatus.COMPLETED, message="ok")
    return run, made


def age(run, seconds=30):
    """Move a run into the past, as if it finished a while ago."""
    shift = timedelta(seconds=seconds)
    LogbookImport.objects.filter(pk=run.pk).update(started_at=run.started_at - shift, finished_at=run.finished_at - shift)
    Flight.objects.filter(import_batch=run).update(created_at=run.started_at - shift + timedelta(milliseconds=1),
                                                   updated_at=run.started_at - shift + timedelta(milliseconds=1))


def test_revert_removes_created_flights_keeps_edited_and_other_runs(api, user):
    run, made = finished_run(user, 3)
    other_run, other_flights = finished_run(user, 2)
    manual = Flight.objects.create(owner=user, date=date(2023, 5, 5), total_flight_time=Decimal("2.0"))
    age(run)
    edited = made[1]
    edited.remarks = "corrected the tail number"
    edited.save()  # edited after the import finished
    response = api.post(f"/api/imports/{run.pk}/revert")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["removed_flights"] == 2
    assert [flight["id"] for flight in body["kept_flights"]] == [edited.pk]
    assert body["run"]["status"] == "reverted" and "kept 1 flight" in body["run"]["message"]
    remaining = set(Flight.objects.filter(owner=user).values_list("pk", flat=True))
    assert remaining == {edited.pk, manual.pk, *(flight.pk for flight in other_flights)}
    again = api.post(f"/api/imports/{run.pk}/revert")
    assert again.status_code == 409 and "already reverted" in again.json()["detail"]


def test_revert_removes_imported_aircraft_but_never_manual_ones(user):
    run, _ = finished_run(user, 1, source="myflightbook")
    UserAircraft.objects.create(owner=user, registration="N12345", manual=False, source="myflightbook", import_batch=run)
    UserAircraft.objects.create(owner=user, registration="N54321", manual=True, import_batch=run)
    result = services.revert_import(user, run.pk)
    assert result.removed_aircraft == 1
    assert list(UserAircraft.objects.values_list("registration", flat=True)) == ["N54321"]


def test_cannot_revert_a_running_import_or_someone_elses(api, user, other_user):
    running = LogbookImport.objects.create(owner=user, source="myflightbook")
    response = api.post(f"/api/imports/{running.pk}/revert")
    assert response.status_code == 409 and "still processing" in response.json()["detail"]
    theirs, their_flights = finished_run(other_user, 2)
    assert api.post(f"/api/imports/{theirs.pk}/revert").status_code == 404
    assert Flight.objects.filter(owner=other_user).count() == 2
    theirs.refresh_from_db()
    assert theirs.status == ImportStatus.COMPLETED


def test_imports_page_lists_runs_and_undo_button_reverts(client, user):
    run, _ = finished_run(user, 2)
    LogbookImport.objects.filter(pk=run.pk).update(reasons=[{"record": "logger:x", "field": "departureDate", "reason": "not a date"}])
    client.force_login(user)
    html = client.get("/logbook/imports/").content.decode()
    assert f'data-import-id="{run.pk}"' in html and "departureDate" in html and "Undo" in html
    response = client.post(f"/logbook/imports/{run.pk}/revert/", follow=True)
    assert "Reverted: removed 2 flight(s)" in response.content.decode()
    assert not Flight.objects.filter(owner=user).exists()
    run.refresh_from_db()
    assert run.status == ImportStatus.REVERTED and run.reverted_at <= timezone.now()
