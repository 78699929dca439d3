from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from flightbridge.logbook.models import Flight


@pytest.mark.django_db
def test_logbook_needs_login_and_lists_flights(client, user):
    assert client.get("/logbook/")["Location"].startswith("/accounts/login/")
    Flight.objects.create(owner=user, date=date(2024, 3, 9), departure="KPAO", destination="KHAF", route="KPAO KHAF",
                          tail_number="N12345", total_flight_time=Decimal("1.40"), pic=Decimal("1.40"))
    client.force_login(user)
    html = client.get("/logbook/").content.decode()
    assert "2024-03-09" in html and "N12345" in html and "KPAO KHAF" in html
    assert 'data-total="total_flight_time">1.40<' in html


@pytest.mark.django_db(transaction=True)
@pytest.mark.browser
def test_login_and_logbook_in_chromium(live_server, browser_page, django_user_model):
    pilot = django_user_model.objects.create_user(username="pilot", password="pilot-password-1")
    Flight.objects.create(owner=pilot, date=date(2024, 7, 4), departure="KOSH", destination="KMSN", route="KOSH KMSN",
                          tail_number="N172SP", total_flight_time=Decimal("1.25"), pic=Decimal("1.25"))
    page = browser_page
    page.goto(f"{live_server.url}/logbook/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=username]", "pilot")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text().startswith("That username and password did not match")
    page.fill("input[name=password]", "pilot-password-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/logbook/")
    assert page.locator("h1").inner_text() == "Logbook"
    row = page.locator("tr[data-flight-id]")
    assert row.count() == 1
    assert "KOSH KMSN" in row.inner_text() and "N172SP" in row.inner_text()
    assert page.locator('[data-total="total_flight_time"]').inner_text() == "1.25"


@pytest.mark.django_db
def test_log_a_flight_page_stores_a_manual_flight_and_refuses_at_the_top(client, user):
    from flightbridge.logbook.models import UserAircraft

    UserAircraft.objects.create(owner=user, registration="N12345", model="C-172 S")
    client.force_login(user)
    html = client.get("/logbook/flights/new").content.decode()
    assert '<datalist id="my-aircraft"><option value="N12345">C-172 S</option></datalist>' in html
    refused = client.post("/logbook/flights/new", {"date": "2026-12-01", "total_flight_time": "0", "pic": "99.5"})
    html = refused.content.decode()
    assert refused.status_code == 200 and Flight.objects.count() == 0
    assert html.index('id="refused"') < html.index('id="log-flight"')  # said before the form
    assert "PIC: 99.50 h is more than the total time (0.00 h)" in html
    saved = client.post("/logbook/flights/new", {"date": "2026-12-01", "tail_number": "N12345", "total_flight_time": "1:30",
                                                  "pic": "1.5", "simulator_type": "REAL"})
    flight = Flight.objects.get(owner=user)
    assert saved["Location"] == f"/logbook/flights/{flight.pk}"
    assert (flight.total_flight_time, flight.aircraft_type, flight.source) == (Decimal("1.50"), "C-172 S", "manual")


@pytest.mark.django_db
def test_a_refused_correction_leaves_the_facts_as_stored(client, user):
    flight = Flight.objects.create(owner=user, date=date(2024, 3, 9), total_flight_time=Decimal("0.57"), pic=Decimal("0.57"))
    client.force_login(user)
    html = client.post(f"/logbook/flights/{flight.pk}", {"date": "2024-03-09", "total_flight_time": "0.57",
                                                         "pic": "0.57", "night": "-1"}).content.decode()
    assert "Night: cannot be negative" in html
    assert '<dd data-field="night">0.00</dd>' in html and "-1.00" not in html
    flight.refresh_from_db()
    assert flight.night == Decimal("0")


def test_the_flight_page_shows_the_whole_record(client, user):
    # Issue 20: Hobbs, tach, engine times, class, signature, markers; 4-place cross-country shown rounded.
    flight = Flight.objects.create(
        owner=user, date=date(2026, 5, 2), cross_country=Decimal("1.3333"), hobbs_start=Decimal("100.50"),
        hobbs_end=Decimal("101.90"), tach_end=Decimal("81.20"), engine_start=datetime(2026, 5, 2, 16, 50, tzinfo=timezone.utc),
        category_class="ASES",
        signature="invalid", checkride=True, flight_review=True, takeoffs_inferred=True, day_landings=2, day_takeoffs=2)
    client.force_login(user)
    html = client.get(f"/logbook/flights/{flight.pk}").content.decode()
    for field, text in (("cross_country", "1.33"), ("hobbs_start", "100.50"), ("tach_end", "81.20"),
                        ("engine_start", "2026-05-02 16:50"), ("category_class", "ASES"),
                        ("signature", "Signed, changed since (invalid)"), ("checkride", "Yes"), ("ipc", "No")):
        assert f'data-field="{field}">{text}</dd>' in html, field
    assert 'data-field="takeoffs_inferred"' in html


@pytest.mark.django_db
def test_a_flights_properties_are_named_from_myflightbooks_table(client, user):
    """Not "Property type 96: 3519.16": the title MyFlightbook gives property 96, and times in UTC."""
    flight = Flight.objects.create(owner=user, date=date(2026, 12, 4), custom_properties=[
        {"PropTypeID": 96, "DecValue": 3519.16}, {"PropTypeID": 120, "TextValue": "Maria Gomez"},
        {"PropTypeID": 186, "DateValue": "2026-12-04T18:20:00Z"}, {"PropTypeID": 41, "BoolValue": True},
        {"PropTypeID": 987654, "IntValue": 3}])
    client.force_login(user)
    html = client.get(f"/logbook/flights/{flight.pk}").content.decode()
    listed = html[html.index('data-field="custom_properties"'):]
    listed = listed[:listed.index("</ul>")]
    assert [item.split("</li>")[0] for item in listed.split("<li>")[1:]] == [
        "Tachometer End: 3519.16", "Passenger Names: Maria Gomez", "Block In Time: 2026-12-04 18:20 UTC",
        "Instrument Proficiency Check (IPC) Received", "MyFlightbook property 987654: 3"]
    assert "Property type" not in html


@pytest.mark.django_db
def test_currency_details_are_said_once_in_the_pages_date_form(client, user):
    from flightbridge.logbook.models import CurrencyRecord

    CurrencyRecord.objects.create(owner=user, kind="instrument", label="IFR - Instrument", status="NON_COMPLIANT",
                                  value="Expired: 3/1/2026", discrepancy="IPC is required.", ipc_required=True,
                                  expires_on=date(2026, 3, 1))
    CurrencyRecord.objects.create(owner=user, kind="basicmed", label="BasicMed", status="CURRENT",
                                  value="Expires: 8/5/2027", expires_on=date(2027, 8, 5))
    CurrencyRecord.objects.create(owner=user, kind="passenger_day_90", label="ASEL - Passengers", status="NON_COMPLIANT",
                                  value="Expired: 8/5/2026", discrepancy="(Short by 1 landing, since 7/1/2026)",
                                  expires_on=date(2026, 8, 5))
    client.force_login(user)
    html = client.get("/logbook/").content.decode()
    rows = {kind: html[html.index(f'data-currency-kind="{kind}"'):][:html[html.index(f'data-currency-kind="{kind}"'):].index("</tr>")]
            for kind in ("instrument", "basicmed", "passenger_day_90")}
    assert "IPC required</strong> </td>" in rows["instrument"] and "IPC is required" not in rows["instrument"]
    assert "8/5/2027" not in rows["basicmed"] and rows["basicmed"].count("2027-08-05") == 1  # the Expires column only
    assert "(Short by 1 landing, since 2026-07-01)" in rows["passenger_day_90"]
