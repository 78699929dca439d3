"""`/api/flights`, `/api/aircraft`, `/api/imports`, `/api/currency`, `/api/totals`: a pilot's own logbook.
The writes are a flight logged by hand (`POST /api/flights`) and Undo of an import run."""

from typing import Literal

from django.shortcuts import get_object_or_404
from django.urls import register_converter
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from flightbridge.api_types import IsoDate, Pages, RowId
from flightbridge.errors import InputError
from flightbridge.logbook.rounding import ROUNDING_UNITS
from flightbridge.logbook import currency_feed, currency_report, entry, pilot_aircraft, services
from flightbridge.logbook.models import Flight
from flightbridge.logbook.schemas import (
    AircraftIn,
    AircraftOut,
    AircraftPatch,
    CategoryClassIn,
    ClassTimeOut,
    FlownRegistrationOut,
    ModelChoiceOut,
    ComputedCurrencyOut,
    CurrencyFeedOut,
    CurrencyOut,
    FlightIn,
    FlightOut,
    ImportOut,
    ImportSummaryOut,
    LogbookSummary,
    RevertOut,
    TotalOut,
)

router = Router(tags=["logbook"])


class _ImportRunConverter:
    """A path segment naming an import run: anything but "logger", which is POST /imports/logger (the
    Logger app's import, mounted after this router). Non-numbers still reach the view and get a 422."""

    regex = "[^/]+"

    def to_python(self, value: str) -> str:
        if value == "logger":
            raise ValueError(value)  # no match here: Django tries the next route
        return value

    def to_url(self, value) -> str:
        return str(value)


register_converter(_ImportRunConverter, "import_run")


class FlightFilter(Schema):
    date_from: IsoDate | None = Field(None, alias="from", description="first date to include (YYYY-MM-DD)")
    date_to: IsoDate | None = Field(None, alias="to", description="last date to include (YYYY-MM-DD)")
    aircraft_id: RowId | None = Field(None, description="only flights in this aircraft of yours")
    model_id: RowId | None = Field(None, description="only flights in your aircraft linked to this aircraft model")
    category_class: CategoryClassIn | None = Field(None, description="only flights flown in this category/class")

    def flights(self, owner):
        return services.flights_for(owner, self.date_from, self.date_to, aircraft_id=self.aircraft_id,
                                    model_id=self.model_id, category_class=self.category_class)


@router.get("/flights", response=list[FlightOut], summary="Your flights, newest first, paged")
@paginate(Pages)
def list_flights(request, filters: Query[FlightFilter]):
    return filters.flights(request.auth)


@router.post("/flights", response={201: FlightOut},
             summary="Log a flight by hand: checked as the flight page's form checks it (the flight check), "
                     "refused whole with every field at fault named")
def log_flight(request, payload: FlightIn):
    return Status(201, entry.log_flight(request.auth, payload.model_dump(exclude_none=True)))


@router.get("/flights/summary", response=LogbookSummary,
            summary="Totals over your flights: optionally a date range, one aircraft, one model, one category/class")
def flight_summary(request, filters: Query[FlightFilter]):
    return services.summarize(filters.flights(request.auth))


@router.get("/flights/by-category-class", response=list[ClassTimeOut],
            summary="Your time in each category/class, added up as MyFlightbook adds it (each flight rounded first)")
def time_by_category_class(request, filters: Query[FlightFilter],
                           rounding_unit: int = Query(60, description="MyFlightbook's MathRoundingUnit: "
                                                      "60 whole minutes (its default) or 100 hundredths")):
    if rounding_unit not in ROUNDING_UNITS:
        raise InputError("Field rounding_unit: 60 (whole minutes) or 100 (hundredths).",
                         [{"field": "rounding_unit", "reason": "must be 60 or 100"}])
    return pilot_aircraft.time_by_category_class(filters.flights(request.auth), rounding_unit=rounding_unit)


@router.get("/flights/{flight_id}", response=FlightOut, summary="One of your flights")
def get_flight(request, flight_id: RowId):
    return get_object_or_404(Flight, pk=flight_id, owner=request.auth)


@router.get("/aircraft", response=list[AircraftOut],
            summary="Your aircraft: each with its model, category/class, engine, flags and time from your flights")
def list_aircraft(request):
    return list(pilot_aircraft.aircraft_with_time(request.auth))


@router.get("/aircraft/flown", response=list[FlownRegistrationOut],
            summary="Every registration in your flights, with its aircraft or why there is none")
def list_flown_registrations(request):
    return pilot_aircraft.flown_registrations(request.auth)


@router.get("/aircraft/models", response=list[ModelChoiceOut],
            summary="Aircraft models to pick from (every word of q in the name, manufacturer or model number)")
def search_models(request, q: str = Query("", max_length=200)):
    return pilot_aircraft.search_models(q)


@router.post("/aircraft", response={201: AircraftOut}, summary="Add an aircraft (optionally from a model)")
def create_aircraft(request, payload: AircraftIn):
    values = pilot_aircraft.pilot_values(payload.dict(exclude_unset=True))
    return Status(201, pilot_aircraft.create_aircraft(request.auth, payload.registration, model_id=payload.model_id,
                                                      values=values))


@router.get("/aircraft/{aircraft_id}", response=AircraftOut, summary="One of your aircraft")
def get_aircraft(request, aircraft_id: RowId):
    return pilot_aircraft.get_aircraft(request.auth, aircraft_id)


@router.patch("/aircraft/{aircraft_id}", response=AircraftOut,
              summary='Pick the aircraft\'s model ({"model_id": …}, null unlinks) or set its class, engine and flags')
def change_aircraft(request, aircraft_id: RowId, payload: AircraftPatch):
    given = payload.dict(exclude_unset=True)
    change = pilot_aircraft.AircraftChange(model_id=given.get("model_id"),
                                           clear_model="model_id" in given and given["model_id"] is None,
                                           values=pilot_aircraft.pilot_values(given))
    return pilot_aircraft.change_aircraft(request.auth, aircraft_id, change)


@router.get("/imports", response=list[ImportSummaryOut], summary="Your import runs, newest first: counts and a link each")
@paginate(Pages)
def list_imports(request):
    return services.import_runs(request.auth)


@router.get("/imports/{import_run:import_id}", response=ImportOut,
            summary="One import run with its details; its reasons are paged (`?page=`)")
def get_import(request, import_id: RowId, page: int = Query(1, ge=1, le=1_000_000)):
    return services.import_run_detail(request.auth, import_id, page)


@router.post("/imports/{import_id}/revert", response=RevertOut,
             summary="Undo an import run: remove the flights it created, keep (and list, with the reason) those "
                     "edited since or updated by a later run")
def revert_import(request, import_id: RowId):
    result = services.revert_import(request.auth, import_id)
    kept = [{"id": item.flight.pk, "date": item.flight.date, "departure": item.flight.departure,
             "destination": item.flight.destination, "updated_at": item.flight.updated_at, "reason": item.reason}
            for item in result.kept]
    return {"run": services.import_run_summary(result.batch), "removed_flights": result.removed_flights,
            "removed_aircraft": result.removed_aircraft, "kept_flights": kept}


# The operation ids these two routes had when the MyFlightbook app served them: generated clients keep working.
@router.get("/currency", response=list[CurrencyOut] | list[ComputedCurrencyOut],
            operation_id="flightbridge_myflightbook_sync_api_list_currency",
            summary="Your FAA currency: as MyFlightbook reported it on the last sync, or (`?source=computed-local`) "
                    "computed here from every flight in your logbook, each item beside MyFlightbook's")
def list_currency(request, source: Literal["myflightbook", "computed-local"] = "myflightbook"):
    if source == currency_report.SOURCE:
        return [currency_report.as_api(one) for one in currency_report.computed_currency(request.auth)]
    return services.currency_for(request.auth)


def _feed_out(feed, url: str | None = None) -> dict:
    return {"enabled": feed is not None, "url": url, "created_at": feed.created_at if feed else None,
            "last_read_at": feed.last_read_at if feed else None}


@router.get("/currency/feed", response=CurrencyFeedOut, summary="Whether your private currency calendar feed is on")
def get_currency_feed(request):
    return _feed_out(currency_feed.feed_of(request.auth))


@router.post("/currency/feed", response={201: CurrencyFeedOut},
             summary="Turn on your private iCalendar feed of currency expiry dates (or replace its link): the URL "
                     "is in this answer only; an earlier link stops working")
def turn_on_currency_feed(request):
    token = currency_feed.turn_on_feed(request.auth)
    url = request.build_absolute_uri(currency_feed.feed_path(token))
    return Status(201, _feed_out(currency_feed.feed_of(request.auth), url))


@router.delete("/currency/feed", response={204: None}, summary="Turn off your calendar feed: its link stops working")
def turn_off_currency_feed(request):
    currency_feed.turn_off_feed(request.auth)
    return Status(204, None)


@router.get(
    "/totals",
    response=list[TotalOut],
    operation_id="flightbridge_myflightbook_sync_api_list_totals",
    summary="Your totals: MyFlightbook's lifetime snapshot and the local trailing-12-month rollup",
)
def list_totals(request, source: str | None = None):
    return services.totals_for(request.auth, source)
