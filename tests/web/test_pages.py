from datetime import date
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
