"""The logbook page: the sync button in chromium (importing → ready with the counts, failed → retry), and
the currency and totals sections rendered server-side."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest

from flightbridge.jobs.services import run_queued_jobs
from flightbridge.logbook.models import CurrencyRecord, Flight, LogbookTotal
from flightbridge.myflightbook.sandbox import SandboxServer
from tests.conftest import log_in, wait_for
from flightbridge.myflightbook.sandbox.fake import connect_to_sandbox

FLIGHTS = 60


@pytest.fixture
def mfb():
    with SandboxServer(flights=FLIGHTS, seed=21) as server:
        yield server


def connect(user, settings, mfb):
    return connect_to_sandbox(user, mfb, settings, interval_ms=5, account_name=mfb.account.username)


def worker_once():
    """What a worker does, in a thread of this test (its own database connection), then closed."""
    from django.db import connection

    try:
        run_queued_jobs("myflightbook.sync")
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.browser
def test_sync_button_shows_importing_then_ready_with_the_counts(live_server, browser_page, django_user_model, settings, mfb):
    pilot = django_user_model.objects.create_user(username="pilot", password="pilot-password-1")
    connect(pilot, settings, mfb)
    page = browser_page
    log_in(page, live_server, "pilot", "pilot-password-1")
    assert page.locator('[data-synced="flights"]').inner_text() == "0"
    assert page.locator("#flights .empty").count() == 1  # a first connect: no flights yet

    page.click("#mfb-sync-button")
    state = page.locator("#mfb-sync-state")
    page.wait_for_selector('#mfb-sync-state[data-state="importing"]')
    wait_for(lambda: "waiting for a worker" in state.inner_text(), message="the queued job on the page")
    assert page.locator("#mfb-sync-button").is_disabled()

    worker = threading.Thread(target=worker_once)
    worker.start()
    page.wait_for_selector('#mfb-sync-state[data-state="ready"]', timeout=60_000)
    worker.join(timeout=60)
    assert state.inner_text().startswith(f"Ready. MyFlightbook sync: {FLIGHTS} new")
    # "Ready" is shown only once every section the sync changed has been fetched again: no reload, and
    # never "Ready" above "No flights yet".
    assert page.locator('[data-synced="flights"]').inner_text() == str(FLIGHTS)
    hours = sum((Decimal(r.get("TotalFlightTime", 0)) for r in mfb.account.flights), Decimal("0")).quantize(Decimal("0.01"))
    assert page.locator('[data-synced="hours"]').inner_text() == f"{hours:,}"
    assert page.locator("#mfb-sync-button").inner_text() == "Sync now"
    assert page.locator("#flights .empty").count() == 0
    assert page.locator("tr[data-flight-id]").count() == FLIGHTS
    assert page.locator('[data-total="flights"]').inner_text() == str(FLIGHTS)
    assert page.locator("#currency tr[data-currency-kind]").count() == CurrencyRecord.objects.filter(owner=pilot).count() > 0
    assert page.locator('[data-totals-source="computed-local"] tr[data-key="flights"]').count() == 1
    assert page.evaluate("document.body.dataset.refreshed") == "1"
    page.reload()  # and a reload shows the same
    assert page.locator("tr[data-flight-id]").count() == FLIGHTS


@pytest.mark.django_db(transaction=True)
@pytest.mark.browser
def test_a_failed_sync_shows_the_reason_and_a_retry(live_server, browser_page, django_user_model, settings, mfb):
    pilot = django_user_model.objects.create_user(username="pilot", password="pilot-password-1")
    connect(pilot, settings, mfb)
    mfb.revoke()
    page = browser_page
    log_in(page, live_server, "pilot", "pilot-password-1")
    page.click("#mfb-sync-button")
    page.wait_for_selector('#mfb-sync-state[data-state="importing"]')
    # The page says "importing" before its POST has queued the job: a worker started earlier finds nothing.
    wait_for(lambda: "waiting for a worker" in page.locator("#mfb-sync-state").inner_text(), message="the queued job")
    worker = threading.Thread(target=worker_once)
    worker.start()
    page.wait_for_selector('#mfb-sync-state[data-state="failed"]', timeout=60_000)
    worker.join(timeout=60)
    assert "Reconnect MyFlightbook" in page.locator("#mfb-sync-state").inner_text()
    assert page.locator("#mfb-sync-button").inner_text() == "Retry sync"
    assert page.locator("#mfb-sync-button").is_enabled()


@pytest.mark.django_db
def test_currency_and_totals_sections_render(client, user, settings, mfb):
    connect(user, settings, mfb)
    CurrencyRecord.objects.create(owner=user, kind="passenger_night_90", label="ASEL - Night", category="ASEL",
                                  status="NON_COMPLIANT", value="Expired: 8/5/2026", discrepancy="(Short by 1 Landing)",
                                  expires_on=date(2026, 8, 5))
    CurrencyRecord.objects.create(owner=user, kind="flight_review", label="Flight Review", status="CURRENT",
                                  value="Current Until: 5/31/2027", expires_on=date(2027, 5, 31))
    LogbookTotal.objects.create(owner=user, source="myflightbook", dimension="OTHER", key="landings_touch_and_go",
                                description="Landings - Touch and Go", value=Decimal("402.00"), unit="count")
    Flight.objects.create(owner=user, date=date(2026, 8, 1), source="myflightbook", total_flight_time=Decimal("1.50"))
    client.force_login(user)
    html = client.get("/logbook/").content.decode()
    assert 'data-currency-status="NON_COMPLIANT"' in html and "Not current" in html and "2026-08-05" in html
    assert html.index("ASEL - Night") < html.index("Flight Review")  # what grounds a pilot first
    # A count reads as a count: no decimals (issue 14).
    assert "Landings - Touch and Go" in html and '<td class="num">402</td>' in html and "402.00" not in html
    assert 'data-synced="flights">1<' in html and 'data-synced="hours">1.50<' in html
    assert 'id="mfb-sync-button"' in html


@pytest.mark.django_db(transaction=True)
@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_full_sync_button_and_the_auto_sync_switch(live_server, browser_page, django_user_model, settings, mfb, width):
    from flightbridge.jobs.models import SyncJob
    from flightbridge.myflightbook.models import SyncSchedule

    pilot = django_user_model.objects.create_user(username="pilot", password="pilot-password-1")
    connect(pilot, settings, mfb)
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server, "pilot", "pilot-password-1")
    assert page.locator('[data-synced="mode"]').inner_text() == "—"
    assert page.locator("#mfb-auto-sync").is_checked()
    assert "every day" in page.locator("label:has(#mfb-auto-sync)").inner_text()

    page.click("#mfb-full-sync-button")
    page.wait_for_selector('#mfb-sync-state[data-state="importing"]')
    # The job exists once the page polls it (the button shows "importing" before the request returns).
    wait_for(lambda: "waiting for a worker" in state_text(page), message="the queued job on the page")
    assert SyncJob.objects.get(owner=pilot).params["mode"] == "full"
    worker = threading.Thread(target=worker_once)
    worker.start()
    page.wait_for_selector('#mfb-sync-state[data-state="ready"]', timeout=60_000)
    worker.join(timeout=60)
    assert state_text(page).endswith("full sync.")
    wait_for(lambda: page.locator('[data-synced="mode"]').inner_text() == "full", message="the last mode on the card")
    next_sync = SyncSchedule.objects.get(owner=pilot).next_sync_at
    wait_for(lambda: page.locator('[data-synced="next"]').inner_text() == next_sync.strftime("%Y-%m-%d %H:%M UTC"),
             message="the next sync on the card")

    page.uncheck("#mfb-auto-sync")
    wait_for(lambda: page.locator('[data-synced="next"]').inner_text() == "auto-sync off", message="auto-sync off shown")
    assert SyncSchedule.objects.get(owner=pilot).auto_sync is False
    page.reload()
    assert not page.locator("#mfb-auto-sync").is_checked()
    assert page.locator('[data-synced="mode"]').inner_text() == "full"
    box = page.locator("#mfb-full-sync-button").bounding_box()
    assert box is not None and box["x"] + box["width"] <= width  # on screen at this width


def state_text(page) -> str:
    return page.locator("#mfb-sync-state").inner_text()
