"""What other apps may ask of the reference data: the FAA registry lookup and the airport database.

The MyFlightbook aircraft step and the Logger export code against these shapes; `registry.services`
and `registry.airports` implement them. Tests of other apps may substitute a double of the same shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class RegistryLookup:
    """The answer for one tail number. `is_us_registration` False → a non-US or malformed tail (not an error)."""

    query: str
    is_us_registration: bool
    found: bool
    n_number: str = ""  # normalized, with the leading N, e.g. "N12345"
    manufacturer: str = ""
    model: str = ""
    aircraft_type: str = ""  # e.g. "Fixed wing single engine"
    engine_type: str = ""  # e.g. "Reciprocating"
    seats: int | None = None
    year: int | None = None
    status: str = ""  # "valid", "expired" or "deregistered"
    mode_s_hex: str = ""
    message: str = ""  # a sentence for a person, e.g. "not a US registration"
    details: dict = field(default_factory=dict)


class RegistryLookupFn(Protocol):
    def __call__(self, tail: str) -> RegistryLookup: ...


@dataclass(frozen=True)
class Airport:
    ident: str  # the identifier we normalize to: ICAO when it has one, else the FAA LID
    icao: str
    iata: str
    lid: str
    name: str
    timezone: ZoneInfo
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class LocalTime:
    """A local wall-clock time at an airport converted to UTC, with DST flags."""

    utc: datetime
    nonexistent: bool = False  # the wall time falls in a spring-forward gap
    ambiguous: bool = False  # the wall time happens twice (fall back); `utc` is the first occurrence


class Airports(Protocol):
    def normalize_airport(self, code: str) -> str: ...
    def airport_info(self, code: str) -> Airport | None: ...
    def to_utc(self, code: str, local_date: date, local_time: time) -> LocalTime | None: ...
    def to_local(self, code: str, moment: datetime) -> datetime | None: ...
