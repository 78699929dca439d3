"""The export pages in chromium at a phone's and a laptop's width, for a range too big for one request (issue 22):
the page starts the export job, shows its progress, then the download link (CSV) or the links (Logger) without a
reload; what downloads is the file the inline export sends."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from flightbridge.interchange import jobs as interchange_jobs
from flightbridge.jobs.exports import ExportStream
from flightbridge.jobs.models import SyncJob
from flightbridge.jobs.services import run_queued_jobs
from flightbridge.logbook.models import Flight
from tests.conftest import log_in
# The page-wide fixtures: chromium once per module, and a page at each of the two widths.
from tests.web.test_pages_in_chromium import browser, watched  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pilot-password-1"


def pilot_with_flights(django_user_model, count: int):
    pilot = django_user_model.objects.create_user(username="pilot", password=PASSWORD)
    Flight.objects.bulk_create([Flight(owner=pilot, date=date(2025, 1, 1) + timedelta(days=n), departure="KPAO",
                                       destination="KSQL", route="KPAO KSQL", tail_number="N12345", aircraft_type="C172S",
                                       total_flight_time=Decimal("1.40"), pic=Decimal("1.40"), day_landings=1,
                                       remarks=f"Flight {n} ✈") for n in range(count)])
    return pilot


def fits(watched) -> None:
    width, screen = watched.overflow()
    assert width <= screen, f"the page is {width}px wide on a {screen}px screen"


def test_a_big_csv_export_runs_as_a_job_the_page_follows_to_its_download(watched, live_server, django_user_model, settings):
    settings.FLIGHTBRIDGE_EXPORT_INLINE_MAX_FLIGHTS = 10
    pilot = pilot_with_flights(django_user_model, 30)
    page = watched.page
    log_in(page, live_server, "pilot", PASSWORD)
    watched.open(f"{live_server.url}/logbook/export/csv")
    page.select_option("#csv-export-form select[name=format]", "foreflight")
    page.click("#csv-export-form button[type=submit]")
    card = page.locator("[data-export-job]")
    card.wait_for()
    assert "Exporting 30 flights as a ForeFlight file." in card.locator("[data-job-state]").inner_text()
    fits(watched)

    run_queued_jobs()  # the worker
    link = card.locator("[data-export-download]")
    link.wait_for()  # shown without a reload when the job has ended
    assert "30 flights exported as a ForeFlight file" in card.locator("[data-job-state]").inner_text()
    job = SyncJob.objects.get(owner=pilot, kind="interchange.export_csv")
    assert link.get_attribute("href") == f"/api/exports/{job.pk}/file"
    fits(watched)
    with page.expect_download() as download:
        link.click()
    saved = Path(download.value.path()).read_bytes()
    assert download.value.suggested_filename == "flightbridge-foreflight-all.csv"
    expected: ExportStream = interchange_jobs.open_export(pilot, interchange_jobs.export_params("foreflight"))
    assert saved == "".join(expected.chunks).encode()
    page.locator("[data-export-ready]", has_text="Downloaded. The file is no longer kept").wait_for()
    assert "{#" not in page.content() and "{%" not in page.content()
    assert watched.errors == [] and watched.failed == []


def test_a_big_logger_export_shows_its_links_when_the_job_has_written_them(watched, live_server, django_user_model,
                                                                            settings, monkeypatch):
    settings.FLIGHTBRIDGE_EXPORT_INLINE_MAX_FLIGHTS = 10
    monkeypatch.setenv("FLIGHTBRIDGE_LOGGER_MAX_LINK_LENGTH", "2000")  # several links for 30 flights
    pilot_with_flights(django_user_model, 30)
    page = watched.page
    log_in(page, live_server, "pilot", PASSWORD)
    watched.open(f"{live_server.url}/logbook/export/logger")
    assert "30 flights are more than one page packs" in page.locator("[data-too-many]").inner_text()
    assert page.locator("[data-logger-link]").count() == 0  # nothing packed on a mere visit
    page.click("#logger-export-form button[type=submit]")
    card = page.locator("[data-export-job]")
    card.wait_for()
    fits(watched)

    run_queued_jobs()  # the worker
    links = card.locator("[data-export-links] li")
    links.first.wait_for()
    entries = sum(int(text.split(" entr")[0]) for text in card.locator("[data-export-links] .link-dates").all_inner_texts())
    assert entries == 30 and links.count() > 1
    assert card.locator("[data-job-state]").inner_text() == f"30 flights in {links.count()} links."
    assert all(href.startswith("loggerapp://import/add?package=")
               for href in card.locator("[data-logger-link]").evaluate_all("links => links.map(a => a.href)"))
    fits(watched)
    assert watched.errors == [] and watched.failed == []
