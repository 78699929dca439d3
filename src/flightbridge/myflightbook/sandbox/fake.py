"""The in-memory MyFlightbook: an account behind `call()`, the same small interface as the real client.

`FakeMyFlightbook` implements `client.MyFlightbookCalls` (it checks the read whitelist like the real
client, answers the sync's four read methods from memory with MyFlightbook's offset paging, and can
be told to fail), so the sync's tests and the benchmarks run without HTTP. The HTTP-level twin is the
sandbox server next to it; `connect_to_sandbox` links a pilot to one without the browser dance. It
ships in the package (like procrastinate's `testing.py`): tests and benchmarks import it from here,
never from `tests/`. It never talks to the real MyFlightbook.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flightbridge.errors import FatalError, NeedsReauth
from flightbridge.logbook.rounding import MINUTES, rounded_total
from flightbridge.myflightbook.client import MyFlightbookClient
from flightbridge.myflightbook.mapping import parse_mfb_date


def make_flight(flight_id: int, day: date, *, route: str = "KPAE KBLI", aircraft_id: int = 1, **extra) -> dict:
    record = {
        "User": "pilotjane",
        "AircraftID": aircraft_id,
        "FullStopLandings": 1,
        "PIC": Decimal("1.20"),
        "TotalFlightTime": Decimal("1.20"),
        "Route": route,
        "Comment": f"flight {flight_id}",
        "Date": day.strftime("%Y-%m-%dT00:00:00"),
        "FlightColorHex": "",
        "ErrorString": "",
        "FlightID": flight_id,
        "ModelDisplay": "C-172 S, Cessna  Skyhawk SP",
        "TailNumDisplay": "N52417",
        "CatClassDisplay": "ASEL",
        "SocialMediaLink": f"https://myflightbook.example/logbook/mvc/pub/ViewFlight/{flight_id}?v={flight_id % 97}",
        "CustomProperties": [],
        "FlightImages": [],
        "Videos": [],
    }
    record.update(extra)
    return record


def make_logbook(count: int, *, start: date = date(2026, 8, 1), first_id: int = 5000) -> list[dict]:
    """`count` flights, newest first (MyFlightbook's order)."""
    return [make_flight(first_id + index, start - timedelta(days=index)) for index in range(count)]


AIRCRAFT = [
    {"InstanceTypeID": 1, "InstanceType": 1, "InstanceTypeDescription": "", "AircraftID": 1, "TailNumber": "N52417",
     "ModelID": 1042, "ModelDescription": "C-172 S", "ModelCommonName": "Cessna  Skyhawk SP"},
    {"InstanceTypeID": 3, "InstanceType": 3, "InstanceTypeDescription": " (Simulator/FTD - Can log IFR approaches)",
     "AircraftID": 2, "TailNumber": "SIMPA28161", "ModelID": 2210, "ModelDescription": "PA-28-161"},
]

CURRENCY = [
    {"Attribute": "ASEL - Passengers", "Value": "Current Until: 10/14/2026", "Status": 2, "Discrepancy": "", "CurrencyGroup": 1},
    {"Attribute": "ASEL - Night", "Value": "Expired: 8/5/2026", "Discrepancy": "(Short by 1 Landing)", "CurrencyGroup": 1},
    {"Attribute": "N52417 - Annual", "Value": "8/31/2026", "Status": 1, "Discrepancy": "Due in 11 day(s)", "CurrencyGroup": 3},
    {"Attribute": "Flight Review", "Value": "Current Until: 5/31/2027", "Status": 2, "Discrepancy": "", "CurrencyGroup": 2},
]

TOTALS = [
    {"Value": Decimal("550.9000"), "Description": "Total Time", "SubDescription": "1,316 Landings (445 Day, 51 Night), 117 Approaches",
     "NumericType": 2, "IsTime": True, "Group": 7, "GroupName": "Overall"},
    {"Value": Decimal("1187.0"), "Description": "Flights", "SubDescription": "", "IsInt": True, "Group": 7, "GroupName": "Overall"},
    {"Value": Decimal("402.0"), "Description": "Landings - Touch and Go", "SubDescription": "", "IsInt": True, "Group": 6,
     "GroupName": "Other Times and Counts"},
]


#: `FakeMyFlightbook(totals=COMPUTED)`: the whole logbook's totals follow its flights (the tripwire's view).
COMPUTED = "computed"


def logbook_totals(flights: list[dict], rounding_unit: int = MINUTES) -> list[dict]:
    """The two Overall rows MyFlightbook computes for the whole logbook: "Total Time" and "Flights".

    "Total Time" is Totals.cs's `SUM(ROUND(totalFlightTime * qf)) / qf` with the pilot's rounding unit
    (minutes by default): each flight rounded before the sum. Rows whose value is 0 are left out, as
    TotalsForUserWithQuery does.
    """
    total = rounded_total(((Decimal(str(row.get("TotalFlightTime", 0) or 0)), 1) for row in flights), rounding_unit)
    items = [
        {"Value": total, "Description": "Total Time", "SubDescription": "", "NumericType": 2,
         "IsTime": True, "Group": 7, "GroupName": "Overall"},
        {"Value": Decimal(len(flights)).quantize(Decimal("0.1")), "Description": "Flights", "SubDescription": "", "IsInt": True,
         "Group": 7, "GroupName": "Overall"},
    ]
    return [item for item in items if item["Value"] != 0]


def _query_date(value: Any) -> date | None:
    return parse_mfb_date(value) if value else None


class FakeMyFlightbook:
    """Answers the sync's four read methods from memory like MyFlightbook would (offset/maxCount paging,
    DateRange 9 and EnumeratedFlights). `flights` is newest first; tests change it between syncs."""

    min_interval_ms = 0
    SERVED = ("AircraftForUser", "FlightsWithQueryAndOffset", "GetCurrencyForUser", "TotalsForUserWithQuery")

    def __init__(self, flights=None, aircraft=None, currency=None, totals=None, *, fail_on=None, rounding_unit=MINUTES):
        self.flights = list(flights or [])
        self.rounding_unit = rounding_unit  # the pilot's MathRoundingUnit, for COMPUTED totals
        self.aircraft = list(AIRCRAFT if aircraft is None else aircraft)
        self.currency = list(CURRENCY if currency is None else currency)
        self.totals = COMPUTED if totals == COMPUTED else list(TOTALS if totals is None else totals)
        self.calls: list[tuple[str, dict]] = []
        self.fail_on = fail_on  # (method, call number) → NeedsReauth

    def call(self, method: str, **params: Any) -> Any:
        method = MyFlightbookClient.check_method(method)  # a write is BLOCKED here too, as in the real client
        self.calls.append((method, params))
        if self.fail_on and self.fail_on[0] == method and sum(1 for name, _ in self.calls if name == method) == self.fail_on[1]:
            raise NeedsReauth(f"MyFlightbook {method}: the access token was rejected again after a refresh")
        if method == "AircraftForUser":
            return self.aircraft
        if method == "FlightsWithQueryAndOffset":
            rows = self.matching(params.get("fq"))
            return rows[params["offset"]: params["offset"] + params["maxCount"]]
        if method == "GetCurrencyForUser":
            return self.currency
        if method == "TotalsForUserWithQuery":
            return logbook_totals(self.flights, self.rounding_unit) if self.totals is COMPUTED else self.totals
        raise FatalError(f"the in-memory MyFlightbook answers only {', '.join(self.SERVED)}, not {method}")

    def matching(self, fq: Any) -> list[dict]:
        """The flights a FlightQuery selects, as MyFlightbook filters them (reference §2, §8): DateMin/DateMax
        (inclusive, on the flight's date) only when DateRange is 9, and EnumeratedFlights by FlightID."""
        if isinstance(fq, str):
            try:
                fq = json.loads(fq)
            except ValueError:
                raise FatalError(f"fq is not JSON: {fq!r}") from None
        if fq is None:
            raise FatalError("Required parameter 'fq' missing")
        if not isinstance(fq, dict):
            raise FatalError(f"fq must be a JSON object, not {fq!r}")
        low = high = None
        if fq.get("DateRange", 0) in (9, "Custom"):
            low, high = _query_date(fq.get("DateMin")), _query_date(fq.get("DateMax"))
        elif fq.get("DateRange", 0) not in (0, "AllTime"):
            raise FatalError(f"the in-memory MyFlightbook knows DateRange 0 and 9 only, not {fq['DateRange']!r}")
        enumerated = {int(value) for value in (fq.get("EnumeratedFlights") or [])}
        if not (low or high or enumerated):
            return self.flights  # `{}`: the whole logbook, in the order it was given
        rows = []
        for flight in self.flights:
            day = parse_mfb_date(flight["Date"])
            if (low and day < low) or (high and day > high) or (enumerated and flight.get("FlightID") not in enumerated):
                continue
            rows.append(flight)
        return rows

    def methods(self) -> list[str]:
        return [name for name, _ in self.calls]

    def close(self) -> None:
        """Nothing to release: the interface's close, for callers that own their client."""

    def __enter__(self) -> "FakeMyFlightbook":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def connect_to_sandbox(user, sandbox, settings, *, interval_ms: int = 0, account_name: str = ""):
    """Point FlightBridge at `sandbox` and give `user` a stored connection (tokens issued without the
    browser dance; the OAuth round trip has its own tests). `settings` is Django's settings or the
    pytest-django fixture. The tokens are stored the one way every token response is stored."""
    import dataclasses

    from flightbridge.myflightbook import oauth, tokens

    settings.CONFIG = dataclasses.replace(settings.CONFIG, mfb_client_id=sandbox.client_id,
                                          mfb_client_secret=sandbox.client_secret, mfb_base_url=sandbox.url,
                                          mfb_min_call_interval_ms=interval_ms)
    row = tokens.store_grant(user.pk, oauth.grant_from_response(sandbox.issue_tokens()), connected=True)
    if account_name:
        tokens.record_account_name(user, account_name)
        row.refresh_from_db()
    return row
