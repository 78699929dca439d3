"""What a logbook file says about an aircraft, built from what FlightBridge knows: the pilot's aircraft (its
model, category/class, engine type and flags), the FAA registry facts stored with it (or looked up), and
the flights' own model and device class.

Pure functions over plain values. What the aircraft knows wins; the registry fills what it does not.
The FAA registry says single or multi engine and the engine kind; it does not say land or sea, or the
landing gear, so a registered airplane is written as a land airplane and its gear is left blank unless
the aircraft is known to be a tailwheel airplane or a seaplane (ForeFlight lets the pilot fill it in).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .reading import AircraftFacts

# FAA registry "type aircraft" → ForeFlight Category/Class (2025 and 2026 snake_case names).
REGISTRY_CATEGORY_CLASS = {
    "Fixed wing single engine": "airplane_single_engine_land",
    "Fixed wing multi engine": "airplane_multi_engine_land",
    "Rotorcraft": "rotorcraft_helicopter",
    "Glider": "glider",
    "Balloon": "lighter_than_air_balloon",
    "Blimp/Dirigible": "lighter_than_air_airship",
    "Gyroplane": "rotorcraft_gyroplane",
}
# FAA registry "type engine" → ForeFlight EngineType.
REGISTRY_ENGINE = {
    "Reciprocating": "Piston", "2 Cycle": "Piston", "4 Cycle": "Piston", "Rotary": "Piston",
    "Turbo-prop": "Turboprop", "Turbo-shaft": "Turboshaft", "Turbo-jet": "Turbojet", "Turbo-fan": "Turbofan",
    "Electric": "Electric", "None": "Non-Powered",
}


# Our category/class (MyFlightbook's names) → ForeFlight Category/Class.
FOREFLIGHT_CATEGORY_CLASS = {
    "ASEL": "airplane_single_engine_land", "AMEL": "airplane_multi_engine_land", "ASES": "airplane_single_engine_sea",
    "AMES": "airplane_multi_engine_sea", "Glider": "glider", "Helicopter": "rotorcraft_helicopter",
    "Gyroplane": "rotorcraft_gyroplane", "Hot Air Balloon": "lighter_than_air_balloon",
    "Gas Balloon": "lighter_than_air_balloon", "Airship": "lighter_than_air_airship", "Powered Lift": "powered_lift",
    "Powered Parachute - Land": "powered_parachute_land", "Powered Parachute - Sea": "powered_parachute_sea",
    "Weight-shift Control - Land": "weight_shift_control_land", "Weight-shift Control - Sea": "weight_shift_control_sea",
}
# Our engine type → ForeFlight EngineType ("jet" is turbojet or turbofan: the registry's word decides, else Turbofan).
FOREFLIGHT_ENGINE = {"piston": "Piston", "turboprop": "Turboprop", "jet": "Turbofan", "turboshaft": "Turboshaft",
                     "electric": "Electric", "none": "Non-Powered"}


@dataclass(frozen=True)
class KnownAircraft:
    """What the pilot's aircraft record says (plain values; blank or None where it does not know)."""

    make: str = ""
    model: str = ""
    type_code: str = ""
    category_class: str = ""
    engine_type: str = ""
    is_tailwheel: bool | None = None
    is_complex: bool | None = None
    is_high_performance: bool | None = None


def _gear(known: KnownAircraft) -> str:
    # ForeFlight's GearType: FC fixed conventional (tailwheel), Floats for a seaplane; retractable is not known here.
    if known.category_class in ("ASES", "AMES"):
        return "Floats"
    return "FC" if known.is_tailwheel else ""


def facts_for_export(tail: str, *, model: str, device_class: str, registry: Mapping | None = None,
                     manufacturer: str = "", known: KnownAircraft | None = None) -> AircraftFacts:
    """One Aircraft Table row: the aircraft's own facts and model first, then the flight's model and device
    class, with registry facts where neither knows."""
    registry = registry or {}
    known = known or KnownAircraft()
    real = device_class == "REAL"
    year = registry.get("year")
    registry_engine = REGISTRY_ENGINE.get(str(registry.get("engine_type") or ""), "")
    engine = FOREFLIGHT_ENGINE.get(known.engine_type, "")
    if engine == "Turbofan" and registry_engine in ("Turbojet", "Turbofan"):
        engine = registry_engine
    return AircraftFacts(
        registration=tail,
        device_class=device_class,
        model=known.model or model or str(registry.get("model") or ""),
        make=known.make or manufacturer or str(registry.get("manufacturer") or ""),
        type_code=known.type_code,
        year=year if isinstance(year, int) and real else None,
        category_class=(FOREFLIGHT_CATEGORY_CLASS.get(known.category_class)
                        or REGISTRY_CATEGORY_CLASS.get(str(registry.get("aircraft_type") or ""), "")) if real else "",
        engine=(engine or registry_engine) if real else "",
        gear=_gear(known) if real else "",
        complex=known.is_complex if real else None,
        high_performance=known.is_high_performance if real else None,
    )


def known_aircraft(aircraft) -> KnownAircraft:
    """A `UserAircraft` (with its model) as plain facts for a file."""
    model = aircraft.aircraft_model
    specs = model.specifications if model is not None and isinstance(model.specifications, dict) else {}
    # A model source may name the ICAO type designator; the FAA registry does not have one.
    type_code = next((str(specs[key]) for key in ("icao_type_designator", "type_code", "icao") if specs.get(key)), "")
    return KnownAircraft(
        make=model.manufacturer if model is not None else "",
        model=(model.model_number or model.name) if model is not None else "",
        type_code=type_code, category_class=aircraft.category_class, engine_type=aircraft.engine_type,
        is_tailwheel=aircraft.is_tailwheel, is_complex=aircraft.is_complex,
        is_high_performance=aircraft.is_high_performance,
    )
