"""What a logbook file says about an aircraft, built from what FlightBridge knows: the pilot's aircraft, the
FAA registry facts stored with it (or looked up), and the flights' own model and device class.

Pure functions over plain values. The FAA registry says single or multi engine and the engine kind; it
does not say land or sea, or the landing gear, so a registered airplane is written as a land airplane
and its gear is left blank (ForeFlight lets the pilot fill it in).
"""

from __future__ import annotations

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


def facts_for_export(tail: str, *, model: str, device_class: str, registry: Mapping | None = None,
                     manufacturer: str = "") -> AircraftFacts:
    """One Aircraft Table row: the flight's model and device class, with registry facts where known."""
    registry = registry or {}
    real = device_class == "REAL"
    year = registry.get("year")
    return AircraftFacts(
        registration=tail,
        device_class=device_class,
        model=model or str(registry.get("model") or ""),
        make=manufacturer or str(registry.get("manufacturer") or ""),
        year=year if isinstance(year, int) and real else None,
        category_class=REGISTRY_CATEGORY_CLASS.get(str(registry.get("aircraft_type") or ""), "") if real else "",
        engine=REGISTRY_ENGINE.get(str(registry.get("engine_type") or ""), "") if real else "",
    )
