"""Issue 22: the new surfaces probed as an attacker would, each finding reproduced and refused.

Exports, CSV reading and staged uploads have their own tests (tests/logger/test_api.py,
tests/interchange/test_reading.py, tests/core/test_staging.py, tests/core/test_heavy_requests.py); here
are the findings about the server as a whole.
"""

from __future__ import annotations

import http.client
import json
import socket
from urllib.parse import urlsplit

import pytest

from flightbridge.accounts.services import create_token


@pytest.mark.django_db(transaction=True)
def test_a_chunked_body_gets_411_not_a_misleading_422(live_server, user):
    """A real HTTP server hands Django a chunked body with no Content-Length; Django read it as empty and the
    route answered 422 "body: Field required"."""
    _row, token = create_token(user.username)
    address = urlsplit(live_server.url)
    for path, content_type in (("/api/imports/logger", "application/json"), ("/logbook/import/logger/", "text/plain")):
        payload = json.dumps({"link": "loggerapp://import/add?package=%7B%7D"}).encode()
        # One sendall of the whole request: the server answers without reading the body, and a client still
        # sending would meet a closed socket (BrokenPipeError) instead of the answer.
        request = (f"POST {path} HTTP/1.1\r\nHost: {address.netloc}\r\nAuthorization: Bearer {token}\r\n"
                   f"Content-Type: {content_type}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n").encode()
        request += f"{len(payload):x}\r\n".encode() + payload + b"\r\n0\r\n\r\n"
        with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
            sock.sendall(request)
            response = http.client.HTTPResponse(sock)
            response.begin()
            text = response.read().decode()
        assert response.status == 411, (path, response.status, text[:300])
        assert "Content-Length" in text and "chunked" in text
        if path.startswith("/api/"):
            assert response.getheader("Content-Type") == "application/problem+json"
            assert json.loads(text)["title"] == "Length required"


# --- registry loads: short transactions, caps, progress -------------------------------------------------


def _pilot_write_without_waiting(user, results: list) -> None:
    """A pilot's write from another connection that refuses to wait for the write lock: it succeeds only if
    nobody holds the lock right now."""
    from datetime import date

    from django.db import connection, transaction

    from flightbridge.logbook.models import Flight

    try:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA busy_timeout = 0")
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '1ms'")
            Flight.objects.create(owner=user, date=date(2026, 1, 2), departure="KPAO", source="manual")
        results.append("written")
    except Exception as exc:  # the finding: "database is locked"
        results.append(f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_registry_load_lets_pilots_write_between_its_batches(tmp_path, user, monkeypatch):
    """Issue 22: a registry file under every cap held SQLite's write lock for minutes in one transaction;
    pilots' writes answered 500 "database is locked" after 30 s. Now each batch is its own short transaction."""
    import threading

    from flightbridge.registry import sample, services
    from flightbridge.registry.models import RegistryAircraft, RegistryGeneration

    path = sample.synthetic_registry(tmp_path / "registry.zip", 3_000, models=50)
    monkeypatch.setattr(services, "PROGRESS_EVERY", 500)
    results: list[str] = []
    said: list[str] = []

    def progress(message: str) -> None:
        said.append(message)
        writer = threading.Thread(target=_pilot_write_without_waiting, args=(user, results))
        writer.start()
        writer.join(30)

    report = services.load_registry(path, batch_size=500, progress=progress)
    assert report.aircraft == 3_000 and RegistryAircraft.objects.count() == 3_000
    assert said[:2] == ["MASTER.txt: 500 rows stored so far, 0 skipped", "MASTER.txt: 1,000 rows stored so far, 0 skipped"]
    assert said[-1] == "MASTER.txt: 3,000 rows stored"
    assert len(results) == len(said) >= 6 and set(results) == {"written"}, results
    assert RegistryGeneration.objects.get().is_current


@pytest.mark.django_db(transaction=True)
def test_a_token_read_never_fails_for_its_last_used_at(user):
    """The `last_used_at` touch waited 30 s for the lock and then failed the GET with a 500."""
    import threading

    from django.db import connection, transaction

    from flightbridge.accounts.models import ApiToken
    from tests.conftest import token_client

    api = token_client(user)
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock():
        try:
            with transaction.atomic():  # IMMEDIATE on SQLite: the write lock; the row's lock on PostgreSQL
                ApiToken.objects.select_for_update().filter(user=user).update(name="held")
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert holding.wait(30)
        response = api.get("/api/flights")
        assert response.status_code == 200 and response.json()["count"] == 0
    finally:
        release.set()
        holder.join(30)
    assert ApiToken.objects.get(user=user).last_used_at is None  # skipped, not waited for; the next read records it
    assert api.get("/api/flights").status_code == 200 and ApiToken.objects.get(user=user).last_used_at is not None


def _registry_zip(path, master_lines: list[str]):
    import zipfile

    from flightbridge.registry import sample

    with zipfile.ZipFile(sample.SAMPLE_PATH) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.upper() == "MASTER.TXT":
                header = data.decode("utf-8-sig").splitlines()[0]
                data = ("\n".join([header, *master_lines]) + "\n").encode()
            target.writestr(info, data)
    return path


@pytest.mark.django_db(transaction=True)
def test_a_registry_of_empty_lines_stops_at_the_line_cap_and_leaves_the_current_one(tmp_path, settings):
    from flightbridge.errors import FatalError
    from flightbridge.registry import sample, services
    from flightbridge.registry.models import RegistryAircraft, RegistryGeneration

    current = services.load_registry(sample.SAMPLE_PATH)
    rows = RegistryAircraft.objects.count()
    settings.FLIGHTBRIDGE_REGISTRY_MAX_LINES = 50_000
    empty = _registry_zip(tmp_path / "empty-lines.zip", [""] * 200_000)
    with pytest.raises(FatalError, match="MASTER.txt has more than 50,000 lines .FLIGHTBRIDGE_REGISTRY_MAX_LINES."):
        services.load_registry(empty)
    settings.FLIGHTBRIDGE_REGISTRY_MAX_LINES = 3_000_000
    settings.FLIGHTBRIDGE_REGISTRY_MAX_SECONDS = 0
    with pytest.raises(FatalError, match="ran longer than 0 s .FLIGHTBRIDGE_REGISTRY_MAX_SECONDS. and stopped at line 10,000"):
        services.load_registry(empty)
    # Nothing of the failed loads is left, and the registry pilots see is the one before.
    assert list(RegistryGeneration.objects.values_list("id", "is_current")) == [(current.generation_id, True)]
    assert RegistryAircraft.objects.count() == rows
