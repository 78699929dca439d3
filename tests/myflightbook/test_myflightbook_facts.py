"""Issue 12 end to end: the demo's logbook synced from the sandbox counts landings exactly as MyFlightbook's
own totals do, every call asks for en-US, and what §8 says reaches the pilot (IPC required, real labels)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from flightbridge.logbook.models import CurrencyRecord, Flight, LogbookImport, LogbookTotal
from flightbridge.logbook.rounding import rounded_total
from flightbridge.myflightbook import demo
from flightbridge.myflightbook.sandbox import SandboxServer
from flightbridge.myflightbook.sync import sync_user
from flightbridge.myflightbook.tokens import LinkedAccount
from flightbridge.myflightbook.totals import parse_landings_line
from flightbridge.myflightbook.sandbox.fake import connect_to_sandbox
from flightbridge.registry.fake import FakeRegistry

TODAY = date(2026, 8, 20)


@pytest.fixture
def demo_sandbox():
    """The demo's own logbook: the flight count and seed the demo starts its sandbox with."""
    with SandboxServer(flights=demo.DEMO_FLIGHTS, seed=1, today=TODAY) as server:
        yield server


@pytest.fixture
def canned_demo_sandbox():
    """The demo's logbook serving the canned currency items of every §8 label (a glider's passengers, an IFR item
    past its grace, medical, §61.58 …), which its generated flights do not make."""
    with SandboxServer(flights=demo.DEMO_FLIGHTS, seed=1, today=TODAY, canned_currency=True) as server:
        yield server


def myflightbook_total_time_line(api) -> dict[str, Decimal]:
    """MyFlightbook's own "Total Time" landings line, as TotalsForUserWithQuery sent it and the sync stored it."""
    totals = [row for row in api.get("/api/totals?source=myflightbook").json() if row["key"] == "total_time"]
    (line,) = totals
    stored = LogbookTotal.objects.get(source="myflightbook", key="total_time")
    return parse_landings_line(stored.raw["SubDescription"]) | {"hours": Decimal(line["value"])}


@pytest.mark.django_db
def test_the_demo_logbook_lands_as_often_as_myflightbook_says(user, settings, demo_sandbox, api):
    connect_to_sandbox(user, demo_sandbox, settings)
    result = sync_user(user, LinkedAccount(user), lookup=FakeRegistry({}), today=TODAY)
    assert (result["imported"], result["failed"]) == (demo.DEMO_FLIGHTS, 0)

    theirs = myflightbook_total_time_line(api)
    ours = api.get("/api/flights/summary").json()
    # The sandbox's flights carry touch-and-goes (day and night) and night takeoffs that differ from night
    # landings, so seed 000's rule would miss these by a wide margin.
    assert theirs["landings"] > theirs["day_full_stop_landings"] + theirs["night_full_stop_landings"]
    assert ours["landings"] == theirs["landings"]
    assert ours["day_full_stop_landings"] == theirs["day_full_stop_landings"]
    assert ours["night_full_stop_landings"] == theirs["night_full_stop_landings"]
    assert ours["approaches"] == theirs["approaches"]
    # MyFlightbook rounds each flight to whole minutes before it sums (Totals.cs, issue 20): our flights added up
    # that way give its total; their plain sum does not, because the demo's times are not whole minutes.
    times = Counter(Flight.objects.filter(owner=user).values_list("total_flight_time", flat=True))
    assert rounded_total(times.items(), 60).quantize(Decimal("0.01")) == theirs["hours"]
    assert Decimal(ours["total_flight_time"]) != theirs["hours"]

    # The stored MyFlightbook count lines say the same, and so does the API's per-flight view.
    counts = {row.key: row.value for row in LogbookTotal.objects.filter(owner=user, source="myflightbook", dimension="COUNTS")}
    assert counts["landings"] == theirs["landings"] and counts["day_full_stop_landings"] == theirs["day_full_stop_landings"]
    flights = [flight for page in (1, 2) for flight in api.get(f"/api/flights?page_size=500&page={page}").json()["items"]]
    assert len(flights) == demo.DEMO_FLIGHTS
    assert sum(f["day_landings"] + f["night_landings"] for f in flights) == theirs["landings"]
    assert sum(f["night_full_stop_landings"] for f in flights) == theirs["night_full_stop_landings"]
    assert {"day_full_stop_landings", "night_full_stop_landings", "day_takeoffs", "night_takeoffs"} <= set(flights[0])


@pytest.mark.django_db
def test_the_rollup_counts_the_same_way(user, settings, demo_sandbox):
    connect_to_sandbox(user, demo_sandbox, settings)
    sync_user(user, LinkedAccount(user), lookup=FakeRegistry({}), today=TODAY)
    rollup = {row.key: row.value for row in LogbookTotal.objects.filter(owner=user, source="computed-local")}
    window = [record for record in demo_sandbox.account.flights
              if TODAY.replace(year=TODAY.year - 1) < demo_sandbox.account.flight_dates[record["FlightID"]] <= TODAY]
    assert rollup["landings"] == sum(record.get("Landings", 0) for record in window)
    assert rollup["day_full_stop_landings"] == sum(record.get("FullStopLandings", 0) for record in window)
    assert rollup["night_full_stop_landings"] == sum(record.get("NightLandings", 0) for record in window)
    assert rollup["landings"] == rollup["day_landings"] + rollup["night_landings"]


@pytest.mark.django_db
def test_every_call_asks_for_en_us_so_dates_and_counts_parse(user, settings, demo_sandbox, api):
    connect_to_sandbox(user, demo_sandbox, settings)
    sync_user(user, LinkedAccount(user), lookup=FakeRegistry({}), today=TODAY)
    assert demo_sandbox.calls and {call["params"]["HTTP_ACCEPT_LANGUAGE"] for call in demo_sandbox.calls} == {"en-US"}
    # Localized text (the sandbox answers German without it) would leave these empty or wrong.
    records = {row.label: row for row in CurrencyRecord.objects.filter(owner=user)}
    assert records["ASEL - Passengers"].expires_on is not None
    assert records["3rd Class Medical Privileges"].expires_on == date(2028, 1, 17)
    assert records["Medical Due (BasicMed)"].expires_on == date(2026, 9, 9)


@pytest.mark.django_db
def test_section_8_currency_reaches_the_pilot(user, settings, canned_demo_sandbox, api, client):
    connect_to_sandbox(user, canned_demo_sandbox, settings)
    result = sync_user(user, LinkedAccount(user), lookup=FakeRegistry({}), today=TODAY)
    rows = {row["label"]: row for row in api.get("/api/currency").json()}
    kinds = {label: (row["kind"], row["category"]) for label, row in rows.items()}
    assert kinds["PIC Proficiency Check (61.58): B737"] == ("pic_proficiency_check", "B737")
    assert kinds["SIC Proficiency (61.55) - AMEL"] == ("sic_proficiency_check", "AMEL")
    assert kinds["Flight Review (SFAR73/R44)"] == ("flight_review", "R44")
    assert kinds["FAR 61.195(a) - CFI Limit"] == ("cfi_instruction_limit", "")
    assert kinds["IFR - Glider - (Passengers)"] == ("instrument", "Glider")
    assert kinds["Commercial or ATC Medical Privileges"] == ("medical_2nd", "")
    # The proficiency checks sit in MyFlightbook's FlightReview group, yet only these two are flight reviews.
    assert {label for label, row in rows.items() if row["kind"] == "flight_review"} == {"Flight Review", "Flight Review (SFAR73/R44)"}
    ipc = rows["IFR - Rotorcraft"]
    assert (ipc["ipc_required"], ipc["status"], ipc["discrepancy"]) == (True, "NON_COMPLIANT", "IPC is required.")
    assert not any(row["ipc_required"] for label, row in rows.items() if label != "IFR - Rotorcraft")
    # Aircraft, deadline and custom items stay out and are logged with the run, never shown as a pass.
    assert not any(label.startswith("N52417") or label == "Renter's insurance" for label in rows)
    assert result["currency_unmapped"] == 5

    client.force_login(user)
    html = client.get("/logbook/").content.decode()
    row_html = html[html.index("IFR - Rotorcraft"):].split("</tr>", 1)[0]
    # Said once: the "IPC required" mark, not again as MyFlightbook's "IPC is required." beside it.
    assert "data-ipc-required" in row_html and "IPC required" in row_html and "IPC is required." not in row_html


@pytest.mark.django_db
def test_anonymous_aircraft_flights_have_no_tail_and_the_aircraft_is_not_created(user, settings, demo_sandbox):
    connect_to_sandbox(user, demo_sandbox, settings)
    result = sync_user(user, LinkedAccount(user), lookup=FakeRegistry({}), today=TODAY)
    anonymous = next(a for a in demo_sandbox.account.aircraft if a["TailNumber"].startswith("#"))
    records = [f for f in demo_sandbox.account.flights if f["AircraftID"] == anonymous["AircraftID"]]
    stored = Flight.objects.filter(owner=user, external_id__in=[f"mfb:{r['FlightID']}" for r in records])
    assert stored.count() == len(records) > 0
    assert set(stored.values_list("tail_number", flat=True)) == {""}
    assert set(stored.values_list("aircraft_type", flat=True)) == {"DA40, Diamond Diamond Star"}
    assert result["aircraft_created"] == 0
    batch = LogbookImport.objects.get(pk=result["import_id"])
    reasons = {entry["record"]: entry["reason"] for entry in batch.details["aircraft"]["reasons"]}
    assert reasons["#(ANONYMOUS DA40)"] == "an anonymous aircraft (a model, no registration)"
