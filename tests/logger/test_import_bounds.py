"""Issue 13, item 1: one Logger package must not freeze every other pilot's writes. A package over the
entry cap is refused before any work; a big package of invalid entries is validated before any
transaction and written in bounded batches, so another pilot's write lands while it is processed."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection

from flightbridge.logbook import ingest
from flightbridge.logbook.models import Flight, ImportStatus, LogbookImport
from flightbridge.logger import mapping, services
from tests.logger.importing import post_import

METADATA = {"appName": "Logger", "appVersion": "1.0", "isUTC": True}


def entry(import_id: str, **extra) -> dict:
    return {"importId": import_id, "entryType": "Flight", "departureDate": "2024-05-01", "departureAirport": "KPAO",
            "arrivalAirport": "KSQL", "totalTime": "1:30", **extra}


@pytest.mark.django_db
def test_a_package_over_the_default_cap_is_refused_with_the_count_and_the_cap(api):
    body = {"package": {"entries": [{}] * 40_000, "metadata": METADATA}}  # the 160 KB package of the report
    response = api.post("/api/imports/logger", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 422, response.content[:500]
    problem = response.json()
    assert "40,000 entries" in problem["detail"] and f"{services.DEFAULT_MAX_ENTRIES:,}" in problem["detail"]
    assert problem["errors"] == [{"field": "entries", "reason": f"40000 entries, more than the limit of {services.DEFAULT_MAX_ENTRIES}"}]
    assert not LogbookImport.objects.exists()


@pytest.mark.django_db
def test_the_cap_is_a_setting_and_the_cap_itself_is_accepted(api, monkeypatch):
    monkeypatch.setenv(services.MAX_ENTRIES_VARIABLE, "20")
    over = {"package": {"entries": [entry(f"e{i}") for i in range(21)], "metadata": METADATA}}
    response = api.post("/api/imports/logger", data=json.dumps(over), content_type="application/json")
    assert response.status_code == 422 and "21 entries" in response.json()["detail"]
    at_cap = {"package": {"entries": [entry(f"e{i}") for i in range(20)], "metadata": METADATA}}
    response = post_import(api, json.dumps(at_cap))
    assert response.status_code == 202 and response.json()["imported"] == 20
    monkeypatch.setenv(services.MAX_ENTRIES_VARIABLE, "many")
    response = api.post("/api/imports/logger", data=json.dumps(at_cap), content_type="application/json")
    assert response.status_code == 422 and services.MAX_ENTRIES_VARIABLE in response.json()["detail"]


@pytest.mark.django_db(transaction=True)
def test_another_pilots_write_lands_while_a_big_invalid_package_is_processed(user, other_user, monkeypatch):
    """Halfway through a package of 4,000 invalid and 1,000 valid entries, another pilot imports from
    another thread and must finish before this import goes on: with the whole package in one
    transaction (SQLite's write lock held) that write would wait out the busy timeout and fail."""
    monkeypatch.setattr(ingest, "BATCH_SIZE", 250)
    entries = [{} if i % 5 else entry(f"ok-{i}") for i in range(5_000)]
    real = mapping.entry_to_flight
    other: dict = {}

    def other_pilot_imports() -> None:
        try:
            other["result"] = services.import_package(other_user, {"entries": [entry("theirs")], "metadata": METADATA})
        except Exception as exc:  # reported to the main thread's assertion
            other["error"] = exc
        finally:
            connection.close()

    def mapping_that_lets_another_pilot_write(candidate, index, **kwargs):
        if index == 2_500:
            writer = threading.Thread(target=other_pilot_imports)
            writer.start()
            writer.join(timeout=120)
            assert not writer.is_alive(), "the other pilot's import never finished"
        return real(candidate, index, **kwargs)

    monkeypatch.setattr(mapping, "entry_to_flight", mapping_that_lets_another_pilot_write)
    result = services.import_package(user, {"entries": entries, "metadata": METADATA})

    assert "error" not in other, other.get("error")
    assert other["result"].batch.imported == 1 and Flight.objects.filter(owner=other_user).count() == 1
    batch = result.batch
    assert (batch.status, batch.imported, batch.failed) == (ImportStatus.COMPLETED, 1_000, 4_000)
    assert len(batch.reasons) == ingest.MAX_LISTED and batch.details["reasons_not_listed"] > 0
    assert [e.status for e in result.entries[:2]] == ["imported", "failed"]
    assert result.entries[1].label == "entry 2" and result.entries[0].label == "entry 1 (2024-05-01 KPAO→KSQL)"
