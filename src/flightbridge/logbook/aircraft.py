"""The pilot's aircraft: match registrations, add the ones the pilot lacks, link them to models and flights.

The logbook owns `UserAircraft` writes, as it owns flights: an importer hands plain facts here. An added
aircraft remembers the import run that added it (`import_batch`, `manual=False`), so Undo removes it
with the run's flights; an aircraft the pilot already has, curated by hand or not, is never changed.

Each of an aircraft's facts (its model, category/class, engine type, flags, device class) says where it
came from (`provenance`): the FAA registry, MyFlightbook or the pilot. `apply_facts` is the one rule for
writing them: a pilot's own choice is never overwritten by an import. Linking an aircraft to a shared
`AircraftModel` only ever reads models: creating or changing them is model sync's job (`fleet`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Upper
from django.utils import timezone

from flightbridge.logbook.models import (
    CategoryClass,
    EngineType,
    FactOrigin,
    Flight,
    FlightSource,
    LogbookImport,
    SimulatorType,
    UserAircraft,
)

_REGISTRATION_LIMIT = UserAircraft._meta.get_field("registration").max_length


@dataclass(frozen=True)
class ImportedAircraft:
    """What a file says about one aircraft (plain data from the importer)."""

    registration: str
    device_class: str = SimulatorType.REAL
    model: str = ""
    manufacturer: str = ""
    details: dict | None = None


def aircraft_by_registration(owner, registrations) -> dict[str, UserAircraft]:
    """The pilot's aircraft for these registrations, keyed by the upper-case registration."""
    wanted = {registration.upper() for registration in registrations if registration}
    if not wanted:
        return {}
    found = {}
    for aircraft in UserAircraft.objects.filter(owner=owner, registration__in=wanted):
        found[aircraft.registration.upper()] = aircraft
    missing = wanted - set(found)
    if missing:  # registrations stored in another case (hand-entered "n12345")
        for aircraft in UserAircraft.objects.filter(owner=owner).only("id", "registration", "model", "device_class"):
            if aircraft.registration.upper() in missing:
                found[aircraft.registration.upper()] = aircraft
    return found


def add_imported_aircraft(owner, run: LogbookImport, items: list[ImportedAircraft], *,
                          dry_run: bool = False) -> dict[str, UserAircraft]:
    """Every aircraft of `items` as the pilot's: the existing one by registration (simulators included), or a
    new one recorded against `run`. Returns them keyed by upper-case registration. A dry run (a preview)
    returns the new ones unsaved."""
    known = aircraft_by_registration(owner, [item.registration for item in items])
    new = {}
    for item in items:
        registration = item.registration.upper()
        if registration in known or registration in new or not registration or len(registration) > _REGISTRATION_LIMIT:
            continue
        device = item.device_class if item.device_class in SimulatorType.values else SimulatorType.REAL
        new[registration] = UserAircraft(
            owner=owner, registration=registration, model=item.model[:128], manufacturer=item.manufacturer[:128],
            device_class=device, source=run.source, manual=False, details={"file": item.details or {}}, import_batch=run)
    if new and dry_run:
        known.update(new)
    elif new:
        # One insert for the batch; one added meanwhile by another import of the same pilot is left as it is.
        with transaction.atomic():
            UserAircraft.objects.bulk_create(new.values(), ignore_conflicts=True)
        known.update(aircraft_by_registration(owner, new))
        link_to_registry_models(owner, [known[registration].pk for registration in new if registration in known])
    return known


# --- facts and where they came from ------------------------------------------------------------------------

#: the facts provenance covers, in the order pages list them
FACT_FIELDS = ("aircraft_model_id", "category_class", "engine_type", "is_complex", "is_high_performance",
               "is_tailwheel", "is_turbine", "is_multi_engine", "device_class")
#: a value from an origin replaces one from the same or a lower rank, never from a higher one
_RANK = {FactOrigin.REGISTRY: 1, FactOrigin.MYFLIGHTBOOK: 2, FactOrigin.PILOT: 3}
_TURBINE = {EngineType.TURBOPROP, EngineType.JET, EngineType.TURBOSHAFT}


def provenance_key(name: str) -> str:
    """`aircraft_model_id` is recorded as `aircraft_model`, the name pilots and the API use."""
    return "aircraft_model" if name == "aircraft_model_id" else name


def apply_facts(aircraft: UserAircraft, facts: dict, origin: str) -> list[str]:
    """Set `facts` on `aircraft` from `origin`, except where a higher-ranked origin (the pilot above all) set
    the value. Returns the fields that changed (provenance included when anything did). Pure: no save."""
    changed: list[str] = []
    provenance = dict(aircraft.provenance or {})
    noted = False
    for name, value in facts.items():
        key = provenance_key(name)
        held = provenance.get(key)
        if held and _RANK.get(held, 0) > _RANK[origin]:
            continue
        if getattr(aircraft, name) != value:
            setattr(aircraft, name, value)
            changed.append(name)
        if held != origin:
            provenance[key] = origin
            noted = True
    if noted:
        aircraft.provenance = provenance
        changed.append("provenance")
    return changed


def category_class_from_registry(type_aircraft: str, category: str, engines: int | None) -> str:
    """ACFTREF TYPE-ACFT and AC-CAT (ardata.pdf) → MyFlightbook's category/class; "" when they do not say.

    An amphibian (AC-CAT 3) is taken as land: most of its time is logged from runways, and the pilot sets
    "sea" on the aircraft when that is how they fly it. A balloon is a hot air balloon (ACFTREF does not tell
    gas from hot air). A fixed-wing type says single or multi engine itself (4 and 5).
    """
    sea = category == "2"
    if type_aircraft == "4":
        return CategoryClass.ASES if sea else CategoryClass.ASEL
    if type_aircraft == "5":
        return CategoryClass.AMES if sea else CategoryClass.AMEL
    return {
        "1": CategoryClass.GLIDER, "2": CategoryClass.HOT_AIR_BALLOON, "3": CategoryClass.AIRSHIP,
        "6": CategoryClass.HELICOPTER, "9": CategoryClass.GYROPLANE, "H": CategoryClass.POWERED_LIFT,
        "7": CategoryClass.WEIGHT_SHIFT_CONTROL_SEA if sea else CategoryClass.WEIGHT_SHIFT_CONTROL_LAND,
        "8": CategoryClass.POWERED_PARACHUTE_SEA if sea else CategoryClass.POWERED_PARACHUTE_LAND,
    }.get(type_aircraft, "")


def engine_type_from_registry(type_engine: str) -> str:
    """ACFTREF/MASTER TYPE ENGINE (ardata.pdf) → our engine type; "" for unknown, ramjet and the like."""
    code = type_engine.lstrip("0") or ("0" if type_engine else "")
    return {
        "0": EngineType.NONE, "1": EngineType.PISTON, "7": EngineType.PISTON, "8": EngineType.PISTON,
        "11": EngineType.PISTON, "2": EngineType.TURBOPROP, "3": EngineType.TURBOSHAFT, "4": EngineType.JET,
        "5": EngineType.JET, "10": EngineType.ELECTRIC,
    }.get(code, "")


def registry_facts(row: dict) -> dict:
    """The facts the FAA registry gives for one registered aircraft (a `registry.services.registered_models` row).

    Complex, high performance and tailwheel are not in the registry: they stay as they are.
    """
    engine_type = engine_type_from_registry(row.get("type_engine") or "")
    engines = row.get("engines")
    facts: dict = {
        "category_class": category_class_from_registry(row.get("type_aircraft") or "", row.get("category") or "", engines),
        "engine_type": engine_type,
        "is_turbine": (engine_type in _TURBINE) if engine_type else None,
        "is_multi_engine": (engines > 1) if engines else (True if row.get("type_aircraft") == "5" else None),
    }
    return {name: value for name, value in facts.items() if value not in ("", None)}


# --- linking: aircraft to models, flights to aircraft -----------------------------------------------------


@dataclass(frozen=True)
class LinkReport:
    aircraft: int  # aircraft looked at
    registered: int  # of them, in the loaded registry
    linked: int  # now linked to the model with their ACFTREF code
    changed: int  # aircraft written


def link_to_registry_models(owner=None, aircraft_ids=None, *, chunk: int = 2000) -> LinkReport:
    """Link aircraft whose registration is in the loaded FAA registry to the model with their ACFTREF code
    (from an FAA aircraft reference source), and set the registry's facts on them.

    `owner`/`aircraft_ids` narrow it (all pilots' aircraft otherwise). A model is only looked up, never
    created or changed; an aircraft whose model the pilot chose keeps it. A few queries per `chunk` aircraft.
    """
    from flightbridge.fleet.models import AircraftModel, DataSourceConfig, SourceKind
    from flightbridge.registry.services import registered_models

    sources = list(DataSourceConfig.objects.filter(kind=SourceKind.FAA_REFERENCE).order_by("name")
                   .values_list("name", flat=True))
    query = UserAircraft.objects.filter(device_class=SimulatorType.REAL).order_by("id")
    if owner is not None:
        query = query.filter(owner=owner)
    if aircraft_ids is not None:
        query = query.filter(id__in=list(aircraft_ids))
    looked = registered = linked = changed_count = 0
    loaded = ["id", "registration", "provenance", *(provenance_key(name) for name in FACT_FIELDS)]
    last_id = 0
    while True:
        batch = list(query.filter(id__gt=last_id).only(*loaded)[:chunk])
        if not batch:
            break
        last_id = batch[-1].id
        looked += len(batch)
        found = registered_models(aircraft.registration for aircraft in batch)
        codes = {row["mfr_mdl_code"] for row in found.values() if row["mfr_mdl_code"]}
        model_ids: dict[str, int] = {}
        if codes and sources:
            for source in reversed(sources):  # the first source by name wins a code two sources share
                model_ids.update(AircraftModel.objects.filter(external_data_source=source, external_id__in=codes)
                                 .values_list("external_id", "id"))
        dirty: list[UserAircraft] = []
        for aircraft in batch:
            row = found.get(_mark(aircraft.registration))
            if row is None:
                continue
            registered += 1
            facts = registry_facts(row)
            model_id = model_ids.get(row["mfr_mdl_code"])
            if model_id is not None:
                facts["aircraft_model_id"] = model_id
            if apply_facts(aircraft, facts, FactOrigin.REGISTRY):
                dirty.append(aircraft)
            if aircraft.aircraft_model_id is not None and aircraft.aircraft_model_id == model_id:
                linked += 1
        _write_registry_facts(dirty)
        changed_count += len(dirty)
    return LinkReport(aircraft=looked, registered=registered, linked=linked, changed=changed_count)


#: the columns linking writes, with the SQL type each value is cast to (the same statement on SQLite and PostgreSQL)
_LINK_COLUMNS = (("aircraft_model_id", "bigint"), ("category_class", "text"), ("engine_type", "text"),
                 ("is_turbine", "boolean"), ("is_multi_engine", "boolean"), ("provenance", "json"))
LINK_WRITE_BATCH = 500


def _write_registry_facts(dirty: list[UserAircraft]) -> None:
    """One `UPDATE … FROM (VALUES …)` per 500 aircraft: each aircraft of 10,000 usually has values of its own
    (its own model), so an UPDATE per aircraft or Django's CASE-per-field bulk_update took tens of seconds."""
    if not dirty:
        return
    json_type = "jsonb" if connection.vendor == "postgresql" else "text"
    quote = connection.ops.quote_name
    table = quote(UserAircraft._meta.db_table)
    casts = ["CAST(%s AS bigint)"] + [f"CAST(%s AS {json_type if kind == 'json' else kind})" for _, kind in _LINK_COLUMNS]
    row_sql = "(" + ", ".join(casts) + ")"
    assignments = ", ".join(f"{quote(name)} = v.column{index + 2}" for index, (name, _) in enumerate(_LINK_COLUMNS))
    now = timezone.now()
    with connection.cursor() as cursor:
        for start in range(0, len(dirty), LINK_WRITE_BATCH):
            chunk = dirty[start:start + LINK_WRITE_BATCH]
            params: list = []
            for aircraft in chunk:
                params += [aircraft.pk, aircraft.aircraft_model_id, aircraft.category_class, aircraft.engine_type,
                           aircraft.is_turbine, aircraft.is_multi_engine, json.dumps(aircraft.provenance or {})]
            cursor.execute(f"UPDATE {table} SET {assignments}, {quote('updated_at')} = %s "
                           f"FROM (VALUES {', '.join([row_sql] * len(chunk))}) AS v "
                           f"WHERE {table}.{quote('id')} = v.column1",
                           [now, *params])


def _mark(registration: str) -> str:
    from flightbridge.registry.nnumber import normalize_n_number

    return normalize_n_number(registration) or ""


def aircraft_ids_for_tails(owner, tails) -> dict[str, int]:
    """{upper-case tail: aircraft id} for the pilot's aircraft with these registrations (one query)."""
    wanted = {str(tail).strip().upper() for tail in tails if tail and str(tail).strip()}
    if not wanted:
        return {}
    rows = (UserAircraft.objects.filter(owner=owner).annotate(upper_registration=Upper("registration"))
            .filter(upper_registration__in=wanted).values_list("upper_registration", "id"))
    return dict(rows)


def link_flights(owner, *, only_unlinked: bool = True) -> int:
    """Point the pilot's flights at their aircraft by registration (one UPDATE); returns the flights changed.

    Run when aircraft are added: flights imported before their aircraft existed are linked then.
    """
    match = (UserAircraft.objects.filter(owner=OuterRef("owner"))
             .annotate(upper_registration=Upper("registration"))
             .filter(upper_registration=Upper(OuterRef("tail_number"))).values("id")[:1])
    flights = Flight.objects.filter(owner=owner).exclude(tail_number="").filter(Exists(match))
    if only_unlinked:
        flights = flights.filter(aircraft__isnull=True)
    return flights.update(aircraft=Subquery(match))


def keep_myflightbook_models(owner, models: dict[str, tuple[int | None, str]]) -> int:
    """Store MyFlightbook's ModelID / ModelDescription on the pilot's aircraft ({upper tail: (id, text)}),
    so the pilot (or a later source) can match them to a shared model. Returns the aircraft changed."""
    if not models:
        return 0
    dirty = []
    for aircraft in UserAircraft.objects.filter(owner=owner).annotate(upper_registration=Upper("registration")).filter(
            upper_registration__in=list(models)):
        model_id, description = models[aircraft.upper_registration]
        description = (description or "")[:128]
        if (aircraft.mfb_model_id, aircraft.mfb_model_description) != (model_id, description):
            aircraft.mfb_model_id, aircraft.mfb_model_description = model_id, description
            dirty.append(aircraft)
    UserAircraft.objects.bulk_update(dirty, ["mfb_model_id", "mfb_model_description"], batch_size=500)
    return len(dirty)


def link_pilot_aircraft(owner, *, myflightbook_models: dict[str, tuple[int | None, str]] | None = None) -> LinkReport:
    """After aircraft were added: keep MyFlightbook's models on them, link them to the registry's models and
    point the pilot's flights at them."""
    keep_myflightbook_models(owner, myflightbook_models or {})
    report = link_to_registry_models(owner)
    link_flights(owner)
    classes_from_myflightbook_flights(owner)
    return report


def classes_from_myflightbook_flights(owner) -> int:
    """An aircraft whose category/class nobody knows takes the one MyFlightbook logged most often for its
    flights (CatClassDisplay, Flight.category_class): simulators and foreign aircraft, which the registry
    cannot name. Returns the aircraft changed."""
    rows = (Flight.objects.filter(owner=owner, source=FlightSource.MYFLIGHTBOOK, aircraft__category_class="")
            .exclude(category_class="").values("aircraft_id", "category_class").annotate(count=Count("id"))
            .order_by("aircraft_id", "-count", "category_class"))
    chosen: dict[int, str] = {}
    for row in rows:
        chosen.setdefault(row["aircraft_id"], row["category_class"])
    changed = 0
    for aircraft in UserAircraft.objects.filter(pk__in=list(chosen)):
        if chosen[aircraft.pk] in CategoryClass.values:
            fields = apply_facts(aircraft, {"category_class": chosen[aircraft.pk]}, FactOrigin.MYFLIGHTBOOK)
            if fields:
                aircraft.save(update_fields=[*fields, "updated_at"])
                changed += 1
    return changed


def link_after_reference_sync() -> str:
    """The FAA reference synced (`fleet.runs.after_reference_sync`): link pilots' registered aircraft to their
    models, and say how many."""
    report = link_to_registry_models()
    return f"{report.linked} of {report.registered} registered aircraft linked to their FAA model."
