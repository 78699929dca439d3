"""Loading the registry into the database, the atomic reload, and lookup()."""

from __future__ import annotations

import threading
import time
import zipfile
from datetime import date

import pytest
from django.db import connection

from flightbridge.errors import FatalError
from flightbridge.registry import sample, services
from flightbridge.registry.models import RegistryAircraft, RegistryGeneration
from tests.conftest import wait_for

TODAY = date(2026, 11, 23)


@pytest.fixture
def loaded(db):
    return services.load_registry(sample.SAMPLE_PATH)


def test_load_reports_counts_file_date_and_bad_rows(loaded):
    assert loaded.file_date == date(2026, 11, 2)
    assert loaded.aircraft == len(sample.SAMPLE_AIRCRAFT) == 24
    assert loaded.master_rows == 29
    assert loaded.deregistered == 4
    assert loaded.models_known == len(sample.SAMPLE_MODELS) and loaded.engines_known == len(sample.SAMPLE_ENGINES)
    assert loaded.bad_rows == 5
    assert loaded.warnings == 4  # three blanked dates on N5555Z, one unknown model on N77777
    assert [p.line for p in loaded.problems if p.skipped] == [26, 27, 28, 29, 30]
    assert "24 aircraft from 29 MASTER rows" in loaded.summary() and "5 bad rows skipped" in loaded.summary()
    generation = RegistryGeneration.objects.get()
    assert generation.is_current and generation.id == loaded.generation_id
    assert (generation.aircraft, generation.deregistered, generation.bad_rows) == (24, 4, 5)
    assert generation.problems[0] == {"file": "MASTER.txt", "line": 24, "field": "CERT ISSUE DATE",
                                      "reason": "'20231345' is not a YYYYMMDD date", "skipped": False}
    assert RegistryAircraft.objects.filter(source="master").count() == 24
    assert RegistryAircraft.objects.filter(source="dereg").count() == 4


def test_lookup_a_valid_registration(loaded):
    answer = services.lookup("n-172sp", today=TODAY)
    assert (answer.query, answer.is_us_registration, answer.found, answer.n_number) == ("n-172sp", True, True, "N172SP")
    assert (answer.manufacturer, answer.model) == ("CESSNA", "172S")
    assert (answer.aircraft_type, answer.engine_type) == ("Fixed wing single engine", "Reciprocating")
    assert (answer.seats, answer.year, answer.status, answer.mode_s_hex) == (4, 2001, "valid", "A12239")
    assert answer.message == "N172SP: CESSNA 172S, registration valid until 2030-09-30."
    assert answer.details["serial_number"] == "172S8812"
    assert answer.details["registry_file_date"] == "2026-11-02"


def test_lookup_statuses(loaded):
    assert services.lookup("N9876X", today=TODAY).status == "valid"  # T: valid registration from a trainee
    expired_by_code = services.lookup("N733FC", today=TODAY)
    assert expired_by_code.status == "expired"
    assert expired_by_code.message == "N733FC: CESSNA 182T, registration expired on 2023-03-31 (Registration Expired)."
    expired_by_date = services.lookup("N6120X", today=TODAY)
    assert (expired_by_date.status, expired_by_date.details["status_code"]) == ("expired", "V")
    assert "past its expiration date" in expired_by_date.message
    # The same row was valid before its expiration date.
    assert services.lookup("N6120X", today=date(2024, 6, 30)).status == "valid"
    pending = services.lookup("N350KA", today=TODAY)
    assert pending.status == "invalid" and pending.details["status_text"] == "Registration pending"


def test_lookup_deregistered(loaded):
    answer = services.lookup("N4567D", today=TODAY)
    assert answer.found and answer.status == "deregistered"
    assert answer.details["cancel_date"] == "2024-03-15"  # the most recent of its two DEREG rows
    assert [old["cancel_date"] for old in answer.details["earlier_deregistrations"]] == ["2001-01-01"]
    assert answer.message.startswith("N4567D: CESSNA 172S, deregistered on 2024-03-15")
    # A mark deregistered once and registered again answers with its current aircraft.
    current = services.lookup("N12345", today=TODAY)
    assert current.status == "valid" and current.model == "172S"
    assert current.details["earlier_deregistrations"] == [
        {"serial_number": "17863", "manufacturer": "PIPER", "model": "J-3C-65", "cancel_date": "1998-10-12"}
    ]


@pytest.mark.parametrize("tail", ["G-ABCD", "C-FABC", "N0123", "N12I4", "N123456", "", "   ", "SIM", "N1A2"])
def test_lookup_non_us_or_malformed_is_an_answer(db, tail):
    answer = services.lookup(tail)
    assert answer.is_us_registration is False and answer.found is False
    assert "is not a US registration" in answer.message
    assert answer.query == tail


def test_lookup_unknown_and_unloaded(db):
    before = services.lookup("N12345")
    assert (before.is_us_registration, before.found, before.n_number) == (True, False, "N12345")
    assert "no FAA registry has been loaded" in before.message
    services.load_registry(sample.SAMPLE_PATH)
    missing = services.lookup("N99999")
    assert (missing.found, missing.mode_s_hex) == (False, "ADF7C7")
    assert missing.message == "N99999 is a valid US mark but is not in the FAA registry of 2026-11-02."


def test_reload_replaces_the_copy_and_prunes_the_old_one(loaded, tmp_path):
    other = sample.synthetic_registry(tmp_path / "other.zip", 50, models=5, date_time=(2026, 11, 20, 23, 30, 0))
    report = services.load_registry(other)
    assert report.aircraft == 50 and report.file_date == date(2026, 11, 20)
    assert RegistryGeneration.objects.get().id == report.generation_id  # the old generation is gone
    assert RegistryAircraft.objects.count() == 50
    assert services.lookup("N172SP").found is False
    assert services.lookup("N50").model == "MODEL 4"


def test_a_failed_reload_keeps_the_old_copy(loaded, tmp_path):
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(sample.SAMPLE_PATH) as source, zipfile.ZipFile(broken, "w") as target:
        for name in ("MASTER.txt", "ACFTREF.txt"):
            target.writestr(name, source.read(name))
        target.writestr("DEREG.txt", "\ufeffSERIAL-NUMBER,MFR-MDL-CODE,\r\nX,2072738,\r\n")  # no N-NUMBER column
    with pytest.raises(FatalError, match="DEREG.txt: the header has no column N NUMBER"):
        services.load_registry(broken)
    # MASTER had already been written into the new generation: all of it was rolled back.
    assert RegistryGeneration.objects.get().id == loaded.generation_id
    assert RegistryAircraft.objects.count() == 28
    assert services.lookup("N747BA").found


def test_values_longer_than_a_column_are_cut_and_reported(db, tmp_path):
    folder = tmp_path / "long"
    folder.mkdir()
    (folder / "ACFTREF.txt").write_text("CODE,MFR,MODEL,\n2072738,CESSNA,172S,\n")
    (folder / "MASTER.txt").write_text("N-NUMBER,MFR MDL CODE,KIT MFR,STATUS CODE,\n1A,2072738," + "K" * 45 + ",V,\n")
    report = services.load_registry(folder)
    assert report.aircraft == 1 and report.warnings == 1
    assert report.problems[0].field == "kit_manufacturer"
    assert RegistryAircraft.objects.get().kit_manufacturer == "K" * 30


@pytest.mark.django_db(transaction=True)
def test_lookups_during_a_reload_see_the_old_or_the_new_copy(tmp_path):
    old_zip = sample.synthetic_registry(tmp_path / "old.zip", 3000, models=50, date_time=(2026, 11, 1, 0, 0, 0))
    new_zip = sample.synthetic_registry(tmp_path / "new.zip", 3000, models=50, date_time=(2026, 11, 2, 0, 0, 0))
    services.load_registry(old_zip)
    answers: list[tuple[float, bool, str]] = []
    stop = threading.Event()
    failures: list[BaseException] = []

    def look_up_forever():
        try:
            while not stop.is_set():
                for tail in ("N1", "N1500", "N2999"):
                    answer = services.lookup(tail)
                    answers.append((time.monotonic(), answer.found, answer.details.get("registry_file_date", "")))
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            failures.append(exc)
        finally:
            connection.close()

    reader = threading.Thread(target=look_up_forever)
    reader.start()
    try:
        wait_for(lambda: len(answers) > 10, timeout=20, message="lookups before the reload")
        started = time.monotonic()
        services.load_registry(new_zip, batch_size=100)
        finished = time.monotonic()
        wait_for(lambda: answers and answers[-1][0] > finished, timeout=20, message="a lookup after the reload")
    finally:
        stop.set()
        reader.join(timeout=30)
    assert not failures, failures
    during = [answer for answer in answers if started <= answer[0] <= finished]
    assert during, "no lookup ran while the reload did"
    assert all(found for _at, found, _date in answers), "a lookup saw neither copy"
    assert {file_date for _at, _found, file_date in answers} <= {"2026-11-01", "2026-11-02"}
    assert answers[-1][2] == "2026-11-02"
    assert RegistryGeneration.objects.count() == 1 and RegistryAircraft.objects.count() == 3000


def test_package_level_lookup_is_the_service(loaded):
    from flightbridge import registry

    assert registry.lookup("N88EV") == services.lookup("N88EV")
