"""The deployment-wide call budget (`MFB_MAX_CALLS_PER_SECOND`): the booking rule, priority by sync
mode, and the budget holding across processes, counted in the sandbox's own call log, on the
configured database (a file on SQLite, a row on PostgreSQL) and on Redis."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict

import pytest

from flightbridge.myflightbook import pacing
from flightbridge.myflightbook.pacing import FULL_MAX_BACKLOG, FileCallBudget, _book_on, slot_spacing, wait_for_slot
from flightbridge.myflightbook.sandbox import SandboxServer
from flightbridge.myflightbook.sandbox.fake import connect_to_sandbox
from tests.conftest import REPO_ROOT, child_env, run_at_once


class FakeClock:
    """A clock that only moves when someone sleeps on it."""

    def __init__(self, now: float = 1000.0):
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def busiest_second(times: list[float]) -> int:
    """The most calls in any one-second window [t, t + 1)."""
    times = sorted(times)
    most, first = 0, 0
    for last, moment in enumerate(times):
        while times[first] <= moment - 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def closest_gap_per_account(calls: list[dict]) -> dict[int, float]:
    by_grant: dict[int, list[float]] = defaultdict(list)
    for call in calls:
        by_grant[call["grant"]].append(call["at"])
    gaps = {}
    for grant, times in by_grant.items():
        times.sort()
        gaps[grant] = min(later - earlier for earlier, later in zip(times, times[1:]))
    return gaps


# ---- the booking rule and priority, on a fake clock -----------------------------------------------

def test_booking_hands_out_slots_one_spacing_apart_and_refuses_a_long_backlog():
    spacing = slot_spacing(10)
    assert spacing == pytest.approx(0.104)
    assert _book_on(0.0, 50.0, spacing, None) == (True, 0.0, pytest.approx(50.104))  # an idle timeline starts now
    assert _book_on(52.0, 50.0, spacing, None) == (True, 2.0, pytest.approx(52.104))  # two seconds booked ahead
    assert _book_on(52.0, 50.0, spacing, FULL_MAX_BACKLOG) == (False, 2.0, 52.0)  # a full walk steps back
    assert _book_on(50.4, 50.0, spacing, FULL_MAX_BACKLOG)[0] is True


def test_file_budget_books_consecutive_slots_across_instances(tmp_path):
    clock = FakeClock()
    path = tmp_path / "budget.lock"
    first, second = FileCallBudget(path, 10, clock=clock), FileCallBudget(path, 10, clock=clock)
    waits = [budget.book(None) for budget in (first, second, first, second)]
    assert [booked for booked, _ in waits] == [True] * 4
    assert [round(wait, 3) for _, wait in waits] == [0.0, 0.104, 0.208, 0.312]
    clock.now += 5  # an idle budget does not bank slots for a burst later
    assert first.book(None) == (True, 0.0)


def test_a_token_is_held_until_a_second_after_the_answer(tmp_path):
    """rate tokens: rate + 1 calls cannot reach MyFlightbook within one second, however late one was sent."""
    clock = FakeClock()
    budget = FileCallBudget(tmp_path / "budget.lock", 2, clock=clock)
    first, second = budget.take_token(), budget.take_token()
    assert {first[0], second[0]} == {0, 1} and first[1] == second[1] == 0.0
    assert budget.take_token() == (None, pytest.approx(pacing.TOKEN_LEASE))  # both calls still in flight
    clock.now += 0.3  # the first call's answer arrives
    budget.return_token(first[0])
    assert budget.take_token() == (None, pytest.approx(1.0))  # free one second after that answer
    clock.now += 1.0
    assert budget.take_token() == (first[0], 0.0)
    # A process that died mid-call gives its token back after the lease.
    clock.now += pacing.TOKEN_LEASE
    assert budget.take_token() == (second[0], 0.0)


def test_a_full_walk_lets_quick_syncs_book_ahead_of_it(tmp_path):
    clock = FakeClock()
    budget = FileCallBudget(tmp_path / "budget.lock", 10, clock=clock)
    for _ in range(20):  # two seconds of calls already booked
        budget.book(None)
    quick_slots = []

    def sleep(seconds: float) -> None:
        # While the full walk steps back, a quick sync asks for a call: it books at once.
        if not quick_slots:
            quick_slots.append(clock.now + budget.book(None)[1])
        clock.sleep(seconds)

    waited = wait_for_slot(budget, "full", sleep=sleep)
    full_slot = clock.now
    assert quick_slots and quick_slots[0] < full_slot
    assert full_slot == pytest.approx(1000.0 + 21 * 0.104)  # right after the quick call: no slot left empty
    assert waited == pytest.approx(21 * 0.104)
    assert len(clock.sleeps) >= 2  # stepped back at least once before booking


@pytest.mark.django_db(transaction=True)
def test_a_big_walk_does_not_starve_pilots_with_a_few_new_flights(django_user_model, settings, tmp_path):
    """One pilot's full walk against eight quick syncs, all at once, through the real gates in this process."""
    with SandboxServer(flights=5, seed=3) as sandbox:
        big = django_user_model.objects.create_user("big-logbook", password="x")
        small = [django_user_model.objects.create_user(f"pilot{n}", password="x") for n in range(8)]
        for user in (big, *small):
            connect_to_sandbox(user, sandbox, settings)
        settings.CONFIG = pacing_config(settings, calls_per_second=20)
        from flightbridge.myflightbook.tokens import client_for

        def work(user, mode: str, calls: int):
            def run() -> None:
                with client_for(user, mode=mode) as client:
                    for _ in range(calls):
                        client.call("GetNamedQueries")
            return run

        jobs = [work(big, "full", 30)] + [work(user, "quick", 2) for user in small]
        run_at_once(len(jobs), lambda: jobs.pop()(), timeout=60)
        calls = sorted(sandbox.calls, key=lambda call: call["at"])
    big_grant = busiest_grant(calls)
    small_done_at = max(index for index, call in enumerate(calls) if call["grant"] != big_grant)
    big_before = sum(1 for call in calls[: small_done_at + 1] if call["grant"] == big_grant)
    assert len(calls) == 30 + 16
    # The sixteen quick calls fit in 0.8 s of budget; the walk stepped back meanwhile instead of
    # queueing thirty calls in front of them.
    assert big_before <= 5, [call["grant"] for call in calls]


def busiest_grant(calls: list[dict]) -> int:
    counts: dict[int, int] = defaultdict(int)
    for call in calls:
        counts[call["grant"]] += 1
    return max(counts, key=counts.get)


def pacing_config(settings, *, calls_per_second: int, interval_ms: int | None = None):
    import dataclasses

    changes = {"mfb_max_calls_per_second": calls_per_second}
    if interval_ms is not None:
        changes["mfb_min_call_interval_ms"] = interval_ms
    return dataclasses.replace(settings.CONFIG, **changes)


# ---- across processes, counted by the sandbox -----------------------------------------------------

PROCESSES, PILOTS_EACH, CALLS_EACH, BUDGET, INTERVAL_MS = 3, 4, 5, 10, 300


def redis_url() -> str | None:
    url = os.environ.get("FLIGHTBRIDGE_TEST_REDIS_URL")
    if not url:
        return None
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return None
    return url


@pytest.mark.django_db(transaction=True)
@pytest.mark.multiprocess
@pytest.mark.parametrize("store", ["database", "redis"])
def test_the_budget_holds_across_processes(store, django_user_model, settings):
    """Three processes, twelve pilots, sixty calls wanted at once: the sandbox never sees more than the
    budget in any second, and no pilot's calls closer than the interval."""
    extra = {}
    if store == "redis":
        url = redis_url()
        if url is None:
            pytest.fail("FLIGHTBRIDGE_TEST_REDIS_URL is not set or not reachable; run the suite with scripts/test.py")
        import redis

        redis.Redis.from_url(url).delete("flightbridge:myflightbook:budget:next", f"flightbridge:myflightbook:budget:tokens:{BUDGET}")
        extra["FLIGHTBRIDGE_REDIS_URL"] = url
    with SandboxServer(flights=5, seed=5) as sandbox:
        groups = []
        for process in range(PROCESSES):
            users = [django_user_model.objects.create_user(f"p{process}-{n}", password="x") for n in range(PILOTS_EACH)]
            for user in users:
                connect_to_sandbox(user, sandbox, settings)
            groups.append(users)
        env = child_env(MFB_CLIENT_ID=sandbox.client_id, MFB_CLIENT_SECRET=sandbox.client_secret, MFB_BASE_URL=sandbox.url,
                        MFB_MIN_CALL_INTERVAL_MS=str(INTERVAL_MS), MFB_MAX_CALLS_PER_SECOND=str(BUDGET), **extra)
        children = [
            subprocess.Popen([sys.executable, "-m", "tests.myflightbook.budget_child", "quick", str(CALLS_EACH),
                              *(str(user.pk) for user in users)], env=env, cwd=REPO_ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for users in groups
        ]
        outputs = [child.communicate(timeout=120)[0] for child in children]
        calls = list(sandbox.calls)
    assert [child.returncode for child in children] == [0] * PROCESSES, outputs
    assert len(calls) == PROCESSES * PILOTS_EACH * CALLS_EACH
    assert all(call["status"] == 200 for call in calls)
    times = sorted(call["at"] for call in calls)
    assert busiest_second(times) <= BUDGET, min(b - a for a, b in zip(times, times[BUDGET:]))
    gaps = closest_gap_per_account(calls)
    assert len(gaps) == PROCESSES * PILOTS_EACH
    assert min(gaps.values()) >= INTERVAL_MS / 1000, gaps
    # The budget was the binding limit: twelve pilots alone would have made ~40 calls a second.
    span = max(call["at"] for call in calls) - min(call["at"] for call in calls)
    assert span >= (len(calls) - BUDGET) / BUDGET


def test_no_budget_when_set_to_zero(settings):
    assert pacing.budget_for(0) is None
