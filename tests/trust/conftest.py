"""Fixtures for the trust tests: a few-thousand-flight sandbox account, a pilot connected to it, fault
injection at an exact page of a running sync, and the checks every fault test ends with (each
MyFlightbook FlightID stored exactly once, nothing else, and the runs in a true final state)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import date
from typing import Callable

import pytest

from flightbridge.logbook.models import Flight
from flightbridge.myflightbook import oauth, tokens
from flightbridge.myflightbook.models import IntegrationToken
from flightbridge.myflightbook.sandbox import SandboxServer
from flightbridge.myflightbook.sandbox.fake import connect_to_sandbox
from flightbridge.registry.interfaces import RegistryLookup

FLIGHTS = 2000
PAGE = 50
TODAY = date(2026, 8, 20)
# Distinctive secrets, so a grep for them cannot match anything by accident.
CLIENT_SECRET = "trust-client-secret-5c1e9a77d2"
FLIGHT_PAGE = "FlightsWithQueryAndOffset"


def not_registered(tail: str) -> RegistryLookup:
    """No FAA registry in these tests: every aircraft is skipped with a reason; flights are what counts."""
    return RegistryLookup(query=tail, is_us_registration=True, found=False)


@pytest.fixture
def mfb():
    with SandboxServer(flights=FLIGHTS, seed=11, today=TODAY, client_secret=CLIENT_SECRET) as server:
        yield server


@pytest.fixture
def connected(user, settings, mfb):
    """`user` connected to the sandbox with pacing off."""
    return connect_to_sandbox(user, mfb, settings)


@pytest.fixture
def fast_retries(monkeypatch):
    """The real client, retry policy and all, with millisecond backoff and a short timeout.

    The sync's `LinkedAccount` asks `tokens.client_for` for its client; only the waits change here.
    """
    original = tokens.client_for

    def quick(user, **options):
        options.setdefault("backoff_base", 0.001)
        options.setdefault("backoff_max", 0.002)
        options.setdefault("timeout", 0.25)
        return original(user, **options)

    monkeypatch.setattr(tokens, "client_for", quick)
    monkeypatch.setattr("flightbridge.myflightbook.sync.default_lookup", not_registered)


def flight_pages_served(server: SandboxServer) -> int:
    return sum(1 for call in server.calls if call["method"] == FLIGHT_PAGE)


def at_flight_page(server: SandboxServer, page: int, action: Callable[[], None]) -> None:
    """Run `action` once, when the sandbox is first asked for flight page `page` (1-based, by offset).

    It runs after that request passed the token check and before its fault is drawn: a scripted
    fault set by `action` hits this very request (and its retries); an expiry or revoke hits the
    next request. The client calls one at a time (pacing off, no prefetch), so the newest logged
    call is the one being answered.
    """
    state = server.state
    original = state.next_fault
    fired = []
    offset = str((page - 1) * PAGE)

    def next_fault():
        current = state.calls[-1]
        if not fired and current["method"] == FLIGHT_PAGE and current["params"].get("offset") == offset:
            fired.append(page)
            action()
        return original()

    state.next_fault = next_fault


def expected_ids(server: SandboxServer) -> set[str]:
    return {f"mfb:{record['FlightID']}" for record in server.account.flights}


def stored_ids(user) -> Counter:
    return Counter(Flight.objects.filter(owner=user).values_list("external_id", flat=True))


def assert_none_duplicated(user, server: SandboxServer) -> Counter:
    """Every stored flight is one of the sandbox's, each at most once. Returns the stored ids."""
    stored = stored_ids(user)
    repeated = {key: count for key, count in stored.items() if count > 1}
    assert not repeated, f"duplicated flights: {list(repeated.items())[:5]}"
    assert set(stored) <= expected_ids(server), f"unknown flights stored: {sorted(set(stored) - expected_ids(server))[:5]}"
    return stored


def assert_complete(user, server: SandboxServer) -> None:
    """No flight lost, none duplicated: every FlightID exactly once."""
    stored = assert_none_duplicated(user, server)
    missing = expected_ids(server) - set(stored)
    assert not missing, f"{len(missing)} flights lost, e.g. {sorted(missing)[:5]}"
    assert sum(stored.values()) == len(server.account.flights)


def reconnect(user, server: SandboxServer) -> IntegrationToken:
    """What the pilot does after a revoke: approve FlightBridge again (a fresh grant on the same row)."""
    assert IntegrationToken.objects.filter(owner=user).exists()
    return tokens.store_grant(user.pk, oauth.grant_from_response(server.issue_tokens()), connected=True)


def sandbox_env(server: SandboxServer, **extra: str) -> dict[str, str]:
    """Environment for a child process (a worker) that talks to `server`."""
    return {"MFB_CLIENT_ID": server.client_id, "MFB_CLIENT_SECRET": server.client_secret, "MFB_BASE_URL": server.url,
            "MFB_MIN_CALL_INTERVAL_MS": "0", **extra}


def replace_config(settings, **values) -> None:
    settings.CONFIG = dataclasses.replace(settings.CONFIG, **values)
