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

from flightbridge.logbook.category_classes import CATEGORY_CLASSES
from flightbridge.logbook.property_types import logged_takeoffs, property_type

from . import columns as c
from .reading import AircraftFacts
from .values import clock_text, count_text, hhmm_text, hours_text, safe_text, timestamp_text

decimal_hours_text = hours_text

# MyFlightbook's "PIC Proficiency Check (FAA 61.58)" property, ForeFlight's "FAA 61.58" column.
PIC_PROFICIENCY_CHECK = 188


@dataclass(frozen=True)
class LandingCounts:
    day_landings: int
    night_landings: int
    day_full_stop: int
    night_full_stop: int
    day_takeoffs: int | None  # None: none logged (the counts were inferred)
    night_takeoffs: int | None

    @property
    def day_touch_and_go(self) -> int:
        return max(self.day_landings - self.day_full_stop, 0)

    @property
    def night_touch_and_go(self) -> int:
        return max(self.night_landings - self.night_full_stop, 0)


def landing_counts(flight) -> LandingCounts:
    """A flight's counts by issue 12's rules: day/night landings are all landings, the full-stop counts apart
    (never more than the landings they are part of). Takeoffs are the logged ones only (issue 20): a count
    FlightBridge inferred from landings is never written as if the pilot had logged it (None: leave it empty)."""
    day, night = flight.day_landings or 0, flight.night_landings or 0
    day_takeoffs, night_takeoffs = logged_takeoffs(flight)
    return LandingCounts(
        day_landings=day, night_landings=night,
        day_full_stop=min(flight.day_full_stop_landings or 0, day),
        night_full_stop=min(flight.night_full_stop_landings or 0, night),
        day_takeoffs=day_takeoffs, night_takeoffs=night_takeoffs,
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
        "HobbsStart": meter_text(flight.hobbs_start), "HobbsEnd": meter_text(flight.hobbs_end),
        "TachStart": meter_text(flight.tach_start), "TachEnd": meter_text(flight.tach_end),
        # By MyFlightbook's property flags (issue 20); TRUE, which ForeFlight and MyFlightbook's ForeFlight importer
        # (ForeFlight.cs, true/false or a number) both read.
        "Flight Review": "TRUE" if flight.flight_review else "", "IPC": "TRUE" if flight.ipc else "",
        "Checkride": "TRUE" if flight.checkride else "",
        "FAA 61.58": "TRUE" if PIC_PROFICIENCY_CHECK in properties else "",
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


def myflightbook_row(flight, model: str = "", category_class: str = "", property_columns: tuple[str, ...] = (),
                     hhmm: bool = False) -> list[str]:
    """One flight as a MyFlightbook CSV row; `model` and `category_class` are its aircraft's (the flight's own
    type text and category/class win when it has them)."""
    counts = landing_counts(flight)
    hours_text = hhmm_text if hhmm else decimal_hours_text
    logged = counts.day_takeoffs is not None
    has_counts = logged and bool(counts.day_landings or counts.night_landings or counts.day_takeoffs or counts.night_takeoffs)
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
        # Logged takeoffs only (issue 20): a flight whose counts were inferred has its cells empty, as MyFlightbook
        # itself has no takeoff property for it. Logged ones are written even when 0 beside landings.
        "Takeoffs (any)": str(counts.day_takeoffs + counts.night_takeoffs) if has_counts else "",
        "Takeoffs - Night": str(counts.night_takeoffs) if has_counts else "",
        "Block Out Time": timestamp_text(flight.block_out), "Block In Time": timestamp_text(flight.block_in),
        "Flight Start": timestamp_text(flight.takeoff_at), "Flight End": timestamp_text(flight.landing_at),
        "Name of PIC": flight.pic_name, "Name of SIC": flight.sic_name, "Instructor Name": flight.instructor_name,
        "Student Name": flight.student_name, "Approach Name(s)": flight.approach_type,
        "Landings - Touch and Go (Night)": count_text(counts.night_touch_and_go),
        "Hobbs Start": meter_text(flight.hobbs_start), "Hobbs End": meter_text(flight.hobbs_end),
        "Engine Start": timestamp_text(flight.engine_start), "Engine End": timestamp_text(flight.engine_end),
        "Tachometer Start": meter_text(flight.tach_start), "Tachometer End": meter_text(flight.tach_end),
        "Cat/Class Override": str(_CATEGORY_CLASS_IDS.get(flight.category_class, "")),
        **carried_properties(flight, property_columns),
    }
    return [safe_text(values.get(header) or "") for header in (*c.MYFLIGHTBOOK_HEADER, *property_columns)]


_CATEGORY_CLASS_IDS = {name: cat_class_id for cat_class_id, name in CATEGORY_CLASSES.items()}


def meter_text(value) -> str:
    return format(value, "f") if value else ""


def property_text(prop: Mapping) -> str:
    """A carried property's value as MyFlightbook's CSV writes it (Yes for a true boolean)."""
    kind = property_type(prop.get("PropTypeID"))
    if kind is None:
        return ""
    if kind.type == "boolean":
        return "Yes" if prop.get("BoolValue") in (True, "true", "True") else ""
    if kind.type in ("int", "decimal", "currency"):
        value = prop.get("IntValue") if kind.type == "int" else prop.get("DecValue")
        return str(value) if value not in (None, 0, "") else ""
    if kind.type in ("date", "datetime"):
        return str(prop.get("DateValue") or "").replace("T", " ")
    return str(prop.get("TextValue") or "")


def carried_properties(flight, titles: tuple[str, ...]) -> dict[str, str]:
    """The flight's MyFlightbook properties under their real titles (only the `titles` the file has columns
    for), and its flight review / IPC / checkride markers under MyFlightbook's generic titles when it carries
    no property of that kind (a flight marked from a ForeFlight file, say)."""
    wanted = set(titles)
    cells: dict[str, str] = {}
    kinds = []
    for prop in getattr(flight, "custom_properties", None) or []:
        if not isinstance(prop, Mapping):
            continue
        kind = property_type(prop.get("PropTypeID"))
        if kind is None or kind.id in c.MYFLIGHTBOOK_PROPERTY_COLUMNS_TAKEN:
            continue
        kinds.append(kind)
        if kind.title in wanted and (text := property_text(prop)):
            cells[kind.title] = text
    for marker, type_id in c.MYFLIGHTBOOK_MARKER_PROPERTIES.items():
        if getattr(flight, marker, False) and not any(getattr(kind, marker) for kind in kinds):
            title = property_type(type_id).title
            if title in wanted:
                cells[title] = "Yes"
    return cells


def property_columns_for(property_ids: Iterable[int], markers: Iterable[str] = ()) -> tuple[str, ...]:
    """The carried-property columns of a MyFlightbook file: every property type the flights use (one column
    each, by title, in MyFlightbook's title order) and the generic marker titles the flights need."""
    ids = {type_id for type_id in property_ids if type_id not in c.MYFLIGHTBOOK_PROPERTY_COLUMNS_TAKEN}
    ids |= {c.MYFLIGHTBOOK_MARKER_PROPERTIES[marker] for marker in markers}
    titles = {property_type(type_id).title for type_id in ids if property_type(type_id) is not None}
    return tuple(sorted(titles - set(c.MYFLIGHTBOOK_HEADER), key=str.casefold))


def write_myflightbook(flights: Iterable, aircraft: Mapping[int, tuple[str, str]] | None = None,
                       property_columns: tuple[str, ...] = (), *, hhmm: bool = False) -> Iterator[str]:
    """MyFlightbook's import template columns, the properties its importer knows by title, then one column per
    carried property (`property_columns_for`), as lines. `aircraft`: {aircraft id: (model, category/class)} of
    the pilot's aircraft the flights point at. `hhmm`: times as H:MM, which MyFlightbook reads the
    same in every language (it parses decimals in the browser's language: "1.5" is 15 hours to a German one,
    CSVImporter.cs; H:MM falls through to DecimalFromHHMM)."""
    yield _line([*c.MYFLIGHTBOOK_HEADER, *property_columns])
    line = _LineWriter()
    aircraft = aircraft or {}
    for flight in flights:
        model, category_class = aircraft.get(getattr(flight, "aircraft_id", None), ("", ""))
        yield line(myflightbook_row(flight, model, category_class, property_columns=property_columns, hhmm=hhmm))
