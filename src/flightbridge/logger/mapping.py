"""Map a logbook `Flight` to a Logger entry and a Logger entry back to `Flight` columns.

Pure functions: they read a Flight's attributes and ask the airport database (an `Airports`, see
registry/interfaces.py) for time zones, and never touch the database themselves. Columns we hold
always win; for a flight that came in from Logger, the Logger fields we do not model (hobbs, fuel,
extra crew, isFavorite …) come back out of `Flight.raw` so a round trip keeps them. It must never
emit a value Logger v1.2 would reject (an unknown approach type, a LID that is no IATA/ICAO code).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from flightbridge.logbook.models import Flight, FlightSource, SimulatorType
from flightbridge.logbook.property_types import logged_takeoffs
from flightbridge.registry.interfaces import Airports

from . import codec
from .codec import Problem

ZERO = Decimal("0")
MAX_COUNT = 2_147_483_647  # PositiveIntegerField is a 32-bit integer on PostgreSQL

# Logger field → Flight column. These are the fields whose value always comes from our columns.
DURATION_COLUMNS = {
    "picTime": "pic",
    "sicTime": "sic",
    "dualTime": "dual",
    "instructorTime": "cfi",
    "crossCountryTime": "cross_country",
    "actualInstrumentTime": "imc",
    "simulatedInstrumentTime": "simulated_ifr",
    "simTime": "ground_sim",
    "nightTime": "night",
}
#: Logger's landing counts are every landing (day or night, of any kind), which our day/night_landings
#: columns hold (for a MyFlightbook flight: Landings split by NightLandings + night touch-and-goes).
COUNT_COLUMNS = {
    "numberOfDayLandings": "day_landings",
    "numberOfNightLandings": "night_landings",
    "numberOfDayTakeOffs": "day_takeoffs",
    "numberOfNightTakeOffs": "night_takeoffs",
    "numberOfApproaches": "approaches",
    "numberOfHolds": "holds",
}
TEXT_COLUMNS = {
    "aircraftType": "aircraft_type",
    "aircraftRegistration": "tail_number",
    "picName": "pic_name",
    "sicName": "sic_name",
    "pilotInstructorName": "instructor_name",
    "pilotStudentName": "student_name",
    "flightRules": "flight_rules",
    "remark": "remarks",
}
AIRPORT_COLUMNS = {"departureAirport": "departure", "arrivalAirport": "destination"}
#: In the order they happen; departure-side times are read on the departure airport's clock,
#: arrival-side times on the arrival airport's.
CLOCK_COLUMNS = (
    ("departureTime", "block_out", "departure"),
    ("takeOffTime", "takeoff_at", "departure"),
    ("landingTime", "landing_at", "arrival"),
    ("arrivalTime", "block_in", "arrival"),
)
#: Logger clock fields we do not model, and the airport whose clock they are read on.
RAW_CLOCK_SIDES = {"onDuty": "departure", "scheduledDepartureTime": "departure", "offDuty": "arrival",
                   "scheduledArrivalTime": "arrival"}
MODELED_FIELDS = frozenset(
    codec.REQUIRED_FIELDS + tuple(DURATION_COLUMNS) + tuple(COUNT_COLUMNS) + tuple(TEXT_COLUMNS)
    + tuple(AIRPORT_COLUMNS) + tuple(name for name, _column, _side in CLOCK_COLUMNS) + ("approachType",)
)
#: Parts of the flight's total that cannot overlap: one pilot is not PIC and SIC at once, and
#: conditions are either actual or simulated instrument. Each part alone, and each group's sum,
#: stays within the total when rounded to minutes.
EXCLUSIVE_GROUPS = (("pic", "sic"), ("imc", "simulated_ifr"))
#: Durations that are a part of a flight's own time: the largest bounds the total from below.
FLIGHT_TIME_PARTS = (
    "picTime", "sicTime", "dualTime", "instructorTime", "crossCountryTime", "ifrTime", "actualInstrumentTime",
    "simulatedInstrumentTime", "nightTime", "multiCrewTime", "singleEngineTime", "multiEngineTime", "gliderTime",
    "rotorcraftTime", "nightVisionTime", "lineInstructorTime", "lineCheckerTime",
)
#: Spellings other logbooks use for an approach, → Logger's list. RNAV (GPS) approaches are RNP APCH
#: in ICAO terms; anything not here and not in Logger's list is left out rather than sent invalid.
APPROACH_ALIASES = {
    "ILS": "ILS CAT I", "ILS CAT 1": "ILS CAT I", "ILS CAT 2": "ILS CAT II", "ILS CAT 3": "ILS CAT III",
    "GPS": "RNP", "RNAV": "RNP", "RNAV (GPS)": "RNP", "RNAV GPS": "RNP", "LPV": "RNP", "LNAV": "RNP",
    "LNAV/VNAV": "RNP", "RNP APCH": "RNP", "LOC BC": "LOC", "LOC-BC": "LOC", "LDA": "LOC", "SDF": "LOC",
    "VOR/DME": "VOR", "VIS": "Visual", "VISUAL": "Visual", "CIRCLE": "Circling", "CIRCLING": "Circling",
    "ASR": "SRA", "MONITORED": "Monitored",
}
_APPROACHES = {name.upper(): name for name in codec.APPROACH_TYPES}


class _Unconvertible(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def is_logger_flight(flight: Flight) -> bool:
    return flight.source == FlightSource.LOGGER and isinstance(flight.raw, dict)


def approach_for_logger(value: str) -> str | None:
    key = " ".join(value.upper().split())
    return _APPROACHES.get(key) or APPROACH_ALIASES.get(key)


def _wall_to_utc(airports: Airports, code: str | None, day: date, clock: time) -> datetime:
    """A wall-clock time on `day` → an aware UTC datetime; `code` None means the clock is UTC."""
    try:
        if code is None:
            return datetime.combine(day, clock, tzinfo=UTC)
        converted = airports.to_utc(code, day, clock)
    except (OverflowError, ValueError):
        raise _Unconvertible(f"{day.isoformat()} {codec.format_clock(clock)} is out of range") from None
    if converted is None:
        raise _Unconvertible(f"{code} is not in the airport database, so its local time cannot be converted")
    if converted.nonexistent:
        raise _Unconvertible(
            f"{codec.format_clock(clock)} does not exist at {code} on {day.isoformat()} (clocks spring forward)")
    return converted.utc


def _utc_to_wall(airports: Airports, code: str | None, moment: datetime) -> datetime:
    try:
        if code is None:
            return moment.astimezone(UTC)
        local = airports.to_local(code, moment)
    except (OverflowError, ValueError):
        raise _Unconvertible(f"{moment.isoformat()} is out of range") from None
    if local is None:
        raise _Unconvertible(f"{code} is not in the airport database, so its local time is unknown")
    return local


def _zone_code(side: str, departure: str, arrival: str) -> str | None:
    """The airport whose clock a departure- or arrival-side time is read on (arrival falls back to departure)."""
    if side == "arrival" and arrival:
        return arrival
    return departure or None


# --- Export ---------------------------------------------------------------------------------------


@dataclass
class ExportedEntry:
    entry: dict
    warnings: list[str]
    #: airport identifiers Logger cannot take (an FAA LID such as S43): noted once per airport by the export
    left_out_airports: list[str] = field(default_factory=list)


def _describe(flight: Flight) -> str:
    route = "-".join(part for part in (flight.departure, flight.destination) if part)
    return f"The flight of {flight.date.isoformat()}{' ' + route if route else ''}"


def _export_airport(airports: Airports, value: str) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if codec.is_airport_code(value):
        return value.upper()
    normalized = airports.normalize_airport(value)
    return normalized if codec.is_airport_code(normalized) else None


def _raw_basis_fields(flight: Flight, raw_is_utc: bool | None, *, is_utc: bool, airports: Airports,
                      departure: str, arrival: str, warnings: list[str]) -> dict:
    """The Logger fields we do not model, from `raw`, with their clock times moved to the export's basis."""
    base = {name: value for name, value in flight.raw.items() if name not in MODELED_FIELDS and value is not None}
    raw_day = codec.parse_date(flight.raw.get("departureDate")) or flight.date
    for name, side in RAW_CLOCK_SIDES.items():
        clock = codec.parse_clock(base.get(name))
        if clock is None or raw_is_utc == is_utc:
            continue
        if raw_is_utc is None:
            warnings.append(f"{_describe(flight)}: {name} left out, the time basis it was imported in is unknown")
            del base[name]
            continue
        code = _zone_code(side, departure, arrival)
        try:
            moment = _wall_to_utc(airports, None if raw_is_utc else code, raw_day, clock)
            base[name] = codec.format_clock(_utc_to_wall(airports, None if is_utc else code, moment).time())
        except _Unconvertible as exc:
            warnings.append(f"{_describe(flight)}: {name} left out, {exc.reason}")
            del base[name]
    return base


def flight_to_entry(flight: Flight, *, is_utc: bool, airports: Airports, raw_is_utc: bool | None = None) -> ExportedEntry:
    """One flight → one Logger entry (fields in the document's order) and the notes about what was left out.

    `raw_is_utc` is the basis of the Logger package a Logger-sourced flight last came in with.
    """
    warnings: list[str] = []
    from_logger = is_logger_flight(flight)
    raw = flight.raw if from_logger else {}
    departure, arrival = (flight.departure or "").strip().upper(), (flight.destination or "").strip().upper()
    entry = _raw_basis_fields(flight, raw_is_utc, is_utc=is_utc, airports=airports, departure=departure,
                              arrival=arrival, warnings=warnings) if from_logger else {}

    raw_id = raw.get("importId")
    entry["importId"] = raw_id if isinstance(raw_id, str) and raw_id.strip() else codec.import_id_for(
        flight.owner_id, flight.pk, flight.external_id)
    if flight.simulator_type != SimulatorType.REAL:
        entry["entryType"] = "Simulator"
    elif raw.get("entryType") in codec.ENTRY_TYPES and raw["entryType"] != "Simulator":
        entry["entryType"] = raw["entryType"]  # Dead Head, reserves … come back as they went in
    else:
        entry["entryType"] = "Flight"

    entry["departureDate"] = flight.date.isoformat()
    departure_column = "block_out" if flight.block_out else "takeoff_at"
    for name, column, side in CLOCK_COLUMNS:
        moment = getattr(flight, column)
        if moment is None:
            continue
        code = None if is_utc else _zone_code(side, departure, arrival)
        if code is None and not is_utc:
            warnings.append(f"{_describe(flight)}: {name} left out, local time needs the departure airport")
            continue
        try:
            wall = _utc_to_wall(airports, code, moment)
        except _Unconvertible as exc:
            warnings.append(f"{_describe(flight)}: {name} left out, {exc.reason}")
            continue
        entry[name] = codec.format_clock(wall.time())
        if column == departure_column:
            # isUTC true: the UTC date of departure, which may differ from the logbook's local date.
            entry["departureDate"] = wall.date().isoformat()

    left_out_airports: list[str] = []
    for name, column in AIRPORT_COLUMNS.items():
        value = getattr(flight, column)
        code = _export_airport(airports, value)
        if code:
            entry[name] = code
        elif value and value.strip():
            left_out_airports.append(value.strip().upper())

    for name, column in TEXT_COLUMNS.items():
        value = getattr(flight, column) or ""
        if value or name in raw:
            entry[name] = value
    if flight.approach_type:
        approach = approach_for_logger(flight.approach_type)
        if approach:
            entry["approachType"] = approach
        else:
            warnings.append(f"{_describe(flight)}: approach type {flight.approach_type!r} left out, not in Logger's list")

    is_sim = flight.simulator_type != SimulatorType.REAL
    total = flight.total_flight_time or ZERO
    if total <= 0 and is_sim:
        total = flight.ground_sim or ZERO  # a simulator session logs its time as ground sim, not flight time
    minutes = codec.apportion_minutes({column: getattr(flight, column) or ZERO for column in DURATION_COLUMNS.values()},
                                      total, EXCLUSIVE_GROUPS)
    for name, column in DURATION_COLUMNS.items():
        if minutes[column] > 0 or name in raw:
            entry[name] = codec.format_duration(minutes[column])
    if not from_logger and (flight.flight_rules or "").upper() == "IFR" and total > 0 and not is_sim:
        entry["ifrTime"] = codec.format_duration(codec.hours_to_minutes(total))

    day_takeoffs, night_takeoffs = logged_takeoffs(flight)  # never an inferred count as logged (issue 20)
    logged = {"day_takeoffs": day_takeoffs, "night_takeoffs": night_takeoffs}
    for name, column in COUNT_COLUMNS.items():
        value = (logged[column] if column in logged else getattr(flight, column)) or 0
        if value > 0 or name in raw:
            entry[name] = value
    return ExportedEntry(entry=codec.ordered_entry(entry), warnings=warnings, left_out_airports=left_out_airports)


# --- Import ---------------------------------------------------------------------------------------


@dataclass
class MappedEntry:
    fields: dict
    problems: list[Problem]


def _has_nul(value) -> bool:
    return any(isinstance(item, str) and "\x00" in item for item in codec.walk_leaves(value))


def _max_length(column: str) -> int | None:
    return Flight._meta.get_field(column).max_length


def entry_to_flight(entry: dict, index: int, *, is_utc: bool, airports: Airports) -> MappedEntry:
    """A valid (per `codec.validate_entry`) entry → Flight column values, or the problems that stop it."""
    import_id = entry["importId"]
    problems: list[Problem] = []

    def bad(name: str | None, reason: str) -> None:
        problems.append(Problem(index, import_id, name, reason))

    if _has_nul(entry):
        bad(None, "contains a NUL character, which the logbook cannot store")
    entry_type = entry["entryType"]
    fields: dict = {"simulator_type": SimulatorType.FLAPS if entry_type == "Simulator" else SimulatorType.REAL}
    # Logger says nothing about the device, so a simulator entry is "other": crediting it as a full
    # flight simulator without evidence would over-credit §61.57(c) instrument currency.

    for name, column in AIRPORT_COLUMNS.items():
        fields[column] = (entry.get(name) or "").upper()
    departure, arrival = fields["departure"], fields["destination"]
    fields["route"] = " ".join(code for code in (departure, arrival) if code)

    for name, column in TEXT_COLUMNS.items():
        value = entry.get(name) or ""
        limit = _max_length(column)
        if limit is not None and len(value) > limit:
            bad(name, f"{len(value)} characters; the logbook keeps at most {limit}")
        fields[column] = value
    fields["approach_type"] = entry.get("approachType") or ""

    for name, column in COUNT_COLUMNS.items():
        value = entry.get(name) or 0
        if value > MAX_COUNT:
            bad(name, f"{value} is larger than the logbook can store ({MAX_COUNT})")
        fields[column] = value
    # A Logger entry is one leg and Logger has no touch-and-go count: its landings are full-stop landings.
    fields["day_full_stop_landings"] = fields["day_landings"]
    fields["night_full_stop_landings"] = fields["night_landings"]
    for name, column in DURATION_COLUMNS.items():
        fields[column] = codec.minutes_to_hours(codec.parse_duration(entry.get(name)) or 0)

    day = codec.parse_date(entry["departureDate"])
    fields["date"] = day
    previous: datetime | None = None
    for name, column, side in CLOCK_COLUMNS:
        fields[column] = None
        clock = codec.parse_clock(entry.get(name))
        if clock is None:
            continue
        code = None if is_utc else _zone_code(side, departure, arrival)
        if code is None and not is_utc:
            bad(name, "a local time (isUTC false) needs a departureAirport to know its time zone")
            continue
        try:
            if previous is None:
                moment = _wall_to_utc(airports, code, day, clock)
            else:
                # Each time is the first such wall-clock time at or after the one before it:
                # a 23:30 departure and a 01:10 arrival cross midnight.
                wall_day = _utc_to_wall(airports, code, previous).date()
                moment = _wall_to_utc(airports, code, wall_day, clock)
                if moment < previous:
                    moment = _wall_to_utc(airports, code, wall_day + timedelta(days=1), clock)
        except _Unconvertible as exc:
            bad(name, exc.reason)
            continue
        fields[column] = moment
        previous = moment

    departure_moment = fields["block_out"] or fields["takeoff_at"]
    if is_utc and departure_moment is not None and departure and not problems:
        # The logbook date is the local date at the departure airport (the package holds the UTC date).
        try:
            fields["date"] = _utc_to_wall(airports, departure, departure_moment).date()
        except _Unconvertible:
            pass  # an airport we cannot place keeps the package's date

    fields["total_flight_time"] = ZERO
    if entry_type == "Flight":
        fields["total_flight_time"] = codec.minutes_to_hours(_flight_minutes(entry, fields))
    return MappedEntry(fields=fields, problems=problems)


def _span(start: datetime | None, end: datetime | None) -> int:
    if start is None or end is None or end <= start:
        return 0
    return int((end - start).total_seconds() // 60)


def _flight_minutes(entry: dict, fields: dict) -> int:
    """Total time: block time when known, else takeoff-to-landing, else the largest part (Logger has no total field)."""
    block = _span(fields["block_out"], fields["block_in"])
    if block:
        return block
    airborne = _span(fields["takeoff_at"], fields["landing_at"])
    if airborne:
        return airborne
    parts = {name: codec.parse_duration(entry.get(name)) or 0 for name in FLIGHT_TIME_PARTS}
    groups = [parts["picTime"] + parts["sicTime"], parts["actualInstrumentTime"] + parts["simulatedInstrumentTime"]]
    return max([*parts.values(), *groups])
