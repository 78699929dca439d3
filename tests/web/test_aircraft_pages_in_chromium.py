"""The Aircraft pages in chromium at a phone's and a laptop's width: they fit, run under the policy without
errors, and after each action (add this aircraft, pick a model) every section tells the truth."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from flightbridge.fleet.models import AircraftModel
from flightbridge.logbook.models import Flight, UserAircraft
from tests.conftest import log_in
# The page-wide fixtures: chromium once per module, and a page at each of the two widths.
from tests.web.test_pages_in_chromium import browser, watched  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pilot-password-1"


def test_add_this_aircraft_and_pick_a_model_at_both_widths(watched, live_server, django_user_model):
    pilot = django_user_model.objects.create_user(username="pilot", password=PASSWORD)
    model = AircraftModel.objects.create(name="CESSNA 172S", manufacturer="CESSNA", model_number="172S",
                                         external_id="2072738", external_data_source="FAA aircraft reference",
                                         specifications={"type_aircraft_code": "4", "aircraft_category_code": "1",
                                                         "engine_type_code": "1", "engines": 1})
    for day, tail in ((1, "N52417"), (2, "N52417"), (3, "C-GABC-LONG-FOREIGN-MARK")):
        Flight.objects.create(owner=pilot, date=date(2025, 6, day), tail_number=tail, total_flight_time=Decimal("1.25"),
                              route="KPAE KBFI KSEA KOLM KPWT KTIW KPLU KRNT", day_landings=1)
    page = watched.page
    log_in(page, live_server, "pilot", PASSWORD)

    watched.open(f"{live_server.url}/logbook/aircraft/")
    width, screen = watched.overflow()
    assert width <= screen, f"the Aircraft page is {width}px wide on a {screen}px screen"
    row = page.locator('#aircraft-unrecorded tr[data-registration="N52417"]')
    assert "not in the FAA registry" in row.locator('[data-col="reason"]').inner_text()  # no registry loaded
    row.locator("button").click()
    page.wait_for_load_state("load")
    added = page.locator('#aircraft-list tr[data-registration="N52417"]')
    assert added.locator('[data-col="flights"]').inner_text() == "2"
    assert added.locator('[data-col="hours"]').inner_text() == "2.50"
    assert page.locator('#aircraft-unrecorded tr[data-registration="N52417"]').count() == 0
    assert watched.errors == [] and watched.failed == []

    added.locator("a").first.click()
    page.wait_for_load_state("load")
    page.fill("#model input[name=q]", "172")
    page.click("#model button[type=submit]")
    page.wait_for_load_state("load")
    page.select_option("#model select[name=model_id]", str(model.pk))
    page.click("#model form[method=post] button[type=submit]")
    page.wait_for_load_state("load")
    assert page.locator('#aircraft-facts [data-field="model"]').inner_text() == "CESSNA 172S"
    assert page.locator('#aircraft-facts [data-field="category_class"]').inner_text() == "ASEL"
    assert page.locator('#aircraft-time [data-total="flights"]').inner_text() == "2"
    width, screen = watched.overflow()
    assert width <= screen, f"the aircraft's page is {width}px wide on a {screen}px screen"
    assert watched.errors == [] and watched.failed == []
    assert UserAircraft.objects.get(owner=pilot, registration="N52417").aircraft_model == model
