"""Fixtures for aircraft model sync: an in-process model source sandbox and data sources pointing at it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from flightbridge.fleet import client as client_module
from flightbridge.fleet.models import DataSourceConfig
from flightbridge.fleet.sandbox import ModelSourceSandbox
from tests.conftest import token_client

SANDBOX_KEY = "sandbox-key-7f3a9c1e5b"


@pytest.fixture(autouse=True)
def _no_retry_waits(monkeypatch):
    # Retries stay on (they are part of the behaviour); only the waits between them go.
    monkeypatch.setattr(client_module, "RETRY_DELAYS", (0.0, 0.0))


@pytest.fixture
def sandbox():
    with ModelSourceSandbox(models=30, api_key=SANDBOX_KEY) as running:
        yield running


@pytest.fixture
def make_sandbox():
    started: list[ModelSourceSandbox] = []

    def make(**options) -> ModelSourceSandbox:
        options.setdefault("api_key", SANDBOX_KEY if options.get("auth_type") != "none" else "")
        running = ModelSourceSandbox(**options).start()
        started.append(running)
        return running

    yield make
    for running in started:
        running.stop()


def make_source(name: str, endpoint: str, *, api_key: str | None = SANDBOX_KEY, **fields) -> DataSourceConfig:
    source = DataSourceConfig(name=name, endpoint=endpoint, **fields)
    if api_key:
        source.set_secret("api_key", api_key)
    source.save()
    return source


@pytest.fixture
def source(sandbox):
    return make_source("Type Catalog", sandbox.url)


def grant(user, *codenames: str):
    """Give a user permissions by codename (`view_synclog`) and return a fresh copy (permission cache)."""
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(content_type__app_label="fleet", codename=codename))
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser(username="ops", password="ops-password-1", email="")


@pytest.fixture
def admin_api(admin_user):
    return token_client(admin_user)
