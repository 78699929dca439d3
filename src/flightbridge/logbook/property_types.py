"""MyFlightbook's custom property types: the table every flight property (`PropTypeID`) points into.

The table ships in the package (`data/property_types.tsv`, MyFlightbook's `custompropertytypes` rows from
MyFlightbook.Web/Support/MinimalDB-2026-01-29.sql, ericberman/MyFlightbookWeb at b1c03562), so pages,
exports and the currency engine name a property and classify it without asking MyFlightbook. Plain data
and pure functions: no database, no network. Whether a property makes a flight a flight review or an IPC
is MyFlightbook's own flag (CustomPropertyTypes.cs `cfpFlagBFR` / `cfpFlagIPC`), never a list of ids kept
here; a checkride is a "Checkride - …" title (Checkrides.cs reads those ids as the pilot's checkrides).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from collections.abc import Iterable, Mapping
from typing import Any

# Flag bits (CustomPropertyTypes.cs, CFPPropertyFlag constants).
FLAG_BFR = 0x1
FLAG_IPC = 0x2
FLAG_GLIDER_INSTRUMENT_MANEUVERS = 0x400  # "Glider - IFR Maneuvers Time" (56): hours, §61.57(c)(3)(i)(B)
FLAG_GLIDER_INSTRUMENT_PASSENGERS = 0x800  # "Glider - IFR Maneuvers to carry Passengers" (57): §61.57(c)(3)(ii)(B)
FLAG_APPROACH = 0x1000
FLAG_NO_SUM = 0x2000
FLAG_NIGHT_TAKEOFF = 0x4000
FLAG_PIC_PROFICIENCY_CHECK = 0x10000
FLAG_SOLO = 0x40000
FLAG_LANDING = 0x8000000
FLAG_INITIAL_CAPS = 0x10000000
FLAG_PRECISION_APPROACH = 0x20000000

# Titles of checkrides (a pilot certificate or rating practical test). Checkrides.cs (~688) reads 39, 40, 42,
# 43, 45, 89, 131, 161, 176, 177, 225 and 623 as the pilot's checkrides: exactly the "Checkride - " titles
# of its time; 803 (LAPL) and 809 (Aerobatic Instructor) were added since under the same title.
# "Checkride: Pilot Proficiency" (174) and "Checkride: Mission" (322) are proficiency/mission checks.
CHECKRIDE_TITLE_PREFIX = "Checkride - "

# Properties FlightBridge maps into a flight's own fields (KnownProperties in CustomPropertyTypes.cs).
PROP_NIGHT_TAKEOFFS = 73
PROP_INSTRUCTOR_NAME = 92
PROP_TAKEOFFS_ANY = 93
PROP_TACH_START = 95
PROP_TACH_END = 96
PROP_STUDENT_NAME = 166
PROP_NAME_OF_PIC = 183
PROP_NAME_OF_SIC = 184
PROP_BLOCK_IN = 186
PROP_BLOCK_OUT = 187
PROP_APPROACH_NAMES = 267
PROP_PASSENGERS = 316
PROP_NIGHT_TOUCH_AND_GO = 397
PROP_NAME_OF_PICUS = 840


@dataclass(frozen=True)
class PropertyType:
    """One row of MyFlightbook's `custompropertytypes`."""

    id: int
    title: str
    type: str  # int, decimal, boolean, datetime, date, string, currency (CFPPropertyType)
    flags: int

    @property
    def flight_review(self) -> bool:
        """Counts as a flight review (§61.56) in MyFlightbook (the BFR flag: checkrides, BFR, WINGS, 61.58 …)."""
        return bool(self.flags & FLAG_BFR)

    @property
    def ipc(self) -> bool:
        """Counts as an instrument proficiency check (§61.57(d)) in MyFlightbook (the IPC flag)."""
        return bool(self.flags & FLAG_IPC)

    @property
    def checkride(self) -> bool:
        return self.title.startswith(CHECKRIDE_TITLE_PREFIX)

    @property
    def approach(self) -> bool:
        return bool(self.flags & FLAG_APPROACH)

    @property
    def landing(self) -> bool:
        return bool(self.flags & FLAG_LANDING)


@cache
def property_types() -> dict[int, PropertyType]:
    """Every property type MyFlightbook defines, by id (read once from the packaged table)."""
    text = resources.files(__package__).joinpath("data/property_types.tsv").read_text(encoding="utf-8")
    table: dict[int, PropertyType] = {}
    for line in text.splitlines():
        if not line or line.startswith("#") or line.startswith("id\t"):
            continue
        cells = line.split("\t")
        table[int(cells[0])] = PropertyType(id=int(cells[0]), title=cells[1], type=cells[2], flags=int(cells[3]))
    return table


def property_type(prop_type_id: Any) -> PropertyType | None:
    """The type with this id; None for an id MyFlightbook's table (as shipped) does not have."""
    try:
        return property_types().get(int(prop_type_id))
    except (TypeError, ValueError):
        return None


def property_title(prop_type_id: Any) -> str:
    """MyFlightbook's title for a property (its column name in MyFlightbook's CSV); `Property <id>` when unknown."""
    found = property_type(prop_type_id)
    return found.title if found else f"Property {prop_type_id}"


def property_type_by_title(title: str) -> PropertyType | None:
    """A column of MyFlightbook's CSV → its property type (MyFlightbook matches titles case-insensitively)."""
    return _by_title().get(" ".join(title.split()).casefold())


@cache
def _by_title() -> dict[str, PropertyType]:
    return {" ".join(kind.title.split()).casefold(): kind for kind in property_types().values()}


@cache
def flight_review_ids() -> frozenset[int]:
    return frozenset(kind.id for kind in property_types().values() if kind.flight_review)


@cache
def ipc_ids() -> frozenset[int]:
    return frozenset(kind.id for kind in property_types().values() if kind.ipc)


@cache
def checkride_ids() -> frozenset[int]:
    return frozenset(kind.id for kind in property_types().values() if kind.checkride)


@dataclass(frozen=True)
class FlightMarkers:
    """What a flight's properties make it: a flight review, an IPC, a checkride (any or all)."""

    flight_review: bool = False
    ipc: bool = False
    checkride: bool = False
    #: hours of glider instrument maneuvers (the properties with cfpFlagGliderInstrumentManeuvers, DecValue)
    glider_instrument_maneuvers: Decimal = Decimal(0)
    #: the glider instrument maneuvers needed to carry passengers (cfpFlagGliderInstrumentManeuversPassengers)
    glider_passenger_maneuvers: bool = False


def _is_true(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return value is True or (type(value) is int and value == 1)


def markers_for(properties: Iterable[Any]) -> FlightMarkers:
    """A flight's CustomProperties → its markers, by MyFlightbook's flags and checkride titles.

    Every marker property is a boolean, whose `BoolValue` MyFlightbook emits only when true; one listed
    without it (a hand-made record) is not set.
    """
    review = ipc = checkride = passenger_maneuvers = False
    maneuvers = Decimal(0)
    for prop in properties or ():
        if not isinstance(prop, Mapping):
            continue
        kind = property_type(prop.get("PropTypeID"))
        if kind is None:
            continue
        if kind.flags & FLAG_GLIDER_INSTRUMENT_MANEUVERS:
            # A decimal property: its hours are its DecValue (GliderIFRCurrency.cs AddManeuverTime(pfe.DecValue)).
            maneuvers += _hours(prop.get("DecValue"))
            continue
        if not _is_true(prop.get("BoolValue")):
            continue
        review = review or kind.flight_review
        ipc = ipc or kind.ipc
        checkride = checkride or kind.checkride
        passenger_maneuvers = passenger_maneuvers or bool(kind.flags & FLAG_GLIDER_INSTRUMENT_PASSENGERS)
    return FlightMarkers(flight_review=review, ipc=ipc, checkride=checkride, glider_instrument_maneuvers=maneuvers,
                         glider_passenger_maneuvers=passenger_maneuvers)


def _hours(value: Any) -> Decimal:
    """A property's DecValue as hours: a number or numeric text, never negative; anything else is none."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        return Decimal(0)
    try:
        hours = Decimal(str(value).strip())
    except ArithmeticError:
        return Decimal(0)
    return hours if hours.is_finite() and hours > 0 else Decimal(0)


def _count(properties: Iterable[Any], prop_type: int) -> int | None:
    found = None
    for prop in properties or ():
        if isinstance(prop, Mapping) and prop.get("PropTypeID") == prop_type:
            value = prop.get("IntValue", 0)
            if type(value) is int and value >= 0:
                found = (found or 0) + value
    return found


def logged_takeoffs(flight: Any) -> tuple[int | None, int | None]:
    """(day, night) takeoffs as the pilot logged them, for a file: never a count FlightBridge inferred.

    A flight whose counts were logged gives them. One whose counts were inferred (`takeoffs_inferred`: one per
    landing, for currency) gives what its MyFlightbook properties say, as MyFlightbook counts them (night =
    property 73, day = property 93 less it; LogbookEntry.cs ~3724), or (None, None) when it carries neither:
    nothing was logged, and a file leaves the cells empty.
    """
    if not getattr(flight, "takeoffs_inferred", False):
        return flight.day_takeoffs or 0, flight.night_takeoffs or 0
    properties = getattr(flight, "custom_properties", None)
    properties = properties if isinstance(properties, list) else []
    night, any_kind = _count(properties, PROP_NIGHT_TAKEOFFS), _count(properties, PROP_TAKEOFFS_ANY)
    if night is None and any_kind is None:
        return None, None
    night, day = takeoffs_as_logged(night, any_kind)
    return day, night


def takeoffs_as_logged(night_takeoffs: int | None, takeoffs_any: int | None) -> tuple[int, int]:
    """(night, day) takeoffs as MyFlightbook counts them from properties 73 and 93 (LogbookEntry.cs ~3724):
    night = 73, day = 93 less the night ones, never below zero; a missing property is none logged."""
    night = night_takeoffs or 0
    return night, max((takeoffs_any or 0) - night, 0)
