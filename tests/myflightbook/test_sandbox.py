"""The sandbox speaks MyFlightbook: generated data shapes, serialization quirks, OAuth rules, fault switches."""

from __future__ import annotations

import json
import re
import socket
from collections import Counter
from datetime import date
from decimal import Decimal

import httpx
import pytest

from flightbridge.myflightbook.sandbox import SandboxServer, generate_account
from flightbridge.myflightbook.sandbox.serialize import dumps
from tests.conftest import wait_for

TODAY = date(2026, 8, 20)
RESOURCE = "/logbook/mvc/oAuth/OAuthResource/"


@pytest.fixture(scope="module")
def sandbox():
    with SandboxServer(flights=120, seed=9, today=TODAY) as server:
        yield server


@pytest.fixture
def token(sandbox):
    sandbox.set_faults(script=[], latency_ms=0)
    return sandbox.issue_tokens()["access_token"]


def get(sandbox, token, method, language=None, **params):
    headers = {"Authorization": f"Bearer {token}"} | ({"Accept-Language": language} if language else {})
    return httpx.post(sandbox.url + RESOURCE + method, data={"json": "1", **params}, headers=headers)


def test_same_seed_same_logbook_and_another_seed_differs():
    first = generate_account(flights=60, seed=4, today=TODAY)
    again = generate_account(flights=60, seed=4, today=TODAY)
    other = generate_account(flights=60, seed=5, today=TODAY)
    assert dumps(first.flights) == dumps(again.flights) and dumps(first.currency) == dumps(again.currency)
    assert dumps(first.aircraft) == dumps(again.aircraft)
    assert dumps(first.flights) != dumps(other.flights)


def test_flights_span_years_newest_first_with_real_shapes(sandbox, token):
    body = get(sandbox, token, "FlightsWithQueryAndOffset", fq="{}", offset="0", maxCount="0").text
    flights = json.loads(body, parse_float=Decimal)
    assert len(flights) == 120
    days = [date.fromisoformat(f["Date"][:10]) for f in flights]
    assert days == sorted(days, reverse=True) and days[0] <= TODAY and (days[0] - days[-1]).days > 365
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00", f["Date"]) for f in flights)  # unzoned
    for flight in flights:
        for always in ("Route", "Comment", "FlightColorHex", "ErrorString", "CustomProperties", "FlightImages", "Videos",
                       "ModelDisplay", "TailNumDisplay", "CatClassDisplay", "FlightID"):
            assert always in flight
        for key, value in flight.items():
            assert value not in (0, False, None) or isinstance(value, str), f"default {key} should be omitted"
    # Decimal scale travels as written: two places for hours, four for cross-country
    assert re.search(r'"TotalFlightTime":\d+\.\d\d[,}]', body) and re.search(r'"CrossCountry":\d+\.\d{4}[,}]', body)
    routes = [f["Route"] for f in flights]
    assert any(re.search(r"/\d\d[LRC]?\b", r) for r in routes), "runway qualifiers"
    assert any(re.search(r"\b[A-Z]{5}\b", r) for r in routes), "five-letter identifiers"
    assert any(f.get("IsLocalFlight") for f in flights) and any(f["Route"] == "" for f in flights)
    props = Counter(p["PropTypeID"] for f in flights for p in f["CustomProperties"])
    assert props[187] and props[95] and props[120]
    assert any(f["FlightStart"].endswith("Z") for f in flights if "FlightStart" in f)


def test_paging_and_date_filter_follow_mfb(sandbox, token):
    everything = json.loads(get(sandbox, token, "FlightsWithQueryAndOffset", fq="{}", offset="0", maxCount="0").text)
    page = json.loads(get(sandbox, token, "FlightsWithQueryAndOffset", fq="{}", offset="50", maxCount="50").text)
    assert [f["FlightID"] for f in page] == [f["FlightID"] for f in everything[50:100]]
    day = everything[3]["Date"]
    custom = json.dumps({"DateRange": 9, "DateMin": day, "DateMax": day})
    same_day = json.loads(get(sandbox, token, "FlightsWithQueryAndOffset", fq=custom, offset="0", maxCount="100").text)
    assert same_day and {f["Date"] for f in same_day} == {day}
    ignored = json.dumps({"DateMin": day, "DateMax": day})  # without DateRange=Custom the bounds do nothing
    assert len(json.loads(get(sandbox, token, "FlightsWithQueryAndOffset", fq=ignored, offset="0", maxCount="0").text)) == 120
    missing = get(sandbox, token, "FlightsWithQueryAndOffset", offset="0", maxCount="1")
    assert missing.status_code == 500 and missing.text == "Error: Required parameter 'fq' missing\r\n"


def test_mdy_dates_on_request(sandbox, token):
    sandbox.set_faults(date_style="mdy")
    try:
        flights = json.loads(get(sandbox, token, "FlightsWithQueryAndOffset", fq="{}", offset="0", maxCount="5").text)
        assert all(re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", f["Date"]) for f in flights)
    finally:
        sandbox.set_faults(date_style="iso")


def test_aircraft_include_every_simulator_class_and_foreign_tails(sandbox, token):
    aircraft = json.loads(get(sandbox, token, "AircraftForUser").text)
    assert {a["InstanceTypeID"] for a in aircraft} == {1, 2, 3, 4, 5}
    assert all(a["InstanceType"] == a["InstanceTypeID"] for a in aircraft)
    sims = [a for a in aircraft if a["InstanceTypeID"] != 1]
    assert all(a["TailNumber"].startswith("SIM") and a["InstanceTypeDescription"].startswith(" (") for a in sims)
    tails = {a["TailNumber"] for a in aircraft}
    assert {"N52417", "C-GFTE", "G-DSTR"} <= tails
    real = next(a for a in aircraft if a["TailNumber"] == "N52417")
    assert real["InstanceTypeDescription"] == "" and real["LastAnnual"].endswith("Z") and not real["RegistrationDue"].endswith("Z")
    assert real["ModelCommonName"] == "Cessna  Skyhawk SP"  # the double space of an empty type name


def test_currency_has_every_state_and_omits_not_current(canned_currency_sandbox):
    sandbox = canned_currency_sandbox
    token = sandbox.issue_tokens()["access_token"]
    items = json.loads(get(sandbox, token, "GetCurrencyForUser", "en-US").text)
    states = Counter(item.get("Status", "omitted") for item in items)
    assert set(states) == {1, 2, 3, "omitted"}
    assert all("Status" not in item for item in items if item["Value"].startswith("Expired"))
    # Issue 12: MyFlightbook's real labels (reference §8), not invented ones like "BasicMed" or "AMEL - Passengers".
    labels = {item["Attribute"] for item in items}
    assert {
        "Flight Review", "Flight Review (SFAR73/R44)", "PIC Proficiency Check (61.58): B737", "SIC Proficiency (61.55) - AMEL",
        "FAR 61.195(a) - CFI Limit", "IFR - Airplane", "IFR - Rotorcraft", "IFR - Glider - (Passengers)", "ASEL - Passengers",
        "ASEL - Night", "AMEL (B737) - Passengers", "AMEL (B737) - Night", "ASEL - Tailwheel", "Glider - Passengers",
        "1st Class Medical Privileges", "Commercial or ATC Medical Privileges", "3rd Class Medical Privileges",
        "Medical Due (BasicMed)", "CFI Cert. Exp./Recent Experience End",
    } <= labels
    assert {item.get("CurrencyGroup") for item in items} >= {1, 2, 3, 4, 6, 7, 8}
    by_label = {item["Attribute"]: item for item in items}
    assert re.fullmatch(r"Current Until: \d{1,2}/\d{1,2}/\d{4}", by_label["3rd Class Medical Privileges"]["Value"])
    assert re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", by_label["Medical Due (BasicMed)"]["Value"])  # a bare date
    assert by_label["IFR - Rotorcraft"]["Discrepancy"] == "IPC is required." and "Status" not in by_label["IFR - Rotorcraft"]
    assert by_label["PIC Proficiency Check (61.58): B737"]["CurrencyGroup"] == 2  # in the FlightReview group
    assert "CurrencyGroup" not in by_label["FAR 61.195(a) - CFI Limit"]  # group None
    assert by_label["N52417 - Oil change"]["Value"] == "4,620.5"


@pytest.mark.parametrize("language", [None, "de-DE", "de-DE,de;q=0.9,en;q=0.8", "de"])
def test_currency_and_totals_are_german_without_an_english_accept_language(sandbox, token, language):
    items = {item["Attribute"]: item for item in json.loads(get(sandbox, token, "GetCurrencyForUser", language).text)}
    assert re.fullmatch(r"Current Until: \d\d\.\d\d\.\d{4}", items["ASEL - Passengers"]["Value"])
    assert items["N52417 - Oil change"]["Value"] == "4.620,5"
    totals = json.loads(get(sandbox, token, "TotalsForUserWithQuery", language).text, parse_float=Decimal)
    total = next(item for item in totals if item["Description"] == "Total Time")
    landings = sum(f.get("Landings", 0) for f in sandbox.account.flights)
    assert total["SubDescription"].startswith(f"{landings:,}".replace(",", ".") + " Landings (")
    instrument = next(item for item in totals if item["Description"] == "Instrument Time")
    assert re.fullmatch(r"\(=\d+(,\d+)? Actual \+ \d+(,\d+)? Simulated\)", instrument["SubDescription"])  # decimal commas


def test_french_has_its_own_words(canned_currency_sandbox):
    sandbox = canned_currency_sandbox
    token = sandbox.issue_tokens()["access_token"]
    items = {item["Attribute"]: item for item in json.loads(get(sandbox, token, "GetCurrencyForUser", "fr-FR").text)}
    assert re.fullmatch(r"A jour jusqu’au: \d\d/\d\d/\d{4}", items["ASEL - Passagers"]["Value"])
    assert "IFR - Planeur - (Avec Passagers)" in items
    totals = json.loads(get(sandbox, token, "TotalsForUserWithQuery", "fr").text, parse_float=Decimal)
    assert any(item["Description"] == "Temps Total" and "Atterrissages" in item["SubDescription"] for item in totals)


def test_flights_count_landings_as_myflightbook_does(sandbox, token):
    flights = json.loads(get(sandbox, token, "FlightsWithQueryAndOffset", fq="{}", offset="0", maxCount="0").text)
    props = [{p["PropTypeID"]: p.get("IntValue", 0) for p in f["CustomProperties"]} for f in flights]
    over_described = 0
    for flight, prop in zip(flights, props):
        # MyFlightbook rejects FullStopLandings + NightLandings > Landings; touch-and-goes are in Landings too,
        # except that night touch-and-goes (397) left out of Landings only draw a lint warning (FlightLint.cs):
        # real logbooks hold such over-described flights, and so does the sandbox (issue 20).
        parts = flight.get("FullStopLandings", 0) + flight.get("NightLandings", 0) + prop.get(60, 0)
        assert flight.get("FullStopLandings", 0) + flight.get("NightLandings", 0) <= flight.get("Landings", 0)
        assert parts == flight.get("Landings", 0) or parts - prop.get(397, 0) == flight.get("Landings", 0)
        over_described += parts != flight.get("Landings", 0)
        assert prop.get(397, 0) <= prop.get(60, 0)
    assert over_described > 0
    assert sum(p.get(397, 0) for p in props) > 0 and sum(1 for p in props if 73 in p) > 0 and sum(1 for p in props if 93 in p) > 0
    assert any(p.get(73, 0) != f.get("NightLandings", 0) + p.get(397, 0) for f, p in zip(flights, props) if 73 in p)


def test_anonymous_aircraft(sandbox, token):
    aircraft = json.loads(get(sandbox, token, "AircraftForUser").text)
    anonymous = next(a for a in aircraft if a["TailNumber"].startswith("#"))
    # AircraftForUser sends `#` + the display tail (WebService.cs ~230, Aircraft.cs HackDisplayTailnumber).
    assert anonymous["TailNumber"] == f"#(Anonymous {anonymous['ModelDescription']})" and anonymous["InstanceTypeID"] == 1
    flights = [f for f in sandbox.account.flights if f["AircraftID"] == anonymous["AircraftID"]]
    assert flights and {f["TailNumDisplay"] for f in flights} == {f"({anonymous['ModelDescription']})"}


def test_totals_cover_every_group_and_drop_zero_rows(sandbox, token):
    totals = json.loads(get(sandbox, token, "TotalsForUserWithQuery", "en-US").text, parse_float=Decimal)
    # Issue 12: no invented ungrouped "Approaches" (or "Landings") item; those counts are in SubDescriptions.
    assert {item.get("Group", 0) for item in totals} == {1, 2, 3, 4, 5, 6, 7}
    assert not {"Approaches", "Landings"} & {item["Description"] for item in totals}
    assert all(item["Value"] != 0 for item in totals)
    flights = next(item for item in totals if item["Description"] == "Flights")
    assert flights["Value"] == Decimal("120.0") and flights["IsInt"] and "NumericType" not in flights and "Query" not in flights
    total = next(item for item in totals if item["Description"] == "Total Time")
    assert total["NumericType"] == 2 and total["IsTime"] and str(total["Value"]).count(".") == 1 and len(str(total["Value"]).split(".")[1]) == 4
    # Totals.cs: SUM(ROUND(totalFlightTime * 60)) / 60, each flight to whole minutes first (issue 20).
    minutes = 0
    for flight in sandbox.account.flights:
        scaled = flight.get("TotalFlightTime", Decimal(0)) * 60
        minutes += int(scaled) + (1 if scaled % 1 >= Decimal("0.5") else 0)
    assert total["Value"] == (Decimal(minutes) / 60).quantize(Decimal("0.0001"))
    assert total["Value"] != sum((f.get("TotalFlightTime", Decimal(0)) for f in sandbox.account.flights), Decimal(0))


def test_other_reads(sandbox, token):
    visited = json.loads(get(sandbox, token, "VisitedAirports").text)
    assert visited and all(v["FacilityName"].endswith(f"({v['Code']})") for v in visited)
    assert json.loads(get(sandbox, token, "GetNamedQueries").text) and "QueryName" not in get(sandbox, token, "GetNamedQueries").text
    flight = sandbox.account.flights[0]
    props = get(sandbox, token, "PropertiesForFlight", idFlight=str(flight["FlightID"]))
    assert json.loads(props.text, parse_float=Decimal) == flight["CustomProperties"]
    nobody = get(sandbox, token, "PropertiesForFlight", idFlight="1")
    assert nobody.status_code == 200 and nobody.content == b""  # null → an empty body
    assert json.loads(get(sandbox, token, "AvailablePropertyTypesForUser").text)
    assert json.loads(get(sandbox, token, "ModelsWithIDs", rgIDs="[1042]").text)[0]["Model"] == "C-172 S"
    assert len(json.loads(get(sandbox, token, "MakesAndModels").text)) >= 10


def test_xml_without_json_flag_and_errors_in_mfb_shape(sandbox, token):
    xml = httpx.post(sandbox.url + RESOURCE + "AircraftForUser", data={"json": "true"}, headers={"Authorization": f"Bearer {token}"})
    assert xml.headers["content-type"].startswith("text/xml") and "<ArrayOfAircraft" in xml.text
    unknown = get(sandbox, token, "NoSuchMethod")
    assert unknown.status_code == 500 and unknown.text == "Error: Requested value 'NoSuchMethod' was not found.\r\n"
    missing = httpx.post(sandbox.url + RESOURCE + "AircraftForUser", data={"json": "1"})
    assert missing.status_code == 500 and missing.text.startswith("Error: Missing access token.")
    limited = sandbox.issue_tokens(("readaircraft",))["access_token"]
    scope = get(sandbox, limited, "GetCurrencyForUser")
    assert scope.status_code == 401 and 'requires scope "currency"' in scope.text


def test_expired_tokens_get_a_500_naming_the_expiry(sandbox):
    sandbox.set_faults(token_lifetime=3600)
    token = sandbox.issue_tokens()["access_token"]
    sandbox.expire_access_tokens()
    response = get(sandbox, token, "AircraftForUser")
    assert response.status_code == 500 and "The message expired at" in response.text
    sandbox.set_faults(token_lifetime=14 * 24 * 3600)


def test_fault_switches_over_http(sandbox, token):
    response = httpx.post(sandbox.url + "/sandbox/faults", data={"faults": json.dumps({"script": ["429", "malformed", "5xx"], "retry_after": 3})})
    assert response.status_code == 200 and response.json()["faults"]["script"] == ["429", "malformed", "5xx"]
    limited = get(sandbox, token, "AircraftForUser")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "3"
    malformed = get(sandbox, token, "AircraftForUser")
    assert malformed.status_code == 200
    with pytest.raises(ValueError):
        json.loads(malformed.text)
    assert get(sandbox, token, "AircraftForUser").status_code == 503
    assert get(sandbox, token, "AircraftForUser").status_code == 200
    bad = httpx.post(sandbox.url + "/sandbox/faults", data={"faults": json.dumps({"bogus": 1})})
    assert bad.status_code == 400 and "unknown fault switch" in bad.json()["error"]


def test_truncated_body_breaks_the_connection(sandbox, token):
    sandbox.set_faults(script=["truncated"])
    with pytest.raises(httpx.RemoteProtocolError):
        get(sandbox, token, "AircraftForUser")


def test_rates_are_deterministic_for_a_seed():
    def outcomes():
        with SandboxServer(flights=3, seed=21, error_rate=0.5) as server:
            token = server.issue_tokens()["access_token"]
            return [get(server, token, "GetNamedQueries").status_code for _ in range(12)]

    first = outcomes()
    assert first == outcomes() and {200, 503} <= set(first)


def test_writes_are_recorded_and_revoke_gives_invalid_grant(sandbox):
    tokens = sandbox.issue_tokens()
    sandbox.writes.clear()
    get(sandbox, tokens["access_token"], "CommitFlightWithOptions", le=json.dumps({"FlightID": -1}))
    assert [w["method"] for w in sandbox.writes] == ["CommitFlightWithOptions"]
    assert "access_token" not in json.dumps(httpx.get(sandbox.url + "/sandbox/writes").json())
    httpx.post(sandbox.url + "/sandbox/revoke")
    refreshed = httpx.post(sandbox.url + "/logbook/mvc/oAuth/OAuthToken", data={
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"], "client_id": sandbox.client_id,
        "client_secret": sandbox.client_secret})
    assert refreshed.status_code == 200 and refreshed.json() == {"error": "invalid_grant"}


def test_authorize_rejects_unregistered_callbacks_and_write_scopes():
    with SandboxServer(flights=1, redirect_uris=["https://fb.example/api/integrations/myflightbook/callback"],
                       client_scopes=("currency", "totals", "readflight", "readaircraft", "visited", "namedqueries")) as server:
        base = server.url + "/logbook/mvc/oAuth/Authorize?response_type=code&client_id=" + server.client_id
        wrong = httpx.get(base + "&redirect_uri=https://evil.example/cb&scope=readflight&state=x")
        assert wrong.status_code == 400 and "is not allowed for this service" in wrong.text
        ok = httpx.get(base + "&redirect_uri=http://FB.example/api/integrations/myflightbook/callback&scope=readflight&state=x")
        assert ok.status_code == 200  # host, path compared case-insensitively, scheme not compared
        write = httpx.get(base + "&redirect_uri=https://fb.example/api/integrations/myflightbook/callback&scope=addflight&state=x")
        assert "not authorized to have" in write.text


@pytest.mark.multiprocess
def test_the_mfb_sandbox_command_serves(spawn):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    child = spawn("mfb_sandbox", "--port", str(port), "--flights", "12", "--seed", "3")

    def state():
        try:
            return httpx.get(f"http://127.0.0.1:{port}/sandbox/state").json()
        except httpx.HTTPError:
            return None

    summary = wait_for(state, 30, message=f"the sandbox to answer; log:\n{child.output()}")
    assert summary["flights"] == 12 and summary["client_id"] == "flightbridge-sandbox"


def test_enumerated_flights_fetch_known_flights_by_id(sandbox, token):
    wanted = [sandbox.account.flights[3]["FlightID"], sandbox.account.flights[40]["FlightID"], 1]  # 1: not in the logbook
    body = get(sandbox, token, "FlightsWithQueryAndOffset", fq=json.dumps({"EnumeratedFlights": wanted}), offset="0", maxCount="0")
    assert [flight["FlightID"] for flight in json.loads(body.text)] == wanted[:2]  # newest first, unknown ids absent


def test_property_types_carry_myflightbooks_real_titles_and_flags(sandbox, token):
    # Issue 20: the sandbox's property table is MyFlightbook's own (titles as its CSV columns name them, BFR/IPC flags).
    types = {row["PropTypeID"]: row for row in json.loads(get(sandbox, token, "AvailablePropertyTypesForUser").text)}
    assert types[93]["Title"] == "Takeoffs (any)" and types[73]["Title"] == "Takeoffs - Night"
    assert types[397]["Title"] == "Landings - Touch and Go (Night)" and types[92]["Title"] == "Instructor Name"
    assert types[44]["Flags"] & 1 and types[41]["Flags"] & 2 and types[40]["Flags"] & 3 == 3
    assert types[95]["Type"] == 1 and types[164]["Type"] == 2 and types[183]["Type"] == 5
    totals = json.loads(get(sandbox, token, "TotalsForUserWithQuery").text, parse_float=Decimal)
    assert any(item["Description"] == "Takeoffs (any)" for item in totals)


def test_night_time_is_flown_after_dark_and_day_flights_by_day():
    """The demo had a 09:40-local flight with 0.57 h of night and two night landings: a flight with night
    time starts 17:00-21:00 in the US (01:00-04:59 UTC the next day), one without between 06:00 and 15:00."""
    from datetime import datetime

    account = generate_account(flights=400, seed=1, today=TODAY)
    starts = [(Decimal(str(row.get("Nighttime", 0))), datetime.fromisoformat(row["FlightStart"].replace("Z", "+00:00")))
              for row in account.flights if row.get("FlightStart")]
    night = [start for hours, start in starts if hours > 0]
    day = [start for hours, start in starts if hours == 0]
    assert night and day
    assert {start.hour for start in night} <= {1, 2, 3, 4}
    assert {start.hour for start in day} <= set(range(14, 23))
