"""Test doubles for the sync: a MyFlightbook account behind `.call()` (the client's interface) and an FAA
registry lookup of the `RegistryLookupFn` shape. The HTTP-level twin is the sandbox; these keep the
service tests small and exact."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flightbridge.errors import NeedsReauth
from flightbridge.registry.interfaces import RegistryLookup


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


class FakeMyFlightbook:
    """Answers the four read methods from memory like MyFlightbook would (offset/maxCount paging)."""

    min_interval_ms = 0

    def __init__(self, flights=None, aircraft=None, currency=None, totals=None, *, fail_on=None):
        self.flights = list(flights or [])
        self.aircraft = list(AIRCRAFT if aircraft is None else aircraft)
        self.currency = list(CURRENCY if currency is None else currency)
        self.totals = list(TOTALS if totals is None else totals)
        self.calls: list[tuple[str, dict]] = []
        self.fail_on = fail_on  # (method, call number) → NeedsReauth

    def call(self, method: str, **params):
        self.calls.append((method, params))
        if self.fail_on and self.fail_on[0] == method and sum(1 for name, _ in self.calls if name == method) == self.fail_on[1]:
            raise NeedsReauth("MyFlightbook FlightsWithQueryAndOffset: the access token was rejected again after a refresh")
        if method == "AircraftForUser":
            return self.aircraft
        if method == "FlightsWithQueryAndOffset":
            assert params["fq"] == "{}"
            return self.flights[params["offset"]: params["offset"] + params["maxCount"]]
        if method == "GetCurrencyForUser":
            return self.currency
        if method == "TotalsForUserWithQuery":
            return self.totals
        raise AssertionError(f"unexpected call {method}")

    def methods(self) -> list[str]:
        return [name for name, _ in self.calls]


class FakeRegistry:
    """`lookup(tail)` for a handful of known N-numbers; anything not starting with N is not US."""

    def __init__(self, known: dict[str, tuple[str, str]] | None = None):
        self.known = known if known is not None else {"N52417": ("CESSNA", "172S")}
        self.asked: list[str] = []

    def __call__(self, tail: str) -> RegistryLookup:
        self.asked.append(tail)
        tail = tail.upper()
        if not tail.startswith("N"):
            return RegistryLookup(query=tail, is_us_registration=False, found=False, message="not a US registration")
        if tail in self.known:
            manufacturer, model = self.known[tail]
            return RegistryLookup(query=tail, is_us_registration=True, found=True, n_number=tail,
                                  manufacturer=manufacturer, model=model, status="valid", year=2005, seats=4)
        return RegistryLookup(query=tail, is_us_registration=True, found=False, message="no registration")


def connect_to_sandbox(user, sandbox, settings, *, interval_ms: int = 0, account_name: str = ""):
    """Point FlightBridge at `sandbox` and give `user` a stored connection (tokens issued without the
    browser dance; the OAuth round trip has its own tests). `settings` is Django's settings or the
    pytest-django fixture."""
    import dataclasses
    from datetime import timedelta

    from django.utils import timezone

    from flightbridge.myflightbook.models import IntegrationToken

    settings.CONFIG = dataclasses.replace(settings.CONFIG, mfb_client_id=sandbox.client_id,
                                          mfb_client_secret=sandbox.client_secret, mfb_base_url=sandbox.url,
                                          mfb_min_call_interval_ms=interval_ms)
    grant = sandbox.issue_tokens()
    row = IntegrationToken(owner=user, scopes=grant["scope"], account_name=account_name,
                           expires_at=timezone.now() + timedelta(seconds=grant["expires_in"]))
    row.set_secret("access_token", grant["access_token"])
    row.set_secret("refresh_token", grant["refresh_token"])
    row.save()
    return row
