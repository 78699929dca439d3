from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema
from pydantic import field_serializer

HOUR_FIELDS = ("total_flight_time", "pic", "sic", "cross_country", "night", "imc", "simulated_ifr", "dual", "cfi",
               "ground_sim")
TWO_PLACES = Decimal("0.01")


def hours_text(value: Decimal) -> str:
    """An hour figure exactly, with at least 2 places: "2.50", and "1.3333" for the 4-place cross-country
    MyFlightbook keeps (issue 20). Trailing zeros beyond the hundredth say nothing and are dropped."""
    exact = Decimal(value).normalize()
    return str(exact if exact.as_tuple().exponent < -2 else Decimal(value).quantize(TWO_PLACES))

from flightbridge.api_types import ObjectBody
from flightbridge.logbook.import_report import ImportReport
from flightbridge.logbook.models import CategoryClass


class FlightOut(Schema):
    id: int
    date: date
    departure: str
    destination: str
    route: str
    tail_number: str
    aircraft_id: int | None = Field(description="your aircraft with this registration (GET /api/aircraft/{id}), or null")
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
    hobbs_start: Decimal | None
    hobbs_end: Decimal | None
    tach_start: Decimal | None
    tach_end: Decimal | None
    engine_start: datetime | None = Field(description="UTC")
    engine_end: datetime | None = Field(description="UTC")
    category_class: str = Field(description="MyFlightbook's name for the flight's category/class (ASEL, AMEL, Helicopter …)")
    signature: str = Field(description="a CFI's signature: none, valid, or invalid (the flight changed since it was signed)")
    takeoffs_inferred: bool = Field(
        description="the takeoff counts were inferred (one per landing), not logged; exports never write them as logged")
    flight_review: bool = Field(description="counts as a flight review (MyFlightbook's BFR property flag)")
    ipc: bool = Field(description="an instrument proficiency check (MyFlightbook's IPC property flag)")
    checkride: bool = Field(description="a checkride (a MyFlightbook \"Checkride - …\" property)")
    remarks: str
    custom_properties: list | dict
    external_id: str | None
    source: str
    import_batch_id: int | None = Field(description="the import run that last wrote this flight")
    created_by_run_id: int | None = Field(description="the import run that created it (what Undo of that run removes)")
    deleted_at_source: datetime | None = Field(
        description="when a full sync of its source (MyFlightbook) first no longer found it; this copy is kept")
    source_update_waiting: bool = Field(
        description="its source changed it since import; POST /api/imports/{id}/take-myflightbook takes that version")
    flight_check: list[dict] = Field(
        description="what the flight check found this flight cannot have, kept as its source sent it: "
                    "[{field, reason}]; empty when it passes")

    @staticmethod
    def resolve_source_update_waiting(flight) -> bool:
        return flight.source_update is not None

    @field_serializer(*HOUR_FIELDS)
    def serialize_hours(self, value: Decimal) -> str:
        return hours_text(value)
    created_at: datetime
    updated_at: datetime


CategoryClassIn = Literal[tuple(CategoryClass.values)]


class AircraftModelBrief(Schema):
    """The shared model an aircraft is one of (read-only here: models change only through model sync)."""

    id: int
    name: str
    manufacturer: str
    model_number: str
    external_data_source: str
    external_id: str


class ModelChoiceOut(AircraftModelBrief):
    aircraft_count: int = Field(description="aircraft (of every pilot) linked to this model")
Hours = str | float | None
Count = int | str | None


class FlightIn(Schema):
    """A flight the pilot logs by hand. Only the date is required; what is left out is none (0 hours, no
    landings, no text). Hours are decimal (1.5) or hours and minutes ("1:30")."""

    date: str = Field(description="the logbook date: the local date of departure, YYYY-MM-DD")
    departure: str | None = None
    destination: str | None = None
    route: str | None = None
    tail_number: str | None = Field(None, description="the registration; one of your aircraft fills in its type and device")
    aircraft_type: str | None = None
    simulator_type: str | None = Field(None, description="REAL (an aircraft, the default), FFS, FTD, AATD or FLAPS")
    total_flight_time: Hours = None
    pic: Hours = None
    sic: Hours = None
    cross_country: Hours = None
    night: Hours = None
    imc: Hours = None
    simulated_ifr: Hours = None
    dual: Hours = None
    cfi: Hours = None
    ground_sim: Hours = None
    day_landings: Count = None
    day_takeoffs: Count = None
    night_landings: Count = None
    night_takeoffs: Count = None
    day_full_stop_landings: Count = None
    night_full_stop_landings: Count = None
    approaches: Count = None
    holds: Count = None
    flight_rules: str | None = None
    approach_type: str | None = None
    pic_name: str | None = None
    sic_name: str | None = None
    instructor_name: str | None = None
    student_name: str | None = None
    remarks: str | None = None


class AircraftOut(Schema):
    id: int
    registration: str
    model: AircraftModelBrief | None = Field(description="the shared aircraft model, or null when not linked")
    model_text: str = Field(description="the make/model text an import or the registry gave (e.g. 172S)")
    manufacturer: str
    device_class: str = Field(description="REAL, or the simulator kind: FFS, FTD, AATD, FLAPS")
    category_class: str = Field(description="MyFlightbook's name (ASEL, AMEL, Helicopter, …), or empty when unknown")
    engine_type: str = Field(description="piston, turboprop, jet, turboshaft, electric, none, or empty when unknown")
    is_complex: bool | None
    is_high_performance: bool | None
    is_tailwheel: bool | None
    is_turbine: bool | None
    is_multi_engine: bool | None
    provenance: dict[str, str] = Field(description="where each value came from: registry, myflightbook or pilot")
    mfb_model_id: int | None = Field(description="MyFlightbook's ModelID for this aircraft")
    mfb_model_description: str
    flights: int
    total_time: Decimal
    landings: int
    last_flown: date | None
    source: str
    manual: bool
    created_at: datetime

    @staticmethod
    def resolve_model(aircraft) -> AircraftModelBrief | None:
        return aircraft.aircraft_model

    @staticmethod
    def resolve_model_text(aircraft) -> str:
        return aircraft.model

    @staticmethod
    def resolve_provenance(aircraft) -> dict[str, str]:
        from flightbridge.logbook.pilot_aircraft import origin_of

        return origin_of(aircraft)

    @staticmethod
    def resolve_flights(aircraft) -> int:
        return getattr(aircraft, "flight_count", 0)

    @staticmethod
    def resolve_total_time(aircraft) -> Decimal:
        return Decimal(getattr(aircraft, "total_time", 0)).quantize(Decimal("0.01"))

    @staticmethod
    def resolve_landings(aircraft) -> int:
        return getattr(aircraft, "landing_count", 0)


class ClassTimeOut(Schema):
    category_class: str = Field(description='MyFlightbook\'s name, or "" for flights whose class nobody knows')
    flights: int
    total_time: Decimal = Field(description="each flight rounded to the rounding unit, then summed (MyFlightbook's way)")
    landings: int


class FlownRegistrationOut(Schema):
    registration: str
    flights: int
    total_time: Decimal
    last_flown: date | None
    aircraft_id: int | None
    reason: str = Field(description='why there is no aircraft record: "simulator", "not a US registration", '
                                    '"not in the FAA registry", "in the FAA registry, not added yet"; empty when there is one')

    @staticmethod
    def resolve_aircraft_id(item) -> int | None:
        return item.aircraft.pk if item.aircraft is not None else None


class _AircraftValues(ObjectBody):
    """What a pilot may set on their aircraft. Anything else in the body is ignored: there is no field here
    by which a shared model could be created or changed, only `model_id` pointing at an existing one."""

    category_class: str | None = None
    engine_type: str | None = None
    is_complex: bool | None = None
    is_high_performance: bool | None = None
    is_tailwheel: bool | None = None
    is_turbine: bool | None = None
    is_multi_engine: bool | None = None
    device_class: str | None = None


class AircraftPatch(_AircraftValues):
    model_id: int | None = Field(None, ge=1, description="the shared model's id; null unlinks it")


class AircraftIn(_AircraftValues):
    registration: str = Field(min_length=1, max_length=32)
    model_id: int | None = Field(None, ge=1, description="create it from this shared model")


class ImportSummaryOut(Schema):
    """One import run in a list: its counts and a link to its details, never the details themselves."""

    id: int
    source: str
    status: str
    job_id: int | None
    imported: int
    updated: int
    unchanged: int
    skipped: int
    failed: int
    changed_at_source: int
    reasons_total: int = Field(description="how many reasons the run lists (on its own route, paged)")
    message: str
    started_at: datetime
    finished_at: datetime | None
    reverted_at: datetime | None
    url: str = Field(description="the run's own route, with its reasons and details")

    # A list is served straight from the queryset (paged); a run's own route builds a dict.
    @staticmethod
    def resolve_reasons_total(run) -> int:
        return run["reasons_total"] if isinstance(run, dict) else len(run.reasons or [])

    @staticmethod
    def resolve_url(run) -> str:
        return run["url"] if isinstance(run, dict) else f"/api/imports/{run.pk}"


class TouchedOut(Schema):
    count: int = Field(description="flights this run created that a later run has updated since (Undo keeps them)")
    flight_ids: list[int] = Field(description="their ids (at most 100)")
    run_ids: list[int] = Field(description="the later runs that updated them")


class ImportOut(ImportSummaryOut):
    """One import run with its details; the per-record reasons (and a Logger run's entries) are paged."""

    reasons: list = Field(description="this page of the run's reasons")
    report: ImportReport = Field(description="what the run did, by name: counts by outcome, the reasons records "
                                             "were counted under, flights changed or deleted at the source, and the "
                                             "format's own part (csv, logger or myflightbook); a Logger run's entries "
                                             "are paged like the reasons")
    details: dict = Field(description="the same run in the keys it is stored under (kept for clients written "
                                      "before `report`; read `report`); a Logger run's `entries` are paged like "
                                      "the reasons")
    page: int
    pages: int = Field(description="pages of reasons and entries, at least 1")
    page_size: int
    flights_touched_by_later_runs: TouchedOut
    flight_check: dict = Field(description="the run's flights the flight check flagged, kept as sent: "
                                           "{count, flights: [{flight_id, date, label, problems}]} (the first 20 named)")


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
    reason: str = Field(description="why Undo kept it: edited since the import, or updated by a later import run")


class RevertOut(Schema):
    run: ImportSummaryOut
    removed_flights: int
    removed_aircraft: int
    kept_flights: list[KeptFlight]


class CurrencyOut(Schema):
    kind: str
    label: str
    category: str
    status: str
    value: str
    discrepancy: str
    ipc_required: bool
    expires_on: date | None
    source: str
    synced_at: datetime


class TotalOut(Schema):
    source: str
    period: str
    dimension: str
    key: str
    description: str
    value: Decimal
    unit: str
    computed_at: datetime


class CurrencyFlightOut(Schema):
    id: int
    date: date
    source: str
    url: str = Field(description="the flight's page")


class MyFlightbookItemOut(Schema):
    status: str = Field(description="MyFlightbook's state at the last sync: current, expiring, expired or unknown")
    expires_on: date | None
    label: str = Field(description="MyFlightbook's own words for the item")
    synced_at: datetime


class ComputedCurrencyOut(Schema):
    """One item computed here from every flight in the logbook (`?source=computed-local`)."""

    kind: str = Field(description="passenger_day_90, passenger_night_90, instrument or flight_review")
    category: str = Field(description="category/class (and type), `ASEL (tailwheel)`, the instrument category, or ''")
    label: str
    status: str = Field(description="current, expiring (within 30 days), expired or never")
    expires_on: date | None = Field(description="the last day it is (or was) current")
    grace_until: date | None = Field(description="instrument: the last day 6 approaches and holding still restore it")
    ipc_required: bool = Field(description="instrument: past the grace, only an IPC restores it (§61.57(d))")
    flights: list[CurrencyFlightOut] = Field(description="the flights that make it, newest first")
    rule: str = Field(description="the rule, in one sentence")
    shortfall: str = Field(description="what is missing when it is not current")
    myflightbook: MyFlightbookItemOut | None = Field(description="MyFlightbook's item of the same kind and category")
    differs_because: str | None = Field(description="why the two differ, when they do")


class CurrencyFeedOut(Schema):
    enabled: bool
    url: str | None = Field(None, description="the private iCalendar URL: only in the answer that turns the feed on")
    created_at: datetime | None
    last_read_at: datetime | None = Field(description="when a calendar last read it")
