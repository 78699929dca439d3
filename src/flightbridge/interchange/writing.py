"""Write flights as ForeFlight's 2026 import template or MyFlightbook's import CSV.

Pure code: flight-like objects (a `Flight`, or anything with its attribute names) in, CSV lines out, one
row at a time so an export of any size holds one row in memory. The ForeFlight file is the template
exactly: its required first row, the Aircraft Table with every aircraft the flights use, the blank rows,
the Flights Table with its hint and data-type rows, 79 cells in every row, the template's order. Counts
follow issue 12's landing rules. Every text cell is guarded so a spreadsheet never runs it as a formula.
This module never reads the database; the caller hands it the flights and the aircraft facts.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Iterable, Iterator, Mapping

from . import columns as c
from .reading import AircraftFacts
from .values import clock_text, count_text, hours_text, safe_text, timestamp_text

# MyFlightbook custom properties that ForeFlight has a yes/no column for (PropTypeIDs, CustomPropertyTypes.cs).
FLIGHT_REVIEW_PROPERTIES = frozenset({44, 164})
IPC_PROPERTIES = frozenset({41})


@dataclass(frozen=True)
class LandingCounts:
    day_landings: int
    night_landings: int
    day_full_stop: int
    night_full_stop: int
    day_takeoffs: int
    night_takeoffs: int

    @property
    def day_touch_and_go(self) -> int:
        return max(self.day_landings - self.day_full_stop, 0)

    @property
    def night_touch_and_go(self) -> int:
        return max(self.night_landings - self.night_full_stop, 0)


def landing_counts(flight) -> LandingCounts:
    """A flight's counts by issue 12's rules: day/night landings are all landings, the full-stop counts apart
    (never more than the landings they are part of)."""
    day, night = flight.day_landings or 0, flight.night_landings or 0
    return LandingCounts(
        day_landings=day, night_landings=night,
        day_full_stop=min(flight.day_full_stop_landings or 0, day),
        night_full_stop=min(flight.night_full_stop_landings or 0, night),
        day_takeoffs=flight.day_takeoffs or 0, night_takeoffs=flight.night_takeoffs or 0,
    )


def _property_ids(flight) -> set[int]:
    ids = set()
    for item in getattr(flight, "custom_properties", None) or []:
        if isinstance(item, dict) and isinstance(item.get("PropTypeID"), int) and item.get("BoolValue", True) is not False:
            ids.add(item["PropTypeID"])
    return ids


class _LineWriter:
    """One csv writer and buffer reused for every row (a new writer per row costs more than the row)."""

    def __init__(self):
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\n")

    def __call__(self, cells: list[str]) -> str:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow(cells)
        return self._buffer.getvalue()


def _line(cells: list[str]) -> str:
    return _LineWriter()(cells)


def _padded(cells: Iterable[str], width: int = c.FOREFLIGHT_WIDTH) -> list[str]:
    row = list(cells)
    return row + [""] * (width - len(row))


# --- ForeFlight ---------------------------------------------------------------------------------------


def foreflight_aircraft_row(facts: AircraftFacts) -> list[str]:
    values = {
        "AircraftID": facts.registration, "equipType": c.DEVICE_EQUIP_TYPES.get(facts.device_class, "aircraft"),
        "TypeCode": facts.type_code, "Year": str(facts.year) if facts.year else "", "Make": facts.make,
        "Model": facts.model, "GearType": facts.gear, "EngineType": facts.engine,
        # Simulators have no category/class in ForeFlight: their time goes in SimulatedFlight.
        "Category/Class": "" if facts.device_class != "REAL" else facts.category_class,
        # Booleans: x for yes, blank for no or not known (ForeFlight's support article 215647217).
        "complexAircraft": "x" if facts.complex else "", "highPerformance": "x" if facts.high_performance else "",
    }
    return _padded(safe_text(values.get(header, "")) for header in c.FOREFLIGHT_AIRCRAFT_HEADER_2026)


def _person(name: str, role: str) -> str:
    return f"{name};{role};;" if name else ""


_FLIGHT_POSITION = {header: position for position, header in enumerate(c.FOREFLIGHT_FLIGHT_HEADER_2026)}
# Cells that carry the pilot's text (numbers, dates and times we format ourselves never start like a formula).
_TEXT_COLUMNS = frozenset({"AircraftID", "From", "To", "Route", "Approach1", "InstructorName", "PilotComments",
                           *(f"Person{n}" for n in range(1, 7))})


def foreflight_flight_row(flight) -> list[str]:
    counts = landing_counts(flight)
    properties = _property_ids(flight)
    people = [cell for cell in (_person(flight.pic_name, "PIC"), _person(flight.sic_name, "SIC"),
                                _person(flight.instructor_name, "Instructor"), _person(flight.student_name, "Student")) if cell]
    values = {
        "Date": flight.date.isoformat(), "AircraftID": flight.tail_number, "From": flight.departure,
        "To": flight.destination, "Route": flight.route,
        "TimeOut": clock_text(flight.block_out), "TimeOff": clock_text(flight.takeoff_at),
        "TimeOn": clock_text(flight.landing_at), "TimeIn": clock_text(flight.block_in),
        "TotalTime": hours_text(flight.total_flight_time), "PIC": hours_text(flight.pic), "SIC": hours_text(flight.sic),
        "Night": hours_text(flight.night), "CrossCountry": hours_text(flight.cross_country),
        "Takeoff Day": count_text(counts.day_takeoffs), "Takeoff Night": count_text(counts.night_takeoffs),
        "Landing Full-Stop Day": count_text(counts.day_full_stop),
        "Landing Full-Stop Night": count_text(counts.night_full_stop),
        "Landing Touch-and-Go Day": count_text(counts.day_touch_and_go),
        "Landing Touch-and-Go Night": count_text(counts.night_touch_and_go),
        "ActualInstrument": hours_text(flight.imc), "SimulatedInstrument": hours_text(flight.simulated_ifr),
        "Holds": count_text(flight.holds),
        "Approach1": f"{flight.approaches};{flight.approach_type};;;" if flight.approaches else "",
        "DualGiven": hours_text(flight.cfi), "DualReceived": hours_text(flight.dual),
        "SimulatedFlight": hours_text(flight.ground_sim), "InstructorName": flight.instructor_name,
        **{f"Person{n}": cell for n, cell in enumerate(people, start=1)},
        "PilotComments": flight.remarks,
        "Flight Review": "x" if properties & FLIGHT_REVIEW_PROPERTIES else "",
        "IPC": "x" if properties & IPC_PROPERTIES else "",
    }
    row = [""] * c.FOREFLIGHT_WIDTH
    for header, value in values.items():
        if value:
            row[_FLIGHT_POSITION[header]] = safe_text(value) if header in _TEXT_COLUMNS else value
    return row


def write_foreflight(flights: Iterable, aircraft: Mapping[str, AircraftFacts]) -> Iterator[str]:
    """ForeFlight's 2026 import template with `aircraft` (every tail the flights use) and the flights, as lines."""
    yield _line(_padded(c.FOREFLIGHT_FIRST_ROW))
    yield _line(_padded([]))
    yield _line(_padded([c.AIRCRAFT_TABLE]))
    yield _line(_padded(c.FOREFLIGHT_AIRCRAFT_TYPES_2026))
    yield _line(_padded(c.FOREFLIGHT_AIRCRAFT_HEADER_2026))
    for tail in sorted(aircraft):
        yield _line(foreflight_aircraft_row(aircraft[tail]))
    for _ in range(c.FOREFLIGHT_BLANK_ROWS_AFTER_AIRCRAFT):
        yield _line(_padded([]))
    yield _line([c.FLIGHTS_TABLE if i == 0 else c.FOREFLIGHT_HINTS.get(header, "")
                 for i, header in enumerate(c.FOREFLIGHT_FLIGHT_HEADER_2026)])
    yield _line(list(c.FOREFLIGHT_FLIGHT_TYPES_2026))
    yield _line(list(c.FOREFLIGHT_FLIGHT_HEADER_2026))
    line = _LineWriter()
    for flight in flights:
        yield line(foreflight_flight_row(flight))


# --- MyFlightbook -------------------------------------------------------------------------------------


def myflightbook_row(flight, model: str = "", category_class: str = "") -> list[str]:
    """One flight as a MyFlightbook CSV row; `model` and `category_class` are its aircraft's (the flight's own
    type text and category/class win when it has them)."""
    counts = landing_counts(flight)
    has_counts = bool(counts.day_landings or counts.night_landings or counts.day_takeoffs or counts.night_takeoffs)
    route = flight.route or " ".join(part for part in (flight.departure, flight.destination) if part)
    values = {
        "Date": flight.date.isoformat(), "Tail Number": flight.tail_number,
        "Total Flight Time": hours_text(flight.total_flight_time), "Approaches": count_text(flight.approaches),
        "Hold": "Yes" if flight.holds else "",  # MyFlightbook's Hold is yes/no: the number of holds is not carried
        # Landings is every landing; FS Day/FS Night are the full stops (MyFlightbook's FullStopLandings/NightLandings).
        "Landings": count_text(counts.day_landings + counts.night_landings),
        "FS Day Landings": count_text(counts.day_full_stop), "FS Night Landings": count_text(counts.night_full_stop),
        "X-Country": hours_text(flight.cross_country), "Night": hours_text(flight.night), "IMC": hours_text(flight.imc),
        "Simulated Instrument": hours_text(flight.simulated_ifr), "Ground Simulator": hours_text(flight.ground_sim),
        "Dual Received": hours_text(flight.dual), "CFI": hours_text(flight.cfi), "SIC": hours_text(flight.sic),
        "PIC": hours_text(flight.pic), "Route": route, "Comments": flight.remarks,
        "Model": model or flight.aircraft_type,
        "Category/Class": getattr(flight, "category_class", "") or category_class,
        # Written even when 0 if the flight has landings: MyFlightbook reads a missing takeoff count as "as many
        # takeoffs as landings" (issue 12), which would invent takeoffs.
        "Takeoffs (any)": str(counts.day_takeoffs + counts.night_takeoffs) if has_counts else "",
        "Takeoffs - Night": str(counts.night_takeoffs) if has_counts else "",
        "Block Out Time": timestamp_text(flight.block_out), "Block In Time": timestamp_text(flight.block_in),
        "Flight Start": timestamp_text(flight.takeoff_at), "Flight End": timestamp_text(flight.landing_at),
        "Name of PIC": flight.pic_name, "Name of SIC": flight.sic_name, "Instructor Name": flight.instructor_name,
        "Student Name": flight.student_name, "Approach Name(s)": flight.approach_type,
    }
    return [safe_text(values.get(header) or "") for header in c.MYFLIGHTBOOK_HEADER]


def write_myflightbook(flights: Iterable, aircraft: Mapping[int, tuple[str, str]] | None = None) -> Iterator[str]:
    """MyFlightbook's import template columns, then the properties its importer knows by title, as lines.
    `aircraft`: {aircraft id: (model, category/class)} of the pilot's aircraft the flights point at."""
    yield _line(list(c.MYFLIGHTBOOK_HEADER))
    line = _LineWriter()
    aircraft = aircraft or {}
    for flight in flights:
        model, category_class = aircraft.get(getattr(flight, "aircraft_id", None), ("", ""))
        yield line(myflightbook_row(flight, model, category_class))
