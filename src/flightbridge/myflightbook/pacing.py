"""Call pacing: per MyFlightbook account, and the whole deployment's call budget on top.

- Per account, consecutive calls stay `MFB_MIN_CALL_INTERVAL_MS` apart. Several web processes and
  workers may share one pilot's connection, so the spacing holds across processes: a `flock`ed file on
  SQLite (one machine by definition), the `MFB_CALL_PACING` advisory lock on PostgreSQL.
- The deployment as a whole makes at most `MFB_MAX_CALLS_PER_SECOND` (the rate) calls in any
  one-second window, at a smooth pace. Two rules do it. *Slots* make the pace smooth: every call books
  the next free slot on one shared timeline (slots 1/rate apart, plus a small margin) and sleeps until
  it. *Tokens* make the window a guarantee whatever the delays: there are `rate` tokens, a call holds
  one from just before it is sent until one second after its answer came back, so rate + 1 calls can
  never reach MyFlightbook within one second even when a busy machine or the network holds a request
  back (slots alone would let a late call bunch up with the next ones). The state lives where every
  worker sees it: Redis (when FLIGHTBRIDGE_REDIS_URL is set), else PostgreSQL rows, else a file beside
  the SQLite database, measured by that store's clock. Each step is one short statement; nobody holds
  a lock while waiting.
- Fairness: each paced sync has at most one call waiting, and slots are handed out first come first
  served, so a 50,000-flight walk takes one slot per turn like everyone else. A sync's `mode` sets its
  priority: a `full` walk only reserves while the queue ahead of it is short (`FULL_MAX_BACKLOG`), so a
  `quick` sync's call never waits behind a second's worth of full walks.

The locks come from `flightbridge.locks`, the one table of locks; this module only decides how long
to wait. Nothing here ever touches a token.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Protocol

from flightbridge.locks import MFB_CALL_BUDGET, MFB_CALL_PACING, file_lock, hold, lock_path


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


def gate_for(name: str, min_interval_ms: int, *, mode: str = "quick") -> CallGate:
    """The cross-process gate for the account called `name` on the configured database, inside the
    deployment's call budget (`MFB_MAX_CALLS_PER_SECOND`, 0 = no budget) at `mode`'s priority."""
    from django.conf import settings
    from django.db import connection

    if min_interval_ms <= 0:
        gate: CallGate = LocalCallGate(0)  # pacing off: nothing to share, so no lock file or advisory lock per call
    elif connection.vendor == "postgresql":
        gate = PostgresCallGate(name, min_interval_ms)
    else:
        gate = FileCallGate(lock_path(MFB_CALL_PACING, name), min_interval_ms)
    budget = budget_for(settings.CONFIG.mfb_max_calls_per_second)
    return BudgetedGate(gate, budget, mode) if budget is not None else gate


# ---- the deployment-wide call budget ------------------------------------------------------------

#: Sync modes, most urgent first. A mode not listed is treated as `quick` (never slowed by accident).
MODES = ("quick", "full")
#: A `full` walk books a slot only while no more than this many seconds of calls are booked ahead of
#: it; otherwise it steps back and lets `quick` syncs (which book at once) take the earlier slots.
FULL_MAX_BACKLOG = 0.5
#: Slots are (1 + SLOT_MARGIN) / rate apart, so a token is usually free again when its next slot comes
#: (a call's answer takes a few tens of milliseconds). It costs 4 % of the budget.
SLOT_MARGIN = 0.04
#: A token is held this long after the call's answer: the window the budget is counted in.
WINDOW = 1.0
#: A token taken by a process that died mid-call comes back after this long (the client's timeout is 30 s).
TOKEN_LEASE = 90.0
#: The longest single sleep while stepping back or waiting for a token; the store is asked again after it.
_MAX_PAUSE = 1.0


def slot_spacing(calls_per_second: int) -> float:
    return (1 + SLOT_MARGIN) / calls_per_second


class CallBudget(Protocol):
    """The shared budget state.

    - `book(max_backlog)` reserves the next slot: (True, seconds until it), or, when more than
      `max_backlog` seconds are already booked, books nothing: (False, seconds booked ahead).
    - `take_token()` -> (token, 0.0), or (None, seconds until one is free).
    - `return_token(token)`: the call's answer is in; the token is free again one WINDOW from now.
    """

    spacing: float

    def book(self, max_backlog: float | None) -> tuple[bool, float]: ...

    def take_token(self) -> tuple[int | None, float]: ...

    def return_token(self, token: int) -> None: ...


def _book_on(next_slot: float, now: float, spacing: float, max_backlog: float | None) -> tuple[bool, float, float]:
    """The booking rule every store applies: (booked, wait, new next_slot). Pure."""
    start = max(next_slot, now)
    backlog = start - now
    if max_backlog is not None and backlog > max_backlog:
        return False, backlog, next_slot
    return True, backlog, start + spacing


class FileCallBudget:
    """The budget on one machine (SQLite): the next free slot and the tokens in a JSON file, read and
    written under `flock` (held for a few bytes, never while waiting)."""

    def __init__(self, path: Path, calls_per_second: int, *, clock=time.time):
        self.path = path
        self.size = calls_per_second
        self.spacing = slot_spacing(calls_per_second)
        self._clock = clock

    @contextmanager
    def _state(self) -> Iterator[dict]:
        with file_lock(self.path) as fd:
            raw = os.pread(fd, 1 << 16, 0)
            try:
                state = json.loads(raw) if raw.strip() else {}
                state["tokens"] = [float(free_at) for free_at in state.get("tokens", [])]
                state["next"] = float(state.get("next", 0.0))
            except (ValueError, TypeError, AttributeError):  # a torn write from a killed process: start afresh
                state = {"next": 0.0, "tokens": []}
            tokens = state["tokens"][: self.size]
            state["tokens"] = tokens + [0.0] * (self.size - len(tokens))
            before = dict(state, tokens=list(state["tokens"]))
            yield state
            if state != before:
                data = json.dumps(state).encode()
                os.ftruncate(fd, 0)
                os.pwrite(fd, data, 0)

    def book(self, max_backlog: float | None) -> tuple[bool, float]:
        with self._state() as state:
            booked, wait, state["next"] = _book_on(state["next"], self._clock(), self.spacing, max_backlog)
        return booked, wait

    def take_token(self) -> tuple[int | None, float]:
        with self._state() as state:
            now, tokens = self._clock(), state["tokens"]
            token = min(range(len(tokens)), key=tokens.__getitem__)
            if tokens[token] > now:
                return None, tokens[token] - now
            tokens[token] = now + TOKEN_LEASE
        return token, 0.0

    def return_token(self, token: int) -> None:
        with self._state() as state:
            if token < len(state["tokens"]):
                state["tokens"][token] = self._clock() + WINDOW


class PostgresCallBudget:
    """The budget across machines sharing PostgreSQL: the `CallBudget` row (the slots) and `rate`
    `CallBudgetToken` rows, each moved by one statement, timed by the database's `clock_timestamp()`,
    so workers whose clocks disagree still agree. Missing rows (a new budget, a flushed table) are
    created on first use. Never called inside a transaction (a sync never calls MyFlightbook inside
    one), or the row locks would be held until that transaction ends.
    """

    _NOW = "extract(epoch FROM clock_timestamp())::float8"
    _BOOK = f"""
        INSERT INTO myflightbook_callbudget AS budget (name, next_slot)
        VALUES (%(name)s, {_NOW} + %(spacing)s)
        ON CONFLICT (name) DO UPDATE
            SET next_slot = GREATEST(budget.next_slot, {_NOW}) + %(spacing)s
            WHERE %(max_backlog)s::float8 IS NULL OR budget.next_slot - {_NOW} <= %(max_backlog)s::float8
        RETURNING GREATEST(budget.next_slot - %(spacing)s - {_NOW}, 0)
    """
    _BACKLOG = f"SELECT GREATEST(next_slot - {_NOW}, 0) FROM myflightbook_callbudget WHERE name = %(name)s"
    _TAKE = f"""
        UPDATE myflightbook_callbudgettoken SET free_at = {_NOW} + %(lease)s
        WHERE id = (SELECT id FROM myflightbook_callbudgettoken
                    WHERE name = %(name)s AND position < %(size)s AND free_at <= {_NOW}
                    ORDER BY free_at LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING position
    """
    _NEXT_FREE = f"""
        SELECT count(*), GREATEST(min(free_at) - {_NOW}, 0) FROM myflightbook_callbudgettoken
        WHERE name = %(name)s AND position < %(size)s
    """
    _ADD_TOKENS = """
        INSERT INTO myflightbook_callbudgettoken (name, position, free_at)
        SELECT %(name)s, position, 0 FROM generate_series(0, %(size)s - 1) AS position
        ON CONFLICT (name, position) DO NOTHING
    """
    _RETURN = f"""
        UPDATE myflightbook_callbudgettoken SET free_at = {_NOW} + %(window)s
        WHERE name = %(name)s AND position = %(position)s
    """

    def __init__(self, calls_per_second: int, name: str = "myflightbook"):
        self.name = name
        self.size = calls_per_second
        self.spacing = slot_spacing(calls_per_second)

    def _run(self, sql: str, **params):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(sql, {"name": self.name, "size": self.size, **params})
            return cursor.fetchone() if cursor.description else None

    def book(self, max_backlog: float | None) -> tuple[bool, float]:
        row = self._run(self._BOOK, spacing=self.spacing, max_backlog=max_backlog)
        if row is not None:
            return True, float(row[0])
        row = self._run(self._BACKLOG)
        return False, float(row[0]) if row else 0.0

    def take_token(self) -> tuple[int | None, float]:
        row = self._run(self._TAKE, lease=TOKEN_LEASE)
        if row is not None:
            return int(row[0]), 0.0
        count, wait = self._run(self._NEXT_FREE)
        if count < self.size:
            self._run(self._ADD_TOKENS)
            return None, 0.0
        return None, float(wait)

    def return_token(self, token: int) -> None:
        self._run(self._RETURN, window=WINDOW, position=token)


class RedisCallBudget:
    """The budget in Redis (when FLIGHTBRIDGE_REDIS_URL is set): a key for the next slot and a sorted
    set of tokens scored by when each is free, moved by Lua scripts that read Redis's own clock."""

    _CLOCK = "local t = redis.call('TIME'); local now = tonumber(t[1]) + tonumber(t[2]) / 1000000\n"
    _BOOK = _CLOCK + """
        local next_slot = tonumber(redis.call('GET', KEYS[1]) or '0')
        local start = math.max(next_slot, now)
        local max_backlog = tonumber(ARGV[2])
        if max_backlog >= 0 and start - now > max_backlog then return {0, tostring(start - now)} end
        redis.call('SET', KEYS[1], string.format('%.6f', start + tonumber(ARGV[1])), 'EX', 3600)
        return {1, tostring(start - now)}
    """
    _TAKE = _CLOCK + """
        local size = tonumber(ARGV[1])
        if redis.call('ZCARD', KEYS[1]) < size then
            for position = 0, size - 1 do redis.call('ZADD', KEYS[1], 'NX', 0, position) end
        end
        local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
        local free_at = tonumber(first[2])
        if free_at > now then return {-1, tostring(free_at - now)} end
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), first[1])
        redis.call('EXPIRE', KEYS[1], 3600)
        return {tonumber(first[1]), '0'}
    """
    _RETURN = _CLOCK + "redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[2]) return 1"

    def __init__(self, url: str, calls_per_second: int, key: str = "flightbridge:myflightbook:budget"):
        import redis

        self.slots_key, self.tokens_key = key + ":next", f"{key}:tokens:{calls_per_second}"
        self.size = calls_per_second
        self.spacing = slot_spacing(calls_per_second)
        client = redis.Redis.from_url(url)
        self._book, self._take, self._return = (client.register_script(script) for script in (self._BOOK, self._TAKE, self._RETURN))

    def book(self, max_backlog: float | None) -> tuple[bool, float]:
        booked, wait = self._book(keys=[self.slots_key], args=[self.spacing, -1 if max_backlog is None else max_backlog])
        return bool(int(booked)), float(wait)

    def take_token(self) -> tuple[int | None, float]:
        token, wait = self._take(keys=[self.tokens_key], args=[self.size, TOKEN_LEASE])
        token = int(token)
        return (token, 0.0) if token >= 0 else (None, float(wait))

    def return_token(self, token: int) -> None:
        self._return(keys=[self.tokens_key], args=[WINDOW, token])


_redis_budgets: dict[tuple[str, int], RedisCallBudget] = {}


def budget_for(calls_per_second: int) -> CallBudget | None:
    """The deployment's budget store for this configuration, or None when the budget is off (0)."""
    if calls_per_second <= 0:
        return None
    from django.conf import settings
    from django.db import connection

    redis_url = settings.CONFIG.redis_url
    if redis_url:
        # One connection pool per process, shared by every sync's gate.
        key = (redis_url, calls_per_second)
        if key not in _redis_budgets:
            _redis_budgets[key] = RedisCallBudget(redis_url, calls_per_second)
        return _redis_budgets[key]
    if connection.vendor == "postgresql":
        return PostgresCallBudget(calls_per_second)
    return FileCallBudget(lock_path(MFB_CALL_BUDGET), calls_per_second)


def wait_for_slot(budget: CallBudget, mode: str = "quick", *, sleep=time.sleep) -> float:
    """Book the next slot for a call at `mode`'s priority and sleep until it. Returns the seconds waited."""
    max_backlog = FULL_MAX_BACKLOG if mode == "full" else None
    waited = 0.0
    while True:
        booked, wait = budget.book(max_backlog)
        if booked:
            if wait > 0:
                sleep(wait)
            return waited + wait
        # Step back until the queue ahead is short again; a little jitter so stepping-back walks
        # do not all come back in the same instant.
        pause = min(_MAX_PAUSE, wait - max_backlog + budget.spacing * random.random())
        sleep(pause)
        waited += pause


def take_token(budget: CallBudget, *, sleep=time.sleep) -> tuple[int, float]:
    """Wait for a free token and take it. Returns (token, seconds waited)."""
    waited = 0.0
    while True:
        token, wait = budget.take_token()
        if token is not None:
            return token, waited
        pause = min(_MAX_PAUSE, max(wait, 0.001))
        sleep(pause)
        waited += pause


class BudgetedGate:
    """An account's gate inside the deployment budget: the account's interval, then a slot, then a token
    held through the call and returned when its answer is in."""

    def __init__(self, gate: CallGate, budget: CallBudget, mode: str = "quick"):
        self.gate, self.budget = gate, budget
        self.mode = mode if mode in MODES else "quick"

    @contextmanager
    def turn(self) -> Iterator[None]:
        from flightbridge import metrics

        with self.gate.turn():
            waited = wait_for_slot(self.budget, self.mode)
            token, token_wait = take_token(self.budget)
            metrics.MFB_BUDGET_WAIT.labels(mode=self.mode).observe(waited + token_wait)
            try:
                yield
            finally:
                self.budget.return_token(token)
