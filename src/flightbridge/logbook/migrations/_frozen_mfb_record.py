"""MyFlightbook's flight record read as the sync read it on 2026-12-07, frozen for migrations 0008 and 0012.

A copy of `flight_record_fields` and `landing_counts_for` (myflightbook/mapping.py as of commit 804fb27), with
what they used from logbook/property_types.py, logbook/category_classes.py and the property-type table of
that day (MyFlightbook's flagged ids are written out below). A migration must do what it did when it was
written, whatever the sync's code becomes, so it never imports an app's live code (issue 21;
`scripts/import_graph.py` checks). Never edit this file to follow the mapping: a later migration that needs a
later rule carries its own copy. The leading underscore keeps Django from loading it as a migration.

Pure functions on a stored raw record: no database, no network. A record they cannot read raises
`Unreadable`; the migrations then leave that row as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

METER_MAX = Decimal("99999999.99")  # Flight's METER: DecimalField(max_digits=10, decimal_places=2)
METER_QUANTUM = Decimal("0.01")
COUNT_MAX = 2_147_483_647  # PositiveIntegerField
CATEGORY_CLASS_LIMIT = 64  # Flight.category_class
NAME_LIMIT = 128  # pic_name … approach_type; MyFlightbook's text properties are VARCHAR(127)

# MyFlightbook property type ids (CustomPropertyTypes.cs KnownProperties).
PROP_NIGHT_TAKEOFFS, PROP_TAKEOFFS_ANY, PROP_NIGHT_TOUCH_AND_GO = 73, 93, 397
PROP_TACH_START, PROP_TACH_END = 95, 96
NAME_PROPERTIES = {183: "pic_name", 184: "sic_name", 92: "instructor_name", 166: "student_name", 267: "approach_type"}
# The property types of that day's table (MinimalDB-2026-01-29.sql) with the BFR flag, the IPC flag, and a
# "Checkride - " title.
FLIGHT_REVIEW_IDS = frozenset({39, 40, 42, 43, 44, 45, 89, 131, 161, 164, 174, 176, 177, 188, 189, 225, 251, 428, 587,
                               700, 756, 803, 809})
IPC_IDS = frozenset({40, 41, 174, 537, 586, 699})
CHECKRIDE_IDS = frozenset({39, 40, 42, 43, 45, 89, 131, 161, 176, 177, 225, 623, 803, 809})

SIGNATURE_STATES = {0: "none", 1: "valid", 2: "invalid"}  # SignatureState (LogbookEntryBase)
CATEGORY_CLASSES = {
    1: "ASEL", 2: "AMEL", 3: "ASES", 4: "AMES", 5: "Glider", 7: "Helicopter", 8: "Gyroplane", 9: "Powered Lift",
    10: "Airship", 11: "Hot Air Balloon", 12: "Gas Balloon", 13: "Powered Parachute - Land",
    14: "Powered Parachute - Sea", 15: "Weight-shift Control - Land", 16: "Weight-shift Control - Sea",
    17: "Unmanned Aerial System", 18: "Powered Paraglider",
}
_TYPE_SUFFIX = re.compile(r"\s*\([^()]*\)\s*$")  # "AMEL (B737)": the type rating is not part of the class


class Unreadable(ValueError):
    """A value in the raw record these rules cannot read (the sync would have refused the record)."""


@dataclass(frozen=True)
class LandingCounts:
    day_landings: int
    night_landings: int
    day_full_stop_landings: int
    night_full_stop_landings: int
    day_takeoffs: int
    night_takeoffs: int
    takeoffs_inferred: bool = False

    def as_fields(self) -> dict[str, Any]:
        return dict(self.__dict__)


def to_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise Unreadable(f"{value!r} is a boolean, not a number")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            raise Unreadable(f"{value!r} is not a number") from None
    else:
        raise Unreadable(f"{value!r} is not a number")
    if not number.is_finite():
        raise Unreadable(f"{value!r} is not a finite number")
    return number


def count_value(record: Mapping, key: str) -> int:
    """A count; omitted is 0 (MyFlightbook drops defaults). A fraction, a negative or an overflow is unreadable."""
    value = record.get(key)
    if value is None:
        return 0
    number = to_decimal(value)
    if number != number.to_integral_value() or number < 0 or number > COUNT_MAX:
        raise Unreadable(f"{key}: {number} is not a count")
    return int(number)


def meter_value(value: Any) -> Decimal | None:
    """A Hobbs or tach reading; None when absent, 0, or not storable (it stays in `raw`)."""
    if value is None:
        return None
    try:
        number = to_decimal(value)
    except Unreadable:
        return None
    if number <= 0 or number > METER_MAX or number != number.quantize(METER_QUANTUM):
        return None
    return number.quantize(METER_QUANTUM)


def parse_utc_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _properties(record: Mapping) -> list:
    properties = record.get("CustomProperties")
    return properties if isinstance(properties, list) else []


def _property_count(properties: list, prop_type: int) -> int | None:
    total = None
    for prop in properties:
        if isinstance(prop, Mapping) and prop.get("PropTypeID") == prop_type:
            value = count_value(prop, "IntValue")
            total = value if total is None else total + value
    return total


def landing_counts_for(record: Mapping) -> LandingCounts:
    """Landings and takeoffs (reference §8, issue 20): night = min(NightLandings + prop 397, Landings), day =
    Landings − night; takeoffs from props 73/93, else one per landing, marked inferred when not as logged."""
    properties = _properties(record)
    landings, full_stop, night = (count_value(record, "Landings"), count_value(record, "FullStopLandings"),
                                  count_value(record, "NightLandings"))
    night_takeoffs = _property_count(properties, PROP_NIGHT_TAKEOFFS)
    takeoffs_any = _property_count(properties, PROP_TAKEOFFS_ANY)
    night_all = min(night + (_property_count(properties, PROP_NIGHT_TOUCH_AND_GO) or 0), landings)
    day_all = max(0, landings - night_all)
    night_off = night_all if night_takeoffs is None else night_takeoffs
    day_off = day_all if takeoffs_any is None else max(0, takeoffs_any - night_off)
    logged_night = night_takeoffs or 0
    logged_day = max((takeoffs_any or 0) - logged_night, 0)
    return LandingCounts(day_landings=day_all, night_landings=night_all, day_full_stop_landings=full_stop,
                         night_full_stop_landings=night, day_takeoffs=day_off, night_takeoffs=night_off,
                         takeoffs_inferred=(night_off, day_off) != (logged_night, logged_day))


def _property_text(properties: list, prop_type: int) -> str:
    for prop in properties:
        if isinstance(prop, Mapping) and prop.get("PropTypeID") == prop_type:
            value = prop.get("TextValue")
            if value is None:
                return ""
            if not isinstance(value, str):
                raise Unreadable(f"property {prop_type}: expected text")
            text = value.strip()
            if len(text) > NAME_LIMIT:
                raise Unreadable(f"property {prop_type}: over {NAME_LIMIT} characters")
            return text
    return ""


def _property_meter(properties: list, prop_type: int) -> Decimal | None:
    for prop in properties:
        if isinstance(prop, Mapping) and prop.get("PropTypeID") == prop_type:
            return meter_value(prop.get("DecValue"))
    return None


def _is_true(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return value is True or (type(value) is int and value == 1)


def _type_id(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _category_class(record: Mapping) -> str:
    try:
        overridden = CATEGORY_CLASSES.get(int(record.get("CatClassOverride")), "")
    except (TypeError, ValueError):
        overridden = ""
    display = record.get("CatClassDisplay")
    return overridden or _TYPE_SUFFIX.sub("", display if isinstance(display, str) else "").strip()[:CATEGORY_CLASS_LIMIT]


def flight_record_fields(record: Mapping) -> dict[str, Any]:
    """The people's names, approach names, Hobbs and tach, engine times, category/class, CFI signature and the
    flight review / IPC / checkride markers (issue 20, reference §9)."""
    properties = _properties(record)
    fields: dict[str, Any] = {column: _property_text(properties, prop_type) for prop_type, column in NAME_PROPERTIES.items()}
    fields.update(
        hobbs_start=meter_value(record.get("HobbsStart")),
        hobbs_end=meter_value(record.get("HobbsEnd")),
        tach_start=_property_meter(properties, PROP_TACH_START),
        tach_end=_property_meter(properties, PROP_TACH_END),
        engine_start=parse_utc_datetime(record.get("EngineStart")),
        engine_end=parse_utc_datetime(record.get("EngineEnd")),
        category_class=_category_class(record),
    )
    state = record.get("CFISignatureState", 0)
    if isinstance(state, str) and state.strip().isdigit():
        state = int(state)
    if isinstance(state, str):
        state = {"none": 0, "valid": 1, "invalid": 2}.get(state.strip().lower(), state)
    if type(state) is not int or state not in SIGNATURE_STATES:
        raise Unreadable(f"unknown signature state {state!r}")
    fields["signature"] = SIGNATURE_STATES[state]
    marked = {_type_id(prop.get("PropTypeID")) for prop in properties
              if isinstance(prop, Mapping) and _is_true(prop.get("BoolValue"))}
    fields.update(flight_review=bool(marked & FLIGHT_REVIEW_IDS), ipc=bool(marked & IPC_IDS),
                  checkride=bool(marked & CHECKRIDE_IDS))
    return fields
