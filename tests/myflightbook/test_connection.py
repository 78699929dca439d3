"""The connection end to end: the API routes, the sandbox over real HTTP, stored tokens and their lifecycle."""

from __future__ import annotations

import dataclasses
import logging
import subprocess
import sys
import threading
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from flightbridge.errors import FatalError, NeedsReauth
from flightbridge.jobs.models import JobStatus, SyncJob
from flightbridge.myflightbook import connection, oauth
from flightbridge.myflightbook.connection import StoredTokenProvider, client_for
from flightbridge.myflightbook.models import ConnectionStatus, IntegrationToken, OAuthState
from tests.conftest import REPO_ROOT, child_env, log_in
from tests.myflightbook.mfb_connection_fixtures import ensure_sync_handler, mfb_settings, sandbox  # noqa: F401

pytestmark = pytest.mark.django_db

CALLBACK = "/api/integrations/myflightbook/callback"


@pytest.fixture(autouse=True)
def _sync_handler():
    ensure_sync_handler()


@pytest.fixture
def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def other_browser(other_user) -> Client:
    client = Client()
    client.force_login(other_user)
    return client


def consent(sandbox, authorize_location: str, decision: str = "approve") -> str:
    """Play the pilot on the sandbox's consent page over HTTP; returns the local callback path + query."""
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_location).query).items()}
    page = httpx.get(authorize_location)
    assert page.status_code == 200 and "id='approve'" in page.text
    answer = httpx.post(sandbox.url + "/logbook/mvc/oAuth/CommitAuth", data={**query, "decision": decision})
    assert answer.status_code == 302, answer.text
    callback = urlsplit(answer.headers["location"])
    assert f"{callback.scheme}://{callback.netloc}{callback.path}" == "http://127.0.0.1:8000" + CALLBACK
    return f"{callback.path}?{callback.query}"


def start(browser) -> str:
    response = browser.get("/api/integrations/myflightbook/authorize")
    assert response.status_code == 302
    return response["Location"]


def connect(browser, sandbox, decision: str = "approve"):
    callback = consent(sandbox, start(browser), decision)
    return browser.get(callback), callback


def flash(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


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
    oauth.exchange_code(sandbox.url, code=code, redirect_uri=connection.redirect_uri(), client_id=sandbox.client_id,
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


# ---- token lifecycle -----------------------------------------------------------------------------

def token_grants(sandbox, grant_type):
    return [r for r in sandbox.state.token_requests if r["grant_type"] == grant_type]


def test_refresh_before_expiry_with_leeway(browser, user, mfb_settings, sandbox):
    sandbox.set_faults(token_lifetime=45)  # inside the 60 s leeway: must refresh before the first call
    connect(browser, sandbox)
    before = IntegrationToken.objects.get(owner=user)
    old_access, old_refresh = before.get_secret("access_token").reveal(), before.get_secret("refresh_token").reveal()
    sandbox.set_faults(token_lifetime=3600)
    assert client_for(user).call("AircraftForUser")
    after = IntegrationToken.objects.get(owner=user)
    assert len(token_grants(sandbox, "refresh_token")) == 1
    assert after.get_secret("access_token").reveal() not in (old_access, "")
    assert after.get_secret("refresh_token").reveal() == old_refresh  # not rotated: kept
    assert after.refreshed_at is not None and after.expires_at > timezone.now() + timedelta(minutes=59)
    assert [c["status"] for c in sandbox.calls] == [200]  # no call was made with the stale token


def test_refresh_once_on_a_token_500_then_retry(browser, user, mfb_settings, sandbox):
    connect(browser, sandbox)
    old = IntegrationToken.objects.get(owner=user).get_secret("access_token").reveal()
    sandbox.set_faults(script=["token_500"])
    assert client_for(user).call("GetCurrencyForUser")
    assert len(token_grants(sandbox, "refresh_token")) == 1
    assert [c["status"] for c in sandbox.calls] == [500, 200]
    assert IntegrationToken.objects.get(owner=user).get_secret("access_token").reveal() != old


def test_a_real_expiry_500_refreshes_too(browser, user, mfb_settings, sandbox):
    connect(browser, sandbox)
    sandbox.expire_access_tokens()  # our record still says 14 days: only MyFlightbook's 500 tells
    assert client_for(user).call("AircraftForUser")
    assert len(token_grants(sandbox, "refresh_token")) == 1


def test_a_rotated_refresh_token_is_saved(browser, user, mfb_settings, sandbox):
    sandbox.set_faults(rotate_refresh_tokens=True)
    connect(browser, sandbox)
    old_refresh = IntegrationToken.objects.get(owner=user).get_secret("refresh_token").reveal()
    sandbox.expire_access_tokens()
    client_for(user).call("AircraftForUser")
    new_refresh = IntegrationToken.objects.get(owner=user).get_secret("refresh_token").reveal()
    assert new_refresh != old_refresh and new_refresh in sandbox.state.refresh_tokens


def test_invalid_grant_means_needs_reconnect_and_no_blind_retries(browser, api, user, mfb_settings, sandbox):
    connect(browser, sandbox)
    sandbox.revoke()
    with pytest.raises(NeedsReauth, match="reconnect"):
        client_for(user).call("AircraftForUser")
    row = IntegrationToken.objects.get(owner=user)
    assert row.status == ConnectionStatus.NEEDS_RECONNECT and "revoked" in row.status_message
    status = api.get("/api/integrations/myflightbook").json()
    assert status["status"] == "needs_reconnect" and "reconnect" in status["message"]
    calls, token_requests = len(sandbox.calls), len(sandbox.state.token_requests)
    with pytest.raises(NeedsReauth):
        client_for(user)
    assert (len(sandbox.calls), len(sandbox.state.token_requests)) == (calls, token_requests)
    connect(browser, sandbox)  # reconnecting heals it
    assert IntegrationToken.objects.get(owner=user).status == ConnectionStatus.CONNECTED
    assert client_for(user).call("GetNamedQueries") is not None


def test_no_refresh_token_means_needs_reconnect(browser, user, mfb_settings, sandbox):
    connect(browser, sandbox)
    row = IntegrationToken.objects.get(owner=user)
    row.set_secret("refresh_token", None)
    row.expires_at = timezone.now() - timedelta(minutes=1)
    row.save()
    with pytest.raises(NeedsReauth, match="no refresh token"):
        client_for(user).call("AircraftForUser")
    assert IntegrationToken.objects.get(owner=user).status == ConnectionStatus.NEEDS_RECONNECT
    assert not sandbox.calls


def test_tokens_never_reach_logs_or_responses(browser, api, user, mfb_settings, sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    response, callback = connect(browser, sandbox)
    code = parse_qs(urlsplit(callback).query)["code"][0]
    sandbox.expire_access_tokens()
    client = client_for(user)
    client.call("AircraftForUser")
    sandbox.revoke()
    with pytest.raises(NeedsReauth) as raised:
        client_for(user).call("AircraftForUser")
    secrets_seen = set(sandbox.state.access_tokens) | set(sandbox.state.refresh_tokens) | {code, sandbox.client_secret}
    row = IntegrationToken.objects.get(owner=user)
    bodies = [api.get("/api/integrations/myflightbook").content.decode(), response.content.decode(),
              api.post("/api/integrations/myflightbook/disconnect").content.decode()]
    for secret in secrets_seen:
        assert secret not in caplog.text
        assert secret not in str(raised.value)
        assert secret not in repr(row) and secret not in str(row) and secret not in repr(client.tokens)
        assert all(secret not in body for body in bodies)


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


# ---- across threads and processes ----------------------------------------------------------------

def stored_connection(user, sandbox, *, expires_in=timedelta(days=1)) -> IntegrationToken:
    tokens = sandbox.issue_tokens()
    row = IntegrationToken(owner=user, scopes=" ".join(oauth.READ_SCOPES), expires_at=timezone.now() + expires_in)
    row.set_secret("access_token", tokens["access_token"])
    row.set_secret("refresh_token", tokens["refresh_token"])
    row.save()
    return row


@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_spend_the_refresh_token_once(user, mfb_settings, sandbox):
    row = stored_connection(user, sandbox, expires_in=timedelta(seconds=10))
    results, errors = [], []

    def refresh():
        from django.db import connection as db

        try:
            results.append(StoredTokenProvider(row.pk).access_token())
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=refresh) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(token_grants(sandbox, "refresh_token")) == 1
    assert len(set(results)) == 1 and results[0] == IntegrationToken.objects.get(pk=row.pk).get_secret("access_token").reveal()


@pytest.mark.django_db(transaction=True)
@pytest.mark.multiprocess
def test_two_processes_on_one_account_keep_the_interval(user, sandbox):
    stored_connection(user, sandbox)
    interval_ms = 100
    env = child_env(MFB_CLIENT_ID=sandbox.client_id, MFB_CLIENT_SECRET=sandbox.client_secret, MFB_BASE_URL=sandbox.url,
                    MFB_MIN_CALL_INTERVAL_MS=str(interval_ms))
    children = [
        subprocess.Popen([sys.executable, "-m", "tests.myflightbook.pacing_child", str(user.pk), "5"], env=env, cwd=REPO_ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(2)
    ]
    outputs = [child.communicate(timeout=60)[0] for child in children]
    assert [child.returncode for child in children] == [0, 0], outputs
    times = sorted(call["at"] for call in sandbox.calls if call["method"] == "GetNamedQueries")
    assert len(times) == 10
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    assert min(gaps) >= interval_ms / 1000, gaps


@pytest.mark.django_db(transaction=True)
@pytest.mark.browser
def test_connect_and_disconnect_in_chromium(live_server, browser_page, django_user_model, settings, sandbox):
    ensure_sync_handler()
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
