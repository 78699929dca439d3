"""The pilot's own corrections (`edit_flight`), where a flight came from, and how the Imports page groups
a run's outcomes."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from flightbridge.errors import InputError, NotFound
from flightbridge.logbook import entry, services
from flightbridge.logbook.models import Flight, ImportStatus, LogbookImport, LogbookTotal

pytestmark = pytest.mark.django_db


def imported_flight(user, **fields) -> Flight:
    run = LogbookImport.objects.create(owner=user, source="logger")
    flight = Flight.objects.create(owner=user, date=date(2024, 3, 9), departure="KPAO", destination="KHAF",
                                   total_flight_time=Decimal("1.40"), pic=Decimal("1.40"), source="logger",
                                   external_id="logger:abc", import_batch=run, created_by_run=run, raw={"importId": "abc"},
                                   **fields)
    services.finish_import(run, ImportStatus.COMPLETED, message="done")
    return flight


def test_edit_flight_checks_every_value_and_stores_the_corrections(user):
    flight = imported_flight(user)
    edited = entry.edit_flight(user, flight.pk, {"pic": "1.2", "remarks": "  Checkride  ", "night_landings": 2})
    flight.refresh_from_db()
    assert (flight.pic, flight.remarks, flight.night_landings) == (Decimal("1.20"), "Checkride", 2)
    assert edited.pk == flight.pk and flight.total_flight_time == Decimal("1.40")


@pytest.mark.parametrize("changes, field, label", [
    ({"pic": "-1"}, "pic", "PIC"), ({"pic": "abc"}, "pic", "PIC"), ({"date": "yesterday"}, "date", "Date"),
    ({"night_landings": -3}, "night_landings", "Night landings"), ({"departure": "X" * 20}, "departure", "Departure"),
])
def test_a_bad_value_refuses_the_whole_edit_naming_the_field(user, changes, field, label):
    flight = imported_flight(user)
    with pytest.raises(InputError) as caught:
        entry.edit_flight(user, flight.pk, {"remarks": "kept?", **changes})
    assert [problem["field"] for problem in caught.value.problems] == [field]
    assert str(caught.value) == f"Nothing was saved: check {label}."
    flight.refresh_from_db()
    assert flight.remarks == ""  # nothing half-written


def test_history_is_not_editable_and_other_pilots_flights_are_not_found(user, other_user):
    flight = imported_flight(user)
    with pytest.raises(InputError) as caught:
        entry.edit_flight(user, flight.pk, {"external_id": "logger:zzz", "source": "manual"})
    assert {problem["field"] for problem in caught.value.problems} == {"external_id", "source"}
    with pytest.raises(NotFound):
        entry.edit_flight(other_user, flight.pk, {"pic": "1"})


def test_an_edit_is_what_undo_keeps(user):
    flight = imported_flight(user)
    run = flight.import_batch
    # The run ran ten minutes ago; the pilot corrects the flight now.
    ago = timezone.now() - timedelta(minutes=10)
    LogbookImport.objects.filter(pk=run.pk).update(started_at=ago, finished_at=ago + timedelta(seconds=2))
    Flight.objects.filter(pk=flight.pk).update(created_at=ago + timedelta(seconds=1), updated_at=ago + timedelta(seconds=1))
    assert services.flight_origin(Flight.objects.get(pk=flight.pk)).edited_since_import is False
    entry.edit_flight(user, flight.pk, {"pic": "1.0"})
    origin = services.flight_origin(Flight.objects.get(pk=flight.pk))
    assert origin.edited_since_import is True
    assert (origin.source_id_label, origin.source_id, origin.run.pk) == ("Logger importId", "abc", run.pk)
    result = services.revert_import(user, run.pk)
    assert [kept.pk for kept in result.kept_flights] == [flight.pk] and result.removed_flights == 0


def test_an_edit_that_changes_nothing_is_not_an_edit(user):
    flight = imported_flight(user)
    before = Flight.objects.get(pk=flight.pk).updated_at
    entry.edit_flight(user, flight.pk, {"pic": "1.40", "departure": "KPAO"})
    assert Flight.objects.get(pk=flight.pk).updated_at == before


def test_reason_groups_count_each_kind_of_outcome(user):
    run = LogbookImport.objects.create(
        owner=user, source="myflightbook", imported=5, skipped=4, failed=2, changed_at_source=1,
        reasons=[{"record": "mfb:9", "field": None, "reason": "changed on MyFlightbook since import (kept as imported)"},
                 {"record": "mfb:10", "field": "Date", "reason": "no date"},
                 {"record": "mfb:11", "field": "Date", "reason": "no date"}],
        details={"skipped_by_reason": {"already in your logbook": 3,
                                       "changed on MyFlightbook since import (kept as imported)": 1},
                 "changed_on_myflightbook": [{"external_id": "mfb:9", "date": "2024-01-01"}],
                 "aircraft": {"created": 1, "skipped": 2, "reasons": [{"record": "N1", "field": "TailNumber", "reason": "x"},
                                                                      {"record": "N2", "field": "TailNumber", "reason": "y"}]},
                 "currency": {"stored": 3, "unmapped": [{"record": "Glider Aerotow", "field": "Attribute", "reason": "?"}]}})
    groups = {group.key: group for group in services.reason_groups(run)}
    assert {key: group.count for key, group in groups.items()} == {
        "imported": 5, "aircraft:x": 1, "aircraft:y": 1, "currency:?": 1, "changed_at_source": 1,
        "skipped:already in your logbook": 3, "reason:no date": 2,
    }
    # Every group of records left out says why, in the words the API gives (the reason), in one vocabulary.
    assert [(groups[key].title, groups[key].records) for key in ("aircraft:x", "aircraft:y")] == [
        ("Aircraft not imported: x", ["N1 (TailNumber)"]), ("Aircraft not imported: y", ["N2 (TailNumber)"])]
    assert groups["reason:no date"].title == "Not imported: no date"
    assert groups["skipped:already in your logbook"].title == "Already in the logbook: already in your logbook"
    assert groups["imported"].title == "New flights"
    assert groups["changed_at_source"].records == ["mfb:9"]


def test_unchanged_records_are_one_group_not_also_a_skip(user):
    """A re-sync counts its unchanged flights both as `unchanged` and as skipped "already imported": the page
    shows them once (the demo's second sync read "16 Unchanged" and "16 Skipped: already imported")."""
    sync = LogbookImport.objects.create(owner=user, source="myflightbook", skipped=17, unchanged=16,
                                        details={"skipped_by_reason": {"already imported": 16,
                                                                       "listed twice by MyFlightbook on one page": 1}})
    package = LogbookImport.objects.create(owner=user, source="logger", unchanged=3, skipped=3,
                                           details={"skipped_by_reason": {"unchanged since it was last imported": 3}})
    assert {g.key: g.count for g in services.reason_groups(sync)} == {
        "unchanged": 16, "skipped:listed twice by MyFlightbook on one page": 1}
    assert {g.key: g.count for g in services.reason_groups(package)} == {"unchanged": 3}


def test_undo_is_offered_only_for_runs_that_created_something(user):
    empty = LogbookImport.objects.create(owner=user, source="logger", updated=3)
    services.finish_import(empty, ImportStatus.COMPLETED)
    useful = LogbookImport.objects.create(owner=user, source="logger", imported=1)
    services.finish_import(useful, ImportStatus.COMPLETED)
    views = {view.run.pk: view for view in services.describe_runs(LogbookImport.objects.filter(owner=user))}
    assert views[empty.pk].can_undo is False and views[useful.pk].can_undo is True


def test_a_run_whose_flights_a_later_run_took_over_says_so(user):
    first = imported_flight(user)
    earlier = first.import_batch
    later = LogbookImport.objects.create(owner=user, source="logger", updated=1)
    Flight.objects.filter(pk=first.pk).update(import_batch=later)  # a re-import moves the flight
    services.finish_import(later, ImportStatus.COMPLETED)
    LogbookImport.objects.filter(pk=earlier.pk).update(imported=1)
    views = {view.run.pk: view for view in services.describe_runs(LogbookImport.objects.filter(owner=user))}
    assert views[earlier.pk].moved_to_later_runs == 1 and views[later.pk].moved_to_later_runs == 0


def test_totals_are_grouped_one_heading_per_dimension_total_time_first(user):
    def line(dimension, description, value, unit="hours", group=None):
        return LogbookTotal(owner=user, source="myflightbook", dimension=dimension, key=description.lower(),
                            description=description, value=Decimal(value), unit=unit,
                            raw={"Group": group} if group is not None else {})
    sections = services.group_totals([
        line("COUNTS", "Landings", "402", "count"), line("OTHER", "C172", "12.5", group=3),
        line("ROLE", "PIC", "80"), line("OTHER", "Tailwheel", "3", group=4), line("TOTAL_TIME", "Total Time", "100"),
        line("OTHER", "PA28", "40", group=3), line("OTHER", "Odd thing", "1"),
    ])
    assert [(section.title, [row.description for row in section.lines]) for section in sections] == [
        ("Total time", ["Total Time"]), ("Role", ["PIC"]), ("Counts", ["Landings"]),
        ("By capability", ["Tailwheel"]), ("By model", ["C172", "PA28"]), ("Other", ["Odd thing"]),
    ]
