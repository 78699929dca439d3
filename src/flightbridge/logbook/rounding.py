"""Hour totals added up the way MyFlightbook adds them (Totals.cs ~1000-1013, issue 20).

MyFlightbook rounds each flight to the pilot's rounding unit before it sums: `SUM(ROUND(x * qf)) / qf`,
with `qf` the pilot's MathRoundingUnit (Profile.cs ~767: 60 by default, whole minutes; or 100, hundredths)
and MySQL's DECIMAL ROUND, half away from zero; the division keeps 4 places. Totals meant to be compared
line by line with MyFlightbook's (the computed-local rollup, the sync's tripwire) use these functions.
Hours written as hours:minutes round as MyFlightbook writes them too (`hhmm`), on pages and in files alike.
Pure, exact `Decimal` arithmetic: never floats, whose ROUND of 0.075 × 60 falls the wrong way.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Iterable

MINUTES = 60  # MyFlightbook's default MathRoundingUnit
HUNDREDTHS = 100
ROUNDING_UNITS = (MINUTES, HUNDREDTHS)
TOTAL_QUANTUM = Decimal("0.0001")  # MySQL's DECIMAL division keeps 4 more places (div_precision_increment)


def rounded_units(hours: Decimal, unit: int) -> int:
    """ROUND(hours * unit) as MySQL rounds a DECIMAL: half away from zero (Decimal's ROUND_HALF_UP is that)."""
    return int((Decimal(hours) * unit).to_integral_value(rounding=ROUND_HALF_UP))


def rounded_total(times: Iterable[tuple[Decimal, int]], unit: int) -> Decimal:
    """`SUM(ROUND(x * unit)) / unit` over (time, how many flights have it) pairs, to MySQL's 4 places: the
    total MyFlightbook shows for these flights."""
    return hours_from_units(sum(rounded_units(time, unit) * count for time, count in times), unit)


def hours_from_units(units: int, unit: int) -> Decimal:
    """The `/ qf` of `SUM(ROUND(x * qf)) / qf`: a sum of whole rounding units back in hours, to MySQL's 4 places.
    Summing integers and dividing once keeps totals exact and cheap (a Fraction per flight cost ~0.25 s
    for 2,000 flights)."""
    return (Decimal(units) / unit).quantize(TOTAL_QUANTUM, rounding=ROUND_HALF_UP)


def hhmm(hours: Decimal, *, grouped: bool = False) -> str:
    """`hours` (not negative) as H:MM the way MyFlightbook's ToHHMM writes them (MFBExtensions.cs): the exact value
    to whole minutes by `Math.Round`, .NET's half to even (0.875 h, exactly 52.5 minutes, is 0:52), then whole
    hours and two-digit minutes; thousands of hours grouped if asked (1,234:05)."""
    minutes = int((Decimal(hours) * 60).to_integral_value(rounding=ROUND_HALF_EVEN))
    whole = f"{minutes // 60:,}" if grouped else str(minutes // 60)
    return f"{whole}:{minutes % 60:02d}"
