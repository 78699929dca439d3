"""Cross-process locks and call pacing for one MyFlightbook connection.

Several web processes and workers may share one pilot's connection. Two things must then hold
across processes: only one of them refreshes the token at a time (a refresh may rotate the refresh
token, and two racing refreshes would each throw away what the other saved), and consecutive calls
to MyFlightbook for one account stay at least `MFB_MIN_CALL_INTERVAL_MS` apart.

PostgreSQL gives us session advisory locks that hold across machines; on SQLite (one machine by
definition) a `flock` on a file in the data directory does the same without holding SQLite's single
write lock while we wait on the network. Nothing here ever touches a token.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Protocol


def _advisory_key(name: str) -> int:
    return int.from_bytes(hashlib.blake2b(f"flightbridge.myflightbook|{name}".encode(), digest_size=8).digest(), "big", signed=True)


@contextmanager
def file_lock(path: Path) -> Iterator[int]:
    """An exclusive `flock` on `path` (created if missing); yields the open descriptor."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


@contextmanager
def postgres_lock(name: str) -> Iterator[None]:
    """A session-level PostgreSQL advisory lock: survives the caller's transactions, released on exit."""
    from django.db import connection

    key = _advisory_key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [key])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def lock_dir() -> Path:
    from django.conf import settings

    return Path(settings.DATA_DIR) / "locks"


@contextmanager
def connection_lock(name: str) -> Iterator[None]:
    """Mutual exclusion across processes for `name`, using whatever the configured database offers."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with postgres_lock(name):
            yield
    else:
        with file_lock(lock_dir() / f"{name}.lock"):
            yield


class CallGate(Protocol):
    """Spaces calls: `with gate.turn(): <one HTTP request>`."""

    def turn(self): ...


class LocalCallGate:
    """Pacing inside one process (threads); the default for a client built by hand."""

    def __init__(self, min_interval_ms: int):
        self.interval = max(0, min_interval_ms) / 1000
        self._lock = threading.Lock()
        self._last_end = 0.0

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self._lock:
            wait = self._last_end + self.interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                yield
            finally:
                self._last_end = time.monotonic()


class FileCallGate:
    """Pacing across processes on one machine: a `flock` held for the call, the last call's end in the file.

    The next call may start `interval` after the previous one *ended*, so the gap MyFlightbook sees
    between two requests is at least the interval whatever the network delays were.
    """

    def __init__(self, path: Path, min_interval_ms: int):
        self.path = path
        self.interval = max(0, min_interval_ms) / 1000

    @contextmanager
    def turn(self) -> Iterator[None]:
        with file_lock(self.path) as fd:
            raw = os.pread(fd, 64, 0).decode(errors="ignore").strip()
            try:
                last_end = float(raw) if raw else 0.0
            except ValueError:  # a torn write from a killed process: start afresh
                last_end = 0.0
            wait = last_end + self.interval - time.time()
            if wait > 0:
                time.sleep(min(wait, self.interval))
            try:
                yield
            finally:
                stamp = f"{time.time():.6f}".encode()
                os.ftruncate(fd, 0)
                os.pwrite(fd, stamp, 0)


class PostgresCallGate:
    """Pacing across processes and machines sharing a PostgreSQL database.

    The advisory lock is held through the call and through the interval after it, so whoever takes
    it next may call at once. No table is needed, and nothing depends on the caller's transaction.
    """

    def __init__(self, name: str, min_interval_ms: int):
        self.name = name
        self.interval = max(0, min_interval_ms) / 1000

    @contextmanager
    def turn(self) -> Iterator[None]:
        with postgres_lock(f"pace|{self.name}"):
            try:
                yield
            finally:
                time.sleep(self.interval)


def gate_for(name: str, min_interval_ms: int) -> CallGate:
    """The cross-process gate for the account called `name` on the configured database."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return PostgresCallGate(name, min_interval_ms)
    return FileCallGate(lock_dir() / f"pace-{name}.lock", min_interval_ms)
