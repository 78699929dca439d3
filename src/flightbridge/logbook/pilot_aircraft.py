"""What a pilot does with their own aircraft: see each with its time, add one, pick its model, set its class.

Plain functions the API and the pages call. A pilot only ever *reads* shared aircraft models here: an
aircraft points at a model by id, and no route of this module creates or changes a model (that is
model sync's, behind its permissions). Time in an aircraft, a model or a class is summed from the
pilot's flights by the database, so a link the pilot makes counts at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, Max, Q, Sum, Value, When
from django.db.models.functions import Coalesce, Upper

from flightbridge.errors import Conflict, InputError, NotFound
from flightbridge.logbook.aircraft import (
    FACT_FIELDS,
    apply_facts,
    category_class_from_registry,
    engine_type_from_registry,
    link_flights,
    link_to_registry_models,
    provenance_key,
)
from flightbridge.logbook.models import CategoryClass, EngineType, FactOrigin, Flight, FlightSource, SimulatorType, UserAircraft
from flightbridge.logbook.rounding import MINUTES, rounded_total

ZERO = Decimal("0")
REGISTRATION_LIMIT = UserAircraft._meta.get_field("registration").max_length
#: models listed by one search of the model picker
MODEL_SEARCH_LIMIT = 50
#: the flags a pilot may set on an aircraft (None = not known)
FLAGS = ("is_complex", "is_high_performance", "is_tailwheel", "is_turbine", "is_multi_engine")

# Why a registration the pilot flew has no aircraft record (the Aircraft page's words).
SIMULATOR = "simulator"
NOT_US = "not a US registration"
NOT_IN_REGISTRY = "not in the FAA registry"
NOT_ADDED = "in the FAA registry, not added yet"


def _aircraft_model_class():
    from flightbridge.fleet.models import AircraftModel  # the fleet owns models; we only read them

    return AircraftModel


def aircraft_with_time(owner):
    """The pilot's aircraft with their model and, from their flights, count, hours, landings, last flown."""
    return (UserAircraft.objects.filter(owner=owner).select_related("aircraft_model")
            .annotate(flight_count=Count("flights"), total_time=Coalesce(Sum("flights__total_flight_time"), ZERO),
                      landing_count=Coalesce(Sum("flights__day_landings"), 0) + Coalesce(Sum("flights__night_landings"), 0),
                      last_flown=Max("flights__date"))
            .order_by("registration"))


def get_aircraft(owner, aircraft_id: int) -> UserAircraft:
    try:
        return aircraft_with_time(owner).get(pk=aircraft_id)
    except UserAircraft.DoesNotExist:
        raise NotFound(f"No aircraft with id {aircraft_id} in your logbook.") from None


def _model(model_id: int):
    AircraftModel = _aircraft_model_class()
    try:
        return AircraftModel.objects.get(pk=model_id)
    except AircraftModel.DoesNotExist:
        raise InputError(f"Field model_id: no aircraft model with id {model_id}.",
                         [{"field": "model_id", "reason": f"no aircraft model with id {model_id}"}]) from None


def facts_from_model(model) -> dict:
    """Category/class, engine type and flags a model's specifications give (the FAA reference's type codes)."""
    specs = model.specifications if isinstance(model.specifications, dict) else {}
    type_aircraft = str(specs.get("type_aircraft_code") or "")
    engines = specs.get("engines") if isinstance(specs.get("engines"), int) else None
    facts = {"category_class": category_class_from_registry(type_aircraft, str(specs.get("aircraft_category_code") or ""), engines),
             "engine_type": engine_type_from_registry(str(specs.get("engine_type_code") or ""))}
    if facts["engine_type"]:
        facts["is_turbine"] = facts["engine_type"] in (EngineType.TURBOPROP, EngineType.JET, EngineType.TURBOSHAFT)
    if engines:
        facts["is_multi_engine"] = engines > 1
    return {name: value for name, value in facts.items() if value not in ("", None)}


@dataclass(frozen=True)
class AircraftChange:
    """What the pilot asked to change on one aircraft (absent = keep)."""

    model_id: int | None = None
    clear_model: bool = False
    values: dict | None = None  # category_class, engine_type, flags, device_class


def change_aircraft(owner, aircraft_id: int, change: AircraftChange) -> UserAircraft:
    """Pick (or clear) the aircraft's model and set the pilot's own values; each becomes the pilot's
    (an import never overwrites it). Facts the chosen model implies fill what the pilot did not set."""
    with transaction.atomic():
        try:
            aircraft = UserAircraft.objects.select_for_update().get(pk=aircraft_id, owner=owner)
        except UserAircraft.DoesNotExist:
            raise NotFound(f"No aircraft with id {aircraft_id} in your logbook.") from None
        changed: set[str] = set()
        pilot_values = dict(change.values or {})
        if change.clear_model:
            pilot_values["aircraft_model_id"] = None
        elif change.model_id is not None:
            model = _model(change.model_id)
            pilot_values["aircraft_model_id"] = model.pk
            # The model's facts are the registry's word about the type, not the pilot's: they stay replaceable.
            implied = {name: value for name, value in facts_from_model(model).items() if name not in pilot_values}
            changed.update(apply_facts(aircraft, implied, FactOrigin.REGISTRY))
        changed.update(apply_facts(aircraft, pilot_values, FactOrigin.PILOT))
        if changed:
            aircraft.save(update_fields=[*sorted(changed), "updated_at"])
    return get_aircraft(owner, aircraft.pk)


def create_aircraft(owner, registration: str, *, model_id: int | None = None, values: dict | None = None) -> UserAircraft:
    """Add an aircraft to the pilot's logbook (from a model, or matched to the registry's), and link the
    flights already logged in it."""
    registration = (registration or "").strip().upper()
    if not registration:
        raise InputError("Field registration: must not be blank.", [{"field": "registration", "reason": "must not be blank"}])
    if len(registration) > REGISTRATION_LIMIT:
        raise InputError(f"Field registration: at most {REGISTRATION_LIMIT} characters.",
                         [{"field": "registration", "reason": f"at most {REGISTRATION_LIMIT} characters"}])
    model = _model(model_id) if model_id is not None else None
    values = dict(values or {})
    if "device_class" not in values and registration.startswith("SIM"):
        values["device_class"] = SimulatorType.FLAPS  # MyFlightbook names every simulator SIM…
    existing = UserAircraft.objects.annotate(upper_registration=Upper("registration")).filter(
        owner=owner, upper_registration=registration).first()
    if existing is not None:
        raise Conflict(f"{registration} is already in your aircraft (id {existing.pk}); change it instead.")
    aircraft = UserAircraft(owner=owner, registration=registration, source=FlightSource.MANUAL, manual=True,
                            model=(model.model_number or model.name)[:128] if model else "",
                            manufacturer=model.manufacturer[:128] if model else "")
    if model is not None:
        apply_facts(aircraft, {k: v for k, v in facts_from_model(model).items() if k not in values}, FactOrigin.REGISTRY)
        values["aircraft_model_id"] = model.pk
    apply_facts(aircraft, values, FactOrigin.PILOT)
    try:
        with transaction.atomic():
            aircraft.save()
    except IntegrityError:
        raise Conflict(f"{registration} is already in your aircraft.") from None
    if model is None:
        link_to_registry_models(owner, [aircraft.pk])
    link_flights(owner)
    return get_aircraft(owner, aircraft.pk)


def search_models(query: str = "", *, limit: int = MODEL_SEARCH_LIMIT):
    """Shared models whose name, manufacturer, model number or external id contain every word of `query`,
    with how many aircraft use each (the model picker's list)."""
    AircraftModel = _aircraft_model_class()
    models = AircraftModel.objects.all()
    for word in (query or "").split()[:8]:
        models = models.filter(Q(name__icontains=word) | Q(manufacturer__icontains=word)
                               | Q(model_number__icontains=word) | Q(external_id__iexact=word))
    return list(models.annotate(aircraft_count=Count("aircraft")).order_by("manufacturer", "name", "id")[:limit])


def aircraft_counts_by_model(model_ids) -> dict[int, int]:
    """{model id: aircraft linked to it, all pilots} for the model-sync pages."""
    rows = (UserAircraft.objects.filter(aircraft_model_id__in=list(model_ids)).values("aircraft_model_id")
            .annotate(count=Count("id")).values_list("aircraft_model_id", "count"))
    return dict(rows)


# --- every registration the pilot flew --------------------------------------------------------------------


@dataclass
class FlownRegistration:
    """One registration in the pilot's flights, with its aircraft record or why there is none."""

    registration: str
    flights: int
    total_time: Decimal
    last_flown: date | None
    aircraft: UserAircraft | None = None
    reason: str = ""  # when there is no aircraft: SIMULATOR, NOT_US, NOT_IN_REGISTRY or NOT_ADDED

    @property
    def can_add(self) -> bool:
        return self.aircraft is None


def flown_registrations(owner) -> list[FlownRegistration]:
    """Every registration in the pilot's flights (and every aircraft they have), newest flown first.

    One grouped query over the flights, one over the aircraft, one registry query for those without one.
    """
    from flightbridge.registry.nnumber import normalize_n_number
    from flightbridge.registry.services import registered_models

    grouped = (Flight.objects.filter(owner=owner).exclude(tail_number="")
               .annotate(upper_tail=Upper("tail_number")).values("upper_tail")
               .annotate(flights=Count("id"), total=Coalesce(Sum("total_flight_time"), ZERO), last=Max("date"),
                         simulated=Count("id", filter=~Q(simulator_type=SimulatorType.REAL))))
    aircraft = {a.registration.upper(): a for a in aircraft_with_time(owner)}
    rows: dict[str, FlownRegistration] = {}
    simulated: set[str] = set()
    for row in grouped:
        tail = row["upper_tail"].strip()
        if not tail:
            continue
        rows[tail] = FlownRegistration(tail, row["flights"], row["total"], row["last"], aircraft.get(tail))
        if row["simulated"]:
            simulated.add(tail)
    for tail, item in aircraft.items():
        rows.setdefault(tail, FlownRegistration(tail, 0, ZERO, None, item))
    missing = [tail for tail, item in rows.items() if item.aircraft is None]
    registered = registered_models(tail for tail in missing if normalize_n_number(tail))
    for tail in missing:
        item = rows[tail]
        if tail in simulated or tail.startswith("SIM"):
            item.reason = SIMULATOR
        elif not normalize_n_number(tail):
            item.reason = NOT_US
        elif normalize_n_number(tail) not in registered:
            item.reason = NOT_IN_REGISTRY
        else:
            item.reason = NOT_ADDED
    return sorted(rows.values(), key=lambda item: (item.last_flown or date.min, item.registration), reverse=True)


def add_flown_registration(owner, registration: str) -> UserAircraft:
    """"Add this aircraft": a registration from the pilot's flights becomes an aircraft record, a simulator
    when its flights were flown in one."""
    tail = (registration or "").strip().upper()
    kinds = set(Flight.objects.filter(owner=owner).annotate(upper_tail=Upper("tail_number"))
                .filter(upper_tail=tail).values_list("simulator_type", flat=True))
    if not kinds:
        raise NotFound(f"No flight in your logbook was flown in {tail or 'a blank registration'}.")
    simulated = kinds - {SimulatorType.REAL}
    values = {"device_class": sorted(simulated)[0]} if simulated and SimulatorType.REAL not in kinds else {}
    return create_aircraft(owner, tail, values=values)


def pilot_values(data: dict) -> dict:
    """The pilot's own values from checked API or form input: only known fields, choices checked."""
    values = {}
    if data.get("category_class") is not None:
        if data["category_class"] not in CategoryClass.values and data["category_class"] != "":
            raise InputError(f"Field category_class: {data['category_class']!r} is not a category/class.",
                             [{"field": "category_class", "reason": "one of " + ", ".join(CategoryClass.values)}])
        values["category_class"] = data["category_class"]
    if data.get("engine_type") is not None:
        if data["engine_type"] not in EngineType.values and data["engine_type"] != "":
            raise InputError(f"Field engine_type: {data['engine_type']!r} is not an engine type.",
                             [{"field": "engine_type", "reason": "one of " + ", ".join(EngineType.values)}])
        values["engine_type"] = data["engine_type"]
    for name in FLAGS:
        if name in data and data[name] is not None:
            values[name] = bool(data[name])
    if data.get("device_class") is not None:
        if data["device_class"] not in SimulatorType.values:
            raise InputError(f"Field device_class: {data['device_class']!r} is not a device class.",
                             [{"field": "device_class", "reason": "one of " + ", ".join(SimulatorType.values)}])
        values["device_class"] = data["device_class"]
    return values


def origin_of(aircraft: UserAircraft) -> dict[str, str]:
    """{fact: origin} for the API: every fact with a value says where it came from."""
    provenance = aircraft.provenance or {}
    return {provenance_key(name): provenance[provenance_key(name)] for name in FACT_FIELDS
            if provenance_key(name) in provenance}


# --- time in each category/class, added up as MyFlightbook adds it ---------------------------------------


@dataclass(frozen=True)
class ClassTime:
    category_class: str  # "" for flights whose class nobody knows
    flights: int
    total_time: Decimal  # MyFlightbook's SUM(ROUND(x * unit)) / unit, to its 4 places
    landings: int


def time_by_category_class(flights, *, rounding_unit: int = MINUTES) -> list[ClassTime]:
    """Total time of `flights` (a pilot's, `services.flights_for`) in each category/class, each flight rounded
    to `rounding_unit` before the sum
    (Totals.cs, `logbook.rounding`), so a MyFlightbook logbook's lines equal MyFlightbook's "Times by
    Category/Class". A flight counts in its own class (MyFlightbook's CatClassOverride / CatClassDisplay),
    else its aircraft's. One grouped query: a row per distinct (class, time)."""
    effective = Case(When(category_class="", then=Coalesce(F("aircraft__category_class"), Value(""))),
                     default=F("category_class"))
    rows = (flights.order_by().annotate(effective=effective)
            .values("effective", "total_flight_time")
            .annotate(flights=Count("id"), landings=Coalesce(Sum("day_landings"), 0) + Coalesce(Sum("night_landings"), 0)))
    times: dict[str, list[tuple[Decimal, int]]] = {}
    counts: dict[str, list[int]] = {}
    for row in rows:
        times.setdefault(row["effective"], []).append((row["total_flight_time"], row["flights"]))
        tally = counts.setdefault(row["effective"], [0, 0])
        tally[0] += row["flights"]
        tally[1] += row["landings"]
    return [ClassTime(name, counts[name][0], rounded_total(times[name], rounding_unit), counts[name][1])
            for name in sorted(times, key=lambda name: (name == "", name))]
