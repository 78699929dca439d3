"""CSV import through the ingest path: preview, one run per file, no duplicates on re-import, updates, Undo, aircraft."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from flightbridge.jobs.services import run_queued_jobs
from flightbridge.interchange.services import import_csv
from flightbridge.logbook.models import Flight, LogbookImport, UserAircraft

pytestmark = pytest.mark.django_db
GOLDEN = Path(__file__).parent / "golden"


def upload(api, name: str, data: bytes | None = None, **form):
    data = data if data is not None else (GOLDEN / name).read_bytes()
    return api.post("/api/imports/csv", {"file": SimpleUploadedFile(Path(name).name, data, "text/csv"), **form})


def imported(api, name: str, data: bytes | None = None, **form) -> dict:
    """Upload a file for import: the request answers with the queued job at once; a worker (here, this
    process) runs it; what it did is read back from the job and its import run."""
    response = upload(api, name, data, **form)
    assert response.status_code == 202, response.content
    job = response.json()
    assert (job["kind"], job["status"]) == ("interchange.import_csv", "queued")
    run_queued_jobs()
    job = api.get(f"/api/jobs/{job['id']}").json()
    assert job["status"] == "succeeded", job
    run = LogbookImport.objects.get(pk=job["result"]["run_id"])
    assert run.job_id == job["id"]
    return {"id": run.pk, "status": run.status, "message": job["message"], **job["result"]}


def test_preview_writes_nothing_and_says_what_would_happen(api, user):
    response = upload(api, "foreflight/import-2026.csv", preview="true")
    body = response.json()
    assert response.status_code == 200
    assert (body["preview"], body["id"], body["format"], body["version"]) == (True, None, "foreflight", "2026")
    assert body["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "linked": 0, "duplicate": 0, "skipped": 0, "failed": 0}
    assert [row["line"] for row in body["rows"]] == [18, 20]
    assert "nothing was saved" in body["message"]
    assert Flight.objects.count() == 0 and LogbookImport.objects.count() == 0 and UserAircraft.objects.count() == 0


def test_import_one_run_then_reimport_never_duplicates(api, user):
    first = imported(api, "foreflight/import-2026.csv")
    assert (first["status"], first["counts"]["created"]) == ("completed", 2)
    run = LogbookImport.objects.get(pk=first["id"])
    assert run.source == "csv:foreflight" and run.imported == 2
    flight = Flight.objects.get(owner=user, date=date(2026, 3, 14))
    assert (flight.tail_number, flight.pic, flight.night_landings, flight.source) == ("N12345", Decimal("1.50"), 2, "csv:foreflight")
    assert flight.raw["cells"]["Approach2"].startswith("1;RNAV (GPS) Z RWY 31R")
    assert flight.remarks.endswith("second line of remarks")
    sim = Flight.objects.get(owner=user, date=date(2026, 3, 20))
    assert (sim.simulator_type, sim.ground_sim) == ("AATD", Decimal("1.20"))
    aircraft = {a.registration: a for a in UserAircraft.objects.filter(owner=user)}
    assert aircraft["SIM-G1000"].device_class == "AATD" and aircraft["N12345"].manual is False
    assert aircraft["N12345"].import_batch_id == run.pk

    again = imported(api, "foreflight/import-2026.csv")
    assert again["counts"]["created"] == 0 and again["counts"]["unchanged"] == 2
    assert Flight.objects.filter(owner=user).count() == 2 and UserAircraft.objects.filter(owner=user).count() == 2
    preview = upload(api, "foreflight/import-2026.csv", preview="true").json()
    assert preview["counts"]["unchanged"] == 2


def test_a_corrected_flight_is_an_update_listed_as_such(api, user):
    imported(api, "myflightbook/import-template.csv")
    original = Flight.objects.get(owner=user, date=date(2024, 6, 1))
    corrected = (GOLDEN / "myflightbook/import-template.csv").read_bytes().replace(b"2024-06-01,N12345,1.5,", b"2024-06-01,N12345,1.6,")
    preview = upload(api, "corrected.csv", corrected, preview="true").json()
    assert preview["counts"]["updated"] == 1 and preview["counts"]["unchanged"] == 1
    body = imported(api, "corrected.csv", corrected)
    assert (body["counts"]["updated"], body["counts"]["unchanged"], body["counts"]["created"]) == (1, 1, 0)
    assert Flight.objects.get(owner=user, date=date(2024, 6, 1)).import_batch_id == body["id"]
    original.refresh_from_db()
    assert original.total_flight_time == Decimal("1.60")
    assert Flight.objects.filter(owner=user).count() == 2


def test_undo_removes_the_runs_flights_and_aircraft(api, user):
    body = imported(api, "logten/export-tab.txt")
    assert body["format"] == "logten" and body["counts"]["created"] == 2
    response = api.post(f"/api/imports/{body['id']}/revert")
    assert response.status_code == 200
    assert Flight.objects.filter(owner=user).count() == 0 and UserAircraft.objects.filter(owner=user).count() == 0


def test_bad_rows_are_refused_by_line_and_column_and_the_rest_imports(api, user):
    text = ("Date,Tail Number,Total Flight Time,Night\n"
            "2024-01-02,N1,1.0,\n"
            "2024-01-03,N1,1-Apr,\n"
            "31/01/2024,N1,1.0,\n")
    body = imported(api, "bad.csv", text.encode())
    assert body["counts"]["created"] == 1 and body["counts"]["failed"] == 2
    run = LogbookImport.objects.get(pk=body["id"])
    failed = {reason["record"]: reason for reason in run.reasons}
    assert failed["line 3"]["field"] == "Total Flight Time" and "into a date" in failed["line 3"]["reason"]
    assert failed["line 4"]["field"] == "Date" and "day-first" in failed["line 4"]["reason"]
    assert run.failed == 2 and set(failed) == {"line 3", "line 4"}
    assert Flight.objects.filter(owner=user).count() == 1


def test_the_pilots_aircraft_is_matched_by_registration_simulators_included(user):
    UserAircraft.objects.create(owner=user, registration="N2468", model="PA-28-161", manual=True)
    UserAircraft.objects.create(owner=user, registration="sim737", model="737 sim", device_class="FFS", manual=True)
    import_csv(user, (GOLDEN / "myflightbook/tab-separated.csv").read_bytes())
    import_csv(user, (GOLDEN / "logten/export-tab.txt").read_bytes())
    assert Flight.objects.get(owner=user, tail_number="N2468").aircraft_type == "PA-28-161"
    assert Flight.objects.get(owner=user, tail_number="SIM737").simulator_type == "FFS"
    registrations = sorted(UserAircraft.objects.filter(owner=user).values_list("registration", flat=True))
    assert registrations == ["N2468", "N911LT", "sim737"]


def test_a_file_that_is_not_a_logbook_records_nothing(api, user):
    response = upload(api, "people.csv", b"name,age\nbob,3\n")
    assert response.status_code == 422 and "not a ForeFlight, MyFlightbook or LogTen Pro" in response.json()["detail"]
    response = upload(api, "mfb.csv", (GOLDEN / "myflightbook/import-template.csv").read_bytes(), format="logten")
    assert response.status_code == 422
    assert LogbookImport.objects.count() == 0


def test_import_command(user, tmp_path):
    path = tmp_path / "mfb.csv"
    path.write_bytes((GOLDEN / "myflightbook/export-semicolon.csv").read_bytes())
    out, err = io.StringIO(), io.StringIO()
    call_command("import_csv", "alice", str(path), stdout=out, stderr=err)
    assert "MyFlightbook file (export format): 2 new." in out.getvalue()
    assert Flight.objects.get(owner=user, external_id="csv:mfb:1234567").pic_name == "Pat Lee"
    call_command("import_csv", "alice", str(path), "--preview", stdout=out, stderr=err)
    assert "MyFlightbook file (export format): 2 unchanged (preview: nothing was saved)." in out.getvalue()


def test_import_page_previews_then_saves(client, user):
    client.force_login(user)
    data = (GOLDEN / "foreflight/import-2025.csv").read_bytes()
    page = client.post("/logbook/import/csv", {"file": SimpleUploadedFile("ff.csv", data, "text/csv")})
    assert page.status_code == 200 and b"Save these flights" in page.content and b'data-row-outcome="created"' in page.content
    assert Flight.objects.count() == 0
    token = page.context["token"]
    saved = client.post("/logbook/import/csv", {"token": token, "format": "foreflight"})
    job = saved.context["job"]
    assert f'data-import-job="{job.pk}"'.encode() in saved.content and b"import-job.js" in saved.content
    run_queued_jobs()  # the worker
    run = LogbookImport.objects.get(job=job)
    shown = client.get(f"/logbook/import/csv?run={run.pk}")
    assert b'data-import-status="completed"' in shown.content and run.message.encode() in shown.content
    assert Flight.objects.filter(owner=user).count() == 1
    again = client.post("/logbook/import/csv", {"token": token})
    assert b"no longer here" in again.content


def test_an_impossible_row_is_imported_as_sent_and_flagged_in_the_preview_and_the_run(api, user, client):
    """A row with PIC 9.9 on a 1.2 h flight: the file holds it, so it is imported as sent, but the preview, the
    import's result, the run on the Imports page and the Flight check page all say what is wrong with it."""
    text = ("Date,Tail Number,Total Flight Time,PIC\n"
            "2024-01-02,N1,1.2,9.9\n"
            "2024-01-03,N1,1.2,1.2\n").encode()
    preview = upload(api, "pic.csv", text, preview="true").json()
    check = {row["line"]: row["flight_check"] for row in preview["rows"]}
    assert check == {2: [{"field": "pic", "reason": "9.90 h is more than the total time (1.20 h)"}], 3: []}
    assert preview["flagged"] == 1 and "1 flagged by the flight check (would be kept as sent)" in preview["message"]
    body = imported(api, "pic.csv", text)
    assert body["counts"]["created"] == 2 and body["flagged"] == 1
    flight = Flight.objects.get(owner=user, date=date(2024, 1, 2))
    assert flight.pic == Decimal("9.90") and flight.flight_check == check[2]
    run = api.get(f"/api/imports/{body['id']}").json()
    assert run["flight_check"]["count"] == 1 and run["flight_check"]["flights"][0]["flight_id"] == flight.pk
    client.force_login(user)
    imports_page = client.get("/logbook/imports/").content.decode()
    assert 'data-group="flight_check"' in imports_page and "PIC: 9.90 h is more than the total time (1.20 h)" in imports_page
    check_page = client.get("/logbook/check/").content.decode()
    assert f'data-flight-id="{flight.pk}"' in check_page and "1 flight to look at." in check_page


def test_uploads_that_answered_500_are_refused_with_a_reason(api, user):
    """Issue 22: UTF-16LE without a byte-order mark, and a lone CR in the header row, escaped as 500s."""
    text = "Date,Tail Number,Total Flight Time\n2024-01-02,N1,1.0\n"
    for name, data, reason in (("utf16.csv", text.encode("utf-16-le"), "UTF-16 without a byte-order mark"),
                               ("cr.csv", text.replace("Tail Number", "Tail\rNumber").encode(), "carriage return")):
        for preview in ("true", "false"):
            response = upload(api, name, data, preview=preview)
            assert response.status_code == 422, (name, response.status_code)
            assert reason in response.json()["errors"][0]["reason"] and response.json()["errors"][0]["line"] == 1
    assert LogbookImport.objects.count() == 0 and Flight.objects.count() == 0


def test_a_four_megabyte_quote_is_refused_by_its_line_and_the_rows_before_it_still_read(api, user):
    data = b'Date,Tail Number,Total Flight Time,Comments\n2024-01-02,N1,1.0,ok\n2024-01-03,N1,1.0,"' + b"\n" * 4_000_000 + b'"\n'
    body = upload(api, "quote.csv", data, preview="true").json()
    assert body["counts"]["created"] == 1 and body["counts"]["failed"] == 1
    refused = [row for row in body["rows"] if row["outcome"] == "failed"]
    assert refused[0]["line"] == 3 and "never closed" in refused[0]["problems"][0]["reason"]


# MyFlightbook's own export (Backup.cs): every cell quoted, a column per property used, titled as the property.
MYFLIGHTBOOK_OWN_EXPORT = (
    '"Date","Flight ID","Model","Tail Number","Total Flight Time","Landings","FS Day Landings","FS Night Landings",'
    '"X-Country","PIC","Route","Comments","Hobbs Start","Hobbs End","Landings - Touch and Go (Night)","Takeoffs - Night",'
    '"Checkride - Private Pilot","Instructor Name","Name of PIC","Number of Passengers","Tachometer End"\n'
    '"2026-05-02","101","C-172 S","N52417","1.33","3","1","1","1.3333","1.33","KPAE KBLI","checkride day","100.5",'
    '"101.9","1","2","Yes","Ed Examiner","Jane Pilot","2","81.2"\n'
    '"2026-05-03","102","FMX","SIMFMX","1.2","","","","","","","sim session","","","","","","","","",""\n'
    '"2026-05-04","103","DA40","#(Anonymous DA40)","0.9","2","2","","","0.9","KPAE","anonymous","","","","","","","","",""\n'
)


def test_myflightbooks_own_export_comes_in_whole(user):
    # Issue 20: the night touch-and-go column, SIM tails as simulators, `#` tails as no registration, and the
    # properties into the flight's fields (names, checkride → flight review), takeoffs only as logged.
    import_csv(user, MYFLIGHTBOOK_OWN_EXPORT.encode(), "myflightbook")
    checkride, sim, anonymous = Flight.objects.filter(owner=user).order_by("date")
    assert (checkride.day_landings, checkride.night_landings, checkride.night_full_stop_landings) == (1, 2, 1)
    assert (checkride.cross_country, checkride.hobbs_start, checkride.hobbs_end) == (
        Decimal("1.3333"), Decimal("100.50"), Decimal("101.90"))
    assert (checkride.checkride, checkride.flight_review, checkride.ipc) == (True, True, False)
    assert (checkride.instructor_name, checkride.pic_name, checkride.tach_end) == ("Ed Examiner", "Jane Pilot", Decimal("81.20"))
    assert {prop["PropTypeID"]: prop for prop in checkride.custom_properties}[316]["IntValue"] == 2
    # 2 night takeoffs were logged; no "Takeoffs (any)": the day one is inferred, and said to be.
    assert (checkride.night_takeoffs, checkride.day_takeoffs, checkride.takeoffs_inferred) == (2, 1, True)
    assert (sim.simulator_type, sim.tail_number) == ("FLAPS", "SIMFMX")
    assert (anonymous.tail_number, anonymous.aircraft_type, anonymous.simulator_type) == ("", "DA40", "REAL")
    assert not UserAircraft.objects.filter(owner=user, registration__startswith="#").exists()
