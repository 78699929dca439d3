"""The quick sync's tripwire, added up the way MyFlightbook adds (issue 20).

MyFlightbook rounds every flight to the pilot's rounding unit before it sums: Totals.cs computes "Total
Time" as `SUM(ROUND(totalFlightTime * qf)) / qf`, with `qf` the pilot's MathRoundingUnit (Profile.cs:
60 by default, whole minutes; or 100, hundredths) and MySQL's DECIMAL ROUND, half away from zero. A 1.33 h
flight counts as 80 minutes. So the sync's memory of the logbook (each flight's total time) is compared in
those units: the same flight count, and the same sum of per-flight rounded units. Which unit a pilot uses
is learned from a full walk, where every flight and MyFlightbook's total are both known, and remembered.

Pure functions on plain values: no database, no network. What it cannot see (the sub-minute blind spot:
a flight re-timed from 1.33 to 1.34 h is 80 minutes both times) is written in docs/sync.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flightbridge.logbook.rounding import ROUNDING_UNITS, TOTAL_QUANTUM, rounded_total, rounded_units


@dataclass(frozen=True)
class SeenTimes:
    """The sync's memory of the whole logbook: how many flights, and how many have each total time."""

    flights: int
    times: tuple[tuple[Decimal, int], ...]  # (total time, number of flights), one pair per distinct time

    def units(self, unit: int) -> int:
        return sum(rounded_units(time, unit) * count for time, count in self.times)

    def total(self, unit: int | None) -> Decimal:
        """The total MyFlightbook would show with `unit`; the plain sum when the unit is not known yet."""
        if unit is None:
            return sum((time * count for time, count in self.times), Decimal(0)).quantize(TOTAL_QUANTUM)
        return rounded_total(self.times, unit)

    def as_dict(self, unit: int | None) -> dict:
        return {"flights": self.flights, "total_time": str(self.total(unit)), "rounding_unit": unit}


def agreeing_units(flights: int, total_time: Decimal, seen: SeenTimes) -> tuple[int, ...]:
    """The rounding units under which MyFlightbook's count and total time equal what the syncs have seen.

    MyFlightbook's total is N/qf written to 4 places (3.5333 for 212 minutes). The seen flights give N'/qf;
    the two agree when they are equal to the places MyFlightbook wrote (half its last place either way).
    Rounding MyFlightbook's total to whole units instead would not tell the units apart: 3.54 h (354
    hundredths) is also 212 minutes.
    """
    if flights != seen.flights:
        return ()
    total = Decimal(total_time)
    exponent = total.as_tuple().exponent
    places = exponent if isinstance(exponent, int) and exponent < 0 else 0
    slack = max(TOTAL_QUANTUM / 2, Decimal(1).scaleb(places) / 2)
    return tuple(unit for unit in ROUNDING_UNITS if abs(total - Decimal(seen.units(unit)) / unit) <= slack)


def agrees(flights: int, total_time: Decimal, seen: SeenTimes, unit: int | None) -> bool:
    """The tripwire holds: same count, same total under the pilot's unit (either unit while it is unknown)."""
    units = agreeing_units(flights, total_time, seen)
    return unit in units if unit in ROUNDING_UNITS else bool(units)


def learned_unit(flights: int, total_time: Decimal, seen: SeenTimes, previous: int | None) -> int | None:
    """After a full walk: the unit MyFlightbook's total was computed with, when the totals tell.

    Exactly one unit agreeing names it. Both agree when every time is a whole number of both minutes and
    hundredths (0.5, 1.0, …): that says nothing, so what was known stays. None agreeing (a flight changed
    during the walk, a refused record) says nothing either.
    """
    units = agreeing_units(flights, total_time, seen)
    return units[0] if len(units) == 1 else previous


@dataclass(frozen=True)
class Verdict:
    """What a tripwire check found: whether the totals agree, and the pilot's unit as now known."""

    agrees: bool
    rounding_unit: int | None


def check(flights: int, total_time: Decimal, seen: SeenTimes, unit: int | None, *, walked_all: bool) -> Verdict:
    """After a quick read, whether to trust it (`agrees`); after a full walk, the unit the totals name."""
    if walked_all:
        return Verdict(True, learned_unit(flights, total_time, seen, unit))
    return Verdict(agrees(flights, total_time, seen, unit), unit)
