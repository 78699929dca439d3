"""The sandbox's tokens behave like MyFlightbook's by default (reference §5, §8; issue 12): refresh tokens
rotate while the old ones stay valid, refused tokens get DNOA's own texts as HTTP 500, a missing scope is
a 401, and the method name is resolved (case-sensitively) before the token is looked at."""

from __future__ import annotations

import re

import httpx
import pytest

from flightbridge.myflightbook.sandbox import SandboxServer
from flightbridge.myflightbook.sandbox.server import BAD_SIGNATURE_TEXT, NOT_BASE64_TEXT

RESOURCE = "/logbook/mvc/oAuth/OAuthResource/"
TOKEN = "/logbook/mvc/oAuth/OAuthToken"


@pytest.fixture
def sandbox():
    with SandboxServer(flights=10, seed=3) as server:
        yield server


def call(sandbox, method, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.post(sandbox.url + RESOURCE + method, data={"json": "1"}, headers=headers)


def refresh(sandbox, refresh_token):
    return httpx.post(sandbox.url + TOKEN, data={"grant_type": "refresh_token", "refresh_token": refresh_token,
                                                 "client_id": sandbox.client_id, "client_secret": sandbox.client_secret}).json()


def test_every_refresh_brings_a_new_refresh_token_and_the_old_ones_keep_working(sandbox):
    first = sandbox.issue_tokens()
    second = refresh(sandbox, first["refresh_token"])
    assert second["refresh_token"].startswith("sbx-rt-") and second["refresh_token"] != first["refresh_token"]
    third = refresh(sandbox, second["refresh_token"])
    assert third["refresh_token"] not in (first["refresh_token"], second["refresh_token"])
    again = refresh(sandbox, first["refresh_token"])  # the oldest one: only the grant is checked
    assert "error" not in again and again["access_token"] != third["access_token"]
    assert call(sandbox, "AircraftForUser", again["access_token"]).status_code == 200


def test_the_first_grant_carries_a_refresh_token_too(sandbox):
    grant = sandbox.issue_tokens()
    assert grant["refresh_token"].startswith("sbx-rt-") and grant["token_type"] == "bearer"


def test_a_revoked_grant_refuses_every_refresh_token_it_ever_issued(sandbox):
    first = sandbox.issue_tokens()
    second = refresh(sandbox, first["refresh_token"])
    sandbox.revoke()
    assert refresh(sandbox, first["refresh_token"]) == {"error": "invalid_grant"}
    assert refresh(sandbox, second["refresh_token"]) == {"error": "invalid_grant"}


def test_without_rotation_the_refresh_answer_leaves_the_refresh_token_out(sandbox):
    sandbox.set_faults(rotate_refresh_tokens=False)
    answer = refresh(sandbox, sandbox.issue_tokens()["refresh_token"])
    assert "refresh_token" not in answer and answer["access_token"].startswith("sbx-at-")


def test_an_expired_token_is_a_500_with_dnoas_expiry_text(sandbox):
    token = sandbox.issue_tokens()["access_token"]
    sandbox.expire_access_tokens()
    answer = call(sandbox, "AircraftForUser", token)
    assert answer.status_code == 500 and answer.headers["content-type"].startswith("text/plain")
    assert re.fullmatch(r"Error: The message expired at [\d/]+ [\d:]+ and it is now [\d/]+ [\d:]+\.\r\n", answer.text)


def test_a_foreign_token_is_a_500_message_signature_was_incorrect(sandbox):
    answer = call(sandbox, "AircraftForUser", "QW5vdGhlckFwcHNUb2tlbg-not-ours_x")
    assert (answer.status_code, answer.text) == (500, f"Error: {BAD_SIGNATURE_TEXT}\r\n")
    assert BAD_SIGNATURE_TEXT == "Message signature was incorrect."


def test_a_token_that_is_not_base64_is_a_500_format_exception(sandbox):
    answer = call(sandbox, "AircraftForUser", "not base64 at all!")
    assert (answer.status_code, answer.text) == (500, f"Error: {NOT_BASE64_TEXT}\r\n")
    assert NOT_BASE64_TEXT.startswith("The input is not a valid Base-64 string")


def test_a_missing_scope_is_a_401_naming_it(sandbox):
    limited = sandbox.issue_tokens(("readaircraft",))["access_token"]
    answer = call(sandbox, "FlightsWithQueryAndOffset", limited)
    assert (answer.status_code, answer.text) == (
        401, 'Error: Requested action requires scope "readflight", which is not granted.\r\n')


@pytest.mark.parametrize("token", [None, "not base64 at all!", "QW5vdGhlckFwcHNUb2tlbg"])
def test_the_method_name_is_checked_before_the_token(sandbox, token):
    # Enum.Parse runs first: an unknown (or wrongly cased) method is "not found" whatever the token.
    for method in ("NoSuchMethod", "aircraftForUser", "AIRCRAFTFORUSER"):
        answer = call(sandbox, method, token)
        assert (answer.status_code, answer.text) == (500, f"Error: Requested value '{method}' was not found.\r\n")
    known = call(sandbox, "AircraftForUser", token)
    assert known.status_code == 500 and "was not found" not in known.text  # now the token is the problem


def test_the_exact_method_name_with_a_good_token_answers(sandbox):
    token = sandbox.issue_tokens()["access_token"]
    assert call(sandbox, "AircraftForUser", token).status_code == 200
    assert call(sandbox, "aircraftforuser", token).status_code == 500
