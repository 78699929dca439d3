"""The sandbox's totals sum whole rounding units per flight and divide once (Totals.cs's `SUM(ROUND(x*qf))/qf`).

The reference here is the exact-rational reading of that formula (Python `Fraction`, rounding half away from
zero written out), which the sandbox used before; integer units must give the very same TotalsItem values.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import date
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flightbridge.myflightbook.sandbox import generate_account
from flightbridge.myflightbook.sandbox.logbook import MODEL_BY_ID
from flightbridge.myflightbook.sandbox.resources import totals_for

BASE = generate_account(flights=30, seed=5, today=date(2026, 12, 1))

#: the TotalsItem rows of the "Totals" (5) and "Total" (7) groups, each with the flight fields it adds up
CORE = {"Cross Country": ("CrossCountry",), "Night": ("Nighttime",), "IMC": ("IMC",),
        "Simulated Instrument": ("SimulatedIFR",), "Instrument Time": ("IMC", "SimulatedIFR"),
        "Ground Simulator": ("GroundSim",), "Dual Received": ("Dual",), "Instructor": ("CFI",), "SIC": ("SIC",),
        "PIC": ("PIC",), "Total Time": ("TotalFlightTime",)}
TIMES = ("TotalFlightTime", "CrossCountry", "Nighttime", "IMC", "SimulatedIFR", "GroundSim", "Dual", "CFI", "SIC", "PIC")


def _units(hours: Decimal, unit: int) -> int:
    scaled = Fraction(hours) * unit
    return int(math.copysign(math.floor(abs(scaled) + Fraction(1, 2)), scaled))  # MySQL: half away from zero


def _reference_hours(values: list[Decimal], unit: int) -> Decimal:
    exact = sum((Fraction(_units(value, unit), unit) for value in values), Fraction(0))
    return Decimal(math.floor(exact * 10000 + Fraction(1, 2))) / 10000  # MySQL's division: 4 places, half up


# Cross-country is DECIMAL(10,4) at MyFlightbook, the other times DECIMAL(10,2): both precisions, ties included.
hundredths = st.integers(min_value=0, max_value=2400).map(lambda n: Decimal(n) / 100)
ten_thousandths = st.integers(min_value=0, max_value=240000).map(lambda n: Decimal(n) / 10000)
flight_times = st.fixed_dictionaries({name: (ten_thousandths if name == "CrossCountry" else hundredths) for name in TIMES})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(flight_times, min_size=1, max_size=len(BASE.flights)), st.sampled_from((60, 100)))
def test_integer_unit_totals_equal_the_exact_fraction_totals(times, unit):
    flights = [{**flight, **row} for flight, row in zip(BASE.flights, times)]
    account = dataclasses.replace(BASE, flights=flights, rounding_unit=unit)
    items = totals_for(account, flights)
    got = {item["Description"]: item["Value"] for item in items if item["Group"] in (5, 7) and item["Description"] in CORE}
    expected = {}
    for description, fields in CORE.items():
        value = _reference_hours([flight[name] for flight in flights for name in fields], unit)
        if value:  # TotalsForUserWithQuery drops zero rows
            expected[description] = value
    assert got == expected

    by_aircraft = BASE.aircraft_by_id()
    per_model: dict[str, list[Decimal]] = {}
    for flight in flights:
        model = MODEL_BY_ID.get(by_aircraft.get(flight.get("AircraftID"), {}).get("ModelID"))
        if model is not None:
            per_model.setdefault(model.description, []).append(flight["TotalFlightTime"])
    models = {item["Description"]: item["Value"] for item in items if item["Group"] == 3}
    assert models == {name: total for name, values in per_model.items() if (total := _reference_hours(values, unit))}
