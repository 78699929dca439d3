"""The flight check: what a flight's values cannot be, as MyFlightbook's Flight Check says it.

Ported from MyFlightbook's `FlightLint.cs` (ericberman/MyFlightbookWeb, `CheckCoreTimeIssues`: each
part time — cross-country, night, simulated instrument, actual instrument, dual, CFI, SIC, PIC — is
compared with the total in whole minutes, and only for a real aircraft, since a simulator session
logs its time as ground/simulator time with a total of zero) and from MyFlightbook's entry rules (no
negative time or count; full-stop landings are among the landings; no flight dated after tomorrow —
tomorrow rather than today, because the logbook date is the local date of departure and a pilot east
of UTC is already in tomorrow).

Plain values in, problems out: it never reads or writes the database. Hand entries and corrections are
refused when it finds a problem; imported flights are kept as their source sent them and flagged
(`Flight.flight_check`), since the source holds them (docs/pilots.md, "The flight check").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from collections.abc import Mapping

#: The part times FlightLint compares with the total, in the order a pilot reads them.
PART_TIMES = ("pic", "sic", "night", "cross_country", "imc", "simulated_ifr", "dual", "cfi")
HOUR_FIELDS = ("total_flight_time", *PART_TIMES, "ground_sim")
COUNT_FIELDS = ("day_landings", "day_takeoffs", "night_landings", "night_takeoffs", "day_full_stop_landings",
                "night_full_stop_landings", "approaches", "holds")

#: A pilot's name for each checked field (the flight page's labels).
FIELD_NAMES = {
    "date": "Date", "total_flight_time": "Total time", "pic": "PIC", "sic": "SIC", "night": "Night",
    "cross_country": "Cross-country", "imc": "Actual instrument", "simulated_ifr": "Simulated instrument",
    "dual": "Dual received", "cfi": "Instructor (CFI)", "ground_sim": "Simulator / ground time",
    "day_landings": "Day landings", "day_takeoffs": "Day takeoffs", "night_landings": "Night landings",
    "night_takeoffs": "Night takeoffs", "day_full_stop_landings": "Day full-stop landings",
    "night_full_stop_landings": "Night full-stop landings", "approaches": "Approaches", "holds": "Holds",
}


@dataclass(frozen=True)
class FlightProblem:
    """One thing a flight cannot be: `field` is the value to correct, `fields` every value involved."""

    field: str
    reason: str
    fields: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"field": self.field, "reason": self.reason}

    @property
    def text(self) -> str:
        return f"{FIELD_NAMES.get(self.field, self.field)}: {self.reason}"


def minutes(hours) -> int:
    """Hours as whole minutes, the unit FlightLint compares in (its `ToMinutes`: round(hours × 60))."""
    return int((_decimal(hours) * 60).quantize(Decimal("1"), rounding=ROUND_HALF_EVEN))


def _decimal(value) -> Decimal:
    if value is None or value == "":
        return Decimal("0")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal("0")


def _hours_text(value) -> str:
    return f"{_decimal(value).quantize(Decimal('0.01'))} h"


def check_flight(values: Mapping, *, today: date) -> list[FlightProblem]:
    """Everything `values` (a flight's field values; missing ones count as zero) cannot be."""
    problems: list[FlightProblem] = []
    for name in (*HOUR_FIELDS, *COUNT_FIELDS):
        if _decimal(values.get(name)) < 0:
            problems.append(FlightProblem(name, "cannot be negative", (name,)))
    day = values.get("date")
    if isinstance(day, date) and day > today + timedelta(days=1):
        problems.append(FlightProblem("date", f"{day.isoformat()} is after tomorrow: a flight is logged once flown",
                                      ("date",)))
    negative = {problem.field for problem in problems}  # said once: "cannot be negative" is enough
    real = (values.get("simulator_type") or "REAL") == "REAL"
    if real and "total_flight_time" not in negative:
        total = values.get("total_flight_time")
        total_minutes = minutes(total)
        for name in PART_TIMES:
            part = values.get(name)
            if name not in negative and minutes(part) > total_minutes:
                problems.append(FlightProblem(
                    name, f"{_hours_text(part)} is more than the total time ({_hours_text(total)})",
                    (name, "total_flight_time")))
    elif not real and not negative & {"total_flight_time", "ground_sim"}:
        # A training device logs its session as simulator time (and a total only when it may count as
        # flight time). FlightLint warns at any PIC in one; what cannot be true is a part of the session
        # longer than the session: PIC 99.5 in a 0.57 h lesson.
        session = max(_decimal(values.get("total_flight_time")), _decimal(values.get("ground_sim")))
        for name in PART_TIMES:
            part = values.get(name)
            if name not in negative and minutes(part) > minutes(session):
                problems.append(FlightProblem(
                    name, f"{_hours_text(part)} is more than the session's time in the device ({_hours_text(session)})",
                    (name, "total_flight_time", "ground_sim")))
    for kind in ("day", "night"):
        full_stops, landings = f"{kind}_full_stop_landings", f"{kind}_landings"
        if not negative & {full_stops, landings} and int(_decimal(values.get(full_stops))) > int(_decimal(values.get(landings))):
            problems.append(FlightProblem(
                full_stops, f"{int(_decimal(values.get(full_stops)))} full-stop landings, but "
                            f"{int(_decimal(values.get(landings)))} {kind} landings in all",
                (full_stops, landings)))
    return problems


def stored_check(values: Mapping, *, today: date) -> list[dict]:
    """The problems as a flight stores them (`Flight.flight_check`): field and reason, in order."""
    return [problem.as_dict() for problem in check_flight(values, today=today)]
