"""CSV export through the API, the page and the command, against the database."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from flightbridge.interchange import columns
from flightbridge.interchange.services import aircraft_for_export, export_csv
from flightbridge.logbook.models import Flight, UserAircraft

pytestmark = pytest.mark.django_db


@pytest.fixture
def logbook(user):
    Flight.objects.create(owner=user, date=date(2024, 3, 9), tail_number="N12345", aircraft_type="C172", departure="KPAO",
                          destination="KHAF", route="KPAO KHAF", total_flight_time=Decimal("1.30"), pic=Decimal("1.30"),
                          day_landings=3, day_full_stop_landings=3, day_takeoffs=3, remarks="@dangerous", source="manual",
                          block_out=datetime(2024, 3, 9, 17, 0, tzinfo=timezone.utc))
    Flight.objects.create(owner=user, date=date(2024, 4, 1), tail_number="N12345", departure="KHAF", destination="KPAO",
                          total_flight_time=Decimal("0.80"), pic=Decimal("0.80"), source="myflightbook", external_id="mfb:9")
    Flight.objects.create(owner=user, date=date(2024, 5, 1), tail_number="FTD-1", simulator_type="FTD",
                          ground_sim=Decimal("1.00"), source="manual")
    UserAircraft.objects.create(owner=user, registration="N12345", model="172S", manufacturer="CESSNA",
                                details={"registry": {"aircraft_type": "Fixed wing single engine", "engine_type": "Reciprocating",
                                                      "year": 2001}})
    return user


def no_registry(tail: str) -> dict:
    return {}


def table(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_foreflight_export_has_every_aircraft_with_registry_facts(logbook):
    export = export_csv(logbook, "foreflight", registry_lookup=no_registry)
    rows = table("".join(export.lines))
    assert export.flights == 3 and export.filename == "flightbridge-foreflight-all.csv"
    aircraft = {row[0]: row for row in rows[5:7]}
    assert aircraft["N12345"][:9] == ["N12345", "aircraft", "", "2001", "CESSNA", "C172", "", "Piston", "airplane_single_engine_land"]
    assert aircraft["FTD-1"][1] == "ftd" and aircraft["FTD-1"][8] == ""
    flights = rows[17:]
    assert [row[0] for row in flights] == ["2024-03-09", "2024-04-01", "2024-05-01"]
    first = dict(zip(columns.FOREFLIGHT_FLIGHT_HEADER_2026, flights[0]))
    assert (first["TimeOut"], first["TotalTime"], first["Landing Full-Stop Day"], first["PilotComments"]) == (
        "17:00", "1.3", "3", "'@dangerous")


def test_registry_lookup_fills_an_aircraft_the_pilot_has_not_stored(user):
    Flight.objects.create(owner=user, date=date(2024, 1, 1), tail_number="N999ZZ", total_flight_time=Decimal("1"))
    facts = aircraft_for_export(user, Flight.objects.filter(owner=user), lambda tail: {
        "manufacturer": "PIPER", "model": "PA-28-181", "aircraft_type": "Fixed wing multi engine", "engine_type": "Turbo-prop",
        "year": 1980})
    assert facts["N999ZZ"].model == "PA-28-181" and facts["N999ZZ"].category_class == "airplane_multi_engine_land"
    assert facts["N999ZZ"].engine == "Turboprop"


def test_myflightbook_export_leaves_out_flights_from_myflightbook_unless_asked(logbook):
    export = export_csv(logbook, "myflightbook")
    rows = table("".join(export.lines))
    assert (export.flights, export.left_out_myflightbook) == (2, 1)
    assert [row[0] for row in rows[1:]] == ["2024-03-09", "2024-05-01"]
    everything = export_csv(logbook, "myflightbook", include_myflightbook=True)
    assert everything.flights == 3 and len(table("".join(everything.lines))) == 4


def test_api_download_with_file_name_and_date_range(api, logbook):
    response = api.get("/api/exports/csv", {"format": "myflightbook", "from": "2024-03-01", "to": "2024-04-30",
                                            "include_myflightbook": "true"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="flightbridge-myflightbook-2024-03-01-2024-04-30.csv"'
    rows = table(b"".join(response.streaming_content).decode())
    assert [row[0] for row in rows[1:]] == ["2024-03-09", "2024-04-01"]


def test_api_refuses_unknown_format_and_reversed_range(api, logbook):
    assert api.get("/api/exports/csv", {"format": "garmin"}).status_code == 422
    response = api.get("/api/exports/csv", {"format": "foreflight", "from": "2024-05-01", "to": "2024-01-01"})
    assert response.status_code == 422 and "From date is after the To date" in response.json()["detail"]


def test_api_needs_authentication(client):
    assert client.get("/api/exports/csv", {"format": "foreflight"}).status_code == 401


def test_other_pilots_flights_never_leave(other_api, logbook):
    response = other_api.get("/api/exports/csv", {"format": "myflightbook"})
    assert table(b"".join(response.streaming_content).decode()) == [list(columns.MYFLIGHTBOOK_HEADER)]


def test_export_page_form_and_download(client, logbook):
    client.force_login(logbook)
    page = client.get("/logbook/export/csv")
    assert page.status_code == 200 and b'name="format"' in page.content and b"Download CSV" in page.content
    download = client.get("/logbook/export/csv", {"format": "foreflight", "download": "1"})
    assert download["Content-Disposition"].endswith('filename="flightbridge-foreflight-all.csv"')
    assert b"".join(download.streaming_content).startswith(b"ForeFlight Logbook Import ,This row is required")
    bad = client.get("/logbook/export/csv", {"format": "foreflight", "download": "1", "from": "yesterday"})
    assert bad.status_code == 200 and b"must be a date written YYYY-MM-DD" in bad.content


def test_export_command_writes_the_file(logbook, tmp_path):
    out = tmp_path / "mfb.csv"
    err = io.StringIO()
    call_command("export_csv", "alice", "--format", "myflightbook", "--out", str(out), stderr=err)
    assert table(out.read_text())[1][:3] == ["2024-03-09", "N12345", "1.3"]
    assert "2 flight(s) as myflightbook CSV" in err.getvalue() and "left out 1 flight(s)" in err.getvalue()
    stdout = io.StringIO()
    call_command("export_csv", "alice", "--format", "foreflight", "--to", "2024-03-31", stdout=stdout, stderr=io.StringIO())
    assert table(stdout.getvalue())[-1][0] == "2024-03-09"


def test_rows_of_a_myflightbook_export_file_count_as_from_myflightbook(logbook):
    Flight.objects.create(owner=logbook, date=date(2024, 6, 1), tail_number="N1", external_id="csv:mfb:77",
                          source="csv:myflightbook")
    export = export_csv(logbook, "myflightbook")
    assert (export.flights, export.left_out_myflightbook) == (2, 2)


def test_the_whole_record_goes_into_both_files_and_inferred_takeoffs_never_do(user):
    # Issue 20: a MyFlightbook flight with a checkride, a passenger count, Hobbs/tach/engine times, an overridden
    # class and takeoffs FlightBridge inferred (no property 73/93); and one marked a flight review by hand.
    Flight.objects.create(
        owner=user, date=date(2026, 5, 2), tail_number="N52417", total_flight_time=Decimal("1.33"),
        cross_country=Decimal("1.3333"), day_landings=2, night_landings=1, day_full_stop_landings=1,
        night_full_stop_landings=0, day_takeoffs=2, night_takeoffs=1, takeoffs_inferred=True, source="myflightbook",
        external_id="mfb:77", hobbs_start=Decimal("100.50"), hobbs_end=Decimal("101.90"), tach_start=Decimal("80.10"),
        tach_end=Decimal("81.20"), engine_start=datetime(2026, 5, 2, 16, 50, tzinfo=timezone.utc),
        category_class="ASES", flight_review=True, checkride=True, instructor_name="Ed Examiner",
        custom_properties=[{"PropTypeID": 39, "BoolValue": True, "TextValue": ""},
                           {"PropTypeID": 316, "IntValue": 2, "TextValue": ""},
                           {"PropTypeID": 397, "IntValue": 1, "TextValue": ""}])
    Flight.objects.create(owner=user, date=date(2026, 5, 3), tail_number="N52417", total_flight_time=Decimal("1.0"),
                          day_landings=1, day_takeoffs=1, flight_review=True)
    export = export_csv(user, columns.MYFLIGHTBOOK, include_myflightbook=True)
    header, *rows = table("".join(export.lines))
    first, second = (dict(zip(header, row)) for row in rows)
    assert header[-3:] == ["Checkride - Private Pilot", "Flight Review", "Number of Passengers"]  # real titles
    assert (first["Checkride - Private Pilot"], first["Number of Passengers"], first["Flight Review"]) == ("Yes", "2", "")
    assert (first["Landings"], first["Landings - Touch and Go (Night)"], first["X-Country"]) == ("3", "1", "1.3333")
    assert (first["Takeoffs (any)"], first["Takeoffs - Night"]) == ("", "")  # inferred: never written as logged
    assert (first["Hobbs Start"], first["Tachometer End"], first["Engine Start"]) == ("100.50", "81.20", "2026-05-02 16:50:00Z")
    assert (first["Cat/Class Override"], first["Instructor Name"]) == ("3", "Ed Examiner")
    assert (second["Flight Review"], second["Takeoffs (any)"], second["Checkride - Private Pilot"]) == ("Yes", "1", "")

    foreflight = table("".join(export_csv(user, columns.FOREFLIGHT, registry_lookup=no_registry).lines))
    header = list(columns.FOREFLIGHT_FLIGHT_HEADER_2026)
    first = dict(zip(header, next(row for row in foreflight if row[:2] == ["2026-05-02", "N52417"])))
    assert (first["Flight Review"], first["Checkride"], first["IPC"]) == ("TRUE", "TRUE", "")
    assert (first["Takeoff Day"], first["Takeoff Night"], first["Landing Touch-and-Go Night"]) == ("", "", "1")
    assert (first["HobbsStart"], first["HobbsEnd"], first["TachStart"], first["TachEnd"]) == ("100.50", "101.90", "80.10", "81.20")


def test_hhmm_times_read_the_same_in_every_language(user, client):
    # Issue 20: MyFlightbook parses decimals in the browser's culture ("1.5" is 15 hours in de-DE) but H:MM anywhere.
    Flight.objects.create(owner=user, date=date(2026, 5, 2), tail_number="N52417", total_flight_time=Decimal("1.33"),
                          cross_country=Decimal("1.3333"), pic=Decimal("0.50"))
    header, row = table("".join(export_csv(user, columns.MYFLIGHTBOOK, hhmm=True).lines))
    cells = dict(zip(header, row))
    assert (cells["Total Flight Time"], cells["X-Country"], cells["PIC"]) == ("1:20", "1:20", "0:30")
    client.force_login(user)
    page = client.get(reverse("csv-export")).content.decode()
    assert 'name="hhmm"' in page and "fifteen hours" in page


def test_hhmm_in_a_file_is_what_the_pages_show():
    # One rule for H:MM, MyFlightbook's ToHHMM (half a minute to even): a file never says 0:53 where the page says 0:52.
    from flightbridge.accounts.display import HoursFormat, format_hours
    from flightbridge.interchange.values import hhmm_text

    for hours in ("0.875", "1.3333", "0.025", "2.5083", "1234.5"):
        assert hhmm_text(Decimal(hours)) == format_hours(Decimal(hours), HoursFormat.HHMM, grouped=False), hours
    # Under half a minute a file leaves the box blank, as it does for zero; a page writes 0:00.
    assert (hhmm_text(Decimal("0.875")), hhmm_text(Decimal("0.025")), hhmm_text(Decimal("0.0083"))) == ("0:52", "0:02", "")
