"""Every page in chromium at a phone's width (390 px) and a laptop's (1280 px): nothing wider than the
screen, the Content-Security-Policy sent and never violated, no console error, no failed request (the
favicon included), and the things a pilot needs on screen.

One browser for the module (they are slow to start); each test gets a fresh context."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from flightbridge.fleet.models import DataSourceConfig
from flightbridge.jobs.services import run_queued_jobs
from flightbridge.logbook.models import CurrencyRecord, Flight, LogbookImport, LogbookTotal
from flightbridge.logbook.services import finish_import
from flightbridge.logger import services as logger_services
from tests.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIXTURES = Path(__file__).resolve().parents[1] / "logger" / "fixtures"
PASSWORD = "pilot-password-1"
WIDTHS = {"phone": (390, 844), "laptop": (1280, 800)}


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield launched
        launched.close()


class Watched:
    """A page whose console errors, CSP violations and failed responses are collected as it goes."""

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        self.failed: list[str] = []
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("response", lambda response: response.status >= 400 and self.failed.append(f"{response.status} {response.url}"))

    def open(self, url: str):
        self.errors.clear()
        self.failed.clear()
        return self.page.goto(url)

    def overflow(self) -> tuple[int, int]:
        return self.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def watched(request, browser):
    width, height = WIDTHS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield Watched(page)
    context.close()


def sample_logbook(django_user_model):
    """A pilot with what makes pages wide: long routes and remarks, a simulator session, currency, totals
    (with MyFlightbook's per-model lines), a Logger import with rejected entries, a data source."""
    pilot = django_user_model.objects.create_user(username="pilot", password=PASSWORD, is_staff=True, is_superuser=True)
    flights = []
    for day in range(25):
        flights.append(Flight(owner=pilot, date=date(2026, 3, 1) + timedelta(days=day), departure="KPAO", destination="KHAF",
                              route="KPAO SJC VOR KHAF KSQL KOAK KLVK KTCY", tail_number="N12345",
                              aircraft_type="C172S", total_flight_time=Decimal("1.40"), pic=Decimal("1.40"),
                              night=Decimal("0.30"), day_landings=3, remarks="Pattern work and a practice ILS " * 4))
    Flight.objects.bulk_create(flights)
    Flight.objects.create(owner=pilot, date=date(2026, 4, 1), simulator_type="AATD", aircraft_type="Redbird TD2",
                          ground_sim=Decimal("1.50"), simulated_ifr=Decimal("1.50"), approaches=4, remarks="IPC prep")
    package = (FIXTURES / "example_local_minimal.txt").read_text()
    logger_services.import_package(pilot, package)
    broken = LogbookImport.objects.create(owner=pilot, source="myflightbook", imported=0, skipped=3, failed=1,
                                          changed_at_source=1,
                                          reasons=[{"record": "mfb:991", "field": "Date", "reason": "no date"}],
                                          details={"skipped_by_reason": {"already in your logbook": 2,
                                                                         "changed on MyFlightbook since import (kept as imported)": 1},
                                                   "aircraft": {"created": 0, "skipped": 1,
                                                                "reasons": [{"record": "SIM-ONLY", "field": "TailNumber", "reason": "no registration"}]},
                                                   "currency": {"stored": 2, "unmapped": [{"record": "Glider aerotow", "field": "Attribute", "reason": "unknown"}]}})
    finish_import(broken, "completed", message="Imported 0 new flights (2 already in your logbook).")
    CurrencyRecord.objects.create(owner=pilot, kind="passenger_night_90", label="ASEL - Night passenger currency",
                                  category="Airplane single-engine land", status="NON_COMPLIANT",
                                  value="Expired: 8/5/2026", discrepancy="(Short by 1 full-stop night landing)",
                                  expires_on=date(2026, 8, 5))
    CurrencyRecord.objects.create(owner=pilot, kind="flight_review", label="Flight Review", status="CURRENT",
                                  value="Current Until: 5/31/2027", expires_on=date(2027, 5, 31))
    for source, period in (("myflightbook", "lifetime"), ("computed-local", "trailing-12-months")):
        LogbookTotal.objects.create(owner=pilot, source=source, period=period, dimension="TOTAL_TIME", key="total_time",
                                    description="Total Time", value=Decimal("1234.50"))
        LogbookTotal.objects.create(owner=pilot, source=source, period=period, dimension="COUNTS", key="landings",
                                    description="Landings", value=Decimal("402"), unit="count")
    LogbookTotal.objects.create(owner=pilot, source="myflightbook", dimension="OTHER", key="c172",
                                description="Cessna 172 Skyhawk (C-172S, C-172R, C-172P)", value=Decimal("210.3"),
                                raw={"Group": 3, "GroupName": "Models"})
    DataSourceConfig.objects.create(name="Type Catalog", endpoint="https://models.example.org/api/v1/aircraft-models")
    return pilot


def pages(live_server, pilot) -> dict[str, str]:
    flight = Flight.objects.filter(owner=pilot, simulator_type="REAL").order_by("date").first()
    return {
        "logbook": "/logbook/",
        "flight": f"/logbook/flights/{flight.pk}",
        "imports": "/logbook/imports/",
        "currency": "/logbook/currency/",
        "log-flight": "/logbook/flights/new",
        "flight-check": "/logbook/check/",
        "settings": "/settings/",
        "logger-export": "/logbook/export/logger?from=2026-03-01&to=2026-03-31&export=1",
        "logger-qr": f"/logbook/export/logger?flight={flight.pk}",
        "logger-import": "/logbook/import/logger",
        "fleet-sync": "/fleet/sync/",
        "fleet-source-new": "/fleet/sources/new",
        "fleet-source-edit": f"/fleet/sources/{DataSourceConfig.objects.order_by('pk').first().pk}/edit",
        "not-found": "/logbook/no-such-page/",
    }


def test_every_page_fits_the_screen_and_keeps_its_policy(watched, live_server, django_user_model):
    pilot = sample_logbook(django_user_model)
    page = watched.page
    response = watched.open(f"{live_server.url}/accounts/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    width, screen = watched.overflow()
    assert width <= screen, f"login page is {width}px wide on a {screen}px screen"
    assert watched.errors == [] and watched.failed == []
    log_in(page, live_server, "pilot", PASSWORD)

    problems = []
    for name, path in pages(live_server, pilot).items():
        response = watched.open(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        policy = response.headers.get("content-security-policy", "")
        if "script-src 'self'" not in policy or "unsafe-inline" in policy:
            problems.append(f"{name}: policy {policy!r}")
        width, screen = watched.overflow()
        if width > screen:
            problems.append(f"{name}: {width}px wide on a {screen}px screen")
        expected_failures = [f"404 {live_server.url}{path}"] if name == "not-found" else []
        if watched.failed != expected_failures:
            problems.append(f"{name}: failed requests {watched.failed}")
        errors = [error for error in watched.errors if not (name == "not-found" and "404" in error)]
        if errors:
            problems.append(f"{name}: console errors {errors}")
    # Pages other helpers own still run under the policy: the API docs (Swagger UI) and the admin.
    for path in ("/api/docs", "/admin/", "/admin/logbook/flight/"):
        watched.open(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        if path == "/api/docs":
            page.wait_for_selector("#swagger-ui .swagger-ui")  # Swagger UI's own script ran
        refused = [error for error in watched.errors if "Content Security Policy" in error or "Refused to" in error]
        if refused:
            problems.append(f"{path}: CSP violations {refused}")
    assert problems == []


def test_the_logbook_keeps_date_route_total_and_pic_on_screen(watched, live_server, django_user_model):
    pilot = sample_logbook(django_user_model)
    page = watched.page
    log_in(page, live_server, "pilot", PASSWORD)
    screen = page.evaluate("window.innerWidth")
    row = page.locator("tr[data-flight-id]").first
    for column in ("date", "route", "total", "pic"):
        box = row.locator(f'td[data-col="{column}"]').bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= screen, (column, box, screen)
    sim = page.locator("td[data-sim-time]")
    assert sim.count() == 1 and sim.inner_text().split() == ["1.50", "sim"]
    # Each row opens the flight's own page.
    row.locator('td[data-col="date"] a').click()
    page.wait_for_url("**/logbook/flights/*")
    assert page.locator('[data-origin="source"]').inner_text() == "Entered here"


def test_a_pilot_logs_corrects_and_sees_a_flight_by_hand(watched, live_server, django_user_model):
    """The whole hand-kept loop at a phone's width and a laptop's: log a flight, have an impossible value
    refused at the top of the page, correct it, see it in the logbook; nothing refused is ever shown as saved."""
    pilot = django_user_model.objects.create_user(username="pilot", password=PASSWORD)
    pilot.aircraft.create(registration="N172SP", model="C-172 S", device_class="REAL")
    page = watched.page
    log_in(page, live_server, "pilot", PASSWORD)
    page.click("#log-a-flight")
    page.wait_for_url("**/logbook/flights/new")
    page.fill("input[name=date]", "2026-12-05")
    page.fill("input[name=tail_number]", "N172SP")
    page.fill("input[name=departure]", "KOSH")
    page.fill("input[name=destination]", "KMSN")
    page.fill("input[name=total_flight_time]", "1:15")
    page.fill("input[name=pic]", "12.5")
    page.fill("input[name=day_landings]", "1")
    page.fill("input[name=day_full_stop_landings]", "1")
    page.fill("input[name=instructor_name]", "Maria Gomez")
    page.click("#log-save")
    refused = page.locator("#refused")
    refused.wait_for()
    box = refused.bounding_box()
    assert box is not None and box["y"] < page.evaluate("window.innerHeight") / 2  # at the top, not below the fold
    assert refused.locator("li").all_inner_texts() == ["PIC: 12.5 h is more than the total time (1.25 h)".replace(
        "12.5 h", "12.50 h")]
    assert Flight.objects.filter(owner=pilot).count() == 0
    assert page.input_value("input[name=pic]") == "12.5"  # what was typed is kept to correct
    page.fill("input[name=pic]", "1:15")
    page.click("#log-save")
    page.wait_for_url("**/logbook/flights/*")
    flight = Flight.objects.get(owner=pilot)
    assert (flight.total_flight_time, flight.pic, flight.aircraft_type, flight.source) == (
        Decimal("1.25"), Decimal("1.25"), "C-172 S", "manual")
    assert page.locator('[data-field="pic"]').inner_text() == "1.25"
    assert page.locator('[data-origin="source"]').inner_text() == "Entered here"

    # A refused correction: the message at the top, the facts still the stored ones.
    page.fill("input[name=night]", "-1")
    page.click("#flight-save")
    page.locator("#refused").wait_for()
    assert page.locator("#refused li").all_inner_texts() == ["Night: cannot be negative"]
    assert page.locator('[data-field="night"]').inner_text() == "0.00"
    width, screen = watched.overflow()
    assert width <= screen and watched.errors == []
    page.fill("input[name=night]", "0.4")
    page.click("#flight-save")
    page.wait_for_selector(".messages li.success")
    assert page.locator('[data-field="night"]').inner_text() == "0.40"

    page.goto(f"{live_server.url}/logbook/")
    row = page.locator("tr[data-flight-id]")
    assert row.count() == 1 and row.locator('td[data-col="date"]').inner_text() == "2026-12-05"
    assert row.locator('td[data-col="total"]').inner_text() == "1.25"


def test_the_flight_page_saves_a_correction_and_shows_where_it_came_from(browser, live_server, django_user_model):
    pilot = sample_logbook(django_user_model)
    imported = Flight.objects.filter(owner=pilot, source="logger").order_by("date").first()
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        log_in(page, live_server, "pilot", PASSWORD)
        page.goto(f"{live_server.url}/logbook/flights/{imported.pk}")
        assert page.locator('[data-origin="source-id"]').inner_text() == imported.external_id.split(":", 1)[1]
        assert "Logger import of" in page.locator('[data-origin="run"]').inner_text()
        raw = page.locator("#raw-record")
        assert not page.locator("#raw-record pre").is_visible()
        raw.locator("summary").click()
        assert imported.raw["importId"] in page.locator("#raw-record pre").inner_text()

        page.fill("input[name=pic]", "-2")
        page.click("#flight-save")
        assert page.locator('[data-error-for="pic"]').is_visible()
        assert page.locator("#refused li").all_inner_texts() == ["PIC: cannot be negative"]
        assert page.locator('[data-field="pic"]').inner_text() == f"{imported.pic:.2f}"  # not the refused -2
        page.fill("input[name=pic]", "0.9")
        page.fill("textarea[name=remarks]", "Corrected PIC after the checkride")
        page.click("#flight-save")  # PIC over a total of 0: the flight check refuses it
        assert page.locator("#refused li").all_inner_texts() == ["PIC: 0.90 h is more than the total time (0.00 h)"]
        page.fill("input[name=total_flight_time]", "0:54")
        page.click("#flight-save")
        page.wait_for_selector(".messages li.success")
        assert page.locator(".messages li.success").inner_text() == "Saved your changes: Total time, PIC, Remarks."
        assert page.locator('[data-field="pic"]').inner_text() == "0.90"
        imported.refresh_from_db()
        assert imported.pic == Decimal("0.90") and imported.remarks == "Corrected PIC after the checkride"
    finally:
        context.close()


def test_imports_show_grouped_reasons_and_undo_asks_first(browser, live_server, django_user_model):
    pilot = sample_logbook(django_user_model)
    logger_run = LogbookImport.objects.get(owner=pilot, source="logger")
    mfb_run = LogbookImport.objects.get(owner=pilot, source="myflightbook")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        log_in(page, live_server, "pilot", PASSWORD, next_path="/logbook/imports/")
        mfb = page.locator(f"#import-{mfb_run.pk}")
        counts = {item.get_attribute("data-group"): item.get_attribute("data-count")
                  for item in mfb.locator("[data-group]").all()}
        assert counts == {"aircraft:no registration": "1", "currency:unknown": "1", "changed_at_source": "1",
                          "skipped:already in your logbook": "2", "reason:no date": "1"}
        # Each left-out record's group says why, in the words the API gives.
        assert mfb.locator('[data-group="aircraft:no registration"] summary').inner_text() == \
            "1 Aircraft not imported: no registration"
        assert mfb.locator("[data-undo]").count() == 0  # it created nothing
        undo = page.locator(f"#import-{logger_run.pk} [data-undo]")
        page.once("dialog", lambda dialog: dialog.dismiss())
        undo.click()
        assert Flight.objects.filter(owner=pilot, source="logger").count() == 3  # the pilot said no
        page.once("dialog", lambda dialog: dialog.accept())
        undo.click()
        page.wait_for_selector(".messages li.success")
        assert page.locator(f"#import-{logger_run.pk} [data-status]").inner_text() == "Reverted"
        assert Flight.objects.filter(owner=pilot, source="logger").count() == 0
    finally:
        context.close()


def test_the_logger_import_page_numbers_entries_from_one_with_date_and_route(browser, live_server, django_user_model):
    sample_logbook(django_user_model)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        log_in(page, live_server, "pilot", PASSWORD, next_path="/logbook/import/logger")
        page.fill("textarea[name=link]", "this is not a package")
        page.click("#logger-import-form button[type=submit]")
        message = page.locator("#logger-import-error .error").inner_text()
        assert message.startswith("This is not a Logger package") and "Expecting" not in message
        page.fill("textarea[name=link]", (FIXTURES / "example_utc_single.txt").read_text())
        page.click("#logger-import-form button[type=submit]")
        page.locator("[data-import-job]").wait_for()  # the import's job, followed live
        run_queued_jobs()  # the worker
        first = page.locator("tr[data-entry-number]").first
        first.wait_for()  # the page opened the run when the job ended
        cells = first.locator("td").all_inner_texts()
        assert cells[0] == "1" and cells[1][:4].isdigit() and "–" in cells[2]
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()


def test_the_currency_page_shows_both_side_by_side(watched, live_server, django_user_model):
    from django.utils import timezone

    pilot = django_user_model.objects.create_user(username="pilot", password=PASSWORD)
    today = timezone.localdate()
    marker = {"category_class": "ASEL"}
    mfb = Flight.objects.create(owner=pilot, date=today - timedelta(days=40), source="myflightbook", tail_number="N12345",
                                day_landings=1, day_takeoffs=1, **marker)
    logger = Flight.objects.create(owner=pilot, date=today - timedelta(days=3), source="logger", tail_number="N12345",
                                   day_landings=2, day_takeoffs=2)
    CurrencyRecord.objects.create(owner=pilot, kind="passenger_day_90", label="ASEL - Passengers", category="ASEL",
                                  status="NON_COMPLIANT", expires_on=today - timedelta(days=100))
    page = watched.page
    log_in(page, live_server, "pilot", PASSWORD)
    watched.open(f"{live_server.url}/logbook/currency/")
    row = page.locator('tr[data-currency-kind="passenger_day_90"][data-currency-category="ASEL"]')
    assert row.locator("[data-computed-status]").inner_text() == "Current"
    assert row.locator("[data-expires]").inner_text() == (today - timedelta(days=40) + timedelta(days=90)).isoformat()
    assert row.locator("[data-myflightbook]").inner_text().startswith("Expired")
    assert row.locator("[data-differs]").inner_text() == "2 landings from Logger flights that MyFlightbook does not have."
    links = row.locator("[data-flight-link]")
    assert [links.nth(i).get_attribute("data-flight-link") for i in range(links.count())] == [str(logger.pk), str(mfb.pk)]
    screen = page.evaluate("window.innerWidth")
    for cell in ("[data-computed]", "[data-myflightbook]", "[data-differs]"):
        box = row.locator(cell).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= screen + 1, (cell, box, screen)
    width, screen = watched.overflow()
    assert width <= screen and watched.errors == [] and watched.failed == []
    # The calendar feed: turned on from the page, its link shown once and fitting the screen.
    page.click('#currency-feed button[value="on"]')
    url = page.locator("[data-feed-url]").inner_text()
    assert url.startswith(f"{live_server.url}/calendar/currency/") and url.endswith(".ics")
    width, screen = watched.overflow()
    assert width <= screen, f"the feed link makes the page {width}px wide on {screen}px"
    watched.open(f"{live_server.url}/logbook/currency/")
    assert page.locator("[data-feed-url]").count() == 0 and "Calendar feed is on" in page.locator("#currency-feed").inner_text()
    links = page.locator('tr[data-currency-category="ASEL"][data-currency-kind="passenger_day_90"] [data-flight-link]')
    links.first.click()
    page.wait_for_url(f"**/logbook/flights/{logger.pk}")


def test_the_currency_page_shows_a_gliders_instrument_privilege_and_follows_an_edit(watched, live_server, django_user_model):
    from django.utils import timezone

    pilot = django_user_model.objects.create_user(username="glider", password=PASSWORD)
    today = timezone.localdate()
    soaring = Flight.objects.create(owner=pilot, date=today - timedelta(days=12), source="myflightbook", tail_number="N21SG",
                                    category_class="Glider", day_landings=3, day_takeoffs=3, simulated_ifr=Decimal("2.5"),
                                    glider_instrument_maneuvers=Decimal("2"), glider_passenger_maneuvers=True)
    page = watched.page
    log_in(page, live_server, "glider", PASSWORD)
    watched.open(f"{live_server.url}/logbook/currency/")
    row = page.locator('tr[data-currency-kind="instrument"][data-currency-category="Glider"]')
    assert row.locator(".item-label").inner_text() == "IFR - Glider - (Passengers)"
    assert row.locator("[data-computed-status]").inner_text() == "Current"
    assert row.locator("[data-flight-link]").get_attribute("data-flight-link") == str(soaring.pk)
    width, screen = watched.overflow()
    assert width <= screen and watched.errors == [] and watched.failed == []
    # The pilot corrects the flight (no passenger maneuvers after all): the page says so the next time it is shown.
    Flight.objects.filter(pk=soaring.pk).update(glider_passenger_maneuvers=False)
    watched.open(f"{live_server.url}/logbook/currency/")
    row = page.locator('tr[data-currency-kind="instrument"][data-currency-category="Glider"]')
    assert row.locator(".item-label").inner_text() == "IFR - Glider - (No Passengers)"
    assert "the instrument maneuvers for passengers in a glider" in row.locator("[data-computed]").inner_text()
    width, screen = watched.overflow()
    assert width <= screen


def test_choosing_how_hours_are_shown_changes_the_logbook_and_its_totals_without_a_reload(watched, live_server, django_user_model):
    """Issue 20: MyFlightbook's decimal display preference. The logbook's own control saves it and every section
    is written again in place; the page is not reloaded, and the choice is kept for the next visit."""
    pilot = django_user_model.objects.create_user(username="pilot", password=PASSWORD)
    Flight.objects.create(owner=pilot, date=date(2026, 5, 2), departure="KPAO", destination="KHAF", tail_number="N12345",
                          total_flight_time=Decimal("1.3333"), pic=Decimal("1.3333"), cross_country=Decimal("0.875"),
                          night=Decimal("0.875"))
    page = watched.page
    log_in(page, live_server, "pilot", PASSWORD)
    watched.errors.clear()
    total, cross_country = page.locator('[data-total="total_flight_time"]'), page.locator('[data-total="cross_country"]')
    row_total = page.locator('tr[data-flight-id] td[data-col="total"]')
    assert (total.inner_text(), cross_country.inner_text(), row_total.inner_text()) == ("1.33", "0.88", "1.33")
    assert page.locator("[data-hours-format-save]").is_hidden()  # saved on change, no button needed
    page.evaluate("window.sameDocument = true")

    for choice, expected in (("hhmm", ("1:20", "0:52", "1:20")), ("one_decimal", ("1.3", "0.9", "1.3"))):
        page.select_option("#hours-format-logbook", choice)
        page.wait_for_selector(f'body[data-hours-format="{choice}"]', state="attached")
        assert (total.inner_text(), cross_country.inner_text(), row_total.inner_text()) == expected
        assert page.locator("#hours-format-logbook").input_value() == choice
        assert page.locator("#totals [data-hours-format-state]").inner_text() == "Saved."
    assert page.evaluate("window.sameDocument === true")  # the sections were swapped in, the page never reloaded
    width, screen = watched.overflow()
    assert width <= screen and watched.errors == [] and watched.failed == []

    page.goto(f"{live_server.url}/settings/")  # kept for the pilot, and the settings page says the same
    assert page.locator("#hours-format-settings").input_value() == "one_decimal"
    assert page.locator('[data-sample="1.3333"]').inner_text() == "1.3"
    page.select_option("#hours-format-settings", "adaptive")
    page.wait_for_selector('body[data-hours-format="adaptive"]', state="attached")
    assert page.locator('[data-sample="1234.5"]').inner_text() == "1,234.5"
    page.goto(f"{live_server.url}/logbook/flights/{Flight.objects.get(owner=pilot).pk}")
    assert page.locator('[data-field="night"]').inner_text() == "0.88"
    assert page.locator("input[name=cross_country]").input_value() == "0.88"
