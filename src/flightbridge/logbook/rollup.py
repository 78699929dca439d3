"""The trailing-12-month rollup of a pilot's own flights, stored as `LogbookTotal` lines (source
`computed-local`) next to MyFlightbook's lifetime snapshot.

Computed by the database in one aggregate query over the local `Flight` rows, whatever their source, so
it reflects exactly what this logbook holds. It replaces the previous rollup as a whole in one
transaction; it never touches another source's lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from flightbridge.logbook.models import Flight, LogbookTotal

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


def rollup_values(owner, today: date | None = None) -> dict[str, Decimal]:
    """key → value for the trailing 12 months, from one aggregate query."""
    today = today or timezone.now().date()
    flights = Flight.objects.filter(owner=owner, date__gte=window_start(today), date__lte=today)
    aggregates = {}
    for line in LINES:
        if line.column is None:
            aggregates[line.key] = Count("id")
        elif line.unit == "hours":
            aggregates[line.key] = Coalesce(Sum(line.column), ZERO)
        else:
            aggregates[line.key] = Coalesce(Sum(line.column), 0)
    row = flights.aggregate(**aggregates)
    values = {key: Decimal(value).quantize(Decimal("0.01")) for key, value in row.items()}
    values["landings"] = values["day_landings"] + values["night_landings"]
    return values


def rollup_lines(owner, today: date | None = None) -> list[LogbookTotal]:
    """The trailing-12-month rollup as unsaved lines, from one query: what the logbook page shows, so it
    is true right after an import or an undo, not only after the next sync stores it."""
    today = today or timezone.now().date()
    values = rollup_values(owner, today)
    raw = {"from": window_start(today).isoformat(), "to": today.isoformat()}
    rows = [
        LogbookTotal(owner=owner, source=SOURCE, period=PERIOD, dimension=line.dimension, key=line.key,
                     description=line.description, value=values[line.key], unit=line.unit, raw=raw)
        for line in LINES
    ]
    rows.append(LogbookTotal(owner=owner, source=SOURCE, period=PERIOD, dimension="COUNTS", key="landings",
                             description="Landings", value=values["landings"], unit="count", raw=raw))
    return rows


def compute_rollup(owner, today: date | None = None) -> list[LogbookTotal]:
    """Recompute and store the owner's trailing-12-month rollup; returns the stored lines."""
    rows = rollup_lines(owner, today)
    with transaction.atomic():
        LogbookTotal.objects.filter(owner=owner, source=SOURCE).delete()
        LogbookTotal.objects.bulk_create(rows)
    return rows
