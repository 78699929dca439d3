"""Fixtures for the MyFlightbook tests: a running sandbox, settings pointing FlightBridge at it, and
logged-in browsers. A module that needs a differently built sandbox defines its own `sandbox` fixture."""

from __future__ import annotations

import dataclasses

import pytest
from django.test import Client

from flightbridge.myflightbook.sandbox import SandboxServer


@pytest.fixture
def sandbox():
    with SandboxServer(flights=40, seed=11) as server:
        yield server


@pytest.fixture
def canned_currency_sandbox():
    """A sandbox serving the canned currency items of every label and state (medical, §61.58, a glider's passenger
    privileges …) instead of computing them from its flights: only for tests about item kinds and labels the
    sandbox's port of MyFlightbook's currency does not compute from generated flights."""
    with SandboxServer(flights=40, seed=11, canned_currency=True) as server:
        yield server


@pytest.fixture
def mfb_settings(settings, sandbox):
    """FlightBridge configured for the sandbox, with no pacing delay (pacing has its own tests)."""
    settings.CONFIG = dataclasses.replace(
        settings.CONFIG, mfb_client_id=sandbox.client_id, mfb_client_secret=sandbox.client_secret,
        mfb_base_url=sandbox.url, mfb_min_call_interval_ms=0,
    )
    return settings


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
