"""`GET /api/registry/{tail}`, `GET /api/registry` and `GET /api/airports/{code}` through the HTTP API."""

from __future__ import annotations

import pytest
from django.test import Client

from flightbridge.registry import sample, services


@pytest.fixture
def loaded(db):
    return services.load_registry(sample.SAMPLE_PATH)


def test_lookup_found(api, loaded):
    response = api.get("/api/registry/N747BA")
    assert response.status_code == 200
    body = response.json()
    assert body["n_number"] == "N747BA" and body["found"] is True and body["is_us_registration"] is True
    assert (body["manufacturer"], body["model"], body["seats"], body["year"]) == ("BOEING", "747-8F", 4, 2014)
    assert (body["aircraft_type"], body["engine_type"]) == ("Fixed wing multi engine", "Turbo-fan")
    assert body["status"] == "valid" and body["mode_s_hex"] == "AA0CA5"
    assert body["details"]["engine_model"] == "GENX-2B67"


def test_lookup_lower_case_and_deregistered(api, loaded):
    body = api.get("/api/registry/n4567d").json()
    assert (body["n_number"], body["status"]) == ("N4567D", "deregistered")


@pytest.mark.parametrize("tail", ["G-ABCD", "N0123", "D-EABC", "N12I4"])
def test_non_us_tail_is_a_clear_200_answer(api, loaded, tail):
    response = api.get(f"/api/registry/{tail}")
    assert response.status_code == 200
    body = response.json()
    assert body["is_us_registration"] is False and body["found"] is False and body["n_number"] == ""
    assert body["message"].startswith(f"{tail} is not a US registration")


def test_valid_mark_not_in_the_registry(api, loaded):
    body = api.get("/api/registry/N1FB").json()
    assert (body["is_us_registration"], body["found"], body["status"]) == (True, False, "")
    assert "not in the FAA registry of 2026-11-02" in body["message"]


def test_registry_status(api, db):
    assert api.get("/api/registry").json()["loaded"] is False
    services.load_registry(sample.SAMPLE_PATH)
    body = api.get("/api/registry").json()
    assert body["loaded"] is True and body["file_date"] == "2026-11-02"
    assert (body["aircraft"], body["deregistered"], body["bad_rows"], body["source"]) == (24, 4, 5, "sample_registry.zip")


def test_needs_a_login(db):
    assert Client().get("/api/registry/N12345").status_code == 401


def test_airport(api):
    body = api.get("/api/airports/jfk").json()
    assert body == {"ident": "KJFK", "icao": "KJFK", "iata": "JFK", "lid": "JFK", "name": "John F Kennedy International Airport",
                    "timezone": "America/New_York", "latitude": pytest.approx(40.639928), "longitude": pytest.approx(-73.778692)}
    assert api.get("/api/airports/0A9").json()["ident"] == "0A9"
    missing = api.get("/api/airports/QQQQ")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"
    assert "No airport 'QQQQ'" in missing.json()["detail"]
