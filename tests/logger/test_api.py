"""The HTTP API: GET /api/exports/logger and POST /api/imports/logger."""

from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.test import Client

from flightbridge.logbook.models import Flight, LogbookImport
from flightbridge.logger import codec
from tests.conftest import json_body
from tests.logger.importing import post_import

FIXTURES = Path(__file__).parent / "fixtures"


def post(client, body):
    return post_import(client, body)


@pytest.mark.django_db
def test_routes_need_authentication():
    anonymous = Client()
    assert anonymous.get("/api/exports/logger").status_code == 401
    assert post(anonymous, {"link": "x"}).status_code == 401


@pytest.mark.django_db
def test_import_a_link_then_see_it_in_imports_and_export(api, user):
    response = post(api, {"link": (FIXTURES / "example_local_minimal.txt").read_text()})
    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["imported"], body["updated"], body["failed"], body["is_utc"]) == ("completed", 3, 0, 0, False)
    assert [e["status"] for e in body["entries"]] == ["imported"] * 3
    assert all(e["flight_id"] for e in body["entries"])
    run = api.get(f"/api/imports/{body['id']}").json()
    assert (run["source"], run["imported"]) == ("logger", 3)

    exported = json_body(api.get("/api/exports/logger?from=2024-01-02"))
    assert exported["counts"] == {"flights": 2, "entries": 2, "links": 1} and exported["is_utc"] is True
    entries = codec.parse_package(exported["links"][0]["url"]).entries
    assert [e["importId"] for e in entries] == exported["links"][0]["import_ids"] == [
        "139e1797-c9a2-4de2-a0da-13b870b567f6", "0c6842b1-f4c0-4f58-a25a-69433b44bb8c"]


@pytest.mark.django_db
def test_import_a_package_object_or_encoded_text(api, user):
    package = {"entries": [{"importId": "p1", "entryType": "Flight", "departureDate": "2024-02-02", "picTime": "1:15"}],
               "metadata": {"appName": "x", "appVersion": "1", "isUTC": True}}
    assert post(api, {"package": package}).json()["imported"] == 1
    import json

    again = post(api, {"package": quote(json.dumps(package), safe="")}).json()
    # The same package again changes nothing: reported unchanged, not updated (issue 14).
    assert (again["imported"], again["updated"], again["unchanged"]) == (0, 0, 1)
    assert again["entries"][0]["status"] == "unchanged" and again["message"] == "Logger package: 1 unchanged."
    assert Flight.objects.get(owner=user).pic == Decimal("1.25")


@pytest.mark.django_db
def test_invalid_entries_come_back_with_index_import_id_field_and_reason(api, user):
    package = {"entries": [{"importId": "good", "entryType": "Flight", "departureDate": "2024-02-02"},
                           {"importId": "bad", "entryType": "Flight", "departureDate": "2024-02-30",
                            "approachType": "ILS"}],
               "metadata": {"appName": "x", "appVersion": "1", "isUTC": True}}
    body = post(api, {"package": package}).json()
    assert (body["imported"], body["failed"]) == (1, 1)
    assert body["entries"][1]["status"] == "failed"
    assert {(p["index"], p["importId"], p["field"]) for p in body["entries"][1]["problems"]} == {
        (1, "bad", "departureDate"), (1, "bad", "approachType")}


@pytest.mark.django_db
@pytest.mark.parametrize("payload,field", [
    ({"link": "not a package"}, None),
    ({"package": {"entries": []}}, "metadata"),
    ({}, "link"),
    ({"link": "x", "package": {}}, "link"),
    ({"package": 5}, "package"),
])
def test_unreadable_packages_are_422_problems(api, payload, field):
    response = post(api, payload)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    if field:
        assert field in [p.get("field") for p in response.json()["errors"]]
    assert LogbookImport.objects.count() == 0


@pytest.mark.django_db
def test_export_options_and_validation(api, user, other_user):
    mine = Flight.objects.create(owner=user, date=date(2024, 3, 9), departure="KLAX", total_flight_time=Decimal("1"))
    Flight.objects.create(owner=other_user, date=date(2024, 3, 9), departure="KSFO")
    single = json_body(api.get(f"/api/exports/logger?flight={mine.pk}&local=true"))
    assert single["counts"]["flights"] == 1 and single["is_utc"] is False
    assert codec.parse_package(single["links"][0]["url"]).metadata["isUTC"] is False
    assert json_body(api.get("/api/exports/logger?flight=999999"))["counts"] == {"flights": 0, "entries": 0, "links": 0}
    assert api.get("/api/exports/logger?from=2024-03-10&to=2024-03-01").status_code == 422
    assert api.get("/api/exports/logger?from=0").status_code == 422
    assert api.get("/api/exports/logger?max_length=10").status_code == 422
    assert json_body(api.get("/api/exports/logger?max_length=1000"))["max_length"] == 1000


@pytest.mark.django_db
def test_import_route_shares_its_prefix_with_import_runs(api):
    run_id = post(api, {"package": {"entries": [], "metadata": {"appName": "a", "appVersion": "1", "isUTC": True}}}).json()["id"]
    assert api.get(f"/api/imports/{run_id}").json()["source"] == "logger"
    not_a_number = api.get("/api/imports/abc")
    assert not_a_number.status_code == 422 and not_a_number["Content-Type"] == "application/problem+json"
    assert api.get("/api/openapi.json").json()["paths"]["/api/imports/{import_id}"]["get"]


def _logger_package(count: int) -> dict:
    return {"metadata": {"appName": "test", "appVersion": "1", "isUTC": True},
            "entries": [{"importId": f"big-{i}", "entryType": "Flight", "departureDate": f"2024-05-{1 + i % 28:02d}",
                         "departureTime": "1400", "arrivalTime": "1521", "departureAirport": "KPAO",
                         "arrivalAirport": "KSFO", "picTime": "1:21", "aircraftRegistration": "N12345"}
                        for i in range(count)]}


@pytest.mark.django_db
def test_an_export_reads_each_import_runs_details_once_not_once_per_flight(api, user):
    """Issue 22: the export joined every flight to its import run, whose `details` holds a result per entry
    (thousands for a big package), and decoded it again for every flight: 13–18 ms a flight, 66 s for 5,000."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert post(api, {"package": _logger_package(120)}).json()["imported"] == 120
    with CaptureQueriesContext(connection) as queries:
        exported = json_body(api.get("/api/exports/logger"))
    assert exported["counts"]["flights"] == 120 and exported["counts"]["entries"] == 120
    reading_details = [query["sql"] for query in queries if '"logbook_logbookimport"."details"' in query["sql"]]
    # Once, for the one run, by itself: never joined to the flights (a copy per flight).
    assert len(reading_details) == 1 and '"logbook_flight"' not in reading_details[0], reading_details


@pytest.mark.django_db
def test_the_api_export_streams_the_same_answer_the_page_shows(api, user):
    from flightbridge.logger import services

    post(api, {"package": _logger_package(60)})
    response = api.get("/api/exports/logger?max_length=2000")
    assert response.streaming and response["Content-Type"] == "application/json"
    streamed = json_body(response)
    whole = services.export_flights(user, max_length=2000)
    assert [link["url"] for link in streamed["links"]] == [link.url for link in whole.links]
    assert len(streamed["links"]) > 5  # several links, each written as it was packed
    assert streamed["counts"] == whole.counts == {"flights": 60, "entries": 60, "links": len(whole.links)}
    assert (streamed["is_utc"], streamed["max_length"], streamed["warnings"]) == (True, 2000, whole.warnings)
