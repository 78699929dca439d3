"""The pages: the logbook card, the export page (links, copy, QR for one flight) and the paste-a-link import page."""

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from flightbridge.jobs.services import run_queued_jobs
from flightbridge.logbook.models import Flight, LogbookImport
from flightbridge.logger import codec
from tests.conftest import log_in

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.django_db
def test_pages_need_login(client):
    for url in ("/logbook/export/logger", "/logbook/import/logger"):
        assert client.get(url)["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_logbook_card_links_both_pages(client, user):
    client.force_login(user)
    html = client.get("/logbook/").content.decode()
    assert 'id="logger-card"' in html
    assert 'href="/logbook/export/logger"' in html and 'href="/logbook/import/logger"' in html


@pytest.mark.django_db
def test_export_page_lists_links_and_a_qr_code_for_one_flight(client, user):
    first = Flight.objects.create(owner=user, date=date(2024, 4, 1), departure="KPAO", destination="KSFO",
                                  total_flight_time=Decimal("1.2"), pic=Decimal("1.2"),
                                  block_out=datetime(2024, 4, 1, 16, 0, tzinfo=UTC))
    Flight.objects.create(owner=user, date=date(2024, 4, 2), departure="KSFO", destination="KPAO")
    client.force_login(user)
    html = client.get("/logbook/export/logger").content.decode()  # the page opens with every flight's links
    assert '<span data-count="flights">2</span>' in html
    assert html.count("data-logger-link>") == 1 and 'href="loggerapp://import/add?package=%7B' in html
    assert "<svg" not in html
    single = client.get(f"/logbook/export/logger?flight={first.pk}").content.decode()
    assert '<span data-count="flights">1</span>' in single and "<svg" in single and 'id="logger-qr"' in single
    bad = client.get("/logbook/export/logger?export=1&from=yesterday").content.decode()
    assert "The From date must be written as year-month-day, for example 2026-03-09." in bad


@pytest.mark.django_db
def imported_on_the_page(client, text: str) -> str:
    """Paste `text` and save: the page answers with the job it follows; once a worker (here, this process)
    has run it, the page for the job's run lists what became of each entry."""
    page = client.post("/logbook/import/logger", {"link": text})
    job = page.context["job"]
    assert f'data-import-job="{job.pk}"'.encode() in page.content and b"import-job.js" in page.content
    run_queued_jobs()
    run = LogbookImport.objects.get(job=job)
    return client.get(f"/logbook/import/logger?run={run.pk}").content.decode()


def test_import_page_imports_a_pasted_link_and_shows_per_entry_results(client, user):
    client.force_login(user)
    assert client.get("/logbook/import/logger").status_code == 200
    html = imported_on_the_page(client, (FIXTURES / "example_local_minimal.txt").read_text())
    assert html.count('data-entry-status="imported"') == 3 and 'data-import-status="completed"' in html
    assert html.count('data-entry-number=') == 3 and "2024-01-25" in html
    assert Flight.objects.filter(owner=user).count() == 3
    bad = client.post("/logbook/import/logger", {"link": '{"entries": [], "metadata": {}}'}).content.decode()
    assert 'role="alert"' in bad and "metadata.appName" in bad


@pytest.mark.django_db(transaction=True)
@pytest.mark.browser
def test_export_page_in_chromium(live_server, browser_page, django_user_model):
    pilot = django_user_model.objects.create_user(username="pilot", password="pilot-password-1")
    flight = Flight.objects.create(owner=pilot, date=date(2024, 7, 4), departure="KOSH", destination="KMSN",
                                   total_flight_time=Decimal("1.25"), pic=Decimal("1.25"),
                                   block_out=datetime(2024, 7, 4, 23, 30, tzinfo=UTC))
    page = browser_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, live_server, "pilot", "pilot-password-1")
    page.click("#logger-export-link")
    page.fill("input[name=from]", "2024-07-04")
    page.click("button[name=export]")
    page.wait_for_url("**from=2024-07-04**")
    link = page.locator("[data-logger-link]")
    assert link.count() == 1
    url = link.get_attribute("href")
    (entry,) = codec.parse_package(url).entries
    assert (entry["departureDate"], entry["departureTime"], entry["picTime"]) == ("2024-07-04", "23:30", "1:15")
    page.click("[data-copy]")
    page.locator("[data-copied]").wait_for(state="visible")
    assert page.evaluate("navigator.clipboard.readText()") == url
    # The picker keeps the page's dates; the QR code's caption names the flight it holds.
    page.click(f"#logger-single a[href$='flight={flight.pk}']")
    assert page.locator("#logger-qr svg").count() == 1
    assert page.locator("[data-qr-caption]").inner_text() == (
        "Scan with the iPhone camera to open the flight of 2024-07-04 KOSH–KMSN in Logger.")
    assert page.locator("[data-link-dates]").inner_text().startswith("Flights of 2024-07-04")


@pytest.mark.django_db
def test_import_page_reports_an_identical_package_again_as_unchanged(client, user):
    package = ('{"metadata": {"appName": "Logger", "appVersion": "1", "isUTC": true}, "entries": [{"importId": "same", '
               '"entryType": "Flight", "departureDate": "2024-05-01", "departureAirport": "KPAO", "arrivalAirport": "KSQL"}]}')
    client.force_login(user)
    first = imported_on_the_page(client, package)
    assert 'data-entry-status="imported"' in first and "Logger package: 1 new." in first and 'data-outcome-word>\n          <a href=' in first
    again = imported_on_the_page(client, package)
    assert 'data-entry-status="unchanged"' in again and "Logger package: 1 unchanged." in again
    assert Flight.objects.filter(owner=user).count() == 1
