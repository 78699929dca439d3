"""The staff page `/fleet/myflightbook/` and the figures behind it (`fleet_status.fleet_overview`)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from flightbridge.jobs.models import JobStatus, SyncJob
from flightbridge.jobs.services import guard_key
from flightbridge.myflightbook.fleet_status import fleet_overview
from flightbridge.myflightbook.jobs import sync_logbook_job
from flightbridge.myflightbook.models import ConnectionStatus, IntegrationToken, SyncSchedule
from tests.conftest import log_in


def pilot(django_user_model, name: str, status: str = ConnectionStatus.CONNECTED, message: str = "",
          connected_ago=timedelta(days=3), due_ago: timedelta | None = None):
    """A connected pilot whose scheduled slot passed `due_ago` ago (None: the next slot is an hour away)."""
    user = django_user_model.objects.create_user(name, password="pilot-password-1")
    now = timezone.now()
    IntegrationToken.objects.create(owner=user, status=status, status_message=message, connected_at=now - connected_ago)
    SyncSchedule.objects.create(owner=user, next_sync_at=now - due_ago if due_ago is not None else now + timedelta(hours=1))
    return user


def sync(user, status: str, finished_ago: timedelta | None = None, message: str = "") -> SyncJob:
    finished = timezone.now() - finished_ago if finished_ago is not None else None
    return SyncJob.objects.create(kind=sync_logbook_job.name, owner=user, status=status, message=message,
                                  guard_key=guard_key(sync_logbook_job.name, user.pk), finished_at=finished)


@pytest.fixture
def fleet(django_user_model):
    """Six pilots, one in each state the page shows."""
    fresh = pilot(django_user_model, "fresh")  # synced an hour ago: not due
    sync(fresh, JobStatus.SUCCEEDED, timedelta(hours=1))
    stale = pilot(django_user_model, "stale", due_ago=timedelta(days=2))  # its slot passed two days ago
    sync(stale, JobStatus.SUCCEEDED, timedelta(days=3))
    pilot(django_user_model, "never", connected_ago=timedelta(hours=5), due_ago=timedelta(hours=5))  # due since connecting
    running = pilot(django_user_model, "running")
    sync(running, JobStatus.RUNNING)
    broken = pilot(django_user_model, "broken")
    sync(broken, JobStatus.SUCCEEDED, timedelta(hours=2))
    sync(broken, JobStatus.FAILED, timedelta(minutes=5), message="MyFlightbook FlightsWithQueryAndOffset timed out")
    pilot(django_user_model, "gone", ConnectionStatus.NEEDS_RECONNECT, "The refresh token was revoked. Reconnect MyFlightbook.",
          due_ago=timedelta(days=4))  # past its slot, but a connection needing a reconnect is never due
    return {"stale": stale}


@pytest.mark.django_db
def test_the_overview_counts_each_state_once(fleet):
    overview = fleet_overview()
    assert (overview.connected, overview.needs_reconnect, overview.running, overview.queued) == (5, 1, 1, 0)
    # Due: "stale" (two days past its slot) and "never"; the others' slots are ahead, "gone" needs a reconnect.
    assert overview.due == 2
    assert overview.oldest_due_seconds == pytest.approx(timedelta(days=2).total_seconds(), abs=60)
    assert overview.failed == 1
    assert [(line.username, line.message) for line in overview.failed_pilots] == [
        ("broken", "MyFlightbook FlightsWithQueryAndOffset timed out")]
    assert [line.username for line in overview.reconnect_pilots] == ["gone"]


@pytest.mark.django_db
def test_nobody_due_reads_zero():
    overview = fleet_overview()
    assert (overview.connected, overview.due, overview.oldest_due_seconds) == (0, 0, None)


@pytest.mark.django_db
def test_the_page_is_for_staff_only(fleet, django_user_model):
    assert Client().get("/fleet/myflightbook/").status_code == 302  # to the login page
    pilot_browser = Client()
    pilot_browser.force_login(fleet["stale"])
    assert pilot_browser.get("/fleet/myflightbook/").status_code == 403
    staff = django_user_model.objects.create_user("ops", password="ops-password-1", is_staff=True)
    browser = Client()
    browser.force_login(staff)
    page = browser.get("/fleet/myflightbook/")
    assert page.status_code == 200
    html = page.content.decode()
    for name, number in {"connected": 5, "due": 2, "running": 1, "queued": 0, "failed": 1, "needs_reconnect": 1}.items():
        assert f'data-fleet="{name}"' in html and f">{number}</dd>" in html.split(f'data-fleet="{name}"', 1)[1][:80]
    assert "MyFlightbook FlightsWithQueryAndOffset timed out" in html and "The refresh token was revoked." in html
    scripts = re.findall(r"<script[^>]*>", html)
    assert all(" src=" in tag for tag in scripts), scripts  # no inline script: the CSP forbids them
    assert " style=" not in html and " onclick=" not in html


@pytest.mark.django_db(transaction=True)
@pytest.mark.browser
def test_the_page_fits_a_phone_and_a_desktop(live_server, browser_page, fleet, django_user_model):
    django_user_model.objects.create_user("ops", password="ops-password-1", is_staff=True)
    page = browser_page
    log_in(page, live_server, "ops", "ops-password-1", next_path="/fleet/myflightbook/")
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.reload()
        assert page.locator("h1").inner_text() == "MyFlightbook syncs"
        assert page.locator('[data-fleet="due"]').inner_text() == "2"
        assert page.locator("#fleet-failed li").count() == 1
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{overflow}px of horizontal overflow at {width}px"
