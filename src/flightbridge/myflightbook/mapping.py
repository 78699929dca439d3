"""Map one MyFlightbook `LogbookEntry` (FlightsWithQueryAndOffset JSON) to the fields of our `Flight`.

Pure functions on plain data: no database, no network, no clock. The rules are the seed's ("What gets
synced" → Flights) read against MyFlightbook's real JSON (`myflightbook-api.md` §3–4), except landings and
takeoffs, which follow §8 (issue 12; docs/myflightbook.md says where it overrides the seed): a key equal to
its default is *omitted* (so a missing number is 0 and a missing bool is false), decimals keep their
scale, `Date` is ISO without a zone (older exports and the seed say `M/D/YYYY`). A record that cannot be
stored exactly raises `BadRecord` naming the record and the field; this module must never guess a
value, round an hour figure, or silently drop part of a record (the raw record travels with the result).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from collections.abc import Mapping
from typing import Any

from flightbridge.errors import BadRecord
from flightbridge.logbook.models import route_key
from flightbridge.logbook.routes import normalize_airport, split_route  # noqa: F401  (normalize_airport: the sync's tests)
from flightbridge.logbook import property_types
from flightbridge.logbook.category_classes import category_class_name, category_class_of, type_name_of
from flightbridge.logbook.property_types import (
    PROP_BLOCK_IN,
    PROP_BLOCK_OUT,
    PROP_NIGHT_TAKEOFFS,
    PROP_NIGHT_TOUCH_AND_GO,
    PROP_TAKEOFFS_ANY,
    PROP_TACH_END,
    PROP_TACH_START,
    takeoffs_as_logged,
)

# Column limits of logbook.Flight; a value beyond them is a bad record, never truncated (except airports,
# which the seed truncates on purpose).
HOURS_MAX = Decimal("99999.9999")  # logbook.Flight's HOURS: DecimalField(max_digits=9, decimal_places=4)
HOURS_QUANTUM = Decimal("0.0001")  # MyFlightbook's widest hour column, crosscountry DECIMAL(10,4)
METER_MAX = Decimal("99999999.99")  # Flight's METER: DecimalField(max_digits=10, decimal_places=2)
METER_QUANTUM = Decimal("0.01")
COUNT_MAX = 2_147_483_647  # PositiveIntegerField
TEXT_LIMITS = {"Route": 512, "TailNumDisplay": 32, "ModelDisplay": 128, "CatClassDisplay": 64}
NAME_LIMIT = 128  # pic_name … approach_type; MyFlightbook's text properties are VARCHAR(127)

# MyFlightbook name → our column, exactly the seed's list of decimal-hour fields.
HOUR_FIELDS: dict[str, str] = {
    "TotalFlightTime": "total_flight_time",
    "PIC": "pic",
    "SIC": "sic",
    "CrossCountry": "cross_country",
    "Nighttime": "night",
    "IMC": "imc",
    "SimulatedIFR": "simulated_ifr",
    "Dual": "dual",
    "CFI": "cfi",
    "GroundSim": "ground_sim",
}

# AircraftInstanceTypes (Aircraft.cs; there is no 0) → the device class §61.57(c) gates sim credit on.
# 3 "Simulator/FTD - Can log IFR approaches" is an FTD; 4 "Simulator/FFS - Can log landings & approaches"
# is a full flight simulator; 5 "Aviation Training Device (ATD)" an AATD; 2 "Simulator - Uncertified"
# earns no credit, which is FLAPS ("basic / other") here.
INSTANCE_TYPES: dict[int, str] = {1: "REAL", 2: "FLAPS", 3: "FTD", 4: "FFS", 5: "AATD"}
INSTANCE_TYPE_NAMES: dict[str, int] = {
    "realaircraft": 1,
    "uncertifiedsimulator": 2,
    "certifiedifrsimulator": 3,
    "certifiedifrandlandingssimulator": 4,
    "certifiedatd": 5,
}

# Keys that differ on every fetch of the same, unchanged flight (SocialMediaLink carries `?v=<random>`,
# SendFlightLink an encrypted token); hashing them would flag every flight as changed on each sync.
VOLATILE_KEYS = frozenset({"SendFlightLink", "SocialMediaLink"})

# Text properties that are a flight's own fields here (reference §9; property ids in property_types.py).
NAME_PROPERTIES: dict[int, str] = {
    property_types.PROP_NAME_OF_PIC: "pic_name",
    property_types.PROP_NAME_OF_SIC: "sic_name",
    property_types.PROP_INSTRUCTOR_NAME: "instructor_name",
    property_types.PROP_STUDENT_NAME: "student_name",
    property_types.PROP_APPROACH_NAMES: "approach_type",
}
SIGNATURE_STATES = {0: "none", 1: "valid", 2: "invalid"}  # SignatureState (LogbookEntryBase)

# An anonymous aircraft's tail is `#` + its model id (`#001042`) in AircraftForUser; a flight in one shows
# `(<model>)` as its TailNumDisplay (LogbookEntry.cs). Neither is a registration.
ANONYMOUS_TAIL_PREFIX = "#"
_ANONYMOUS_DISPLAY = re.compile(r"^\(.*\)$")

_US_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
# Routes are space separated; "KPAE-KBLI" and comma lists are common too. "/" is NOT a separator: it
# introduces a runway qualifier (KJFK/28R).


@dataclass(frozen=True)
class MappedFlight:
    """Everything needed to create one `Flight`; `fields` are its model fields, ready for `Flight(**fields)`."""

    flight_id: int
    external_id: str
    fields: dict[str, Any]
    raw: dict
    source_hash: str
    warnings: tuple[str, ...] = field(default=())

    @property
    def legacy_route_key(self) -> str:
        """`date:departure:destination`, the key rows had before external ids."""
        return route_key(self.fields["date"], self.fields["departure"], self.fields["destination"])

    def __getattr__(self, name: str) -> Any:
        # `mapped.departure` reads like the Flight it becomes; only called for names not defined above.
        fields = self.__dict__.get("fields", {})
        if name in fields:
            return fields[name]
        raise AttributeError(name)


def external_id_for(flight_id: int) -> str:
    return f"mfb:{flight_id}"


# ---------------------------------------------------------------------------------------------- values


def parse_mfb_date(value: Any) -> date:
    """`M/D/YYYY` or ISO 8601 → the logbook date, anchored to UTC.

    MyFlightbook's `Date` is the pilot's calendar date with no zone (`2026-08-16T00:00:00`): it is taken
    as written, never shifted by this server's time zone. A zoned value is converted to UTC first.
    Raises ValueError when the text is not a date.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return value
    elif isinstance(value, str):
        if len(value) == 19 and value.endswith("T00:00:00"):  # what MyFlightbook's JSON sends: a naive midnight
            try:
                return date.fromisoformat(value[:10])
            except ValueError:
                pass  # read below, and refused there with the whole text
        text = value.strip()
        us = _US_DATE.match(text)
        if us:
            month, day, year = (int(part) for part in us.groups())
            return date(year, month, day)
        if not text:
            raise ValueError("empty date")
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    else:
        raise ValueError(f"not a date: {value!r}")
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.date()


def parse_utc_datetime(value: Any) -> datetime | None:
    """A MyFlightbook UTC timestamp (`2026-08-16T17:10:00Z`) → aware datetime; None when absent or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    # Start/end times are stored as UTC with no conversion (reference §4), zone or not.
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def to_decimal(value: Any) -> Decimal:
    """A JSON number (Decimal, int, float or numeric text) → Decimal without binary-float noise."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is a boolean, not a number")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))  # shortest round-trip text: 2.3 stays 2.3, not 2.29999…
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
    else:
        raise ValueError(f"{value!r} is not a number")
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return number


def hours_value(record: Mapping, key: str, record_id: str) -> Decimal:
    """A decimal-hour field; an omitted key is 0 (MyFlightbook drops default values from its JSON)."""
    value = record.get(key)
    if value is None:
        return Decimal("0.00")
    try:
        number = to_decimal(value)
    except ValueError as exc:
        raise BadRecord(str(exc), record=record_id, field=key) from None
    if number < 0:
        raise BadRecord(f"{number} is negative", record=record_id, field=key)
    if number > HOURS_MAX:
        raise BadRecord(f"{number} is over the {HOURS_MAX} hour limit of the column", record=record_id, field=key)
    exact = number.quantize(HOURS_QUANTUM)
    if exact != number:
        # MyFlightbook holds at most 4 places (crosscountry DECIMAL(10,4)); more would lose time here.
        raise BadRecord(f"{number} has more than 4 decimal places and cannot be stored exactly", record=record_id, field=key)
    return exact


def meter_value(value: Any, record_id: str, key: str) -> Decimal | None:
    """A Hobbs or tach reading; None when absent or 0 (MyFlightbook's "not logged").

    A reading is a note about the aircraft's meter, not the pilot's time: one that cannot be read or stored
    (NaN, text, more than 2 places) is left out of the column and kept in `raw`, never a reason to refuse
    the flight.
    """
    if value is None:
        return None
    try:
        number = to_decimal(value)
    except ValueError:
        return None
    if number <= 0 or number > METER_MAX or number != number.quantize(METER_QUANTUM):
        return None
    return number.quantize(METER_QUANTUM)


def count_value(record: Mapping, key: str, record_id: str) -> int:
    """A count field; an omitted key is 0. 2.0 is accepted as 2, 2.5 is not a count."""
    value = record.get(key)
    if value is None:
        return 0
    try:
        number = to_decimal(value)
    except ValueError as exc:
        raise BadRecord(str(exc), record=record_id, field=key) from None
    if number != number.to_integral_value():
        raise BadRecord(f"{number} is not a whole number", record=record_id, field=key)
    if number < 0:
        raise BadRecord(f"{number} is negative", record=record_id, field=key)
    if number > COUNT_MAX:
        raise BadRecord(f"{number} is over the column's limit", record=record_id, field=key)
    return int(number)


def text_value(record: Mapping, key: str, record_id: str) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadRecord(f"expected text, got {type(value).__name__}", record=record_id, field=key)
    limit = TEXT_LIMITS.get(key)
    if limit is not None and len(value) > limit:
        raise BadRecord(f"{len(value)} characters, over the column's limit of {limit}", record=record_id, field=key)
    return value


def is_true(value: Any) -> bool:
    """A JSON bool; MyFlightbook omits false, so absent is false."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return value is True or (isinstance(value, int) and not isinstance(value, bool) and value == 1)


# ---------------------------------------------------------------------------------------------- text


def normalize_whitespace(text: str) -> str:
    """`C-172 S, Cessna  Skyhawk SP` → `C-172 S, Cessna Skyhawk SP` (ModelDisplay has a double space
    when the type name is empty)."""
    return " ".join(text.split())


# ------------------------------------------------------------------------------------- device class


def simulator_type_for(instance_type: Any, record_id: str = "", field_name: str = "InstanceType") -> str:
    """MyFlightbook's InstanceType (number or enum name) → REAL / FFS / FTD / AATD / FLAPS."""
    if instance_type is None:
        return "REAL"  # InstanceType has no 0, so an aircraft without one is a real aircraft
    key: Any = instance_type
    if isinstance(key, str):
        text = key.strip()
        key = int(text) if text.isdigit() else INSTANCE_TYPE_NAMES.get(text.lower())
    if isinstance(key, bool) or not isinstance(key, int) or key not in INSTANCE_TYPES:
        raise BadRecord(f"unknown aircraft instance type {instance_type!r}", record=record_id or None, field=field_name)
    return INSTANCE_TYPES[key]


def instance_type_of(aircraft: Mapping) -> Any:
    """An AircraftForUser item's device class (`InstanceTypeID`, with `InstanceType` carrying the same number)."""
    value = aircraft.get("InstanceTypeID")
    return aircraft.get("InstanceType") if value is None else value


# ------------------------------------------------------------------------------------------ records


def _not_finite(value: Any) -> bool:
    return (isinstance(value, Decimal) and not value.is_finite()) or (isinstance(value, float) and not math.isfinite(value))


# The walks below run for every field of every flight on every sync, so they dispatch on the exact
# type JSON parsing produces (dict, list, str, int, Decimal, bool, None) before the general
# `isinstance(value, Mapping)` checks, which go through `typing`'s slow path (profile, 2026-11:
# a third of a re-check's CPU). Other types take the general path and give the same result.


def _jsonable_decimal(value: Decimal) -> Any:
    if not value.is_finite():
        return str(value)  # NaN/Infinity are not JSON: kept as text, so the record can still be stored
    return int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 else float(value)


def to_jsonable(value: Any) -> Any:
    """The record as JSON-storable data: decimals become JSON numbers, nothing else changes."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is Decimal:
        return _jsonable_decimal(value)
    if kind is dict:
        return {key if type(key) is str else str(key): to_jsonable(item) for key, item in value.items()}
    if kind is list:
        return [to_jsonable(item) for item in value]
    if _not_finite(value):
        return str(value)
    if isinstance(value, Decimal):
        return _jsonable_decimal(value)
    if isinstance(value, Mapping):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    return value


def _canonical(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is int:
        return str(value)  # what format(Decimal(n).normalize(), "f") gives for any int
    if kind is Decimal and value.is_finite():
        return format(value.normalize(), "f")  # 2.30, 2.3 and 2.3000 are the same value
    if kind is dict:
        return _canonical_record(value)
    if kind is list:
        return [_canonical(item) for item in value]
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if _not_finite(value):
        return str(value)
    if isinstance(value, (int, float, Decimal)):
        number = to_decimal(value).normalize()
        return format(number, "f")
    if isinstance(value, Mapping):
        return {str(key): _canonical(item) for key, item in value.items() if key not in VOLATILE_KEYS}
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    return str(value)


def _canonical_record(record: dict) -> dict:
    """`_canonical(record)` for a LogbookEntry, the common values handled inline.

    A re-check digests every flight of the logbook, and most of a record's values are text, null or a
    whole number: answering those here instead of through `_canonical` halves a digest's cost. The
    result is identical (a test compares the two), so stored digests stay valid.
    """
    canonical = {}
    for key, value in record.items():
        if key in VOLATILE_KEYS:
            continue
        kind = type(value)
        if type(key) is not str:
            key = str(key)
        if kind is str or value is None or kind is bool:
            canonical[key] = value
        elif kind is int:
            canonical[key] = str(value)
        elif kind is Decimal and value.is_finite():
            canonical[key] = format(value.normalize(), "f")
        elif kind is list:
            canonical[key] = [_canonical_record(item) if type(item) is dict else _canonical(item) for item in value]
        else:
            canonical[key] = _canonical(value)
    return canonical


# One encoder for every digest: `json.dumps` with options builds a new one per call.
_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _canonical_text(record: Mapping) -> str:
    return _CANONICAL_JSON.encode(_canonical_record(record) if type(record) is dict else _canonical(record))


def record_hash(record: Mapping) -> str:
    """A digest of what the pilot logged, stable across fetches and number spellings."""
    return hashlib.sha256(_canonical_text(record).encode()).hexdigest()


def flight_number(record: Mapping) -> int | None:
    """A record's FlightID as a number (JSON may give it as digits in text); None when it is not one.
    Whether it names a flight (> 0) is the caller's question: a label names even a bad one."""
    flight_id = record.get("FlightID")
    if type(flight_id) is int:
        return flight_id
    if isinstance(flight_id, str) and flight_id.strip().isdigit():
        return int(flight_id)
    return None


def record_digest(record: Any) -> tuple[str, str] | None:
    """(external id, digest) of a record, without mapping it; None when only `map_flight` can say what
    is wrong with it (no usable FlightID, text that is not valid Unicode). The digest is the one
    `map_flight` stores as `source_hash`, so a re-check can skip mapping a flight stored unchanged."""
    if type(record) is not dict:
        return None
    flight_id = flight_number(record)
    if flight_id is None or flight_id <= 0:
        return None
    text = _canonical_text(record)
    if _LONE_SURROGATE.search(text):
        return None
    return external_id_for(flight_id), hashlib.sha256(text.encode()).hexdigest()


UNLABELLED = "mfb:?"  # a record without a usable FlightID


def record_label(record: Any) -> str:
    """How a bad record is named in reasons: `mfb:{FlightID}` when it has one."""
    flight_id = flight_number(record) if isinstance(record, Mapping) else None
    return UNLABELLED if flight_id is None else external_id_for(flight_id)


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return _LONE_SURROGATE.search(value) is not None
    if isinstance(value, Mapping):
        return any(_has_lone_surrogate(key) or _has_lone_surrogate(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_lone_surrogate(item) for item in value)
    return False


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def is_anonymous_tail(tail: str) -> bool:
    """True for an anonymous aircraft: `#001042` (AircraftForUser) or `(C-172 S)` (a flight's TailNumDisplay)."""
    text = (tail or "").strip()
    return text.startswith(ANONYMOUS_TAIL_PREFIX) or bool(_ANONYMOUS_DISPLAY.match(text))


@dataclass(frozen=True)
class LandingCounts:
    """A flight's landings and takeoffs in our columns, from MyFlightbook's fields and properties (§8)."""

    day_landings: int
    night_landings: int
    day_full_stop_landings: int
    night_full_stop_landings: int
    day_takeoffs: int
    night_takeoffs: int
    #: the takeoff counts differ from what the pilot logged (props 73/93): they were inferred from landings
    takeoffs_inferred: bool = False

    def as_fields(self) -> dict[str, Any]:
        return dict(self.__dict__)


def landing_counts(*, landings: int, full_stop_landings: int, night_landings: int, night_touch_and_go: int = 0,
                   night_takeoffs: int | None = None, takeoffs_any: int | None = None) -> LandingCounts:
    """MyFlightbook's counts → ours (reference §8, issue 12; this replaces seed 000's rule).

    `Landings` is every landing (day and night, full-stop and touch-and-go); `FullStopLandings` is day
    full-stop landings only and `NightLandings` night full-stop landings, so the two never overlap;
    night touch-and-goes are property 397. All night landings = NightLandings + prop 397, capped at
    Landings as MyFlightbook caps them (`NetNightLandings`, LogbookEntry.cs ~3946: night counts that
    over-describe a flight's landings only draw a lint warning, FlightLint.cs ~622, so such flights
    exist); all day landings = Landings − night landings, never below zero. Night takeoffs are property 73; without it, one takeoff per night landing
    (AC 61-98D). "Takeoffs (any)" (property 93) less the night ones are day takeoffs; without it, one
    per day landing. MyFlightbook itself never infers a takeoff (LogbookEntry.cs ~3724: no property, no
    logged takeoff), so a count inferred here is marked `takeoffs_inferred`.
    """
    night_all = min(night_landings + night_touch_and_go, landings)
    day_all = max(0, landings - night_all)
    night_off = night_all if night_takeoffs is None else night_takeoffs
    day_off = day_all if takeoffs_any is None else max(0, takeoffs_any - night_off)
    logged_night, logged_day = takeoffs_as_logged(night_takeoffs, takeoffs_any)
    return LandingCounts(day_landings=day_all, night_landings=night_all, day_full_stop_landings=full_stop_landings,
                         night_full_stop_landings=night_landings, day_takeoffs=day_off, night_takeoffs=night_off,
                         takeoffs_inferred=(night_off, day_off) != (logged_night, logged_day))


def _property_count(properties: list, prop_type: int, record_id: str) -> int | None:
    """The IntValue of property `prop_type` (summed if listed twice); None when the flight does not carry it."""
    total = None
    for prop in properties:
        if isinstance(prop, Mapping) and prop.get("PropTypeID") == prop_type:
            try:
                value = count_value(prop, "IntValue", record_id)
            except BadRecord as exc:
                raise BadRecord(f"property {prop_type}: {exc.reason}", record=record_id, field="CustomProperties") from None
            total = value if total is None else total + value
    return total


def landing_counts_for(record: Mapping, record_id: str = "mfb:?") -> LandingCounts:
    """The landing and takeoff columns of one LogbookEntry (its fields and CustomProperties)."""
    properties = record.get("CustomProperties")
    properties = properties if isinstance(properties, list) else []
    return landing_counts(
        landings=count_value(record, "Landings", record_id),
        full_stop_landings=count_value(record, "FullStopLandings", record_id),
        night_landings=count_value(record, "NightLandings", record_id),
        night_touch_and_go=_property_count(properties, PROP_NIGHT_TOUCH_AND_GO, record_id) or 0,
        night_takeoffs=_property_count(properties, PROP_NIGHT_TAKEOFFS, record_id),
        takeoffs_any=_property_count(properties, PROP_TAKEOFFS_ANY, record_id),
    )


def _block_times(properties: list) -> tuple[datetime | None, datetime | None]:
    block_out = block_in = None
    for prop in properties:
        if not isinstance(prop, Mapping):
            continue
        if prop.get("PropTypeID") == PROP_BLOCK_OUT:
            block_out = parse_utc_datetime(prop.get("DateValue"))
        elif prop.get("PropTypeID") == PROP_BLOCK_IN:
            block_in = parse_utc_datetime(prop.get("DateValue"))
    return block_out, block_in


def _property_text(properties: list, prop_type: int, record_id: str) -> str:
    for prop in properties:
        if isinstance(prop, Mapping) and prop.get("PropTypeID") == prop_type:
            value = prop.get("TextValue")
            if value is None:
                return ""
            if not isinstance(value, str):
                raise BadRecord(f"property {prop_type}: expected text, got {type(value).__name__}", record=record_id,
                                field="CustomProperties")
            text = value.strip()
            if len(text) > NAME_LIMIT:
                raise BadRecord(f"property {prop_type}: {len(text)} characters, over the column's limit of {NAME_LIMIT}",
                                record=record_id, field="CustomProperties")
            return text
    return ""


def _property_meter(properties: list, prop_type: int, record_id: str) -> Decimal | None:
    for prop in properties:
        if isinstance(prop, Mapping) and prop.get("PropTypeID") == prop_type:
            return meter_value(prop.get("DecValue"), record_id, "CustomProperties")
    return None


def flight_record_fields(record: Mapping, record_id: str = UNLABELLED) -> dict[str, Any]:
    """The rest of MyFlightbook's flight record in our columns (issue 20, reference §9): the people's names,
    approach names, Hobbs and tach, engine times, the category/class, the CFI signature and the flight
    review / IPC / checkride markers (by MyFlightbook's own property flags)."""
    properties = record.get("CustomProperties")
    properties = properties if isinstance(properties, list) else []
    fields: dict[str, Any] = {column: _property_text(properties, prop_type, record_id)
                              for prop_type, column in NAME_PROPERTIES.items()}
    fields.update(
        hobbs_start=meter_value(record.get("HobbsStart"), record_id, "HobbsStart"),
        hobbs_end=meter_value(record.get("HobbsEnd"), record_id, "HobbsEnd"),
        tach_start=_property_meter(properties, PROP_TACH_START, record_id),
        tach_end=_property_meter(properties, PROP_TACH_END, record_id),
        engine_start=parse_utc_datetime(record.get("EngineStart")),
        engine_end=parse_utc_datetime(record.get("EngineEnd")),
    )
    # CatClassOverride (0 unless the pilot overrode the aircraft's) wins; CatClassDisplay already shows the
    # effective one, with a type rating in parentheses that is not part of the class.
    display = record.get("CatClassDisplay")
    fields["category_class"] = (category_class_name(record.get("CatClassOverride"))
                                or category_class_of(display if isinstance(display, str) else "")[:TEXT_LIMITS["CatClassDisplay"]])
    # The type rating the display names after that class ("AMEL (B737)"): currency is kept per type (§61.57(a)).
    fields["type_name"] = type_name_of(display, fields["category_class"])
    state = record.get("CFISignatureState", 0)
    if isinstance(state, str) and state.strip().isdigit():
        state = int(state)
    if isinstance(state, str):  # XML and some exports spell the enum by name
        state = {"none": 0, "valid": 1, "invalid": 2}.get(state.strip().lower(), state)
    if type(state) is not int or state not in SIGNATURE_STATES:
        raise BadRecord(f"unknown signature state {state!r}", record=record_id, field="CFISignatureState")
    fields["signature"] = SIGNATURE_STATES[state]
    markers = property_types.markers_for(properties)
    fields.update(flight_review=markers.flight_review, ipc=markers.ipc, checkride=markers.checkride,
                  glider_instrument_maneuvers=markers.glider_instrument_maneuvers,
                  glider_passenger_maneuvers=markers.glider_passenger_maneuvers)
    return fields


def map_flight(record: dict, *, instance_types: Mapping[int, Any] | None = None, digest: str | None = None) -> MappedFlight:
    """One LogbookEntry → a `MappedFlight`, or `BadRecord` naming the record and the field.

    `instance_types` maps AircraftID → InstanceType from AircraftForUser: a LogbookEntry does not say
    whether it was flown in a simulator (reference §3), so the device class comes from its aircraft. An
    `InstanceType` on the record itself (some exports carry it) wins. `digest` is the record's
    `record_digest`, when the caller has it already (it is not made twice).
    """
    if not isinstance(record, Mapping):
        raise BadRecord(f"expected a JSON object, got {type(record).__name__}", record="mfb:?")
    record_id = record_label(record)
    # The canonical text (made once, for the digest too) holds every key and value but the volatile
    # ones, so one search of it (and of those) finds a lone surrogate; only then is the record walked
    # field by field to name it.
    # A digest from `record_digest` means its canonical text had no lone surrogate.
    canonical_text = None if digest else _canonical_text(record)
    if (canonical_text is not None and _LONE_SURROGATE.search(canonical_text)) or any(
        _has_lone_surrogate(record[key]) for key in VOLATILE_KEYS.intersection(record)
    ):
        for name, value in record.items():
            if _has_lone_surrogate(value) or _has_lone_surrogate(name):
                # JSON may escape half of a UTF-16 pair ("\\ud800"); no database or digest can take that text.
                field_name = None if _has_lone_surrogate(name) else str(name)
                raise BadRecord("contains text that is not valid Unicode (a lone surrogate)", record=record_id, field=field_name)

    flight_id = flight_number(record)
    if flight_id is None or flight_id <= 0:
        raise BadRecord("missing or invalid FlightID", record=record_id, field="FlightID")

    if record.get("Date") in (None, ""):
        raise BadRecord("no date", record=record_id, field="Date")
    try:
        flight_date = parse_mfb_date(record["Date"])
    except (ValueError, TypeError) as exc:
        raise BadRecord(f"unreadable date {record['Date']!r} ({exc})", record=record_id, field="Date") from None

    route = text_value(record, "Route", record_id)
    departure, destination = split_route(route)

    tail = text_value(record, "TailNumDisplay", record_id).strip()
    fields: dict[str, Any] = {
        "date": flight_date,
        "tail_number": "" if is_anonymous_tail(tail) else tail,  # "(C-172 S)" names a model, not an aircraft
        "aircraft_type": normalize_whitespace(text_value(record, "ModelDisplay", record_id)),
        "route": route.strip(),
        "departure": departure,
        "destination": destination,
    }
    for source_key, column in HOUR_FIELDS.items():
        fields[column] = hours_value(record, source_key, record_id)

    fields.update(
        approaches=count_value(record, "Approaches", record_id),
        holds=1 if is_true(record.get("fHoldingProcedures")) else 0,
    )

    comment = record.get("Comment")
    if comment is not None and not isinstance(comment, str):
        raise BadRecord(f"expected text, got {type(comment).__name__}", record=record_id, field="Comment")
    fields["remarks"] = comment or ""

    properties = record.get("CustomProperties")
    if properties is None:
        properties = []
    if not isinstance(properties, list):
        raise BadRecord("expected a list", record=record_id, field="CustomProperties")
    fields["custom_properties"] = to_jsonable(properties)  # verbatim: every property the pilot logged
    fields.update(landing_counts_for(record, record_id).as_fields())

    if "InstanceType" in record or "InstanceTypeID" in record:
        fields["simulator_type"] = simulator_type_for(instance_type_of(record), record_id)
    else:
        aircraft_id = record.get("AircraftID")
        known = instance_types or {}
        try:
            instance_type = known.get(aircraft_id)
        except TypeError:  # an AircraftID that is a list or an object names no aircraft
            instance_type = None
        fields["simulator_type"] = simulator_type_for(instance_type, record_id, "AircraftID")

    fields["takeoff_at"] = parse_utc_datetime(record.get("FlightStart"))
    fields["landing_at"] = parse_utc_datetime(record.get("FlightEnd"))
    fields["block_out"], fields["block_in"] = _block_times(properties)
    fields.update(flight_record_fields(record, record_id))

    raw = to_jsonable(dict(record))
    return MappedFlight(
        flight_id=flight_id,
        external_id=external_id_for(flight_id),
        fields=fields,
        raw=raw,
        source_hash=digest or hashlib.sha256(canonical_text.encode()).hexdigest(),
    )
