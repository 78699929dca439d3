from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema


class FlightOut(Schema):
    id: int
    date: date
    departure: str
    destination: str
    route: str
    tail_number: str
    aircraft_type: str
    simulator_type: str
    total_flight_time: Decimal
    pic: Decimal
    sic: Decimal
    cross_country: Decimal
    night: Decimal
    imc: Decimal
    simulated_ifr: Decimal
    dual: Decimal
    cfi: Decimal
    ground_sim: Decimal
    day_landings: int
    day_takeoffs: int
    night_landings: int
    night_takeoffs: int
    day_full_stop_landings: int
    night_full_stop_landings: int
    approaches: int
    holds: int
    block_out: datetime | None
    block_in: datetime | None
    takeoff_at: datetime | None
    landing_at: datetime | None
    flight_rules: str
    approach_type: str
    pic_name: str
    sic_name: str
    instructor_name: str
    student_name: str
    remarks: str
    custom_properties: list | dict
    external_id: str | None
    source: str
    import_batch_id: int | None
    created_at: datetime
    updated_at: datetime


class AircraftOut(Schema):
    id: int
    registration: str
    model: str
    manufacturer: str
    device_class: str
    source: str
    manual: bool
    created_at: datetime


class ImportOut(Schema):
    id: int
    source: str
    status: str
    job_id: int | None
    imported: int
    updated: int
    skipped: int
    failed: int
    changed_at_source: int
    reasons: list
    details: dict
    message: str
    started_at: datetime
    finished_at: datetime | None
    reverted_at: datetime | None


class LogbookSummary(Schema):
    flights: int
    total_flight_time: Decimal
    pic: Decimal
    night: Decimal
    imc: Decimal
    simulated_ifr: Decimal
    cross_country: Decimal
    landings: int = Field(description="every landing, full-stop and touch-and-go, day and night")
    day_full_stop_landings: int
    night_full_stop_landings: int
    approaches: int


class KeptFlight(Schema):
    id: int
    date: date
    departure: str
    destination: str
    updated_at: datetime


class RevertOut(Schema):
    run: ImportOut
    removed_flights: int
    removed_aircraft: int
    kept_flights: list[KeptFlight]
