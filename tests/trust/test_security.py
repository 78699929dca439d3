"""Secrets stay secret, pilots stay apart, MyFlightbook is never written to.

- A full MyFlightbook sync (with a token refresh mid-run and a revoke on the next one) and an aircraft
  model sync with an API key run with every logger at DEBUG; every log line (as emitted, before any
  redaction filter), every response of the routes a pilot and an operator use, and a dump of every
  database row are searched for each access token, refresh token, the client secret and the API key.
- Every /api/ operation that takes an id or acts on a pilot's data is called by one pilot against
  another pilot's objects: 404 (or 403) and nothing of the other pilot changes. The list is built
  from the OpenAPI schema, so a new route fails here until it is classified.
- OAuth state replay and another user's state are refused: tests/myflightbook/test_link.py
  (test_a_replayed_callback_is_refused_and_changes_nothing,
  test_another_users_state_is_refused_and_stays_usable_for_its_owner).
- The write log shared by every sandbox of the run (tests/conftest.py checks it at the end).
"""

from __future__ import annotations

import io
import json
import logging
import re
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal

import httpx
import pytest
from django.core.management import call_command
from django.utils import timezone

from flightbridge.api import api as ninja_api
from flightbridge.fleet.models import AircraftModel, DataSourceConfig, SyncLog
from flightbridge.fleet.sandbox import ModelSourceSandbox
from flightbridge.jobs.models import SyncJob
from flightbridge.logbook.models import CurrencyRecord, Flight, LogbookImport, LogbookTotal, UserAircraft
from flightbridge.myflightbook.models import IntegrationToken
from flightbridge.myflightbook.sandbox import SandboxServer
from flightbridge.myflightbook.sandbox.fake import connect_to_sandbox
from flightbridge.myflightbook.sandbox.server import WRITE_LOG, read_write_log
from tests.conftest import REPO_ROOT, body, child_env, token_client, wait_for
from tests.fleet.conftest import make_source
from tests.trust.conftest import CLIENT_SECRET, at_flight_page, not_registered

FLEET_KEY = "trust-fleet-api-key-0e7b51c2f9"
LOGGERS = ("", "flightbridge", "httpx", "httpcore", "huey", "django", "django.request", "django.db.backends")


class Everything(logging.Handler):
    """Keeps every record's full text (message, arguments, traceback) as it was emitted."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self._format = logging.Formatter("%(name)s %(levelname)s %(message)s")

    def emit(self, record):
        self.lines.append(self._format.format(record))


@pytest.fixture
def every_log_line():
    from django.db import connection

    connection.force_debug_cursor = True  # log SQL with its parameters, as DEBUG=True would
    handler = Everything()
    root = logging.getLogger()
    saved = {name: logging.getLogger(name).level for name in LOGGERS}
    root.addHandler(handler)
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield handler.lines
    connection.force_debug_cursor = False
    root.removeHandler(handler)
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def grep(haystack: str, secrets: set[str]) -> list[str]:
    return sorted(secret for secret in secrets if secret and secret in haystack)


@pytest.mark.django_db
def test_no_secret_reaches_a_log_line_a_response_or_a_row(user, api, admin_user, settings, drain_jobs, every_log_line,
                                                          monkeypatch, client):
    monkeypatch.setattr("flightbridge.myflightbook.sync.default_lookup", not_registered)
    responses: list[str] = []
    with SandboxServer(flights=180, seed=23, client_secret=CLIENT_SECRET) as mfb:
        connect_to_sandbox(user, mfb, settings)
        # Sync 1 refreshes its token mid-run; sync 2 meets a revoked grant.
        at_flight_page(mfb, 2, mfb.expire_access_tokens)
        first = api.post("/api/integrations/myflightbook/sync").json()["id"]
        drain_jobs()
        issued = set(mfb.state.access_tokens) | set(mfb.state.refresh_tokens)
        at_flight_page(mfb, 3, mfb.revoke)
        # A full sync, so there is a third page to meet the revoke on (a second sync is quick by default).
        second = api.post("/api/integrations/myflightbook/sync?full=true").json()["id"]
        drain_jobs()
        issued |= set(mfb.state.refresh_tokens)
        assert SyncJob.objects.get(pk=first).status == "succeeded"
        assert SyncJob.objects.get(pk=second).error == "needs_reauth"
        assert len(issued) >= 3 and [r["grant_type"] for r in mfb.state.token_requests] == ["refresh_token"] * 2
        pilot_routes = ["/api/integrations/myflightbook", f"/api/jobs/{first}", f"/api/jobs/{second}", "/api/jobs",
                        "/api/imports", "/api/flights", "/api/flights/summary", "/api/aircraft", "/api/currency",
                        "/api/totals", "/api/exports/logger"]
        pilot_routes += [f"/api/imports/{pk}" for pk in LogbookImport.objects.values_list("pk", flat=True)]
        for route in pilot_routes:
            response = api.get(route)
            assert response.status_code == 200, (route, response.status_code)
            responses.append(body(response).decode())
        client.force_login(user)
        for page in ("/logbook/", "/logbook/imports/"):
            response = client.get(page)
            assert response.status_code == 200, page
            responses.append(response.content.decode())

    with ModelSourceSandbox(models=12, api_key=FLEET_KEY) as catalog:
        source = make_source("Secret Catalog", catalog.url, api_key=FLEET_KEY)
        admin = token_client(admin_user)
        for call in (lambda: admin.post(f"/api/data-sources/{source.pk}/test"),
                     lambda: admin.post(f"/api/data-sources/{source.pk}/preview"),
                     lambda: admin.post(f"/api/data-sources/{source.pk}/sync")):
            response = call()
            assert response.status_code < 300, response.content
            responses.append(response.content.decode())
        drain_jobs()
        assert AircraftModel.objects.filter(external_data_source="Secret Catalog").count() == 12
        for route in ("/api/data-sources", f"/api/data-sources/{source.pk}", "/api/aircraft-model-sync/status",
                      "/api/aircraft-model-sync/logs", "/api/aircraft-model-sync/errors", "/api/aircraft-models",
                      "/api/jobs"):
            response = admin.get(route)
            assert response.status_code == 200, route
            responses.append(response.content.decode())

    secrets = issued | {CLIENT_SECRET, FLEET_KEY}
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)  # every row of every table; sealed columns hold only ciphertext
    # DEBUG really was on: the HTTP client's wire events, the sandbox, the sync, and every SQL statement.
    for name in ("httpcore", "httpx", "flightbridge.myflightbook", "django.db.backends"):
        assert any(line.startswith(name) for line in every_log_line), name
    assert grep("\n".join(every_log_line), secrets) == []
    assert grep("\n".join(responses), secrets) == []
    assert grep(dump.getvalue(), secrets) == []
    # The rows that carry text for people, one by one, to be sure the dump had them.
    stored = [*SyncJob.objects.values_list("message", "error", "result", "progress", "params"),
              *LogbookImport.objects.values_list("message", "reasons", "details"),
              *IntegrationToken.objects.values_list("status_message", "scopes", "account_name"),
              *DataSourceConfig.objects.values_list("last_sync_message", "name", "endpoint"),
              *SyncLog.objects.values_list("error", "changes")]
    assert grep(json.dumps(stored, default=str), secrets) == []
    assert "Reconnect MyFlightbook" in IntegrationToken.objects.get(owner=user).status_message


# ------------------------------------------------------------------------------------- isolation

def schema_operations():
    for path, item in ninja_api.get_openapi_schema()["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method, path, operation


def has_path_id(operation) -> bool:
    return any(parameter.get("in") == "path" for parameter in operation.get("parameters", []))


#: Routes with an id in the path: the other pilot's object each is tried against, and what it must answer.
OWNED_BY_ID = {
    ("get", "/api/flights/{flight_id}"): "flight",
    ("get", "/api/imports/{import_id}"): "import",
    ("post", "/api/imports/{import_id}/revert"): "import",
    ("post", "/api/imports/{import_id}/take-myflightbook"): "import",
    ("get", "/api/jobs/{job_id}"): "job",
    ("get", "/api/exports/{job_id}/file"): "job",
    ("get", "/api/aircraft/{aircraft_id}"): "aircraft",
    ("patch", "/api/aircraft/{aircraft_id}"): "aircraft",
}
#: Shared catalog objects: a pilot without the operator's permissions may not change (or read) them.
CATALOG_BY_ID = {
    ("get", "/api/aircraft-models/{model_id}"): "model",
    ("put", "/api/aircraft-models/{model_id}"): "model",
    ("patch", "/api/aircraft-models/{model_id}"): "model",
    ("post", "/api/aircraft-models/{model_id}/sync"): "model",
    ("get", "/api/data-sources/{source_id}"): "source",
    ("put", "/api/data-sources/{source_id}"): "source",
    ("patch", "/api/data-sources/{source_id}"): "source",
    ("delete", "/api/data-sources/{source_id}"): "source",
    ("post", "/api/data-sources/{source_id}/test"): "source",
    ("post", "/api/data-sources/{source_id}/preview"): "source",
    ("post", "/api/data-sources/{source_id}/sync"): "source",
}
#: Public FAA reference data, nobody's: the id is a tail number or an airport code.
PUBLIC_BY_ID = {("get", "/api/registry/{tail}"), ("get", "/api/airports/{code}")}
#: Routes without an id that read or act on "my" data: they must never show or touch the other pilot's.
MINE = {
    ("get", "/api/flights"), ("get", "/api/flights/summary"), ("get", "/api/aircraft"), ("get", "/api/imports"),
    ("get", "/api/jobs"), ("get", "/api/currency"), ("get", "/api/totals"), ("get", "/api/integrations/myflightbook"),
    ("post", "/api/integrations/myflightbook/disconnect"), ("post", "/api/integrations/myflightbook/sync"),
    ("get", "/api/integrations/myflightbook/authorize"), ("get", "/api/exports/logger"), ("post", "/api/imports/logger"),
    ("get", "/api/aircraft/flown"), ("post", "/api/aircraft"), ("get", "/api/flights/by-category-class"),
}
MARKER = "bob-private-7d31"


@pytest.fixture
def bobs_things(other_user):
    """One of everything a pilot owns, for the other pilot (bob), each carrying MARKER where it has text."""
    run = LogbookImport.objects.create(owner=other_user, source="logger", message=MARKER, imported=1)
    flight = Flight.objects.create(owner=other_user, date=date(2025, 3, 4), departure="KBOB", destination="KBOS",
                                   total_flight_time=Decimal("1.5"), remarks=MARKER, import_batch=run,
                                   external_id="logger:bob-1", source="logger")
    LogbookImport.objects.filter(pk=run.pk).update(status="completed", finished_at=timezone.now() + timedelta(seconds=5))
    aircraft = UserAircraft.objects.create(owner=other_user, registration="N0BOB", model=MARKER, manual=True)
    job = SyncJob.objects.create(kind="myflightbook.sync", owner=other_user, guard_key=f"bob|{other_user.pk}",
                                 status="succeeded", message=MARKER)
    token = IntegrationToken(owner=other_user, scopes="readflight", account_name=MARKER,
                             expires_at=timezone.now() + timedelta(days=14))
    token.set_secret("access_token", "bob-access-token-1f2e")
    token.set_secret("refresh_token", "bob-refresh-token-3d4c")
    token.save()
    CurrencyRecord.objects.create(owner=other_user, source="myflightbook", label=MARKER, kind="flight_review",
                                  status="CURRENT")
    LogbookTotal.objects.create(owner=other_user, source="myflightbook", period="lifetime", dimension="OTHER",
                                key="bob", description=MARKER, value=Decimal("1"), unit="count")
    model = AircraftModel.objects.create(name=MARKER, manufacturer="Bobcraft", model_number="B-1")
    source = DataSourceConfig(name="Bob's catalog", endpoint="http://127.0.0.1:9/models")
    source.save()
    return {"flight": flight.pk, "import": run.pk, "job": job.pk, "token": token.pk, "model": model.pk, "source": source.pk,
            "aircraft": aircraft.pk}


def snapshot(other_user) -> list:
    """Everything of bob's that a request could change."""
    return [
        sorted(Flight.objects.filter(owner=other_user).values_list("pk", "remarks", "updated_at")),
        sorted(LogbookImport.objects.filter(owner=other_user).values_list("pk", "status", "message")),
        sorted(SyncJob.objects.filter(owner=other_user).values_list("pk", "status", "message")),
        sorted(IntegrationToken.objects.filter(owner=other_user).values_list("pk", "status", "access_token", "updated_at")),
        sorted(UserAircraft.objects.filter(owner=other_user).values_list("pk", "registration", "aircraft_model", "updated_at")),
        sorted(CurrencyRecord.objects.filter(owner=other_user).values_list("pk", "label")),
        sorted(AircraftModel.objects.values_list("pk", "name", "updated_at")),
        sorted(DataSourceConfig.objects.values_list("pk", "name", "status", "updated_at")),
    ]


def call(client, method: str, url: str):
    body = {"name": "changed", "manufacturer": "x", "model_number": "y", "endpoint": "http://127.0.0.1:9/x"}
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def test_every_route_with_an_id_or_my_data_is_classified():
    seen = set()
    for method, path, operation in schema_operations():
        key = (method, path)
        if has_path_id(operation):
            assert key in OWNED_BY_ID or key in CATALOG_BY_ID or key in PUBLIC_BY_ID, f"classify {method.upper()} {path}"
        seen.add(key)
    assert set(OWNED_BY_ID) | set(CATALOG_BY_ID) | PUBLIC_BY_ID | MINE <= seen  # no stale entries


@pytest.mark.django_db
@pytest.mark.parametrize("method, path", sorted(OWNED_BY_ID.items() | CATALOG_BY_ID.items()))
def test_a_pilot_cannot_reach_another_pilots_object_by_id(method, path, api, bobs_things, other_user):
    method, path = method
    kind = (OWNED_BY_ID | CATALOG_BY_ID)[(method, path)]
    url = re.sub(r"\{[^}]+\}", str(bobs_things[kind]), path)
    before = snapshot(other_user)
    response = call(api, method, url)
    expected = (404,) if (method, path) in OWNED_BY_ID else (403, 404)
    assert response.status_code in expected, (method, url, response.status_code, response.content[:300])
    assert MARKER not in response.content.decode()
    assert snapshot(other_user) == before


@pytest.mark.django_db
@pytest.mark.parametrize("method, path", sorted(MINE))
def test_my_data_routes_never_show_or_touch_another_pilots(method, path, api, bobs_things, other_user, settings):
    before = snapshot(other_user)
    response = call(api, method, path) if path != "/api/imports/logger" else api.post(
        path, data=json.dumps({"metadata": {"appName": "x", "appVersion": "1", "isUTC": True}, "entries": []}),
        content_type="application/json")
    assert response.status_code < 500, (path, response.status_code)
    text = body(response).decode()
    assert MARKER not in text and "N0BOB" not in text and "KBOB" not in text
    assert "bob-access-token" not in text and "bob-refresh-token" not in text
    assert snapshot(other_user) == before


# ------------------------------------------------------------------------------------- no writes

def test_the_suite_wide_write_log_sees_writes_from_every_process(tmp_path):
    """The session check in tests/conftest.py is only as good as this log: a write sent to a sandbox in this
    process and to one in a child process both land in it (this test is the one allowed to send them)."""
    before = len(read_write_log())
    with SandboxServer(flights=5, seed=3) as mfb:
        token = mfb.issue_tokens(("addflight",))["access_token"]
        httpx.post(mfb.url + "/logbook/mvc/oAuth/OAuthResource/DeleteLogbookEntry",
                   data={"json": "1", "idFlight": "-5"}, headers={"Authorization": f"Bearer {token}"})
    assert WRITE_LOG[-1]["method"] == "DeleteLogbookEntry"

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    child = subprocess.Popen([sys.executable, "-m", "flightbridge", "mfb_sandbox", "--port", str(port), "--flights", "5"],
                             env=child_env(), cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"

        def up():
            try:
                return httpx.get(url + "/sandbox/state", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(up, 60, message="the sandbox child to listen")
        # No token needed: a write method is logged on arrival, before the token is checked.
        httpx.post(url + "/logbook/mvc/oAuth/OAuthResource/AddAircraftForUser", data={"json": "1"})
    finally:
        child.terminate()
        child.wait(timeout=20)
    entries = read_write_log()[before:]
    assert [entry["method"] for entry in entries] == ["DeleteLogbookEntry", "AddAircraftForUser"]
    assert entries[0]["pid"] != entries[1]["pid"]
    assert {entry["test"] for entry in entries} == {
        "tests/trust/test_security.py::test_the_suite_wide_write_log_sees_writes_from_every_process"}
