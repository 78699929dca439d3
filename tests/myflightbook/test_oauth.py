"""The OAuth2 dialect against the sandbox's token endpoint: code exchange, refresh, MyFlightbook's error shapes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from flightbridge.errors import FatalError, NeedsReauth, TransientError
from flightbridge.myflightbook import oauth
from flightbridge.myflightbook.sandbox import SandboxServer

REDIRECT = "http://127.0.0.1:8000/api/integrations/myflightbook/callback"


@pytest.fixture(scope="module")
def sandbox():
    with SandboxServer(flights=5, seed=2) as server:
        yield server


def approve(sandbox, *, state="s1", decision="approve", redirect_uri=REDIRECT, scopes=oauth.READ_SCOPES):
    """Walk the sandbox's consent page like a browser; returns the callback's query."""
    url = oauth.authorization_url(sandbox.url, client_id=sandbox.client_id, redirect_uri=redirect_uri, state=state, scopes=scopes)
    page = httpx.get(url)
    assert page.status_code == 200 and "Approve" in page.text and "Retrieve flights in your account" in page.text
    answer = httpx.post(sandbox.url + "/logbook/mvc/oAuth/CommitAuth", data={
        "client_id": sandbox.client_id, "redirect_uri": redirect_uri, "scope": " ".join(scopes), "state": state, "decision": decision,
    })
    assert answer.status_code == 302
    location = answer.headers["location"]
    assert location.startswith(redirect_uri)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def exchange(sandbox, code, **overrides):
    options = {"code": code, "redirect_uri": REDIRECT, "client_id": sandbox.client_id, "client_secret": sandbox.client_secret}
    options.update(overrides)
    return oauth.exchange_code(sandbox.url, **options)


def test_authorization_url_carries_the_read_only_scopes_and_state():
    url = oauth.authorization_url("https://myflightbook.com/", client_id="fb", redirect_uri=REDIRECT, state="xyz")
    parts = urlsplit(url)
    assert parts.scheme == "https" and parts.netloc == "myflightbook.com" and parts.path == "/logbook/mvc/oAuth/Authorize"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query == {"response_type": "code", "client_id": "fb", "redirect_uri": REDIRECT,
                     "scope": "currency totals readflight readaircraft visited namedqueries", "state": "xyz"}


def test_code_exchange_gives_tokens_expiry_and_scopes(sandbox):
    query = approve(sandbox, state="abc")
    assert query["state"] == "abc"
    before = datetime.now(timezone.utc)
    grant = exchange(sandbox, query["code"])
    assert grant.access_token.startswith("sbx-at-") and grant.refresh_token.startswith("sbx-rt-")
    assert grant.scopes == oauth.READ_SCOPES
    assert before + timedelta(days=13, hours=23) < grant.expires_at <= datetime.now(timezone.utc) + timedelta(days=14)
    assert grant.access_token not in repr(grant) and grant.refresh_token not in repr(grant)


def test_deny_comes_back_as_human_text(sandbox):
    query = approve(sandbox, decision="deny", state="d1")
    assert query == {"error": "User did not authorize you", "state": "d1"}


def test_codes_are_single_use_and_invalid_grant_arrives_as_http_200(sandbox):
    code = approve(sandbox)["code"]
    exchange(sandbox, code)
    with pytest.raises(oauth.TokenEndpointError) as raised:
        exchange(sandbox, code)
    assert raised.value.error == "invalid_grant"
    assert "invalid_grant" in str(raised.value) and code not in str(raised.value)


def test_redirect_uri_must_match_the_authorize_step(sandbox):
    code = approve(sandbox)["code"]
    with pytest.raises(oauth.TokenEndpointError, match="invalid_grant"):
        exchange(sandbox, code, redirect_uri="http://127.0.0.1:8000/elsewhere")


def test_unknown_client_is_a_plain_text_400(sandbox):
    with pytest.raises(oauth.TokenEndpointError, match="HTTP 400") as raised:
        exchange(sandbox, "whatever", client_id="not-registered")
    assert raised.value.error == "http_400"
    assert sandbox.client_secret not in str(raised.value)


def test_refresh_takes_the_new_refresh_token(sandbox):
    # MyFlightbook (and so the sandbox, by default) sends a new refresh token with every answer.
    tokens = sandbox.issue_tokens()
    grant = oauth.refresh_grant(sandbox.url, refresh_token=tokens["refresh_token"], client_id=sandbox.client_id,
                                client_secret=sandbox.client_secret)
    assert grant.access_token != tokens["access_token"]
    assert grant.refresh_token != tokens["refresh_token"] and grant.refresh_token in sandbox.state.refresh_tokens


def test_refresh_keeps_the_spent_refresh_token_when_the_answer_has_none(sandbox):
    sandbox.set_faults(rotate_refresh_tokens=False)
    try:
        tokens = sandbox.issue_tokens()
        grant = oauth.refresh_grant(sandbox.url, refresh_token=tokens["refresh_token"], client_id=sandbox.client_id,
                                    client_secret=sandbox.client_secret)
        assert grant.access_token != tokens["access_token"] and grant.refresh_token == tokens["refresh_token"]
    finally:
        sandbox.set_faults(rotate_refresh_tokens=True)


def test_refresh_after_revoke_is_grant_revoked(sandbox):
    tokens = sandbox.issue_tokens()
    sandbox.revoke()
    with pytest.raises(NeedsReauth, match="reconnect"):
        oauth.refresh_grant(sandbox.url, refresh_token=tokens["refresh_token"], client_id=sandbox.client_id,
                            client_secret=sandbox.client_secret)


def test_token_endpoint_outage_and_network_failure_are_transient(sandbox):
    sandbox.set_faults(token_endpoint_down=True)
    try:
        with pytest.raises(TransientError, match="HTTP 503"):
            exchange(sandbox, "x")
    finally:
        sandbox.set_faults(token_endpoint_down=False)
    with pytest.raises(TransientError, match="Could not reach MyFlightbook"):
        oauth.exchange_code("http://127.0.0.1:9", code="x", redirect_uri=REDIRECT, client_id="a", client_secret="b")


def test_a_non_integer_expires_in_is_tolerated():
    def handler(request):
        return httpx.Response(200, json={"access_token": "a", "token_type": "bearer", "expires_in": "3600.0"})

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        grant = oauth.exchange_code("https://mfb.test", code="c", redirect_uri=REDIRECT, client_id="i", client_secret="s", http=http)
    assert grant.refresh_token == "" and grant.scopes == oauth.READ_SCOPES
    assert grant.expires_at < datetime.now(timezone.utc) + timedelta(seconds=3601)


def test_a_200_without_access_token_is_refused():
    with httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, text="<html>login</html>"))) as http:
        with pytest.raises(FatalError, match="no access token"):
            oauth.exchange_code("https://mfb.test", code="c", redirect_uri=REDIRECT, client_id="i", client_secret="s", http=http)


def test_the_form_carries_client_id_and_secret(sandbox):
    seen = {}

    def handler(request):
        seen.update({k: v[0] for k, v in parse_qs(request.content.decode()).items()})
        return httpx.Response(200, json={"access_token": "a", "refresh_token": "r", "expires_in": 60})

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        oauth.refresh_grant("https://mfb.test", refresh_token="r0", client_id="cid", client_secret="sec", http=http)
    assert seen == {"grant_type": "refresh_token", "refresh_token": "r0", "client_id": "cid", "client_secret": "sec"}
