"""A generated, realistic MyFlightbook account for the sandbox: aircraft, flights, currency, totals.

Deterministic: the same seed, flight count and "today" give the same account byte for byte. Records
are built the way MyFlightbook serializes them (reference §3–4): keys whose value is the default are
left out, decimals carry their database scale, `Date` is unzoned while start/end times end in `Z`.
Counts and labels are MyFlightbook's real ones (§8): `FullStopLandings` is day full stops only,
`Landings` every landing, night touch-and-goes, night takeoffs and takeoffs are properties 397, 73 and
93; currency items carry the labels MyFlightbook's own code builds, rendered in the request's culture;
an anonymous aircraft is `#<model id>` with flights showing `(<model>)`.
Only the sandbox uses this; it must never be imported by code that talks to the real MyFlightbook.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Callable

from flightbridge.logbook.property_types import property_type
from flightbridge.myflightbook.sandbox.culture import EN_US, Culture

TWO = Decimal("0.01")
FOUR = Decimal("0.0001")
ONE = Decimal("0.1")

INSTANCE_TYPES = {
    1: "",
    2: " (Simulator - Uncertified)",
    3: " (Simulator/FTD - Can log IFR approaches)",
    4: " (Simulator/FFS - Can log landings & approaches )",
    5: " (Aviation Training Device (ATD))",
}

CAT_CLASSES = {
    "ASEL": {"CatClass": "ASEL", "Category": "Airplane", "Class": "Single Engine, Land", "AltCatClass": 3, "IdCatClass": 1},
    "AMEL": {"CatClass": "AMEL", "Category": "Airplane", "Class": "Multi Engine, Land", "AltCatClass": 4, "IdCatClass": 2},
    "ASES": {"CatClass": "ASES", "Category": "Airplane", "Class": "Single Engine, Sea", "AltCatClass": 1, "IdCatClass": 3},
    "Helicopter": {"CatClass": "Helicopter", "Category": "Rotorcraft", "Class": "Helicopter", "AltCatClass": 7, "IdCatClass": 7},
}
CAT_CLASS_BY_ID = {row["IdCatClass"]: name for name, row in CAT_CLASSES.items()}


@dataclass(frozen=True)
class Model:
    model_id: int
    description: str  # ModelDescription, e.g. "C-172 S"
    manufacturer: str
    type_name: str
    model_name: str
    icao: str
    cat_class: str
    complex: bool = False
    tailwheel: bool = False
    high_performance: bool = False

    @property
    def common_name(self) -> str:
        # TRIM(manufacturer + ' ' + typename + ' ' + modelname): a double space when typename is empty.
        return f"{self.manufacturer} {self.type_name} {self.model_name}".strip()

    @property
    def display(self) -> str:
        return f"{self.description}, {self.common_name}"


MODELS = [
    Model(1042, "C-172 S", "Cessna", "", "Skyhawk SP", "C172", "ASEL"),
    Model(1188, "PA-28-181", "Piper", "", "Archer III", "P28A", "ASEL"),
    Model(1507, "BE-58", "Beechcraft", "", "Baron 58", "BE58", "AMEL", complex=True, high_performance=True),
    Model(1620, "J-3", "Piper", "", "Cub", "J3", "ASEL", tailwheel=True),
    Model(1733, "DA40", "Diamond", "", "Diamond Star", "DA40", "ASEL"),
    Model(1851, "R44", "Robinson", "", "Raven II", "R44", "Helicopter"),
    Model(2210, "PA-28-161", "Piper", "", "Warrior III", "P28A", "ASEL"),
    Model(3391, "FMX", "Redbird", "", "FMX", "", "ASEL"),
    Model(3420, "B737", "Boeing", "B737", "737-800", "B738", "AMEL", complex=True, high_performance=True),
    Model(3502, "X-Plane", "Laminar", "", "X-Plane Desktop", "", "ASEL"),
]
MODEL_BY_ID = {model.model_id: model for model in MODELS}

# (tail, model id, instance type, home region, weight): US and non-US tails, one simulator per device class.
FLEET = [
    ("N52417", 1042, 1, "US", 30),
    ("N731PA", 1188, 1, "US", 18),
    ("N4455T", 1507, 1, "US", 8),
    ("N98CB", 1620, 1, "US", 4),
    ("C-GFTE", 1042, 1, "CA", 5),
    ("G-DSTR", 1733, 1, "UK", 3),
    ("N440RH", 1851, 1, "US", 3),
    # An anonymous DA40: AircraftForUser sends `#` + its display tail, "#(Anonymous DA40)" (WebService.cs ~230,
    # Aircraft.cs HackDisplayTailnumber), never a registration.
    ("#(Anonymous DA40)", 1733, 1, "ANON", 3),
    ("SIMXPLANE", 3502, 2, "SIM", 2),
    ("SIMPA28161", 2210, 3, "SIM", 5),
    ("SIMB737", 3420, 4, "SIM", 2),
    ("SIMFMX", 3391, 5, "SIM", 5),
]

# code: (name, country, admin1, lat, lon)
AIRPORTS = {
    "KPAE": ("Snohomish County (Paine Field)", "United States", "Washington", 47.9063, -122.2816),
    "KBLI": ("Bellingham Intl", "United States", "Washington", 48.7928, -122.5375),
    "KBFI": ("Boeing Field/King County Intl", "United States", "Washington", 47.5300, -122.3020),
    "KRNT": ("Renton Muni", "United States", "Washington", 47.4931, -122.2158),
    "KOLM": ("Olympia Regional", "United States", "Washington", 46.9694, -122.9025),
    "KAWO": ("Arlington Muni", "United States", "Washington", 48.1608, -122.1590),
    "S43": ("Harvey Field", "United States", "Washington", 47.9082, -122.1032),
    "KFHR": ("Friday Harbor", "United States", "Washington", 48.5220, -123.0244),
    "KPDX": ("Portland Intl", "United States", "Oregon", 45.5887, -122.5975),
    "KHIO": ("Portland-Hillsboro", "United States", "Oregon", 45.5404, -122.9498),
    "KYKM": ("Yakima Air Terminal", "United States", "Washington", 46.5682, -120.5440),
    "CYVR": ("Vancouver Intl", "Canada", "British Columbia", 49.1939, -123.1844),
    "CZBB": ("Boundary Bay", "Canada", "British Columbia", 49.0742, -123.0075),
    "CYYJ": ("Victoria Intl", "Canada", "British Columbia", 48.6469, -123.4258),
    "EGTK": ("Oxford", "United Kingdom", "England", 51.8369, -1.3200),
    "EGBJ": ("Gloucestershire", "United Kingdom", "England", 51.8942, -2.1672),
    "EGSC": ("Cambridge", "United Kingdom", "England", 52.2050, 0.1750),
}
REGION_AIRPORTS = {
    "US": ["KPAE", "KBLI", "KBFI", "KRNT", "KOLM", "KAWO", "S43", "KFHR", "KPDX", "KHIO", "KYKM"],
    "CA": ["CZBB", "CYVR", "CYYJ"],
    "UK": ["EGTK", "EGBJ", "EGSC"],
}
RUNWAYS = {"KPAE": ["16R", "34L", "16L"], "KBLI": ["16", "34"], "KBFI": ["14R", "32L"], "CYVR": ["08L", "26R"], "EGTK": ["19", "01"]}
FIXES = ["ALDER", "HUMPP", "PAINE", "SUMAS", "BLAKO", "JAWBN", "OTTRS", "DAAWG"]

# The property types the sandbox's pilot uses, with MyFlightbook's real titles and types (the packaged
# custompropertytypes table): PropTypeID → (title, CFPPropertyType, format). Type: 0 int, 1 decimal, 2 bool,
# 3 date, 4 datetime, 5 string, 6 currency.
_TYPE_CODES = {"int": 0, "decimal": 1, "boolean": 2, "date": 3, "datetime": 4, "string": 5, "currency": 6}
_FORMATS = {
    2: "ILS Approaches: {0}", 10: "GPS Approaches: {0}", 60: "Landings - Touch-and-go: {0}", 73: "Night Takeoffs: {0}",
    93: "Takeoffs (any): {0}", 95: "Tach Start: {0}", 96: "Tach End: {0}", 120: "Passengers: {0}", 156: "Flight Number: {0}",
    186: "Block In: {0}", 187: "Block Out: {0}", 267: "Approaches: {0}", 316: "Passengers: {0}", 92: "Instructor: {0}",
    183: "PIC: {0}", 184: "SIC: {0}", 397: "Night Touch-and-go Landings: {0}",
}
PROPERTY_TYPES = {
    type_id: (property_type(type_id).title, _TYPE_CODES[property_type(type_id).type], _FORMATS.get(type_id, property_type(type_id).title))
    for type_id in (2, 10, 39, 40, 41, 42, 44, 60, 73, 92, 93, 95, 96, 120, 156, 161, 164, 183, 184, 186, 187, 267, 316, 397)
}
CHECKRIDES = (39, 40, 42, 161)  # Private, Instrument, Commercial, New Category/Class/Type
INSTRUCTORS = ["Maria Gomez", "Dale Whitaker", "Ken Osei"]

COMMENTS = [
    "Lunch run. Smooth air both ways.", "Pattern work, gusty crosswind.", "Practice area: steep turns, stalls, slow flight.",
    "Sightseeing with friends over the islands.", "Marine layer on departure, VFR on top.", "Fuel stop, quick turn.",
    "Checkout in type.", "", "Hood work with safety pilot.", "Night currency: 3 full stops.", "Long XC, headwinds.",
]
PASSENGERS = ["Sam Ortiz", "Priya Nair", "Lee Chen", "Maria Gomez", "Tom Becker", "Ana Souza"]
USERNAME = "pilotjane"


def _d(value: float, quantum: Decimal = TWO) -> Decimal:
    return Decimal(str(value)).quantize(quantum)


def put(record: dict, key: str, value: Any) -> None:
    """Set `key` unless `value` is MyFlightbook's default (0, 0.0, false, null): those keys are omitted."""
    if value is None or value is False:
        return
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool) and value == 0:
        return
    record[key] = value


def iso_date(day: date) -> str:
    return f"{day.isoformat()}T00:00:00"


def mdy(day: date) -> str:
    return f"{day.month}/{day.day}/{day.year}"


def utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + "Z"


@dataclass
class Account:
    """Everything the sandbox serves for its one pilot. `flights` newest first, like MyFlightbook."""

    username: str
    today: date
    aircraft: list[dict]
    flights: list[dict]
    flight_dates: dict[int, date]
    currency_items: list["CurrencySpec"]
    named_queries: list[dict]
    property_types: list[dict]
    extra: dict = field(default_factory=dict)
    #: the pilot's MathRoundingUnit (Profile.cs): totals round each flight to minutes (60) or hundredths (100)
    rounding_unit: int = 60
    #: serve only the canned currency items (`_currency`: every label and state, medical, Australian …) instead
    #: of computing the flight-experience items and the flight review from `flights` as MyFlightbook does
    #: (sandbox/currency.py). For tests about an item kind the port does not compute; the real service computes.
    canned_currency: bool = False

    def aircraft_by_id(self) -> dict[int, dict]:
        return {row["AircraftID"]: row for row in self.aircraft}

    def currency_in(self, culture: Culture) -> list[dict]:
        """GetCurrencyForUser's items, with labels, dates and numbers in `culture`."""
        specs = self.currency_items
        if not self.canned_currency:
            from flightbridge.myflightbook.sandbox.currency import currency_specs

            specs = currency_specs(self, specs, MODEL_BY_ID)
        return [spec.render(culture) for spec in specs]

    @property
    def currency(self) -> list[dict]:
        return self.currency_in(EN_US)

    # ---- what a pilot does on MyFlightbook between two syncs (tests and benchmarks use these) ----

    def _render_date(self, day: date) -> str:
        mdy_style = any("/" in str(row.get("Date", "")) for row in self.flights[:1])
        return mdy(day) if mdy_style else iso_date(day)

    def _reorder(self) -> None:
        # MyFlightbook lists newest first (date, then FlightID, descending) whatever was changed.
        self.flights.sort(key=lambda row: (self.flight_dates[row["FlightID"]], row["FlightID"]), reverse=True)

    def flight(self, flight_id: int) -> dict:
        for row in self.flights:
            if row["FlightID"] == flight_id:
                return row
        raise KeyError(f"no flight {flight_id} in the sandbox logbook")

    def add_flight(self, day: date, **fields: Any) -> dict:
        """Log a new flight dated `day` (a copy of the newest flight with a new FlightID, then `fields`)."""
        template = dict(self.flights[0]) if self.flights else {"User": self.username, "Route": "", "Comment": ""}
        flight_id = max((row["FlightID"] for row in self.flights), default=1_800_000) + 1
        template.update({"FlightID": flight_id, "Comment": f"added flight {flight_id}", "CustomProperties": []}, **fields)
        template["Date"] = self._render_date(day)
        self.flights.append(template)
        self.flight_dates[flight_id] = day
        self._reorder()
        return template

    def redate_flight(self, flight_id: int, day: date) -> dict:
        """The pilot corrects a flight's date (a backdate moves it out of a quick sync's window)."""
        row = self.flight(flight_id)
        row["Date"] = self._render_date(day)
        self.flight_dates[flight_id] = day
        self._reorder()
        return row

    def edit_flight(self, flight_id: int, **fields: Any) -> dict:
        row = self.flight(flight_id)
        row.update(fields)
        return row

    def delete_flight(self, flight_id: int) -> None:
        self.flights.remove(self.flight(flight_id))
        del self.flight_dates[flight_id]


def _aircraft(rng: random.Random, today: date) -> list[dict]:
    rows = []
    next_id = 48000 + rng.randrange(1000)
    for tail, model_id, instance, region, _weight in FLEET:
        model = MODEL_BY_ID[model_id]
        next_id += rng.randrange(7, 900)
        row: dict[str, Any] = {"InstanceTypeID": instance, "InstanceType": instance, "InstanceTypeDescription": INSTANCE_TYPES[instance]}
        if instance == 1 and region == "US":
            annual = today - timedelta(days=rng.randrange(20, 360))
            for key in ("LastVOR", "LastAltimeter", "LastTransponder", "LastELT", "LastStatic"):
                if rng.random() < 0.7:
                    row[key] = utc(datetime.combine(today - timedelta(days=rng.randrange(30, 700)), datetime.min.time()))
            put(row, "Last100", _d(4400 + rng.random() * 200, ONE))
            put(row, "LastOilChange", _d(4500 + rng.random() * 90, ONE))
            put(row, "LastNewEngine", _d(3890, ONE))
            row["LastAnnual"] = utc(datetime.combine(annual, datetime.min.time()))
        row.update({
            "AircraftImages": [], "AircraftID": next_id, "ModelCommonName": model.common_name, "TailNumber": tail,
            "ModelID": model.model_id, "ModelDescription": model.description, "ErrorString": "", "DefaultImage": "",
        })
        if instance == 1 and region == "US":
            row["RegistrationDue"] = iso_date(date(today.year + 2, rng.randrange(1, 13), 28))
        if tail == "SIMFMX":
            row["HideFromSelection"] = True
        row.update({"PublicNotes": "", "PrivateNotes": "Club plane - book via FSP" if tail == "N52417" else "",
                    "DefaultTemplates": [], "MaintenanceNote": ""})
        put(row, "Revision", rng.choice([0, 0, 1, 3]))
        rows.append(row)
    return rows


def _route(rng: random.Random, region: str) -> tuple[str, list[str], bool]:
    """A Route string, the airports in it, and whether it is a local flight."""
    pool = REGION_AIRPORTS[region]
    home = pool[0] if rng.random() < 0.6 else rng.choice(pool)

    def code(airport: str) -> str:
        if airport in RUNWAYS and rng.random() < 0.15:
            return f"{airport}/{rng.choice(RUNWAYS[airport])}"  # a runway qualifier, as pilots type them
        return airport

    if rng.random() < 0.25:
        return (code(home), [home], True) if rng.random() < 0.8 else (f"{home}-{home}", [home], True)
    stops = [home] + rng.sample([a for a in pool if a != home], k=min(len(pool) - 1, rng.choice([1, 1, 1, 2])))
    if rng.random() < 0.5:
        stops.append(home)
    parts = [code(a) for a in stops]
    if rng.random() < 0.15:
        parts.insert(1, rng.choice(FIXES))  # five-letter fixes appear in real routes
    return " ".join(parts), stops, False


def _property(prop_id: int, flight_id: int, type_id: int, value: Any) -> dict:
    row: dict[str, Any] = {"PropID": prop_id, "FlightID": flight_id, "PropTypeID": type_id}
    kind = PROPERTY_TYPES[type_id][1]
    if kind == 0:
        put(row, "IntValue", value)
    elif kind in (1, 6):
        put(row, "DecValue", value)
    elif kind == 2:
        put(row, "BoolValue", value)
    elif kind in (3, 4):
        row["DateValue"] = utc(value)
    row["TextValue"] = value if kind == 5 else ""
    return row


def _flights(rng: random.Random, count: int, today: date, aircraft: list[dict], username: str, date_style: str,
             detail: random.Random | None = None) -> tuple[list[dict], dict[int, date]]:
    # `detail` draws what real logbooks hold besides (issue 20): 4-place cross-country, over-described night
    # landings, checkrides, names, signatures, engine times, a class override. A stream of its own, so the
    # main stream, and every flight it made before, stays the same.
    detail = detail or random.Random(0)
    weights = [weight for *_rest, weight in FLEET]
    span_days = max(365, min(count * 6, 365 * 8))
    days = sorted((today - timedelta(days=rng.randrange(0, span_days)) for _ in range(count)))
    # A pilot who flies recently: a few flights inside the last 90 days whatever the count.
    for index in range(min(count, 4)):
        days[-1 - index] = today - timedelta(days=3 + 11 * index)
    days.sort()
    flight_id = 1_800_000 + rng.randrange(50_000)
    prop_id = 7_700_000 + rng.randrange(50_000)
    hobbs = {row["AircraftID"]: _d(4000 + rng.random() * 300) for row in aircraft}
    flights, flight_dates = [], {}
    for index, day in enumerate(days):
        ac_index = rng.choices(range(len(FLEET)), weights=weights)[0]
        tail, model_id, instance, region, _w = FLEET[ac_index]
        ac = aircraft[ac_index]
        model = MODEL_BY_ID[model_id]
        flight_id += rng.randrange(1, 40)
        row: dict[str, Any] = {}
        is_sim = instance != 1
        route, stops, local = ("", [], False) if is_sim else _route(rng, "US" if region == "ANON" else region)
        public = not is_sim and rng.random() < 0.3
        row["SendFlightLink"] = f"https://myflightbook.com/logbook/mvc/flightedit/flight?src=SANDBOX{flight_id:x}%3d%3d"
        row["SocialMediaLink"] = (
            f"https://myflightbook.com/logbook/mvc/pub/ViewFlight/{flight_id}?v={rng.randrange(10000)}" if (public or route) else ""
        )
        row["User"] = username
        put(row, "AircraftID", ac["AircraftID"])
        total = _d(rng.uniform(0.5, 3.6) if not is_sim else rng.uniform(0.8, 2.0))
        night = _d(min(float(total), rng.uniform(0.3, 1.8))) if (not is_sim and rng.random() < 0.18) else Decimal("0.00")
        imc = _d(min(float(total), rng.uniform(0.1, 1.0))) if (not is_sim and rng.random() < 0.1) else Decimal("0.00")
        sim_ifr = _d(min(float(total), rng.uniform(0.3, 1.4))) if (is_sim or rng.random() < 0.12) else Decimal("0.00")
        early = index < count * 0.15
        dual = total if (early or is_sim and rng.random() < 0.6) else Decimal("0.00")
        # Full stops by day and by night, touch-and-goes by day and by night (reference §8).
        full_stops = 0 if is_sim and instance != 4 else rng.choice([1, 1, 2, 2, 3, 5, 6])
        night_full_stops = min(full_stops, rng.choice([1, 2, 3])) if night and full_stops else 0
        day_full_stops = full_stops - night_full_stops
        touch_and_go = rng.choice([0, 0, 0, 2, 3]) if local and full_stops else 0
        night_touch_and_go = rng.choice([0, 0, 1, 2]) if night and local and full_stops else 0
        approaches = rng.choice([1, 2, 3]) if (sim_ifr or imc) and rng.random() < 0.8 else 0
        put(row, "NightLandings", night_full_stops)
        put(row, "FullStopLandings", day_full_stops)  # day full-stop landings only
        put(row, "Approaches", approaches)
        landings = full_stops + touch_and_go + night_touch_and_go
        if night_touch_and_go and detail.random() < 0.5:
            # Over-described: the night touch-and-goes are in property 397 but not in Landings. MyFlightbook only
            # lints it (FlightLint.cs ~622) and caps night landings at Landings (LogbookEntry.cs ~3946).
            landings -= night_touch_and_go
        put(row, "Landings", landings)  # every landing
        cross_country = total.quantize(FOUR) if (len(set(stops)) > 1 and not local) else Decimal("0")
        if cross_country and detail.random() < 0.3:
            # Cross-country logged in whole minutes and stored unrounded (CSV, LogTen and API imports keep 4
            # places in crosscountry DECIMAL(10,4)): 1.33 h → 80 min → 1.3333.
            cross_country = (Decimal(int((total * 60).to_integral_value())) / 60).quantize(FOUR)
        put(row, "CrossCountry", cross_country)
        put(row, "Nighttime", night)
        put(row, "IMC", imc)
        put(row, "SimulatedIFR", sim_ifr)
        put(row, "GroundSim", total if is_sim else Decimal("0"))
        put(row, "Dual", dual)
        put(row, "SIC", total if model_id == 3420 and rng.random() < 0.5 else Decimal("0"))
        put(row, "PIC", total if not is_sim and not early else Decimal("0"))
        put(row, "TotalFlightTime", total if (not is_sim or instance == 4) else Decimal("0"))
        put(row, "fHoldingProcedures", bool(approaches) and rng.random() < 0.4)
        row["Route"] = route
        put(row, "IsLocalFlight", local)
        row["Comment"] = "FTD lesson: holds and approaches." if is_sim and rng.random() < 0.5 else rng.choice(COMMENTS)
        put(row, "fIsPublic", public)
        row["Date"] = mdy(day) if date_style == "mdy" else iso_date(day)
        row["FlightColorHex"] = "" if rng.random() < 0.9 else rng.choice(["FFD700", "87CEEB"])
        row["ErrorString"] = ""
        row["FlightID"] = flight_id
        start = None
        if not is_sim and rng.random() < 0.6:
            hour = rng.randrange(14, 23)  # 06:00-15:00 in the US west, 09:00-18:00 in the east: daylight
            if night:
                # A flight with night time flies after dark: 17:00-21:00 local in the US, which is 01:00-04:00
                # UTC the next day (a logbook date before the UTC date, docs/pilots.md "The date of a flight").
                hour = 25 + (hour - 14) % 4
            start = datetime.combine(day, datetime.min.time()) + timedelta(hours=hour, minutes=rng.randrange(0, 60, 5))
            row["FlightStart"] = utc(start)
            row["FlightEnd"] = utc(start + timedelta(minutes=int(float(total) * 60)))
        if not is_sim and tail in ("N52417", "N731PA"):
            begin = hobbs[ac["AircraftID"]]
            end = begin + total + Decimal("0.10")
            hobbs[ac["AircraftID"]] = end
            row["HobbsStart"], row["HobbsEnd"] = begin, end
            if start is not None:
                row["EngineStart"] = utc(start - timedelta(minutes=12))
                row["EngineEnd"] = utc(start + timedelta(minutes=int(float(total) * 60) + 4))
        cat_class = model.cat_class
        if tail == "N98CB" and detail.random() < 0.3:
            cat_class = "ASES"  # the Cub on floats: CatClassOverride names the class the flight was logged in
            row["CatClassOverride"] = CAT_CLASSES[cat_class]["IdCatClass"]
            row["IsOverridden"] = True
        row["ModelDisplay"] = model.display
        row["TailNumDisplay"] = f"({model.description})" if tail.startswith("#") else tail
        row["CatClassDisplay"] = cat_class + (f" ({model.type_name})" if model.type_name else "")
        instructor = detail.choice(INSTRUCTORS) if dual and not is_sim else ""
        if instructor:
            state = detail.choices([0, 1, 2], weights=[3, 6, 1])[0]  # unsigned, signed, signed then edited
            if state:
                row["CFIName"], row["CFICertificate"] = instructor, f"{detail.randrange(1000000, 9999999)}CFI"
                row["CFISignatureDate"] = iso_date(day)
                row["CFIExpiration"] = iso_date(day + timedelta(days=600))
                row["CFISignatureState"] = state
        props = []

        def add(type_id: int, value: Any) -> None:
            nonlocal prop_id
            prop_id += 1
            props.append(_property(prop_id, flight_id, type_id, value))

        if start is not None and rng.random() < 0.5:
            add(187, start - timedelta(minutes=8))
            add(186, start + timedelta(minutes=int(float(total) * 60) + 6))
        if not is_sim and rng.random() < 0.3:
            add(120, ", ".join(rng.sample(PASSENGERS, rng.choice([1, 2]))))
        if not is_sim and tail == "N52417" and rng.random() < 0.5:
            tach = _d(3000 + index * 1.3)
            add(95, tach)
            add(96, tach + (total * Decimal("0.8")).quantize(TWO))
        if approaches and rng.random() < 0.7:
            add(267, " ".join(rng.sample(["ILS-16R.PAE", "RNAV-34L.PAE", "VOR-A.PAE", "ILS-34.BLI", "RNAV-16.BLI"], k=min(approaches, 3))))
            add(2, 1)
        night_landings = night_full_stops + night_touch_and_go
        if night_landings and rng.random() < 0.7:
            # Night takeoffs, when logged: one per night landing, or one more (took off after dark, the last
            # landing was a day one).
            add(73, night_landings + (1 if rng.random() < 0.15 else 0))
        if touch_and_go + night_touch_and_go:
            add(60, touch_and_go + night_touch_and_go)
        if night_touch_and_go:
            add(397, night_touch_and_go)
        if full_stops and rng.random() < 0.3:
            add(93, full_stops + touch_and_go + night_touch_and_go)  # one takeoff per landing
        if rng.random() < 0.03:
            add(164, True)
        if rng.random() < 0.02:
            add(41, True)
        if instructor:
            add(92, instructor)
        if row.get("SIC"):
            add(183, "Captain " + detail.choice(["Reyes", "Lindqvist", "Okafor"]))
        if not is_sim and not early and detail.random() < 0.012:
            add(detail.choice(CHECKRIDES), True)  # a checkride: a flight review (and an IPC for 40) by its flags
        elif not is_sim and detail.random() < 0.01:
            add(44, True)  # "Biennial Flight Review (BFR)", the older of the two flight-review properties
        # MyFlightbook sorts properties by the type's sort key (its title).
        props.sort(key=lambda p: PROPERTY_TYPES[p["PropTypeID"]][0])
        row["CustomProperties"] = props
        row["FlightImages"] = []
        row["Videos"] = []
        flights.append(row)
        flight_dates[flight_id] = day
    flights.reverse()  # newest first, like FlightsWithQueryAndOffset
    return flights, flight_dates


def _query(**fields: Any) -> dict:
    """A FlightQuery as it appears inside currency and totals items (defaults omitted, "" and [] kept)."""
    query: dict[str, Any] = {}
    put(query, "DateRange", fields.pop("DateRange", 0))
    query["CatClasses"] = fields.pop("CatClasses", [])
    query["PropertyTypes"] = fields.pop("PropertyTypes", [])
    put(query, "PropertiesConjunction", fields.pop("PropertiesConjunction", 0))
    query["UserName"] = fields.pop("UserName", USERNAME)
    query["EnumeratedFlights"] = []
    query.update({k: v for k, v in fields.items() if v})
    query.update({"DateMinStr": "", "DateMaxStr": "", "GeneralText": "", "AirportList": [], "ModelName": "", "TypeNames": []})
    return query


Text = Callable[[Culture], str]


@dataclass(frozen=True)
class CurrencySpec:
    """One CurrencyStatusItem before rendering: its texts are functions of the request's culture."""

    attribute: Text
    value: Text
    status: int
    discrepancy: Text | None  # None: the key is omitted (null)
    group: int
    resource: int = 0
    query: dict | None = None

    def render(self, culture: Culture) -> dict:
        row: dict[str, Any] = {"Attribute": self.attribute(culture), "Value": self.value(culture)}
        put(row, "Status", self.status)  # NotCurrent (0) is the default: omitted
        if self.discrepancy is not None:
            row["Discrepancy"] = self.discrepancy(culture)
        put(row, "AssociatedResourceID", self.resource)
        put(row, "CurrencyGroup", self.group)
        if self.query is not None:
            row["Query"] = self.query
        return row


def _currency(rng: random.Random, today: date, aircraft: list[dict], username: str) -> list[CurrencySpec]:
    """Currency items of every state with the labels MyFlightbook builds (Currency.cs, ProfileCurrency.cs,
    BasicMed.cs; reference §8); NotCurrent (0) items carry no Status."""

    def until(days: int) -> Text:
        return lambda c: c.text("current", c.short_date(today + timedelta(days=days)))

    def expired(days: int) -> Text:
        return lambda c: c.text("expired", c.short_date(today - timedelta(days=days)))

    def on(days: int) -> Text:
        return lambda c: c.short_date(today + timedelta(days=days))

    def text(key: str, *args: Any) -> Text:
        return lambda c: c.text(key, *args)

    def label(prefix: str, key: str) -> Text:
        return lambda c: f"{prefix} - {c.text(key)}"  # Currency.cs: "{0} - {1}" with the localized suffix

    def short_landings(count: int) -> Text:
        return lambda c: c.text("short_by", count, c.text("landing" if count == 1 else "landings"))

    asel, amel = [CAT_CLASSES["ASEL"]], [CAT_CLASSES["AMEL"]]
    tail = aircraft[0]
    tail_label = lambda suffix: (lambda c: f"{tail['TailNumber']} - {suffix}")  # noqa: E731
    passengers_query = lambda cats: _query(DateRange=8, CatClasses=cats, UserName=username, HasLandings=True)  # noqa: E731
    night_query = lambda cats: _query(DateRange=8, CatClasses=cats, UserName=username, HasNightLandings=True)  # noqa: E731
    blank = lambda c: ""  # noqa: E731 - an empty Discrepancy is "" (emitted), not omitted
    return [
        CurrencySpec(label("ASEL", "passengers"), until(54 + rng.randrange(20)), 2, blank, 1, query=passengers_query(asel)),
        CurrencySpec(label("ASEL", "night"), expired(15), 0, short_landings(1), 1, query=night_query(asel)),
        CurrencySpec(label("AMEL (B737)", "passengers"), until(12), 1, text("due_in", 12), 1, query=passengers_query(amel)),
        CurrencySpec(label("AMEL (B737)", "night"), expired(200), 0, short_landings(3), 1, query=night_query(amel)),
        CurrencySpec(label("ASEL", "tailwheel"), until(40), 2, blank, 1),
        CurrencySpec(label("Glider", "passengers"), until(70), 2, blank, 1),
        CurrencySpec(lambda c: f"{c.text('ifr')} - Airplane", until(21), 1, text("due_in", 21), 1,
                     query=_query(DateRange=3, UserName=username, HasApproaches=True)),
        # Lapsed more than 6 calendar months: MyFlightbook's only sign that an IPC is due (§61.57(d)).
        CurrencySpec(lambda c: f"{c.text('ifr')} - Rotorcraft", expired(400), 0, text("ipc_required"), 1),
        CurrencySpec(lambda c: f"{c.text('ifr_glider')} - {c.text('glider_passengers')}", until(95), 2, blank, 1),
        CurrencySpec(text("flight_review"), until(300), 2, blank, 2),
        CurrencySpec(text("flight_review_r44"), until(25), 1, text("due_in", 25), 2),
        # In the FlightReview group, but proficiency checks (Currency.cs).
        CurrencySpec(text("pic_6158", "B737"), until(180), 2, blank, 2),
        CurrencySpec(text("sic_6155", "AMEL"), expired(40), 0, text("sic_short_landing"), 2),
        CurrencySpec(text("far195"), lambda c: c.text("far195_status", c.number(Decimal("2.5"))), 2,
                     lambda c: c.text("far195_remaining", c.number(Decimal("5.5"))), 0),
        CurrencySpec(text("cfi_certificate"), until(500), 2, None, 5),
        # A first-class medical from an over-40 pilot, 7 months ago: first-class privileges lapsed, second
        # (commercial) and third class still run (ProfileCurrency.cs AddFAA1stClassItems).
        CurrencySpec(text("medical_1st"), expired(30), 0, text("expired_ago", 30), 6),
        CurrencySpec(text("medical_commercial"), until(150), 2, blank, 6),
        CurrencySpec(text("medical_3rd"), until(515), 2, blank, 6),
        CurrencySpec(text("basicmed"), on(20), 1, blank, 6),  # BasicMed.cs: a bare short date
        CurrencySpec(tail_label("Annual"), on(11), 1, text("due_in", 11), 3, resource=tail["AircraftID"]),
        CurrencySpec(tail_label("Transponder"), on(-9), 0, text("overdue", 9), 3, resource=tail["AircraftID"]),
        CurrencySpec(tail_label("Oil change"), lambda c: c.number(Decimal("4620.5")), 3, blank, 4, resource=tail["AircraftID"]),
        CurrencySpec(lambda c: "Renter's insurance", until(45), 2, blank, 7),
        CurrencySpec(lambda c: "Aerobatic competency (custom)", expired(3), 0, blank, 8),
    ]


def _property_types() -> list[dict]:
    rows = []
    for type_id, (title, kind, fmt) in sorted(PROPERTY_TYPES.items(), key=lambda item: item[1][0]):
        row: dict[str, Any] = {"PropTypeID": type_id, "Title": title, "SortKey": title}
        put(row, "IsFavorite", type_id in (120, 95, 96))
        row["FormatString"] = fmt
        put(row, "Type", kind)
        row["Description"] = f"{title} for this flight"
        put(row, "Flags", property_type(type_id).flags)
        row["PreviousValues"] = ["Sam Ortiz"] if type_id == 120 else []
        rows.append(row)
    return rows


def generate_account(*, flights: int = 250, seed: int = 1, today: date | None = None, username: str = USERNAME,
                     date_style: str = "iso", rounding_unit: int = 60, canned_currency: bool = False) -> Account:
    """The sandbox's pilot. `date_style="mdy"` writes flight dates as M/D/YYYY (what the seed describes)."""
    today = today or date.today()
    rng = random.Random(f"mfb-sandbox|{seed}")
    aircraft = _aircraft(rng, today)
    flight_rows, flight_dates = _flights(rng, max(0, flights), today, aircraft, username, date_style,
                                         random.Random(f"mfb-sandbox-detail|{seed}"))
    named = [
        {**_query(DateRange=3, UserName=username), "ColorString": ""},
        {**_query(CatClasses=[CAT_CLASSES["AMEL"]], UserName=username, IsComplex=True), "ColorString": "FFD700"},
    ]
    return Account(
        username=username, today=today, aircraft=aircraft, flights=flight_rows, flight_dates=flight_dates,
        currency_items=_currency(rng, today, aircraft, username), named_queries=named, property_types=_property_types(),
        rounding_unit=rounding_unit, canned_currency=canned_currency,
    )
