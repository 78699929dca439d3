"""Every cross-process lock FlightBridge takes, in one table, and the one helper that takes them.

NetBox keeps its advisory-lock keys in one constants table; so do we. A lock here is named once
(`JOB_GUARD`, `REGISTRY_LOAD`, ...) and says why it exists and how long it is held:

- `TRANSACTION` locks guard a write that happens inside one transaction. On PostgreSQL they are
  `pg_advisory_xact_lock`s, released by the commit or rollback. On SQLite there is nothing to take:
  the write transaction itself serialises writers (the database has one writer at a time).
- `SESSION` locks are held across transactions and across waits on the network (a token refresh,
  call pacing). On PostgreSQL they are session advisory locks, so they hold across machines. On
  SQLite (one machine by definition) they are a `flock` on a file in the data directory, so the
  wait never holds SQLite's single write lock.

A PostgreSQL key is a 64-bit digest of the lock's name and the detail (the job's guard key, the
connection id), so two locks in the table can never collide. Nothing here ever sees a secret.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

TRANSACTION = "transaction"
SESSION = "session"


@dataclass(frozen=True)
class AdvisoryLock:
    name: str
    scope: str  # TRANSACTION or SESSION
    why: str


JOB_GUARD = AdvisoryLock(
    "jobs.guard", TRANSACTION,
    "Two requests for the same job (a double click, two web processes) must find one row: held while "
    "request_job looks for an active job and creates one.",
)
REGISTRY_LOAD = AdvisoryLock(
    "registry.load", SESSION,
    "One FAA registry load at a time: two loads would each mark their own generation current. Held for the "
    "whole load, across its short transactions (a batch of rows each), never as one long write transaction.",
)
MFB_TOKEN_REFRESH = AdvisoryLock(
    "myflightbook.refresh", SESSION,
    "One token refresh per MyFlightbook connection at a time, held across the call to the token endpoint, "
    "so two workers never both spend a refresh token and each throw away what the other stored.",
)
MFB_CALL_PACING = AdvisoryLock(
    "myflightbook.pace", SESSION,
    "Calls for one MyFlightbook account stay MFB_MIN_CALL_INTERVAL_MS apart across processes: held "
    "through a call and the interval after it.",
)
MFB_CALL_BUDGET = AdvisoryLock(
    "myflightbook.budget", SESSION,
    "The deployment-wide call budget on SQLite: held for the moment it takes to reserve the next call slot "
    "in the budget file (never during the wait or the call). PostgreSQL and Redis reserve in one statement.",
)
PILOT_HEAVY_REQUEST = AdvisoryLock(
    "pilot.heavy", SESSION,
    "A pilot has at most one heavy request at a time (an export, a CSV upload being read): taken without "
    "waiting for the length of the request (to the end of a streamed answer); a second one is refused with 429, "
    "so a few clicks cannot hold the web tier's request threads.",
)

#: The table: every lock FlightBridge takes. A new lock is added here, nowhere else.
LOCKS: tuple[AdvisoryLock, ...] = (JOB_GUARD, REGISTRY_LOAD, MFB_TOKEN_REFRESH, MFB_CALL_PACING, MFB_CALL_BUDGET,
                                   PILOT_HEAVY_REQUEST)


def advisory_key(lock: AdvisoryLock, detail: str = "") -> int:
    """The signed 64-bit PostgreSQL key for `lock` and `detail`."""
    digest = hashlib.blake2b(f"flightbridge|{lock.name}|{detail}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_path(lock: AdvisoryLock, detail: str = "") -> Path:
    """The file a SESSION lock is taken on when the database is SQLite."""
    from django.conf import settings

    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in detail)
    return Path(settings.DATA_DIR) / "locks" / (f"{lock.name}-{safe}.lock" if safe else f"{lock.name}.lock")


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
def hold(lock: AdvisoryLock, detail: str = "") -> Iterator[None]:
    """Take `lock` (for `detail`) on the configured database; released when the block ends.

    A TRANSACTION lock must be taken inside `transaction.atomic()` (it is released at the end of
    the transaction, not of the block); a SESSION lock must not rely on any transaction.
    """
    from django.db import connection

    if lock not in LOCKS:
        raise LookupError(f"lock {lock.name!r} is not in flightbridge.locks.LOCKS")
    if lock.scope == TRANSACTION:
        # Checked on SQLite too, so a misuse fails in the SQLite test run as well.
        if not connection.in_atomic_block:
            raise RuntimeError(f"lock {lock.name!r} is held until commit: take it inside transaction.atomic()")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [advisory_key(lock, detail)])
        yield
        return
    if connection.vendor == "postgresql":
        key = advisory_key(lock, detail)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [key])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return
    with file_lock(lock_path(lock, detail)):
        yield


class TryLock:
    """A SESSION lock taken without waiting: `acquire()` says whether it was free; `release()` is idempotent.

    Not a context manager on purpose: a streamed response takes it in the view and lets it go when the
    response is closed, after the last byte.
    """

    def __init__(self, lock: AdvisoryLock, detail: str = ""):
        if lock not in LOCKS:
            raise LookupError(f"lock {lock.name!r} is not in flightbridge.locks.LOCKS")
        if lock.scope != SESSION:
            raise RuntimeError(f"lock {lock.name!r} is a transaction lock: use hold()")
        self.lock, self.detail = lock, detail
        self._fd: int | None = None
        self._key: int | None = None

    def acquire(self) -> bool:
        from django.db import connection

        if connection.vendor == "postgresql":
            key = advisory_key(self.lock, self.detail)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
                taken = cursor.fetchone()[0]
            self._key = key if taken else None
            return bool(taken)
        path = lock_path(self.lock, self.detail)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def __del__(self):
        # The last resort for a response nobody closed: the descriptor (and with it the flock) goes with
        # the object. A PostgreSQL lock ends with its connection, which Django closes after the request.
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def release(self) -> None:
        if self._key is not None:
            from django.db import connection

            key, self._key = self._key, None
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
