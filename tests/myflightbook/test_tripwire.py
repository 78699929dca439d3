"""The tripwire adds up as MyFlightbook's Totals.cs does: per flight, rounded to the pilot's unit (issue 20)."""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal

import pytest

from flightbridge.logbook.rounding import rounded_total, rounded_units
from flightbridge.myflightbook.tripwire import (
    SeenTimes,
    agreeing_units,
    agrees,
    learned_unit,
)


def seen(*times: str) -> SeenTimes:
    counts = Counter(Decimal(time) for time in times)
    return SeenTimes(flights=len(times), times=tuple(counts.items()))


def myflightbook_total(times, unit: int) -> Decimal:
    """What MySQL computes: SUM(ROUND(x*qf))/qf, the division to 4 places (an independent spelling)."""
    minutes = 0
    for time in times:
        scaled = Decimal(time) * unit
        whole = int(scaled)
        minutes += whole + (1 if scaled - whole >= Decimal("0.5") else 0)
    return round(Decimal(minutes) / unit, 4)


@pytest.mark.parametrize("hours, unit, expected", [
    ("1.33", 60, 80), ("1.34", 60, 80), ("1.35", 60, 81), ("0.87", 60, 52), ("0.025", 60, 2),  # 1.5 → 2: half away
    ("1.33", 100, 133), ("1.3333", 100, 133), ("0.005", 100, 1), ("0", 60, 0),
])
def test_each_flight_is_rounded_half_away_from_zero(hours, unit, expected):
    assert rounded_units(Decimal(hours), unit) == expected


def test_a_logbook_of_non_whole_minute_times_disagrees_with_its_plain_sum():
    # The bug of issue 20: 1.33 + 0.87 + 1.34 = 3.54 h plainly, but MyFlightbook adds 80 + 52 + 80 minutes.
    times = seen("1.33", "0.87", "1.34")
    assert times.total(None) == Decimal("3.5400")
    assert times.total(60) == Decimal("3.5333")  # 80 + 52 + 80 = 212 min
    assert rounded_total(times.times, 100) == Decimal("3.5400")
    assert agreeing_units(3, Decimal("3.5333"), times) == (60,)
    assert agreeing_units(3, Decimal("3.54"), times) == (100,)
    assert agreeing_units(4, Decimal("3.5333"), times) == ()  # a flight added outside the window


def test_random_two_decimal_logbooks_agree_under_their_own_unit_only_when_unchanged():
    rng = random.Random(20)
    for _ in range(200):
        times = [f"{rng.randrange(30, 500) / 100:.2f}" for _ in range(rng.randrange(1, 60))]
        memory = seen(*times)
        for unit in (60, 100):
            total = myflightbook_total(times, unit)
            assert agrees(len(times), total, memory, unit)
            assert agrees(len(times), total, memory, None)  # unit not known yet: either will do
            assert not agrees(len(times) + 1, total, memory, unit)
        # A flight re-timed by 0.1 h changes both totals: caught under either unit.
        changed = list(times)
        changed[0] = f"{Decimal(changed[0]) + Decimal('0.1'):.2f}"
        for unit in (60, 100):
            assert not agrees(len(times), myflightbook_total(changed, unit), memory, unit)


def test_the_sub_minute_blind_spot():
    # 1.33 h → 1.34 h is 80 minutes both times: under unit 60 the tripwire cannot see it (docs/sync.md).
    assert agrees(1, myflightbook_total(["1.34"], 60), seen("1.33"), 60)
    assert not agrees(1, myflightbook_total(["1.34"], 100), seen("1.33"), 100)


def test_the_unit_is_learned_when_the_totals_tell_and_kept_when_they_do_not():
    times = seen("1.33", "0.87", "1.34")
    assert learned_unit(3, myflightbook_total(["1.33", "0.87", "1.34"], 60), times, None) == 60
    assert learned_unit(3, myflightbook_total(["1.33", "0.87", "1.34"], 100), times, 60) == 100  # the pilot changed it
    whole = seen("1.5", "2.0")  # whole minutes and whole hundredths: both units agree, nothing learned
    assert learned_unit(2, Decimal("3.5"), whole, None) is None
    assert learned_unit(2, Decimal("3.5"), whole, 100) == 100
    assert learned_unit(3, Decimal("3.5"), whole, 60) == 60  # nothing agrees: nothing learned
