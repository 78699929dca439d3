"""MyFlightbookClient against the sandbox over real HTTP: the whitelist, retries, token failures, parsing."""

from __future__ import annotations

import json
import logging
import time
from decimal import Decimal

import httpx
import pytest

from flightbridge.errors import BlockedCall, FatalError, NeedsReauth, TokenRejected, TransientError
from flightbridge.myflightbook.client import (
    READ_METHODS, WRITE_METHODS, MyFlightbookClient, StaticTokenProvider, classify_failure, parse_body,
)
from flightbridge.myflightbook.mapping import parse_mfb_date
from flightbridge.myflightbook.pacing import FileCallGate, LocalCallGate
from flightbridge.myflightbook.sandbox.server import BAD_SIGNATURE_TEXT, NOT_BASE64_TEXT
from tests.conftest import run_at_once
from flightbridge.myflightbook.sandbox import WRITE_METHODS as SANDBOX_WRITES
from flightbridge.myflightbook.sandbox import SandboxServer


@pytest.fixture(scope="module")
def sandbox():
    with SandboxServer(flights=30, seed=5) as server:
        yield server


@pytest.fixture
def fresh(sandbox):
    """Clean logs and faults for each test on the shared sandbox."""
    sandbox.set_faults(script=[], latency_ms=0, error_rate=0.0, timeout_rate=0.0)
    sandbox.calls.clear()
    sandbox.writes.clear()
    return sandbox


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


def make_client(sandbox, token=None, **options):
    token = token or sandbox.issue_tokens()["access_token"]
    options.setdefault("sleep", Sleeps())
    return MyFlightbookClient(sandbox.url, StaticTokenProvider(token), 0, backoff_base=0.01, **options)


class CountingProvider:
    """Issues sandbox tokens (for `scopes`, default all) and counts refreshes, like the stored provider does."""

    def __init__(self, sandbox, token, scopes=None):
        self.sandbox, self.token, self.scopes, self.refreshes = sandbox, token, scopes, 0

    def access_token(self):
        return self.token

    def refresh_after_rejection(self, rejected):
        self.refreshes += 1
        self.token = self.sandbox.issue_tokens(self.scopes)["access_token"]
        return self.token


# ---- the whitelist -------------------------------------------------------------------------------

BLOCKED_NAMES = sorted(set(WRITE_METHODS) | set(SANDBOX_WRITES)) + [
    "aircraftforuser", "AIRCRAFTFORUSER", "AircraftForUser/../AddAircraftForUser", "AircraftForUser ",
    " AircraftForUser", "Aircraft ForUser", "AddAircraftForUser?x=1", "AircraftMatchingPrefix", "PendingFlightsForUser",
    "CheckFlight", "AutofillFlight", "currency", "totals", "FlightPathForFlightGPX", "1", "0,1", "", "TotalsForUser",
]


@pytest.mark.parametrize("method", BLOCKED_NAMES)
def test_anything_but_a_whitelisted_read_is_blocked_before_any_io(fresh, method):
    class ExplodingProvider:
        def access_token(self):
            raise AssertionError("a token was read for a blocked call")

        refresh_after_rejection = access_token

    def no_network(request):
        raise AssertionError("a blocked call reached the network")

    client = MyFlightbookClient(fresh.url, ExplodingProvider(), 0, transport=httpx.MockTransport(no_network))
    with pytest.raises(BlockedCall) as raised:
        client.call(method)
    assert str(raised.value).startswith("BLOCKED:")
    assert isinstance(raised.value, FatalError)  # fatal: the run stops


@pytest.mark.parametrize("method", sorted(set(WRITE_METHODS) | set(SANDBOX_WRITES)))
def test_every_write_method_is_blocked_and_the_sandbox_records_no_call(fresh, method):
    client = make_client(fresh)
    with pytest.raises(BlockedCall, match=r"^BLOCKED:"):
        client.call(method, idFlight=1, le={"FlightID": -1}, szTail="N12345")
    assert fresh.writes == []
    assert fresh.calls == []


def test_the_sandbox_would_record_a_write_if_one_were_sent(fresh):
    # Proves the zero above means something: the sandbox does log writes that reach it.
    token = fresh.issue_tokens(("addflight",))["access_token"]
    httpx.post(fresh.url + "/logbook/mvc/oAuth/OAuthResource/DeleteLogbookEntry",
               data={"json": "1", "idFlight": "-5"}, headers={"Authorization": f"Bearer {token}"})
    assert [write["method"] for write in fresh.writes] == ["DeleteLogbookEntry"]


def test_the_whitelist_is_exactly_the_read_methods_of_the_issue():
    assert READ_METHODS == {
        "AircraftForUser", "FlightsWithQueryAndOffset", "GetCurrencyForUser", "TotalsForUserWithQuery", "VisitedAirports",
        "GetNamedQueries", "PropertiesForFlight", "AvailablePropertyTypesForUser", "FlightPathForFlight", "MakesAndModels",
        "ModelsWithIDs",
    }
    assert not READ_METHODS & set(WRITE_METHODS)


# ---- reads and parsing ---------------------------------------------------------------------------

def test_reads_return_parsed_json_with_decimal_scale(fresh):
    client = make_client(fresh)
    aircraft = client.call("AircraftForUser")
    assert [a["TailNumber"] for a in aircraft] == [a["TailNumber"] for a in fresh.account.aircraft]
    flights = client.call("FlightsWithQueryAndOffset", fq={}, offset=0, maxCount=5)
    assert [f["FlightID"] for f in flights] == [f["FlightID"] for f in fresh.account.flights[:5]]
    first = flights[0]
    assert isinstance(first["TotalFlightTime"], Decimal)
    assert str(first["TotalFlightTime"]) == str(fresh.account.flights[0]["TotalFlightTime"])  # e.g. "1.50", scale kept
    call = fresh.calls[-1]
    assert call["params"]["json"] == "1" and json.loads(call["params"]["fq"]) == {}
    assert call["params"]["offset"] == "0" and call["params"]["maxCount"] == "5"


def test_complex_arguments_travel_as_json_text_in_form_fields(fresh):
    client = make_client(fresh)
    day = fresh.account.flight_dates[fresh.account.flights[2]["FlightID"]]
    flights = client.call("FlightsWithQueryAndOffset", fq={"DateRange": 9, "DateMin": day, "DateMax": day}, offset=0, maxCount=50)
    assert flights and all(parse_mfb_date(f["Date"]) == day for f in flights)
    assert json.loads(fresh.calls[-1]["params"]["fq"])["DateMin"] == f"{day.isoformat()}T00:00:00"
    models = client.call("ModelsWithIDs", rgIDs=[1042])
    assert [m["ModelID"] for m in models] == [1042]


def test_empty_body_is_none(fresh):
    client = make_client(fresh)
    assert client.call("PropertiesForFlight", idFlight=1) is None  # not the pilot's flight: null → empty body
    assert parse_body("") is None and parse_body("  ") is None


# ---- transient failures --------------------------------------------------------------------------

@pytest.mark.parametrize("fault", ["5xx", "500", "drop", "truncated", "malformed"])
def test_transient_failures_are_retried_with_backoff(fresh, fault):
    fresh.set_faults(script=[fault, fault])
    sleeps = Sleeps()
    client = make_client(fresh, sleep=sleeps)
    assert len(client.call("AircraftForUser")) == len(fresh.account.aircraft)
    assert len(fresh.calls) == 3
    assert len(sleeps) == 2 and sleeps[1] >= sleeps[0] / 2  # exponential (with jitter), bounded


def test_timeouts_are_retried(fresh):
    fresh.set_faults(script=["timeout"], hang_seconds=1.0)
    client = make_client(fresh, timeout=0.2)
    assert client.call("GetCurrencyForUser")
    assert len(fresh.calls) == 2


def test_429_waits_for_retry_after(fresh):
    fresh.set_faults(script=["429"], retry_after=7)
    sleeps = Sleeps()
    client = make_client(fresh, sleep=sleeps)
    client.call("GetNamedQueries")
    assert sleeps == [7.0]


def test_retries_are_bounded_and_the_error_names_the_method(fresh):
    fresh.set_faults(script=["5xx"] * 10)
    sleeps = Sleeps()
    client = make_client(fresh, sleep=sleeps, max_attempts=3, backoff_max=0.05)
    with pytest.raises(TransientError, match=r"AircraftForUser.*503.*gave up after 3 attempts"):
        client.call("AircraftForUser")
    assert len(fresh.calls) == 3 and len(sleeps) == 2 and max(sleeps) <= 0.05


def test_a_business_error_fails_at_once_with_mfb_message(fresh):
    client = make_client(fresh)
    with pytest.raises(FatalError) as raised:
        client.call("FlightsWithQueryAndOffset", offset=0, maxCount=5)  # fq is required
    assert "FlightsWithQueryAndOffset" in str(raised.value)
    assert "Required parameter 'fq' missing" in str(raised.value)
    assert len(fresh.calls) == 1


# ---- token failures ------------------------------------------------------------------------------

@pytest.mark.parametrize("fault", ["token_500", "token_401"])
def test_a_token_failure_refreshes_once_and_retries(fresh, fault):
    fresh.set_faults(script=[fault])
    provider = CountingProvider(fresh, fresh.issue_tokens()["access_token"])
    client = MyFlightbookClient(fresh.url, provider, 0, sleep=Sleeps())
    assert client.call("AircraftForUser")
    assert provider.refreshes == 1 and len(fresh.calls) == 2


def test_an_expired_token_500_from_dnoa_refreshes(fresh):
    fresh.set_faults(token_lifetime=3600)
    expired = fresh.issue_tokens()["access_token"]
    fresh.expire_access_tokens()
    provider = CountingProvider(fresh, expired)
    client = MyFlightbookClient(fresh.url, provider, 0)
    assert client.call("VisitedAirports")
    assert provider.refreshes == 1
    assert fresh.calls[0]["status"] == 500 and fresh.calls[1]["status"] == 200


def test_a_second_rejection_after_refresh_needs_reauth(fresh):
    fresh.set_faults(script=["token_500", "token_500"])
    provider = CountingProvider(fresh, fresh.issue_tokens()["access_token"])
    client = MyFlightbookClient(fresh.url, provider, 0)
    with pytest.raises(NeedsReauth, match="reconnect"):
        client.call("AircraftForUser")
    assert provider.refreshes == 1 and len(fresh.calls) == 2


# Issue 12 changed this: a missing scope (401) is refreshed once like any refused token, then it is a
# reconnect naming the permission; before, it asked for a reconnect without refreshing.
def test_a_missing_scope_refreshes_once_then_asks_for_a_reconnect(fresh):
    token = fresh.issue_tokens(("readaircraft",))["access_token"]
    provider = CountingProvider(fresh, token, scopes=("readaircraft",))
    sleeps = Sleeps()
    with pytest.raises(NeedsReauth, match="lacks the 'readflight' permission") as raised:
        MyFlightbookClient(fresh.url, provider, 0, sleep=sleeps).call("FlightsWithQueryAndOffset", fq={}, offset=0, maxCount=1)
    assert not isinstance(raised.value, TokenRejected)  # what escapes is the final verdict, not "refresh me"
    assert provider.refreshes == 1 and sleeps == []
    assert [call["status"] for call in fresh.calls] == [401, 401]


def test_a_missing_scope_that_a_refresh_restores_goes_through(fresh):
    provider = CountingProvider(fresh, fresh.issue_tokens(("readaircraft",))["access_token"])  # the refresh brings every scope
    flights = MyFlightbookClient(fresh.url, provider, 0).call("FlightsWithQueryAndOffset", fq={}, offset=0, maxCount=1)
    assert len(flights) == 1 and provider.refreshes == 1
    assert [call["status"] for call in fresh.calls] == [401, 200]


# A foreign or altered token decodes but fails DNOA's signature check; one that is not Base-64 at all
# fails .NET's decoder first. Both are HTTP 500 on MyFlightbook, and both mean "refresh", not "retry".
@pytest.mark.parametrize("bad_token, text", [
    ("QW5vdGhlckFwcHNUb2tlbg-not-ours_x", BAD_SIGNATURE_TEXT),
    ("not base64 at all!", NOT_BASE64_TEXT),
])
def test_a_corrupt_or_foreign_token_refreshes_once_and_never_retries(fresh, bad_token, text):
    provider = CountingProvider(fresh, bad_token)
    sleeps = Sleeps()
    assert MyFlightbookClient(fresh.url, provider, 0, sleep=sleeps, max_attempts=4).call("AircraftForUser")
    assert provider.refreshes == 1 and sleeps == []
    assert [call["status"] for call in fresh.calls] == [500, 200]


class ForeignRefresh(CountingProvider):
    """A refresh that hands back another token this server never issued."""

    def refresh_after_rejection(self, rejected):
        self.refreshes += 1
        return "c3RpbGwtZm9yZWlnbg"


def test_a_token_refused_again_after_the_refresh_is_a_reconnect_not_a_retry(fresh):
    provider = ForeignRefresh(fresh, "QW5vdGhlckFwcHNUb2tlbg")
    sleeps = Sleeps()
    with pytest.raises(NeedsReauth, match=r"rejected again after a refresh \(Message signature was incorrect\.\)"):
        MyFlightbookClient(fresh.url, provider, 0, sleep=sleeps, max_attempts=4).call("AircraftForUser")
    assert provider.refreshes == 1 and sleeps == [] and len(fresh.calls) == 2


EXPIRED_TEXT = "The message expired at 11/20/2026 10:00:00 AM and it is now 11/21/2026 10:00:05 AM."


@pytest.mark.parametrize("status, text, kind, scope", [
    (500, EXPIRED_TEXT, TokenRejected, None),
    (500, BAD_SIGNATURE_TEXT, TokenRejected, None),
    (500, NOT_BASE64_TEXT, TokenRejected, None),
    (500, "Invalid length for a Base-64 char array or string.", TokenRejected, None),
    (500, "Missing access token.", TokenRejected, None),
    (401, "oAuth2 - Token has expired!", TokenRejected, None),
    (401, 'Requested action requires scope "readflight", which is not granted.', TokenRejected, "readflight"),
    (503, "Service Unavailable", TransientError, None),
    (500, "Object reference not set to an instance of an object.", TransientError, None),
    (500, "Required parameter 'fq' missing", FatalError, None),
    (500, "Requested value 'aircraftForUser' was not found.", FatalError, None),
    (400, "Bad Request", FatalError, None),
])
def test_failures_are_classified_in_the_errors_vocabulary(status, text, kind, scope):
    failure = classify_failure("AircraftForUser", status, text)
    assert type(failure) is kind
    assert str(failure).startswith("MyFlightbook AircraftForUser")
    assert getattr(failure, "scope", None) == scope


def test_a_429_is_transient_with_its_retry_after():
    failure = classify_failure("AircraftForUser", 429, "Too many requests", "7")
    assert isinstance(failure, TransientError) and failure.retry_after == 7.0


def test_the_token_never_appears_in_errors_or_logs(fresh, caplog):
    caplog.set_level(logging.DEBUG)
    token = fresh.issue_tokens()["access_token"]
    fresh.set_faults(script=["5xx", "token_500", "token_500"])
    client = make_client(fresh, token=token)
    with pytest.raises(NeedsReauth) as raised:
        client.call("AircraftForUser")
    assert token not in str(raised.value) and token not in repr(client) and token not in caplog.text
    assert token not in json.dumps(fresh.calls)  # the sandbox's log holds no token either


# ---- pacing --------------------------------------------------------------------------------------

def _gaps(calls):
    times = sorted(call["at"] for call in calls)
    return [b - a for a, b in zip(times, times[1:])]


def test_calls_are_spaced_by_the_interval_in_one_process(fresh):
    client = MyFlightbookClient(fresh.url, StaticTokenProvider(fresh.issue_tokens()["access_token"]), 60,
                                gate=LocalCallGate(60))
    for _ in range(4):
        client.call("GetNamedQueries")
    assert len(fresh.calls) == 4 and min(_gaps(fresh.calls)) >= 0.060


def test_file_gate_spaces_threads_sharing_one_account(fresh, tmp_path):
    token = fresh.issue_tokens()["access_token"]

    def worker():
        client = MyFlightbookClient(fresh.url, StaticTokenProvider(token), 50, gate=FileCallGate(tmp_path / "pace.lock", 50))
        for _ in range(3):
            client.call("GetNamedQueries")

    started = time.monotonic()
    run_at_once(2, worker)
    assert len(fresh.calls) == 6 and min(_gaps(fresh.calls)) >= 0.050
    assert time.monotonic() - started >= 5 * 0.050
