"""`/api/registry/{tail}` and `/api/airports/{code}`: read-only reference data for any logged-in user.

Thin: parse, call `services.lookup` or `airports.airport_info`, serialize. A non-US or malformed tail
is a 200 answer with `is_us_registration: false`, never an error status.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime

from ninja import Router, Schema

from flightbridge.errors import NotFound

from . import airports, services

router = Router(tags=["reference data"])


class RegistryLookupOut(Schema):
    query: str
    is_us_registration: bool
    found: bool
    n_number: str
    manufacturer: str
    model: str
    aircraft_type: str
    engine_type: str
    seats: int | None
    year: int | None
    status: str
    mode_s_hex: str
    message: str
    details: dict


class RegistryStatusOut(Schema):
    loaded: bool
    file_date: date | None = None
    loaded_at: datetime | None = None
    source: str = ""
    aircraft: int = 0
    deregistered: int = 0
    bad_rows: int = 0
    warnings: int = 0


class AirportOut(Schema):
    ident: str
    icao: str
    iata: str
    lid: str
    name: str
    timezone: str
    latitude: float | None
    longitude: float | None


@router.get("/registry", response=RegistryStatusOut, summary="Which FAA registry file is loaded")
def registry_status(request):
    generation = services.current_generation()
    if generation is None:
        return {"loaded": False}
    return {"loaded": True, "file_date": generation.file_date, "loaded_at": generation.loaded_at,
            "source": generation.source.rsplit("/", 1)[-1], "aircraft": generation.aircraft,
            "deregistered": generation.deregistered, "bad_rows": generation.bad_rows, "warnings": generation.warnings}


@router.get("/registry/{tail}", response=RegistryLookupOut, summary="Look up a US tail number in the FAA registry")
def registry_lookup(request, tail: str):
    return asdict(services.lookup(tail))


@router.get("/airports/{code}", response=AirportOut, summary="An airport by ICAO, IATA or FAA LID (runway suffixes ignored)")
def airport(request, code: str):
    found = airports.airport_info(code)
    if found is None:
        raise NotFound(f"No airport {code.strip().upper()!r} in the airport database (ICAO, IATA or FAA LID).")
    return {**asdict(found), "timezone": found.timezone.key}
