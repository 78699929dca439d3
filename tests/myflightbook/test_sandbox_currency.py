"""The sandbox computes its currency from its flights as MyFlightbook does (sandbox/currency.py), and for a
logbook that lives only in MyFlightbook FlightBridge's computed items agree with those, every remaining
difference explained (issue 25)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from flightbridge.myflightbook import demo
from flightbridge.myflightbook.sandbox import SandboxServer, generate_account
from flightbridge.myflightbook.sandbox.currency import FlightCurrency, add_calendar_months
from flightbridge.myflightbook.sandbox.fake import connect_to_sandbox
from flightbridge.myflightbook.sync import sync_user
from flightbridge.myflightbook.tokens import LinkedAccount
from flightbridge.registry.fake import FakeRegistry

TODAY = date(2026, 12, 7)

#: The differences FlightBridge explains and keeps on purpose (docs/currency.md, "still differ").
EXPLAINED = (
    "MyFlightbook lists an item only once it has been current",
    "FlightBridge does not know type ratings yet",
    "No flight here is in an aircraft marked tailwheel",
    "MyFlightbook warns 31 days ahead, FlightBridge 30",
    "MyFlightbook counts only logged night takeoffs",
    "MyFlightbook says an IPC is required on the last day of the grace",
)


def by_label(items: list[dict]) -> dict[str, dict]:
    return {item["Attribute"]: item for item in items}


def test_myflightbooks_event_arithmetic():
    # Three landings 80 days ago: current until day 90 (Currency.cs AddDays(90)), "getting close" within 31 days.
    passengers = FlightCurrency(3, 90, False, TODAY)
    passengers.add(TODAY - timedelta(days=80), 3)
    assert (passengers.expiration, passengers.state) == (TODAY + timedelta(days=10), 1)
    # Newest first; the event that brings the count to 3 dates it.
    split = FlightCurrency(3, 90, False, TODAY)
    split.add(TODAY - timedelta(days=10), 2)
    split.add(TODAY - timedelta(days=40), 2)
    assert (split.expiration, split.state) == (TODAY + timedelta(days=50), 2)
    assert add_calendar_months(date(2025, 1, 10), 6) == date(2025, 7, 31)
    assert add_calendar_months(date(2025, 1, 10), -6) == date(2024, 7, 1)
    # AND: both current; OR: either.
    holds = FlightCurrency(1, 6, True, TODAY)
    holds.add(date(2026, 9, 3), 1)
    approaches = FlightCurrency(6, 6, True, TODAY)
    approaches.add(date(2026, 11, 2), 6)
    assert approaches.merged(holds, both=True).expiration == date(2027, 3, 31)
    ipc = FlightCurrency(1, 6, True, TODAY)
    ipc.add(date(2026, 12, 1), 1)
    assert ipc.merged(approaches.merged(holds, both=True), both=False).expiration == date(2027, 6, 30)


def test_the_sandbox_currency_follows_its_flights():
    account = generate_account(flights=30, seed=3, today=TODAY)  # computed from the flights: the default
    canned = generate_account(flights=30, seed=3, today=TODAY, canned_currency=True)
    assert "Glider - Passengers" in by_label(canned.currency)  # the canned items of every label, on request
    assert "Glider - Passengers" not in by_label(account.currency)  # no glider flight: no glider item
    before = by_label(account.currency).get("AMEL - Passengers")
    assert before is None or before["Value"] != f"Current Until: {(TODAY + timedelta(days=88)).month}/"
    baron = next(row for row in account.aircraft if row["TailNumber"] == "N4455T")
    account.add_flight(TODAY - timedelta(days=2), AircraftID=baron["AircraftID"], Landings=3, FullStopLandings=3,
                       CatClassDisplay="AMEL", NightLandings=0, CustomProperties=[])
    after = by_label(account.currency)["AMEL - Passengers"]
    expires = TODAY + timedelta(days=88)
    assert after["Value"] == f"Current Until: {expires.month}/{expires.day}/{expires.year}" and after["Status"] == 2
    # A flight review property makes the flight review item.
    account.add_flight(TODAY - timedelta(days=1), AircraftID=baron["AircraftID"], Landings=1, FullStopLandings=1,
                       CustomProperties=[{"PropID": 1, "FlightID": 0, "PropTypeID": 44, "BoolValue": True, "TextValue": ""}])
    review = by_label(account.currency)["Flight Review"]
    assert review["Value"] == f"Current Until: {add_calendar_months(TODAY, 24).month}/{add_calendar_months(TODAY, 24).day}/{add_calendar_months(TODAY, 24).year}"


@pytest.mark.django_db
def test_a_myflightbook_only_logbook_agrees_with_myflightbook(user, settings, api):
    today = timezone.localdate()
    with SandboxServer(flights=demo.DEMO_FLIGHTS, seed=1, today=today) as sandbox:
        connect_to_sandbox(user, sandbox, settings)
        sync_user(user, LinkedAccount(user), lookup=FakeRegistry({}), today=today)
        theirs = by_label(sandbox.account.currency)
    items = api.get("/api/currency?source=computed-local").json()
    computed = {item["label"]: item for item in items}
    # Every flight item MyFlightbook reports has its computed twin.
    flight_items = {label for label in theirs if label.endswith((" - Passengers", " - Night", " - Tailwheel"))
                    or label.startswith("IFR - ") or label == "Flight Review"}
    assert flight_items and flight_items <= set(computed)
    agreeing = [item for item in items if item["myflightbook"] and item["differs_because"] is None]
    differing = [item for item in items if item["differs_because"] is not None]
    for item in agreeing:
        assert item["expires_on"] == item["myflightbook"]["expires_on"], item
    for item in differing:
        assert any(reason in item["differs_because"] for reason in EXPLAINED), (
            item["label"], item["status"], item["expires_on"], item["myflightbook"], item["differs_because"])
    # The items pilots rely on most agree outright.
    for label in ("ASEL - Passengers", "IFR - Airplane", "Flight Review"):
        if label in theirs:
            assert computed[label]["differs_because"] is None, computed[label]
    # The demo logbook (its dates follow today): 7 of its 10 flight items agree to the day; tailwheel waits
    # for the aircraft flags (issue 24), and two night items are where MyFlightbook ignores the night takeoffs
    # it was never told about.
    assert len([item for item in agreeing if item["label"] in flight_items]) >= 7, [item["label"] for item in differing]


def test_the_sandbox_computes_glider_instrument_currency_as_gliderifrcurrency_does():
    from flightbridge.myflightbook.sandbox.currency import flight_currency_items
    from flightbridge.myflightbook.sandbox.culture import EN_US
    from flightbridge.myflightbook.sandbox.logbook import MODEL_BY_ID, Model

    models = {**MODEL_BY_ID, 4021: Model(4021, "ASK-21", "Schleicher", "", "ASK 21", "AS21", "Glider")}
    account = generate_account(flights=0, seed=3, today=TODAY)
    account.aircraft.append({"AircraftID": 99021, "ModelID": 4021, "InstanceTypeID": 1, "TailNumber": "N21SG"})
    skyhawk = next(row for row in account.aircraft if row["TailNumber"] == "N52417")

    def labels() -> dict[str, dict]:
        return {item.attribute(EN_US): item for item in flight_currency_items(account, TODAY, models)}

    def glider_ifr() -> dict[str, dict]:
        return {label: item for label, item in labels().items() if label.startswith("IFR - Glider")}

    # Hood time and maneuvers in a Skyhawk make glider IFR currency, but MyFlightbook lists it only for a pilot
    # who has been current to carry passengers in a glider (AddGliderChecks).
    account.add_flight(date(2026, 11, 20), AircraftID=skyhawk["AircraftID"], Landings=1, FullStopLandings=1,
                       SimulatedIFR=1.0, CustomProperties=[{"PropTypeID": 56, "DecValue": 2.0}])
    assert glider_ifr() == {}
    account.add_flight(date(2026, 7, 4), AircraftID=99021, Landings=3, FullStopLandings=3, SimulatedIFR=0,
                       CustomProperties=[])
    solo = glider_ifr()["IFR - Glider - (No Passengers)"]
    assert (solo.expiration, solo.state) == (date(2027, 5, 31), 2)
    # Two hours under the hood in the glider and the passenger maneuvers: passengers, dated by the older flight.
    account.add_flight(date(2026, 10, 15), AircraftID=99021, Landings=1, FullStopLandings=1, IMC=0.5,
                       SimulatedIFR=1.5, CustomProperties=[{"PropTypeID": 57, "BoolValue": True}])
    passengers = glider_ifr()["IFR - Glider - (Passengers)"]
    assert (passengers.expiration, passengers.state, passengers.discrepancy(EN_US)) == (date(2027, 4, 30), 2, "")
    # Lapsed: named without a privilege, and short by what (c)(3)(i) needs.
    later = date(2027, 6, 2)
    lapsed = {item.attribute(EN_US): item for item in flight_currency_items(account, later, models)}["IFR - Glider"]
    assert (lapsed.expiration, lapsed.state) == (date(2027, 5, 31), 0)
    assert lapsed.discrepancy(EN_US) == "(Short by 1.0 hour(s) per 61.57(c)(3)(i)(A) and 2.0 hour(s) per 61.57(c)(3)(ii)(B)"
