"""Logging a flight by hand (`entry.log_flight`, `POST /api/flights`, the "Log a flight" page) and the flight
check on hand entries, corrections and imports."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from flightbridge.errors import InputError
from flightbridge.logbook import entry, ingest, services
from flightbridge.logbook.models import Flight, ImportStatus, LogbookImport, UserAircraft

pytestmark = pytest.mark.django_db


def test_hours_in_decimal_or_hours_and_minutes():
    assert entry.parse_hours("1.5") == Decimal("1.5")
    assert entry.parse_hours("1:30") == Decimal("1.5")
    assert entry.parse_hours(" 0:45 ") == Decimal("0.75")
    assert entry.parse_hours(2) == Decimal("2")
    assert [entry.parse_hours(text) for text in ("1:75", "abc", "1,5", "nan", "inf", True)] == [None] * 6


def test_a_flight_logged_by_hand_is_stored_through_the_ingest_as_a_manual_flight(user):
    UserAircraft.objects.create(owner=user, registration="N12345", model="C-172 S", device_class="REAL")
    flight = entry.log_flight(user, {
        "date": "2026-12-05", "tail_number": "n12345", "departure": "KPAO", "destination": "KSQL",
        "route": "KPAO KSQL", "total_flight_time": "1:20", "pic": "1.33", "night": "0:30", "day_landings": "3",
        "day_full_stop_landings": "1", "night_landings": "1", "night_full_stop_landings": "1", "approaches": "2",
        "holds": "1", "instructor_name": "Maria Gomez", "remarks": "  pattern work  ", "sic": ""})
    stored = Flight.objects.get(pk=flight.pk)
    assert (stored.date, stored.tail_number, stored.aircraft_type, stored.simulator_type) == (
        date(2026, 12, 5), "N12345", "C-172 S", "REAL")
    # 1:20 at the column's precision: 4 places since issue 20 (1.3333 h, 80 minutes to MyFlightbook too).
    assert (stored.total_flight_time, stored.pic, stored.night, stored.sic) == (
        Decimal("1.3333"), Decimal("1.33"), Decimal("0.50"), Decimal("0"))
    assert (stored.day_landings, stored.night_full_stop_landings, stored.approaches, stored.holds) == (3, 1, 2, 1)
    assert (stored.instructor_name, stored.remarks, stored.source, stored.external_id) == (
        "Maria Gomez", "pattern work", "manual", None)
    assert stored.flight_check == []
    # Its history: one run of the manual source, finished, that created it.
    run = LogbookImport.objects.get(pk=stored.created_by_run_id)
    assert (run.source, run.status, run.imported) == ("manual", ImportStatus.COMPLETED, 1)
    assert run.message == "Entered by hand: 2026-12-05 KPAO KSQL N12345."


def test_two_hand_entries_of_one_route_on_one_day_are_two_flights(user):
    for _ in range(2):
        entry.log_flight(user, {"date": "2026-12-05", "departure": "KPAO", "destination": "KPAO",
                                "total_flight_time": "0.8", "pic": "0.8"})
    assert Flight.objects.filter(owner=user).count() == 2


@pytest.mark.parametrize("values, field, reason", [
    ({"total_flight_time": "0", "pic": "99.5"}, "pic", "99.50 h is more than the total time (0.00 h)"),
    ({"total_flight_time": "1.2", "cross_country": "9.9"}, "cross_country", "9.90 h is more than the total time (1.20 h)"),
    ({"night": "-1"}, "night", "cannot be negative"),
    ({"day_landings": "1", "day_full_stop_landings": "2"}, "day_full_stop_landings",
     "2 full-stop landings, but 1 day landings in all"),
    ({"total_flight_time": "1:75"}, "total_flight_time", "“1:75” is not a time: write 1.5 or 1:30"),
    ({"approaches": "two"}, "approaches", "must be a whole number"),
])
def test_an_impossible_hand_entry_is_refused_whole_with_the_field_named(user, values, field, reason):
    with pytest.raises(InputError) as refused:
        entry.log_flight(user, {"date": "2026-12-01", **values})
    assert [(problem["field"], problem["reason"]) for problem in refused.value.problems] == [(field, reason)]
    assert str(refused.value).startswith("Nothing was saved: check ")
    assert Flight.objects.count() == 0 and LogbookImport.objects.count() == 0


def test_a_date_is_needed_and_may_not_be_after_tomorrow(user):
    with pytest.raises(InputError) as refused:
        entry.log_flight(user, {"pic": "1"})
    assert refused.value.problems[0] == {"field": "date", "reason": "the date of the flight is needed"}
    later = timezone.localdate() + timedelta(days=2)
    with pytest.raises(InputError) as refused:
        entry.log_flight(user, {"date": later.isoformat()})
    assert refused.value.problems == [{"field": "date", "reason": f"{later.isoformat()} is after tomorrow: "
                                                                  "a flight is logged once flown"}]
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert entry.log_flight(user, {"date": tomorrow.isoformat()}).date == tomorrow


def test_a_correction_is_checked_and_a_refused_one_leaves_the_flight_as_it_was(user):
    flight = entry.log_flight(user, {"date": "2026-12-01", "simulator_type": "REAL", "total_flight_time": "0.57",
                                     "pic": "0.57"})
    with pytest.raises(InputError) as refused:
        entry.edit_flight(user, flight.pk, {"pic": "99.5", "remarks": "sim"})
    assert refused.value.problems == [{"field": "pic", "reason": "99.50 h is more than the total time (0.57 h)"}]
    stored = Flight.objects.get(pk=flight.pk)
    assert (stored.pic, stored.remarks) == (Decimal("0.57"), "")


def test_imported_flights_are_kept_as_sent_and_flagged_until_corrected(user):
    run = ingest.open_run(user, "logger", policy=ingest.UPDATE_BY_ID)
    fields = {"date": date(2026, 3, 1), "departure": "KPAO", "destination": "KSQL", "total_flight_time": Decimal("1.2"),
              "pic": Decimal("9.9"), "day_landings": 1, "day_full_stop_landings": 2}
    run.store_batch([ingest.IncomingFlight(external_id="logger:a", source_hash="a", fields=fields, label="entry 1")])
    record = run.finish("done")
    flight = Flight.objects.get(external_id="logger:a")
    assert flight.pic == Decimal("9.90")  # kept as sent
    assert flight.flight_check == [
        {"field": "pic", "reason": "9.90 h is more than the total time (1.20 h)"},
        {"field": "day_full_stop_landings", "reason": "2 full-stop landings, but 1 day landings in all"}]
    assert list(services.flagged_flights(user)) == [flight]
    group = next(group for group in services.describe_runs([record])[0].groups if group.key == "flight_check")
    assert (group.count, group.title) == (1, "Flagged by the flight check (kept as sent)")
    assert group.records == ["2026-03-01 KPAO–KSQL: PIC: 9.90 h is more than the total time (1.20 h); "
                             "Day full-stop landings: 2 full-stop landings, but 1 day landings in all"]
    assert services.import_run_detail(user, record.pk)["flight_check"]["count"] == 1

    # A correction that does not touch a flagged value is allowed; one that fixes them clears the flag.
    entry.edit_flight(user, flight.pk, {"remarks": "from the paper logbook"})
    assert Flight.objects.get(pk=flight.pk).flight_check != []
    with pytest.raises(InputError):
        entry.edit_flight(user, flight.pk, {"pic": "9.8"})
    entry.edit_flight(user, flight.pk, {"pic": "1.2", "day_full_stop_landings": "1"})
    assert Flight.objects.get(pk=flight.pk).flight_check == []
    assert list(services.flagged_flights(user)) == []


def test_post_api_flights(api, user, other_user):
    response = api.post("/api/flights", {"date": "2026-12-04", "tail_number": "N12345", "departure": "KPAO",
                                         "destination": "KHAF", "total_flight_time": "1:06", "pic": 1.1,
                                         "day_landings": 2, "day_full_stop_landings": 2},
                        content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["date"], body["total_flight_time"], body["pic"], body["source"], body["flight_check"]) == (
        "2026-12-04", "1.10", "1.10", "manual", [])
    assert Flight.objects.get(pk=body["id"]).owner == user
    assert api.get(f"/api/flights/{body['id']}").json()["day_full_stop_landings"] == 2

    refused = api.post("/api/flights", {"date": "2026-12-04", "total_flight_time": "0", "pic": "99.5", "night": -1},
                       content_type="application/json")
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["detail"] == "Nothing was saved: check Night, PIC."
    assert problem["errors"] == [{"field": "night", "reason": "cannot be negative"},
                                 {"field": "pic", "reason": "99.50 h is more than the total time (0.00 h)"}]
    assert api.post("/api/flights", {"date": "2026-12-04", "source": "myflightbook"},
                    content_type="application/json").status_code == 201  # unknown keys are ignored by the schema
    assert Flight.objects.filter(owner=user).count() == 2 and Flight.objects.filter(owner=other_user).count() == 0


def test_check_flights_flags_what_was_stored_before_the_check_existed(user):
    from django.core.management import call_command
    from io import StringIO

    old = Flight.objects.create(owner=user, date=date(2020, 1, 1), total_flight_time=Decimal("0.57"), pic=Decimal("99.5"))
    fine = Flight.objects.create(owner=user, date=date(2020, 1, 2), total_flight_time=Decimal("1"), pic=Decimal("1"))
    before = Flight.objects.get(pk=old.pk).updated_at
    out = StringIO()
    call_command("check_flights", user.username, stdout=out)
    assert out.getvalue().strip() == "Checked 2 flight(s): 1 flagged by the flight check."
    assert Flight.objects.get(pk=old.pk).flight_check == [
        {"field": "pic", "reason": "99.50 h is more than the total time (0.57 h)"}]
    assert Flight.objects.get(pk=fine.pk).flight_check == []
    assert Flight.objects.get(pk=old.pk).updated_at == before  # not an edit: Undo still sees it as imported
