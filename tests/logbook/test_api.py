from datetime import date, timedelta
from decimal import Decimal

import pytest

from flightbridge.logbook.models import CurrencyRecord, Flight, LogbookTotal

pytestmark = pytest.mark.django_db


def make_flights(owner, count, start=date(2024, 1, 1)):
    return Flight.objects.bulk_create(
        Flight(owner=owner, date=start + timedelta(days=i), departure="KPAO", destination="KSQL",
               total_flight_time=Decimal("1.10"), pic=Decimal("1.10"), night=Decimal("0.30"), day_landings=1, night_landings=1)
        for i in range(count)
    )


def test_flights_are_paged_newest_first(api, user):
    make_flights(user, 120)
    first = api.get("/api/flights").json()
    assert first["count"] == 120 and len(first["items"]) == 50
    assert first["items"][0]["date"] == "2024-04-29"
    third = api.get("/api/flights?page=3").json()
    assert len(third["items"]) == 20 and third["items"][-1]["date"] == "2024-01-01"


def test_date_range_filter_and_summary(api, user):
    make_flights(user, 31)
    page = api.get("/api/flights?from=2024-01-10&to=2024-01-19").json()
    assert page["count"] == 10
    assert {item["date"] for item in page["items"]} == {f"2024-01-{d:02d}" for d in range(10, 20)}
    summary = api.get("/api/flights/summary?from=2024-01-10&to=2024-01-19").json()
    assert summary["flights"] == 10
    assert Decimal(summary["total_flight_time"]) == Decimal("11.00")  # decimal, not 10.999…
    assert Decimal(summary["night"]) == Decimal("3.00")
    assert summary["landings"] == 20


def test_bad_filter_is_a_422_naming_the_field(api):
    response = api.get("/api/flights?from=2024-13-01")
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["field"] == "from"
    assert "from" in body["detail"]
    reversed_range = api.get("/api/flights?from=2024-02-01&to=2024-01-01")
    assert reversed_range.status_code == 422 and "after" in reversed_range.json()["detail"]


def test_health_needs_no_auth_and_names_the_database():
    from django.db import connection
    from django.test import Client

    body = Client().get("/api/health").json()
    assert body["status"] == "ok" and body["database"] == connection.vendor


def test_openapi_schema_is_served(api):
    schema = api.get("/api/openapi.json").json()
    assert "/api/flights" in schema["paths"] and "/api/jobs/{job_id}" in schema["paths"]


def test_currency_and_totals_are_per_pilot(api, other_api, user):
    # Moved with the routes from the MyFlightbook app; rows as a sync stores them (the sync's own tests
    # cover how they are stored).
    CurrencyRecord.objects.create(owner=user, kind="flight_review", label="Flight review", status="CURRENT",
                                  value="2027-01-31", expires_on=date(2027, 1, 31))
    LogbookTotal.objects.create(owner=user, source="myflightbook", dimension="TOTAL_TIME", key="total",
                                description="Total Flight Time", value=Decimal("812.4"))
    assert api.get("/api/currency").json()
    assert other_api.get("/api/currency").json() == [] and other_api.get("/api/totals").json() == []


def test_currency_lists_what_stops_a_pilot_first_and_totals_filter_by_source(api, user):
    for label, status in (("Flight review", "CURRENT"), ("Night passengers", "NON_COMPLIANT"), ("Medical", "EXPIRING_SOON")):
        CurrencyRecord.objects.create(owner=user, kind="k", label=label, status=status)
    for source in ("myflightbook", "computed-local"):
        LogbookTotal.objects.create(owner=user, source=source, dimension="TOTAL_TIME", key="total",
                                    description="Total Flight Time", value=Decimal("10.5"))
    assert [row["status"] for row in api.get("/api/currency").json()] == ["NON_COMPLIANT", "EXPIRING_SOON", "CURRENT"]
    assert [row["source"] for row in api.get("/api/totals").json()] == ["computed-local", "myflightbook"]
    assert [row["value"] for row in api.get("/api/totals?source=computed-local").json()] == ["10.50"]


def test_import_list_carries_counts_and_a_link_and_the_run_pages_its_reasons(api, user, other_api):
    from flightbridge.logbook.models import LogbookImport

    reasons = [{"record": f"logger:e{i}", "field": "departureDate", "reason": "not a date"} for i in range(250)]
    entries = [{"index": i, "importId": f"e{i}", "status": "failed", "flight_id": None} for i in range(250)]
    run = LogbookImport.objects.create(owner=user, source="logger", status="completed", failed=250, reasons=reasons,
                                       details={"isUTC": True, "entries": entries, "reasons_not_listed": 0})
    listed = api.get("/api/imports").json()["items"]
    assert listed == [{
        "id": run.pk, "source": "logger", "status": "completed", "job_id": None, "imported": 0, "updated": 0,
        "unchanged": 0, "skipped": 0, "failed": 250, "changed_at_source": 0, "reasons_total": 250, "message": "",
        "started_at": listed[0]["started_at"], "finished_at": None, "reverted_at": None, "url": f"/api/imports/{run.pk}"}]

    first = api.get(listed[0]["url"]).json()
    assert (first["page"], first["pages"], first["page_size"], first["reasons_total"]) == (1, 3, 100, 250)
    assert first["reasons"] == reasons[:100] and first["details"]["entries"] == entries[:100]
    assert first["details"]["entries_total"] == 250 and first["details"]["isUTC"] is True
    assert first["flights_touched_by_later_runs"] == {"count": 0, "flight_ids": [], "run_ids": []}
    last = api.get(f"/api/imports/{run.pk}?page=3").json()
    assert last["reasons"] == reasons[200:] and [e["index"] for e in last["details"]["entries"]] == list(range(200, 250))
    past = api.get(f"/api/imports/{run.pk}?page=4")
    assert past.status_code == 422 and "3 page(s)" in past.json()["detail"]
    assert api.get(f"/api/imports/{run.pk}?page=0").status_code == 422
    assert other_api.get(f"/api/imports/{run.pk}").status_code == 404


def test_a_flight_carries_the_whole_record_and_exact_hours(api, user):
    # Issue 20: 4-place cross-country stored and served exactly; the rest of MyFlightbook's record on the flight.
    flight = Flight.objects.create(
        owner=user, date=date(2026, 8, 1), total_flight_time=Decimal("1.33"), cross_country=Decimal("1.3333"),
        hobbs_start=Decimal("100.50"), hobbs_end=Decimal("101.90"), tach_start=Decimal("80.10"), tach_end=Decimal("81.20"),
        category_class="AMEL", signature="valid", takeoffs_inferred=True, flight_review=True, ipc=False, checkride=True,
        instructor_name="Ed Examiner")
    body = api.get(f"/api/flights/{flight.pk}").json()
    assert (body["total_flight_time"], body["cross_country"], body["pic"]) == ("1.33", "1.3333", "0.00")
    assert (body["hobbs_start"], body["hobbs_end"], body["tach_start"], body["tach_end"]) == ("100.50", "101.90", "80.10", "81.20")
    assert (body["engine_start"], body["engine_end"], body["category_class"], body["signature"]) == (None, None, "AMEL", "valid")
    assert (body["takeoffs_inferred"], body["flight_review"], body["ipc"], body["checkride"]) == (True, True, False, True)
    assert body["instructor_name"] == "Ed Examiner"
    assert Flight.objects.get(pk=flight.pk).cross_country == Decimal("1.3333")
