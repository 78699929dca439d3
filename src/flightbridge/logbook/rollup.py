"""The trailing-12-month rollup of a pilot's own flights, stored as `LogbookTotal` lines (source
`computed-local`) next to MyFlightbook's lifetime snapshot.

Computed over the local `Flight` rows, whatever their source, so it reflects exactly what this logbook
holds: the counts by one aggregate query, the hours as MyFlightbook adds them (each flight rounded to the
pilot's rounding unit before the sum, `rounding.py`), so each line compares one for one with MyFlightbook's.
It replaces the previous rollup as a whole in one transaction; it never touches another source's lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from flightbridge.logbook.models import Flight, LogbookTotal
from flightbridge.logbook.reference_data import replace_totals
from flightbridge.logbook.rounding import MINUTES, rounded_units

SOURCE = "computed-local"
PERIOD = "trailing-12-months"
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class RollupLine:
    dimension: str
    key: str
    description: str
    column: str | None  # the Flight column summed; None for the flight count
    unit: str


# Same dimensions and keys as the MyFlightbook totals mapping, so a pilot can compare line by line.
LINES: tuple[RollupLine, ...] = (
    RollupLine("TOTAL_TIME", "total_time", "Total Time", "total_flight_time", "hours"),
    RollupLine("ROLE", "pic", "PIC", "pic", "hours"),
    RollupLine("ROLE", "sic", "SIC", "sic", "hours"),
    RollupLine("ROLE", "dual", "Dual Received", "dual", "hours"),
    RollupLine("ROLE", "cfi", "Instructor", "cfi", "hours"),
    RollupLine("CONDITIONS", "cross_country", "Cross Country", "cross_country", "hours"),
    RollupLine("CONDITIONS", "night", "Night", "night", "hours"),
    RollupLine("CONDITIONS", "imc", "IMC", "imc", "hours"),
    RollupLine("CONDITIONS", "simulated_ifr", "Simulated Instrument", "simulated_ifr", "hours"),
    RollupLine("CONDITIONS", "ground_sim", "Ground Simulator", "ground_sim", "hours"),
    RollupLine("COUNTS", "flights", "Flights", None, "count"),
    # Landings of any kind, and the full-stop ones, counted as MyFlightbook counts them (§8): "Landings" (all,
    # added below) and the full-stop lines compare one for one with its "1,204 Landings (388 Day, 47 Night)".
    RollupLine("COUNTS", "day_landings", "Day landings", "day_landings", "count"),
    RollupLine("COUNTS", "night_landings", "Night landings", "night_landings", "count"),
    RollupLine("COUNTS", "day_full_stop_landings", "Day full-stop landings", "day_full_stop_landings", "count"),
    RollupLine("COUNTS", "night_full_stop_landings", "Night full-stop landings", "night_full_stop_landings", "count"),
    RollupLine("COUNTS", "day_takeoffs", "Day takeoffs", "day_takeoffs", "count"),
    RollupLine("COUNTS", "night_takeoffs", "Night takeoffs", "night_takeoffs", "count"),
    RollupLine("COUNTS", "approaches", "Approaches", "approaches", "count"),
    RollupLine("COUNTS", "holds", "Holds", "holds", "count"),
)


def window_start(today: date) -> date:
    """The first day of the trailing 12 months ending `today` (inclusive): the day after one year ago.
    29 Feb falls back to 28 Feb."""
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:
        year_ago = today.replace(year=today.year - 1, day=28)
    return date.fromordinal(year_ago.toordinal() + 1)


def rollup_values(owner, today: date | None = None, rounding_unit: int | None = None) -> dict[str, Decimal]:
    """key → value for the trailing 12 months. Hours are `SUM(ROUND(x × unit)) / unit`, with the pilot's
    MyFlightbook rounding unit (minutes when not known, MyFlightbook's default), summed exactly here from
    one row per distinct set of times: a year of flights is at most a few thousand rows."""
    today = today or timezone.now().date()
    unit = rounding_unit or MINUTES
    flights = Flight.objects.filter(owner=owner, date__gte=window_start(today), date__lte=today)
    hours = [line for line in LINES if line.unit == "hours"]
    aggregates = {}
    for line in LINES:
        if line.column is None:
            aggregates[line.key] = Count("id")
        elif line.unit != "hours":
            aggregates[line.key] = Coalesce(Sum(line.column), 0)
    row = flights.aggregate(**aggregates)
    values = {key: Decimal(value).quantize(Decimal("0.01")) for key, value in row.items()}
    units = dict.fromkeys((line.key for line in hours), 0)
    columns = [line.column for line in hours]
    for times in flights.order_by().values(*columns).annotate(flights=Count("id")).values_list(*columns, "flights"):
        for line, time in zip(hours, times):
            units[line.key] += rounded_units(time, unit) * times[-1]
    for line in hours:
        values[line.key] = (Decimal(units[line.key]) / unit).quantize(Decimal("0.01"))
    values["landings"] = values["day_landings"] + values["night_landings"]
    return values


def rollup_lines(owner, today: date | None = None, rounding_unit: int | None = None) -> list[LogbookTotal]:
    """The trailing-12-month rollup as unsaved lines: what the logbook page shows, so it is true right
    after an import or an undo, not only after the next sync stores it."""
    today = today or timezone.now().date()
    values = rollup_values(owner, today, rounding_unit)
    raw = {"from": window_start(today).isoformat(), "to": today.isoformat()}
    rows = [
        LogbookTotal(owner=owner, source=SOURCE, period=PERIOD, dimension=line.dimension, key=line.key,
                     description=line.description, value=values[line.key], unit=line.unit, raw=raw)
        for line in LINES
    ]
    rows.append(LogbookTotal(owner=owner, source=SOURCE, period=PERIOD, dimension="COUNTS", key="landings",
                             description="Landings", value=values["landings"], unit="count", raw=raw))
    return rows


def compute_rollup(owner, today: date | None = None, rounding_unit: int | None = None) -> list[LogbookTotal]:
    """Recompute and store the owner's trailing-12-month rollup; returns the stored lines."""
    lines = rollup_lines(owner, today, rounding_unit)
    return replace_totals(owner, SOURCE, [
        {"period": line.period, "dimension": line.dimension, "key": line.key, "description": line.description,
         "value": line.value, "unit": line.unit, "raw": line.raw} for line in lines])
