"""Fixtures for the connection tests: a running sandbox and settings pointing FlightBridge at it.

Import the fixtures into a test module (`from tests.myflightbook.mfb_connection_fixtures import *`).
"""

from __future__ import annotations

import dataclasses

import pytest

from flightbridge.myflightbook.sandbox import SandboxServer

__all__ = ["sandbox", "mfb_settings", "ensure_sync_handler"]


@pytest.fixture
def sandbox():
    with SandboxServer(flights=40, seed=11) as server:
        yield server


@pytest.fixture
def mfb_settings(settings, sandbox):
    """FlightBridge configured for the sandbox, with no pacing delay (pacing has its own tests)."""
    settings.CONFIG = dataclasses.replace(
        settings.CONFIG, mfb_client_id=sandbox.client_id, mfb_client_secret=sandbox.client_secret,
        mfb_base_url=sandbox.url, mfb_min_call_interval_ms=0,
    )
    return settings


def ensure_sync_handler() -> None:
    """The sync job kind, if the sync app has not registered it in this process (test-only stand-in)."""
    import importlib

    from flightbridge.jobs.services import handler_for, job_handler
    from flightbridge.myflightbook.connection import SYNC_JOB_KIND

    try:
        importlib.import_module("flightbridge.myflightbook.tasks")
    except ModuleNotFoundError:
        pass
    try:
        handler_for(SYNC_JOB_KIND)
    except LookupError:
        job_handler(SYNC_JOB_KIND)(lambda context: {"message": "test stand-in"})
