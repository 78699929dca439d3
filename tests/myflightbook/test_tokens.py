"""The stored connection: token refresh and rotation, needs-reconnect, secrets kept out of sight, and the
refresh lock and call pacing across threads and processes."""

from __future__ import annotations

import logging
import subprocess
import sys
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from flightbridge.errors import NeedsReauth
from flightbridge.logbook.models import ImportStatus, LogbookImport
from flightbridge.myflightbook import oauth
from flightbridge.myflightbook.models import ConnectionStatus, IntegrationToken
from flightbridge.myflightbook.sync import sync_user
from flightbridge.myflightbook.tokens import LinkedAccount, StoredTokenProvider, client_for, store_grant
from flightbridge.registry.fake import FakeRegistry
from tests.conftest import REPO_ROOT, child_env, run_at_once
from tests.myflightbook.link_steps import connect, token_grants

pytestmark = pytest.mark.django_db


# ---- token lifecycle -----------------------------------------------------------------------------

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
    # Issue 12: MyFlightbook sends a new refresh token with every answer; the newest is stored.
    assert after.get_secret("refresh_token").reveal() not in (old_refresh, "")
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


def test_every_refresh_stores_the_newest_refresh_token(browser, user, mfb_settings, sandbox):
    connect(browser, sandbox)
    seen = [IntegrationToken.objects.get(owner=user).get_secret("refresh_token").reveal()]
    for _ in range(2):
        sandbox.expire_access_tokens()
        client_for(user).call("AircraftForUser")
        seen.append(IntegrationToken.objects.get(owner=user).get_secret("refresh_token").reveal())
    assert len(set(seen)) == 3 and all(token in sandbox.state.refresh_tokens for token in seen)
    assert len(token_grants(sandbox, "refresh_token")) == 2
    # The spent ones still work on MyFlightbook; we simply never need them again.
    assert oauth.refresh_grant(sandbox.url, refresh_token=seen[0], client_id=sandbox.client_id,
                               client_secret=sandbox.client_secret).access_token


def test_a_reconnect_stores_the_new_grants_refresh_token(browser, user, mfb_settings, sandbox):
    connect(browser, sandbox)
    first = IntegrationToken.objects.get(owner=user).get_secret("refresh_token").reveal()
    connect(browser, sandbox)
    row = IntegrationToken.objects.get(owner=user)
    assert row.get_secret("refresh_token").reveal() not in (first, "")
    assert row.get_secret("refresh_token").reveal() == list(sandbox.state.refresh_tokens)[-1]


def test_a_refresh_without_a_refresh_token_in_the_answer_keeps_the_spent_one(browser, user, mfb_settings, sandbox):
    sandbox.set_faults(rotate_refresh_tokens=False)
    connect(browser, sandbox)
    old_refresh = IntegrationToken.objects.get(owner=user).get_secret("refresh_token").reveal()
    sandbox.expire_access_tokens()
    client_for(user).call("AircraftForUser")
    assert IntegrationToken.objects.get(owner=user).get_secret("refresh_token").reveal() == old_refresh


@pytest.mark.parametrize("bad_token", ["QW5vdGhlckFwcHNUb2tlbg-not-ours_x", "not base64 at all!"])
def test_a_corrupt_stored_token_is_refreshed_once_and_replaced(browser, user, mfb_settings, sandbox, bad_token):
    connect(browser, sandbox)
    row = IntegrationToken.objects.get(owner=user)
    row.set_secret("access_token", bad_token)  # e.g. a token from another MyFlightbook client
    row.save()
    assert client_for(user).call("AircraftForUser")
    assert [c["status"] for c in sandbox.calls] == [500, 200] and len(token_grants(sandbox, "refresh_token")) == 1
    assert IntegrationToken.objects.get(owner=user).get_secret("access_token").reveal() in sandbox.state.access_tokens


def test_a_token_refused_after_its_refresh_marks_the_connection_for_a_reconnect(user, mfb_settings, sandbox):
    row = stored_connection(user, sandbox)
    sandbox.set_faults(script=["token_500", "token_500"])
    with pytest.raises(NeedsReauth, match="rejected again after a refresh"):
        sync_user(user, LinkedAccount(user), lookup=FakeRegistry())
    assert len(token_grants(sandbox, "refresh_token")) == 1 and len(sandbox.calls) == 2  # no transient retries
    row.refresh_from_db()
    assert row.status == ConnectionStatus.NEEDS_RECONNECT and "Reconnect MyFlightbook" in row.status_message
    run = LogbookImport.objects.get(owner=user)
    assert run.status == ImportStatus.FAILED and run.message == row.status_message


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


# ---- across threads and processes ----------------------------------------------------------------

def stored_connection(user, sandbox, *, expires_in=timedelta(days=1)) -> IntegrationToken:
    """A connection stored the one way every token response is stored, with the expiry we want."""
    body = {**sandbox.issue_tokens(), "expires_in": int(expires_in.total_seconds())}
    return store_grant(user.pk, oauth.grant_from_response(body), connected=True)


@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_spend_the_refresh_token_once(user, mfb_settings, sandbox):
    row = stored_connection(user, sandbox, expires_in=timedelta(seconds=10))
    results = run_at_once(3, lambda: StoredTokenProvider(row.pk).access_token())
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
