"""A pilot's own hand in the logbook: logging a flight and correcting one.

Both take the values a person typed (strings from a form, or JSON from the API), read them by each
column's own rules — hours in decimal (1.5) or hours and minutes (1:30) — and run the flight check
(`flightcheck.py`) before anything is written. One bad value refuses the whole entry or correction,
naming every field at fault; nothing is half-saved. A flight logged by hand is stored through the
ingest (`ingest.open_run` with the manual source), so it is deduplicated and written like every other
flight and has its history: an entry on the Imports page, "entered here", which has no Undo.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from flightbridge.errors import InputError, NotFound
from flightbridge.logbook import ingest
from flightbridge.logbook.aircraft import aircraft_ids_for_tails
from flightbridge.logbook.flightcheck import FIELD_NAMES, HOUR_FIELDS, check_flight, stored_check
from flightbridge.logbook.import_report import ImportReport
from flightbridge.logbook.models import Flight, FlightSource, UserAircraft

#: What a pilot may enter or correct by hand. Where a flight came from (source, external id, raw record,
#: its import runs) is not theirs to rewrite: Undo and the next import depend on it.
EDITABLE_FIELDS = (
    "date", "departure", "destination", "route", "tail_number", "aircraft_type", "simulator_type",
    "total_flight_time", "pic", "sic", "cross_country", "night", "imc", "simulated_ifr", "dual", "cfi", "ground_sim",
    "day_landings", "day_takeoffs", "night_landings", "night_takeoffs", "day_full_stop_landings",
    "night_full_stop_landings", "approaches", "holds",
    "flight_rules", "approach_type", "pic_name", "sic_name", "instructor_name", "student_name", "remarks",
)

_HOURS_AND_MINUTES = re.compile(r"^(\d{1,5}):([0-5]\d)$")


def parse_hours(value) -> Decimal | None:
    """Hours from `1.5` or `1:30` (hours and minutes: 1.5), or None when the text is neither."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, float, str)):
        return None
    text = str(value).strip()
    match = _HOURS_AND_MINUTES.match(text)
    if match:
        return Decimal(match.group(1)) + Decimal(match.group(2)) / 60
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _label(name: str) -> str:
    return FIELD_NAMES.get(name) or Flight._meta.get_field(name).verbose_name.capitalize()


def clean_flight_values(values: Mapping, instance: Flight | None = None) -> tuple[dict, list[dict]]:
    """Typed values and the problems found reading them: ({name: value}, [{"field", "reason"}])."""
    cleaned, problems = {}, []
    for name, value in values.items():
        column = Flight._meta.get_field(name)
        if isinstance(value, str):
            value = value.strip()
        if value in ("", None) and column.has_default() and name != "date":
            cleaned[name] = column.get_default()  # an empty box is "none": 0 hours, no landings, no text
            continue
        if name in HOUR_FIELDS:
            hours = parse_hours(value)
            if hours is None:
                problems.append({"field": name, "reason": f"“{str(value)[:20]}” is not a time: write 1.5 or 1:30"})
                continue
            if isinstance(value, str) and ":" in value:
                # 1:20 is 1.3333… hours: kept at the column's precision. A decimal the pilot typed is
                # kept as typed, and refused by the column when it has more decimals than it holds.
                hours = hours.quantize(Decimal(1).scaleb(-column.decimal_places), rounding=ROUND_HALF_UP)
            value = hours
            if value < 0:
                cleaned[name] = value  # the flight check says "cannot be negative", with the others
                continue
        elif isinstance(column, models.PositiveIntegerField):
            try:
                number = int(str(value))
            except ValueError:
                problems.append({"field": name, "reason": "must be a whole number"})
                continue
            if number < 0:
                cleaned[name] = number
                continue
            value = number
        try:
            cleaned[name] = column.clean(value, instance)
        except ValidationError as exc:
            problems.append({"field": name, "reason": " ".join(exc.messages)})
    return cleaned, problems


def _refuse(problems: list[dict]) -> None:
    names = ", ".join(dict.fromkeys(_label(problem["field"]) for problem in problems))
    raise InputError(f"Nothing was saved: check {names}.", problems)


def _check_problems(values: Mapping, involving: set[str] | None = None) -> list[dict]:
    """The flight check's problems with `values`, only those touching `involving` when given."""
    return [problem.as_dict() for problem in check_flight(values, today=timezone.localdate())
            if involving is None or involving & set(problem.fields)]


def edit_flight(owner, flight_id: int, changes: dict) -> Flight:
    """Apply the pilot's corrections to one of their flights and return it.

    Every value is read by its column's rules and the corrected flight goes through the flight check
    before anything is written; one bad value refuses the whole edit with the fields named. A problem
    the flight already had (an imported flight is kept as sent) refuses only a correction that touches
    it, so an unrelated field can still be corrected. The save moves `updated_at` past the import run's
    end, which is what Undo reads as "edited since": an undo keeps the flight and lists it.
    """
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise InputError(f"These cannot be edited: {', '.join(unknown)}.",
                         [{"field": name, "reason": "not an editable field"} for name in unknown])
    with transaction.atomic():
        flight = Flight.objects.select_for_update().filter(pk=flight_id, owner=owner).first()
        if flight is None:
            raise NotFound(f"No flight {flight_id} in your logbook.")
        cleaned, problems = clean_flight_values(changes, flight)
        changed = {name: value for name, value in cleaned.items() if getattr(flight, name) != value}
        after = {name: getattr(flight, name) for name in EDITABLE_FIELDS} | changed
        problems += _check_problems(after, involving=set(changed))
        if problems:
            _refuse(problems)
        if not changed:
            return flight  # nothing differs: not an edit, so an undo may still remove it
        for name, value in changed.items():
            setattr(flight, name, value)
        flight.flight_check = stored_check(after, today=timezone.localdate())
        fields = [*changed, "flight_check", "updated_at"]
        if "tail_number" in changed:  # a corrected registration points the flight at that aircraft (or none)
            flight.aircraft_id = aircraft_ids_for_tails(owner, [flight.tail_number]).get(flight.tail_number.strip().upper())
            fields.append("aircraft")
        flight.save(update_fields=fields)
    return flight


def log_flight(owner, values: Mapping) -> Flight:
    """Store a flight the pilot entered by hand, through the ingest, as a manual flight.

    The date is required; everything else defaults to none. An aircraft from the pilot's list fills in
    its model and device class when they were left empty. Refused (InputError, nothing stored) when a
    value cannot be read or the flight check finds something the flight cannot be.
    """
    unknown = sorted(set(values) - set(EDITABLE_FIELDS))
    if unknown:
        raise InputError(f"These are not flight fields: {', '.join(unknown)}.",
                         [{"field": name, "reason": "not a field of a flight"} for name in unknown])
    cleaned, problems = clean_flight_values(values)
    if cleaned.get("date") is None and not any(problem["field"] == "date" for problem in problems):
        problems.insert(0, {"field": "date", "reason": "the date of the flight is needed"})
    _fill_from_aircraft(owner, cleaned, given=values)
    problems += _check_problems(cleaned)
    if problems:
        _refuse(problems)
    label = describe(cleaned)
    with transaction.atomic():
        run = ingest.open_run(owner, FlightSource.MANUAL, report=ImportReport(entered=label))
        result = next(iter(run.store_batch([ingest.IncomingFlight(
            external_id=None, source_hash="", fields=cleaned, label=label)])))
        if result.outcome != ingest.CREATED or result.flight_id is None:
            # Rolled back with its run: a hand entry is stored whole or not at all.
            raise InputError(f"Nothing was saved: {result.reason or result.outcome}.",
                             [{"field": result.field, "reason": result.reason or result.outcome}])
        run.finish(f"Entered by hand: {label}.")
    return Flight.objects.get(pk=result.flight_id, owner=owner)


def _fill_from_aircraft(owner, cleaned: dict, *, given: Mapping) -> None:
    tail = (cleaned.get("tail_number") or "").upper()
    if not tail:
        return
    cleaned["tail_number"] = tail
    aircraft = UserAircraft.objects.filter(owner=owner, registration__iexact=tail).first()
    if aircraft is None:
        return
    if not cleaned.get("aircraft_type"):
        cleaned["aircraft_type"] = aircraft.model
    if not given.get("simulator_type"):
        cleaned["simulator_type"] = aircraft.device_class


def describe(values: Mapping) -> str:
    """A flight in a pilot's words: "2026-12-06 KPAO–KSQL N12345"."""
    day = values.get("date")
    route = values.get("route") or "–".join(part for part in (values.get("departure"), values.get("destination")) if part)
    return " ".join(part for part in (day.isoformat() if day else "", route, values.get("tail_number") or "") if part)
