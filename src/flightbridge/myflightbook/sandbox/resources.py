"""The sandbox's OAuthResource methods: the same names, parameters, scopes and answers as MyFlightbook.

Each method reads form/query fields the way MyFlightbook does (complex arguments are JSON text in a
field, required ones missing → "Required parameter 'x' missing") and returns plain data that the
server serializes. Like ASP.NET's `Request[name]`, `params` also holds server variables after the query
and form fields: `HTTP_ACCEPT_LANGUAGE` picks the culture of currency and totals text. Write methods are implemented just enough to answer like MyFlightbook; the server
records every one of them, so tests can prove FlightBridge never sends one.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Callable

from flightbridge.logbook.rounding import hours_from_units, rounded_units
from flightbridge.myflightbook.sandbox.culture import EN_US, Culture, culture_for
from flightbridge.myflightbook.sandbox.logbook import (
    AIRPORTS, CAT_CLASS_BY_ID, CAT_CLASSES, MODEL_BY_ID, MODELS, PROPERTY_TYPES, Account, _query, put,
)

NONE = object()  # a method that returned null: MyFlightbook answers with an empty body


class MethodError(Exception):
    """Becomes `Error: <message>` as text/plain, with `status` (500 unless MyFlightbook says 401)."""

    def __init__(self, message: str, status: int = 500):
        super().__init__(message)
        self.status = status


def _required(params: dict, name: str) -> str:
    value = params.get(name)
    if value in (None, ""):
        raise MethodError(f"Required parameter '{name}' missing")
    return value


def _json_param(params: dict, name: str, required: bool = True) -> Any:
    raw = _required(params, name) if required else params.get(name)
    if raw in (None, ""):
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise MethodError(f"Unexpected character encountered while parsing value: {str(raw)[:1]}. Path '', line 0, position 0.")


def _int_param(params: dict, name: str) -> int:
    raw = _required(params, name)
    try:
        return int(json.loads(raw))
    except (ValueError, TypeError):
        raise MethodError(f"Could not convert string to integer: {raw}. Path '', line 1, position {len(raw)}.")


# ---- flight queries ---------------------------------------------------------------------------

DATE_RANGES = {"AllTime": 0, "YTD": 1, "Tailing6Months": 2, "Trailing12Months": 3, "ThisMonth": 4, "PrevMonth": 5,
               "PrevYear": 6, "Trailing30": 7, "Trailing90": 8, "Custom": 9}


def _parse_query_date(value: Any) -> date | None:
    if not value:
        return None
    text = str(value)
    if "/" in text:
        month, day, year = (int(part) for part in text.split()[0].split("/"))
        return date(year, month, day)
    return date.fromisoformat(text[:10])


def date_window(fq: dict | None, today: date) -> tuple[date | None, date | None]:
    fq = fq or {}
    kind = fq.get("DateRange", 0)
    kind = DATE_RANGES.get(kind, 0) if isinstance(kind, str) else int(kind or 0)
    first_of_month = today.replace(day=1)
    if kind == 1:
        return date(today.year, 1, 1), today
    if kind == 2:
        return today - timedelta(days=182), today
    if kind == 3:
        return today - timedelta(days=365), today
    if kind == 4:
        return first_of_month, today
    if kind == 5:
        last = first_of_month - timedelta(days=1)
        return last.replace(day=1), last
    if kind == 6:
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    if kind == 7:
        return today - timedelta(days=30), today
    if kind == 8:
        return today - timedelta(days=90), today
    if kind == 9:  # DateMin/DateMax apply only with DateRange = Custom; both inclusive
        return _parse_query_date(fq.get("DateMin")), _parse_query_date(fq.get("DateMax"))
    return None, None


def matching_flights(account: Account, fq: dict | None) -> list[dict]:
    low, high = date_window(fq, account.today)
    aircraft_ids = set((fq or {}).get("AircraftIDList") or [])
    # EnumeratedFlights (FlightQuery.cs): `idFlight IN (...)`, ANDed with every other condition.
    enumerated = {int(value) for value in ((fq or {}).get("EnumeratedFlights") or [])}
    rows = []
    for flight in account.flights:
        day = account.flight_dates[flight["FlightID"]]
        if (low and day < low) or (high and day > high):
            continue
        if aircraft_ids and flight.get("AircraftID") not in aircraft_ids:
            continue
        if enumerated and flight["FlightID"] not in enumerated:
            continue
        rows.append(flight)
    return rows


# ---- totals -----------------------------------------------------------------------------------

def _count(value: int) -> Decimal:
    return Decimal(value).quantize(Decimal("0.1"))


def _landings_text(culture: Culture, landings: int, day: int, night: int, approaches: int) -> str:
    """Totals.cs SubDescFromLandings: "1,204 Landings (388 Day, 47 Night), 96 Approaches", every zero part
    left out, "Day"/"Night" being full-stop landings, singular for one."""
    def part(count: int, one: str, many: str | None = None) -> str:
        return f"{culture.integer(count)} {culture.text(one if count == 1 or many is None else many)}" if count else ""

    text = part(landings, "landing", "landings")
    full_stops = [piece for piece in (part(day, "day_landing"), part(night, "night_landing")) if piece]
    if text and full_stops:
        text += f" ({', '.join(full_stops)})"
    approach_text = part(approaches, "approach", "approaches")
    return f"{text}{', ' if text and approach_text else ''}{approach_text}"


def _total_item(value: Decimal, description: str, group: int, group_name: str, *, sub: str = "", numeric: int = 2,
                query: dict | None = None) -> dict:
    row: dict[str, Any] = {"Value": value, "Description": description, "SubDescription": sub}
    put(row, "NumericType", numeric)
    put(row, "IsInt", numeric == 0)
    put(row, "IsTime", numeric == 2)
    put(row, "IsCurrency", numeric == 3)
    if query is not None:
        row["Query"] = query
    put(row, "Group", group)
    row["GroupName"] = group_name
    return row


def totals_for(account: Account, flights: list[dict], culture: Culture = EN_US) -> list[dict]:
    """TotalsItem[] over `flights` in `culture`, every group represented when the data has it; zero values
    dropped. No standalone "Approaches" or "Landings" item: those counts live in SubDescriptions."""
    by_aircraft = account.aircraft_by_id()
    user = account.username
    unit = account.rounding_unit

    # Totals.cs: every hour total is SUM(ROUND(x * qf)) / qf, each flight rounded to the pilot's unit first.
    # The sums below are of whole units (`rounded`); `_hours` divides once, as the SQL does.
    def rounded(value: Any) -> int:
        return rounded_units(Decimal(value or 0), unit)

    def in_hours(units: int) -> Decimal:
        return hours_from_units(units, unit)

    cat: dict[str, list[dict]] = defaultdict(list)
    icao: dict[str, int] = defaultdict(int)
    model_time: dict[str, int] = defaultdict(int)
    complex_time = tailwheel_time = 0
    sums: dict[str, int] = defaultdict(int)
    props: dict[int, int] = defaultdict(int)
    counts = defaultdict(int)
    for flight in flights:
        aircraft = by_aircraft.get(flight.get("AircraftID"), {})
        model = MODEL_BY_ID.get(aircraft.get("ModelID"))
        total = rounded(flight.get("TotalFlightTime", Decimal(0)))
        if model is not None:
            # Totals.cs joins CategoryClass on the flight's CatClassOverride (the aircraft's class when not overridden).
            cat[CAT_CLASS_BY_ID.get(flight.get("CatClassOverride"), model.cat_class)].append(flight)
            if model.icao and total:
                icao[model.icao] += total
            model_time[model.description] += total
            if model.complex:
                complex_time += total
            if model.tailwheel:
                tailwheel_time += total
        for key in ("CrossCountry", "Nighttime", "IMC", "SimulatedIFR", "GroundSim", "Dual", "CFI", "SIC", "PIC", "TotalFlightTime"):
            sums[key] += rounded(flight.get(key, Decimal(0)))
        counts["landings"] += flight.get("Landings", 0)
        counts["day"] += flight.get("FullStopLandings", 0)
        counts["night"] += flight.get("NightLandings", 0)
        counts["approaches"] += flight.get("Approaches", 0)
        for prop in flight.get("CustomProperties", []):
            if PROPERTY_TYPES[prop["PropTypeID"]][1] == 0:
                props[prop["PropTypeID"]] += prop.get("IntValue", 0)
            elif PROPERTY_TYPES[prop["PropTypeID"]][1] == 2 and prop.get("BoolValue"):
                props[prop["PropTypeID"]] += 1

    items: list[dict] = []
    for name in sorted(cat):
        rows = cat[name]
        time = sum(rounded(f.get("TotalFlightTime", Decimal(0))) for f in rows)
        sub = _landings_text(culture, sum(f.get("Landings", 0) for f in rows), sum(f.get("FullStopLandings", 0) for f in rows),
                             sum(f.get("NightLandings", 0) for f in rows), sum(f.get("Approaches", 0) for f in rows))
        items.append(_total_item(in_hours(time), name, 1, culture.text("group_1"), sub=sub,
                                 query=_query(CatClasses=[CAT_CLASSES[name]], UserName=user)))
    for code in sorted(icao):
        items.append(_total_item(in_hours(icao[code]), code, 2, culture.text("group_2"), query=_query(UserName=user, TypeNames=[])))
    for description in sorted(model_time):
        items.append(_total_item(in_hours(model_time[description]), description, 3, culture.text("group_3"), query=_query(UserName=user)))
    for type_id in sorted(props, key=lambda t: PROPERTY_TYPES[t][0]):
        title, kind, fmt = PROPERTY_TYPES[type_id]
        description = title if kind == 0 else f'Flights with "{title}"'
        prop_type = {"PropTypeID": type_id, "Title": title, "SortKey": title, "FormatString": fmt, "Description": title, "PreviousValues": []}
        items.append(_total_item(_count(props[type_id]), description, 6, culture.text("group_6"), numeric=0,
                                 query=_query(PropertyTypes=[prop_type], PropertiesConjunction=1, UserName=user)))
    features = culture.text("group_4")
    items.append(_total_item(in_hours(complex_time), "Complex - PIC/Total", 4, features, query=_query(UserName=user, IsComplex=True)))
    items.append(_total_item(in_hours(tailwheel_time), "Tailwheel - PIC/Total", 4, features, query=_query(UserName=user, IsTailwheel=True)))
    instrument = sums["IMC"] + sums["SimulatedIFR"]
    core = [
        ("Cross Country", sums["CrossCountry"], "", {"HasXC": True}),
        ("Night", sums["Nighttime"], "", {"HasNight": True}),
        (culture.text("instrument_time"), instrument,
         culture.text("instrument_note", culture.number(in_hours(sums["IMC"])), culture.number(in_hours(sums["SimulatedIFR"]))), {"HasAnyInstrument": True}),
        ("IMC", sums["IMC"], "", {"HasIMC": True}),
        ("Simulated Instrument", sums["SimulatedIFR"], "", {"HasSimIMCTime": True}),
        ("Ground Simulator", sums["GroundSim"], "", {"HasGroundSim": True}),
        ("Dual Received", sums["Dual"], "", {"HasDual": True}),
        ("Instructor", sums["CFI"], "", {"HasCFI": True}),
        ("SIC", sums["SIC"], "", {"HasSIC": True}),
        ("PIC", sums["PIC"], "", {"HasPIC": True}),
    ]
    for description, value, sub, flags in core:
        items.append(_total_item(in_hours(value), description, 5, culture.text("group_5"), sub=sub, query=_query(UserName=user, **flags)))
    items.append(_total_item(_count(len(flights)), culture.text("flights"), 7, culture.text("group_7"), numeric=0))
    items.append(_total_item(in_hours(sums["TotalFlightTime"]), culture.text("total_time"), 7, culture.text("group_7"),
                             sub=_landings_text(culture, counts["landings"], counts["day"], counts["night"], counts["approaches"])))
    return [item for item in items if item["Value"] != 0]  # TotalsForUserWithQuery drops zero rows


# ---- the methods ------------------------------------------------------------------------------

def aircraft_for_user(account: Account, params: dict) -> Any:
    return account.aircraft


def flights_with_query_and_offset(account: Account, params: dict) -> Any:
    fq = _json_param(params, "fq")
    offset = _int_param(params, "offset")
    max_count = _int_param(params, "maxCount")
    rows = matching_flights(account, fq if isinstance(fq, dict) else {})
    if offset > 0 and max_count < 0:
        raise MethodError("You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version")
    if max_count > 0 or offset > 0:  # LIMIT offset,maxCount only then; otherwise every flight
        return rows[offset:offset + max_count]
    return rows


def _culture(params: dict) -> Culture:
    return culture_for(params.get("HTTP_ACCEPT_LANGUAGE"))


def get_currency_for_user(account: Account, params: dict) -> Any:
    return account.currency_in(_culture(params))


def totals_for_user_with_query(account: Account, params: dict) -> Any:
    fq = _json_param(params, "fq", required=False)
    return totals_for(account, matching_flights(account, fq if isinstance(fq, dict) else {}), _culture(params))


def visited_airports(account: Account, params: dict) -> Any:
    visits: dict[str, list[date]] = defaultdict(list)
    for flight in account.flights:
        for token in flight.get("Route", "").replace("-", " ").split():
            code = token.split("/")[0].upper()
            if code in AIRPORTS:
                visits[code].append(account.flight_dates[flight["FlightID"]])
    rows = []
    for code in sorted(visits):
        name, country, admin1, lat, lon = AIRPORTS[code]
        days = sorted(visits[code])
        airport = {"FacilityTypeCode": "A", "FacilityType": "Airport", "Code": code, "Name": name, "Country": country,
                   "Admin1": admin1, "LatLong": {"Latitude": lat, "Longitude": lon}}
        rows.append({
            "Code": code, "FacilityName": f"{name} ({code})", "Country": country, "Admin1": admin1,
            "NameWithGeoRegion": f"{name} ({country}, {admin1})", "Aliases": "", "AllCodes": code, "Airport": airport,
            "EarliestVisitDate": f"{days[0].isoformat()}T00:00:00", "LatestVisitDate": f"{days[-1].isoformat()}T00:00:00",
            "NumberOfVisits": len(days),
        })
    return rows


def get_named_queries(account: Account, params: dict) -> Any:
    return account.named_queries  # QueryName is [JsonIgnore]: names are missing in JSON


def _own_flight(account: Account, params: dict) -> dict | None:
    flight_id = _int_param(params, "idFlight")
    return next((f for f in account.flights if f["FlightID"] == flight_id), None)


def properties_for_flight(account: Account, params: dict) -> Any:
    flight = _own_flight(account, params)
    return NONE if flight is None else flight["CustomProperties"]


def available_property_types_for_user(account: Account, params: dict) -> Any:
    return account.property_types


def flight_path_for_flight(account: Account, params: dict) -> Any:
    flight = _own_flight(account, params)
    if flight is None or "FlightStart" not in flight:
        return NONE  # no telemetry: null, an empty body
    codes = [t.split("/")[0] for t in flight["Route"].replace("-", " ").split() if t.split("/")[0] in AIRPORTS]
    if len(codes) < 2:
        return NONE
    (_, _, _, lat1, lon1), (_, _, _, lat2, lon2) = AIRPORTS[codes[0]], AIRPORTS[codes[1]]
    return [{"Latitude": round(lat1 + (lat2 - lat1) * i / 4, 5), "Longitude": round(lon1 + (lon2 - lon1) * i / 4, 5)} for i in range(5)]


def makes_and_models(account: Account, params: dict) -> Any:
    return [{"ModelID": m.model_id, "Description": f"{m.manufacturer} ({m.description}) {m.model_name}".strip()} for m in MODELS]


def _make_model(model) -> dict:
    row: dict[str, Any] = {"ModelID": model.model_id, "Model": model.description, "ModelName": model.model_name,
                           "TypeName": model.type_name, "FamilyName": model.icao, "ManufacturerDisplay": model.manufacturer,
                           "CategoryClassDisplay": model.cat_class, "CategoryClassID": CAT_CLASSES[model.cat_class]["IdCatClass"]}
    put(row, "IsComplex", model.complex)
    put(row, "IsHighPerf", model.high_performance)
    put(row, "IsTailWheel", model.tailwheel)
    return row


def models_with_ids(account: Account, params: dict) -> Any:
    ids = _json_param(params, "rgIDs") or []
    return [_make_model(MODEL_BY_ID[i]) for i in ids if i in MODEL_BY_ID]


def aircraft_matching_prefix(account: Account, params: dict) -> Any:
    prefix = str(params.get("szPrefix") or "").upper()
    if len([c for c in prefix if c.isalnum()]) < 3:
        return []
    return [a for a in account.aircraft if a["TailNumber"].replace("-", "").startswith(prefix.replace("-", ""))][:10]


def pending_flights_for_user(account: Account, params: dict) -> Any:
    return account.extra.setdefault("pending", [])


# Writes: enough behaviour to answer like MyFlightbook. The server has already recorded the call.

def add_aircraft_for_user(account: Account, params: dict) -> Any:
    return account.aircraft  # the user's whole list


def delete_aircraft_for_user(account: Account, params: dict) -> Any:
    aircraft_id = _int_param(params, "idAircraft")
    account.aircraft[:] = [a for a in account.aircraft if a["AircraftID"] != aircraft_id]
    return account.aircraft


def commit_flight(account: Account, params: dict) -> Any:
    entry = _json_param(params, "le")
    return entry


def delete_logbook_entry(account: Account, params: dict) -> Any:
    flight_id = _int_param(params, "idFlight")
    if flight_id <= 0:
        raise MethodError("The ID for the specified flight is invalid.")
    before = len(account.flights)
    account.flights[:] = [f for f in account.flights if f["FlightID"] != flight_id]
    return len(account.flights) != before


def _nothing(account: Account, params: dict) -> Any:
    return NONE


def _pending(account: Account, params: dict) -> Any:
    return account.extra.setdefault("pending", [])


def _named(account: Account, params: dict) -> Any:
    return account.named_queries


# name: (scope, function, XML type name, is_write)
METHODS: dict[str, tuple[str, Callable[[Account, dict], Any], str, bool]] = {
    "AircraftForUser": ("readaircraft", aircraft_for_user, "Aircraft", False),
    "MakesAndModels": ("readaircraft", makes_and_models, "SimpleMakeModel", False),
    "ModelsWithIDs": ("readaircraft", models_with_ids, "MakeModel", False),
    "AircraftMatchingPrefix": ("addaircraft", aircraft_matching_prefix, "Aircraft", False),
    "FlightsWithQueryAndOffset": ("readflight", flights_with_query_and_offset, "LogbookEntry", False),
    "FlightPathForFlight": ("readflight", flight_path_for_flight, "LatLong", False),
    "PropertiesForFlight": ("readflight", properties_for_flight, "CustomFlightProperty", False),
    "AvailablePropertyTypesForUser": ("readflight", available_property_types_for_user, "CustomPropertyType", False),
    "PendingFlightsForUser": ("readflight", pending_flights_for_user, "PendingFlight", False),
    "GetCurrencyForUser": ("currency", get_currency_for_user, "CurrencyStatusItem", False),
    "currency": ("currency", get_currency_for_user, "CurrencyStatusItem", False),
    "TotalsForUserWithQuery": ("totals", totals_for_user_with_query, "TotalsItem", False),
    "totals": ("totals", totals_for_user_with_query, "TotalsItem", False),
    "VisitedAirports": ("visited", visited_airports, "VisitedAirport", False),
    "GetNamedQueries": ("namedqueries", get_named_queries, "CannedQuery", False),
    "AddAircraftForUser": ("addaircraft", add_aircraft_for_user, "Aircraft", True),
    "DeleteAircraftForUser": ("addaircraft", delete_aircraft_for_user, "Aircraft", True),
    "UpdateMaintenanceForAircraftWithFlagsAndNotes": ("addaircraft", _nothing, "Aircraft", True),
    "CommitFlightWithOptions": ("addflight", commit_flight, "LogbookEntry", True),
    "addFlight": ("addflight", commit_flight, "LogbookEntry", True),
    "DeleteLogbookEntry": ("addflight", delete_logbook_entry, "boolean", True),
    "DeletePropertiesForFlight": ("addflight", _nothing, "CustomFlightProperty", True),
    "CreatePendingFlight": ("addflight", _pending, "PendingFlight", True),
    "UpdatePendingFlight": ("addflight", _pending, "PendingFlight", True),
    "DeletePendingFlight": ("addflight", _pending, "PendingFlight", True),
    "CommitPendingFlight": ("addflight", _pending, "PendingFlight", True),
    "AddNamedQuery": ("namedqueries", _named, "CannedQuery", True),
    "DeleteNamedQuery": ("namedqueries", _named, "CannedQuery", True),
    "UpdateImageAnnotation": ("images", _nothing, "MFBImageInfo", True),
    "DeleteImage": ("images", _nothing, "MFBImageInfo", True),
}

#: Every write the sandbox knows, including UploadImage (served by MyFlightbook on another URL).
WRITE_METHODS = frozenset([name for name, spec in METHODS.items() if spec[3]] + ["UploadImage"])
