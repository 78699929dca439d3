"""The logbook-file pages in chromium, phone and desktop width: upload, preview, save; choose a format and download."""

from __future__ import annotations

from pathlib import Path

import pytest

from flightbridge.jobs.services import run_queued_jobs
from flightbridge.logbook.models import Flight
from tests.conftest import log_in

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_import_preview_then_save_on_a_phone(live_server, browser_page, django_user_model, tmp_path):
    pilot = django_user_model.objects.create_user(username="pilot", password="pilot-password-1")
    page = browser_page
    errors: list[str] = []  # a Content-Security-Policy violation is reported on the console
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, "pilot", "pilot-password-1")
    page.click("#csv-import-link")
    file = tmp_path / "logten.txt"
    file.write_bytes((GOLDEN / "logten/export-tab.txt").read_bytes())
    page.set_input_files("input[name=file]", str(file))
    page.click("#csv-import-form button[type=submit]")
    page.locator("#csv-import-save").wait_for()
    assert page.locator("[data-row-outcome=created]").count() == 2
    assert Flight.objects.filter(owner=pilot).count() == 0
    # Nothing wider than the phone: the result table scrolls inside its card.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("#csv-import-save button")
    # Saving answers at once with the import's job, which the page follows until a worker has run it.
    page.locator("[data-import-job]").wait_for()
    assert page.locator("[data-job-state]").inner_text().startswith("Importing")
    run_queued_jobs()  # the worker
    page.locator("[data-import-status=completed]").wait_for()
    assert "2 new" in page.locator("[data-import-message]").inner_text()
    assert Flight.objects.filter(owner=pilot).count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_export_download_on_a_desktop(live_server, browser_page, django_user_model):
    pilot = django_user_model.objects.create_user(username="pilot", password="pilot-password-1")
    Flight.objects.create(owner=pilot, date="2024-07-04", tail_number="N12345", departure="KOSH", destination="KMSN")
    page = browser_page
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, "pilot", "pilot-password-1")
    page.click("#csv-export-link")
    page.check("input[name=include_myflightbook]")
    page.select_option("select[name=format]", "myflightbook")
    with page.expect_download() as info:
        page.click("button[name=download]")
    download = info.value
    assert download.suggested_filename == "flightbridge-myflightbook-all.csv"
    text = Path(download.path()).read_text()
    assert text.splitlines()[1].startswith("2024-07-04,N12345,")
    assert errors == []
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/logbook/export/csv")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 and errors == []
