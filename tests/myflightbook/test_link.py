"""Linking MyFlightbook end to end: the API routes, the sandbox's consent page over real HTTP, disconnecting."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from flightbridge.errors import FatalError, NeedsReauth
from flightbridge.jobs.models import JobStatus, SyncJob
from flightbridge.myflightbook import link, oauth
from flightbridge.myflightbook.models import ConnectionStatus, IntegrationToken, OAuthState
from flightbridge.myflightbook.tokens import client_for
from tests.conftest import log_in
from tests.myflightbook.link_steps import CALLBACK, connect, consent, flash, start

pytestmark = pytest.mark.django_db


# ---- the round trip ------------------------------------------------------------------------------

def test_authorize_redirects_to_mfb_with_read_scopes_and_a_bound_state(browser, user, mfb_settings, sandbox):
    location = start(browser)
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}" == sandbox.url and parts.path == "/logbook/mvc/oAuth/Authorize"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["response_type"] == "code" and query["client_id"] == sandbox.client_id
    assert query["redirect_uri"] == "http://127.0.0.1:8000/api/integrations/myflightbook/callback"
    assert query["scope"] == "currency totals readflight readaircraft visited namedqueries"
    assert len(query["state"]) >= 32
    row = OAuthState.objects.get()
    assert row.owner == user and query["state"] not in row.state_hash  # only its hash is stored
    assert timedelta(minutes=9) < row.expires_at - timezone.now() <= timedelta(minutes=10)


def test_approve_stores_sealed_tokens_and_queues_the_first_sync(browser, api, user, mfb_settings, sandbox):
    assert api.get("/api/integrations/myflightbook").json()["status"] == "disconnected"
    response, _ = connect(browser, sandbox)
    assert response.status_code == 302 and response["Location"] == "/logbook/"
    assert any("connected" in message for message in flash(response))
    row = IntegrationToken.objects.get(owner=user)
    issued = list(sandbox.state.access_tokens)
    assert row.get_secret("access_token").reveal() == issued[-1]
    assert row.get_secret("refresh_token").reveal() in sandbox.state.refresh_tokens
    assert issued[-1] not in row.access_token  # the column holds ciphertext only
    assert row.scope_list == list(oauth.READ_SCOPES) and row.status == ConnectionStatus.CONNECTED
    assert row.expires_at > timezone.now() + timedelta(days=13)
    job = SyncJob.objects.get(kind="myflightbook.sync", owner=user)
    assert job.status == JobStatus.QUEUED
    status = api.get("/api/integrations/myflightbook").json()
    assert status["status"] == "connected" and status["scopes"] == list(oauth.READ_SCOPES)
    assert status["connected_at"] and status["base_url"] == sandbox.url
    assert OAuthState.objects.count() == 0  # the state was burnt


def test_deny_shows_mfb_text_and_stores_nothing(browser, user, mfb_settings, sandbox):
    response, _ = connect(browser, sandbox, decision="deny")
    assert response.status_code == 302 and response["Location"] == "/logbook/"
    assert flash(response) == ["MyFlightbook did not connect: User did not authorize you"]
    assert not IntegrationToken.objects.exists() and not SyncJob.objects.filter(kind="myflightbook.sync").exists()


def test_a_replayed_callback_is_refused_and_changes_nothing(browser, user, mfb_settings, sandbox):
    first, callback = connect(browser, sandbox)
    stored = IntegrationToken.objects.get(owner=user).access_token
    again = browser.get(callback)
    assert any("already used" in message for message in flash(again))
    assert IntegrationToken.objects.get(owner=user).access_token == stored
    assert len(sandbox.state.token_requests) == 1  # the code was not even tried again


def test_an_expired_state_is_refused(browser, mfb_settings, sandbox):
    callback = consent(sandbox, start(browser))
    OAuthState.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = browser.get(callback)
    assert any("expired" in message for message in flash(response))
    assert not IntegrationToken.objects.exists() and not sandbox.state.token_requests


def test_another_users_state_is_refused_and_stays_usable_for_its_owner(browser, other_browser, user, other_user, mfb_settings, sandbox):
    callback = consent(sandbox, start(browser))
    stolen = other_browser.get(callback)
    assert any("another FlightBridge user" in message for message in flash(stolen))
    assert not IntegrationToken.objects.exists()
    mine = browser.get(callback)
    assert any("connected" in message for message in flash(mine))
    assert IntegrationToken.objects.filter(owner=user).exists() and not IntegrationToken.objects.filter(owner=other_user).exists()


@pytest.mark.parametrize("query", ["code=abc", "code=abc&state=forged-state-value", "state=", ""])
def test_missing_or_unknown_state_stores_nothing(browser, mfb_settings, sandbox, query):
    response = browser.get(f"{CALLBACK}?{query}")
    assert response.status_code == 302
    message = flash(response)[0]
    assert "no state" in message or "unknown" in message
    assert not IntegrationToken.objects.exists()


def test_token_endpoint_invalid_grant_shows_a_message_and_stores_nothing(browser, mfb_settings, sandbox):
    callback = consent(sandbox, start(browser))
    code = parse_qs(urlsplit(callback).query)["code"][0]
    oauth.exchange_code(sandbox.url, code=code, redirect_uri=link.redirect_uri(), client_id=sandbox.client_id,
                        client_secret=sandbox.client_secret)  # someone used the code first
    response = browser.get(callback)
    assert flash(response) == ["MyFlightbook refused the sign-in: invalid_grant Start connecting again."]
    assert not IntegrationToken.objects.exists() and not SyncJob.objects.exists()


def test_a_network_failure_during_exchange_shows_a_message(browser, settings, mfb_settings, sandbox):
    callback = consent(sandbox, start(browser))
    settings.CONFIG = dataclasses.replace(settings.CONFIG, mfb_base_url="http://127.0.0.1:9")
    response = browser.get(callback)
    assert response.status_code == 302
    assert any("Could not finish connecting" in message for message in flash(response))
    assert not IntegrationToken.objects.exists()


def test_not_configured_status_and_authorize(browser, api, user, settings):
    settings.CONFIG = dataclasses.replace(settings.CONFIG, mfb_client_id="", mfb_client_secret="")
    status = api.get("/api/integrations/myflightbook").json()
    assert status["status"] == "not_configured" and "MFB_CLIENT_ID" in status["message"]
    response = browser.get("/api/integrations/myflightbook/authorize")
    assert response.status_code == 302 and response["Location"] == "/logbook/"
    assert any("not configured" in message for message in flash(response))
    assert not OAuthState.objects.exists()
    with pytest.raises(FatalError, match="not configured"):
        client_for(user)


def test_routes_need_a_login(mfb_settings):
    anonymous = Client()
    assert anonymous.get("/api/integrations/myflightbook").status_code == 401
    assert anonymous.get("/api/integrations/myflightbook/authorize").status_code == 401
    assert anonymous.get(CALLBACK + "?code=a&state=b").status_code == 401


# ---- disconnect ----------------------------------------------------------------------------------

def test_disconnect_deletes_the_row_and_reconnecting_works(browser, api, user, mfb_settings, sandbox):
    connect(browser, sandbox)
    assert IntegrationToken.objects.filter(owner=user).count() == 1
    response = api.post("/api/integrations/myflightbook/disconnect")
    assert response.status_code == 200 and response.json()["status"] == "disconnected"
    assert not IntegrationToken.objects.filter(owner=user).exists()
    with pytest.raises(NeedsReauth, match="not connected"):
        client_for(user)
    connect(browser, sandbox)
    assert IntegrationToken.objects.get(owner=user).status == ConnectionStatus.CONNECTED


def test_the_card_disconnect_form(browser, user, mfb_settings, sandbox):
    connect(browser, sandbox)
    response = browser.post("/logbook/myflightbook/disconnect/")
    assert response.status_code == 302 and not IntegrationToken.objects.exists()
    assert any("disconnected" in message for message in flash(response))


def test_the_panel_shows_the_connection(browser, user, mfb_settings, sandbox):
    page = browser.get("/logbook/").content.decode()
    assert "Connect MyFlightbook" in page and "/api/integrations/myflightbook/authorize" in page
    connect(browser, sandbox)
    page = browser.get("/logbook/").content.decode()
    assert 'data-mfb-status="connected"' in page and "Disconnect" in page


def test_the_panel_explains_a_missing_configuration(browser, settings):
    settings.CONFIG = dataclasses.replace(settings.CONFIG, mfb_client_id="", mfb_client_secret="")
    page = browser.get("/logbook/").content.decode()
    assert 'data-mfb-status="not_configured"' in page and "MFB_CLIENT_ID" in page and "MFB_CLIENT_SECRET" in page


@pytest.mark.django_db(transaction=True)
@pytest.mark.browser
def test_connect_and_disconnect_in_chromium(live_server, browser_page, django_user_model, settings, sandbox):
    settings.PUBLIC_URL = live_server.url
    settings.CONFIG = dataclasses.replace(settings.CONFIG, mfb_client_id=sandbox.client_id,
                                          mfb_client_secret=sandbox.client_secret, mfb_base_url=sandbox.url)
    django_user_model.objects.create_user(username="pilot", password="pilot-password-1")
    page = browser_page
    log_in(page, live_server, "pilot", "pilot-password-1")
    page.click("#mfb-connect")
    page.wait_for_url(f"{sandbox.url}/logbook/mvc/oAuth/Authorize*")
    page.click("#approve")
    page.wait_for_url(f"{live_server.url}/logbook/")
    assert page.locator("#myflightbook-card").get_attribute("data-mfb-status") == "connected"
    assert "MyFlightbook is connected" in page.locator(".messages").inner_text()
    page.click("#mfb-disconnect button[type=submit]")
    page.wait_for_url(f"{live_server.url}/logbook/")
    assert page.locator("#myflightbook-card").get_attribute("data-mfb-status") == "disconnected"
    assert not IntegrationToken.objects.exists()
