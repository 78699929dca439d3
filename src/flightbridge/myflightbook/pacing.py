"""Call pacing for one MyFlightbook account: consecutive calls stay `MFB_MIN_CALL_INTERVAL_MS` apart.

Several web processes and workers may share one pilot's connection, so the spacing must hold across
processes: a `flock`ed file on SQLite (one machine by definition), the `MFB_CALL_PACING` advisory lock
on PostgreSQL (across machines). The lock itself comes from `flightbridge.locks`, the one table of
locks; this module only decides how long to wait. Nothing here ever touches a token.
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Protocol

from flightbridge.locks import MFB_CALL_PACING, file_lock, hold, lock_path


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
        with hold(MFB_CALL_PACING, self.name):
            try:
                yield
            finally:
                time.sleep(self.interval)


def gate_for(name: str, min_interval_ms: int) -> CallGate:
    """The cross-process gate for the account called `name` on the configured database."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return PostgresCallGate(name, min_interval_ms)
    return FileCallGate(lock_path(MFB_CALL_PACING, name), min_interval_ms)
