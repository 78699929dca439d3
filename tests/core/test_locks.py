"""The lock table: every lock named once, distinct keys, and `hold` behaving per database and scope."""

import pytest
from django.db import connection, transaction

from flightbridge import locks
from tests.conftest import run_at_once


def test_every_lock_has_its_own_name_and_key_and_says_why():
    names = [lock.name for lock in locks.LOCKS]
    assert len(set(names)) == len(names) == 6  # the call budget's file lock (issue 15), one heavy request a pilot (issue 22)
    assert all(lock.scope in (locks.TRANSACTION, locks.SESSION) and len(lock.why) > 40 for lock in locks.LOCKS)
    keys = {locks.advisory_key(lock, detail) for lock in locks.LOCKS for detail in ("", "1", "2")}
    assert len(keys) == 18 and all(-(2**63) <= key < 2**63 for key in keys)
    assert locks.advisory_key(locks.JOB_GUARD, "a") == locks.advisory_key(locks.JOB_GUARD, "a")


def test_a_lock_outside_the_table_is_refused():
    stray = locks.AdvisoryLock("stray", locks.SESSION, "not in the table")
    with pytest.raises(LookupError, match="not in flightbridge.locks.LOCKS"):
        with locks.hold(stray):
            pass


@pytest.mark.django_db(transaction=True)
def test_a_session_lock_lets_one_holder_in_at_a_time(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    inside, most = [], []

    def take():
        with locks.hold(locks.MFB_TOKEN_REFRESH, "7"):
            inside.append(1)
            most.append(len(inside))
            # Work while holding it: the others wait at the lock, not here.
            sum(range(200_000))
            inside.pop()
        return True

    assert run_at_once(4, take) == [True] * 4
    assert max(most) == 1
    if connection.vendor == "sqlite":
        assert (tmp_path / "locks" / "myflightbook.refresh-7.lock").exists()


@pytest.mark.django_db(transaction=True)
def test_a_transaction_lock_needs_a_transaction():
    with pytest.raises(RuntimeError, match="inside transaction.atomic"):
        with locks.hold(locks.JOB_GUARD):
            pass
    if connection.vendor != "postgresql":
        with transaction.atomic(), locks.hold(locks.JOB_GUARD):  # SQLite: the write transaction serialises writers
            assert connection.in_atomic_block
        return
    with transaction.atomic(), locks.hold(locks.JOB_GUARD):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
            assert cursor.fetchone()[0] == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        assert cursor.fetchone()[0] == 0  # released at commit
