"""A full sync over real HTTP against the MyFlightbook sandbox: a few hundred flights checked field by
field, a re-run that changes nothing, the job and its API, and a revoked grant mid-run."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import pytest

from flightbridge.jobs.models import SyncJob
from flightbridge.logbook.models import CurrencyRecord, Flight, LogbookImport, LogbookTotal, UserAircraft
from flightbridge.myflightbook.tokens import LinkedAccount, client_for
from flightbridge.myflightbook.models import IntegrationToken
from flightbridge.myflightbook.sandbox import SandboxServer
from flightbridge.myflightbook.sync import sync_user
from flightbridge.myflightbook.sandbox.fake import connect_to_sandbox
from flightbridge.registry.fake import FakeRegistry

TODAY = date(2026, 8, 20)
FLIGHTS = 260
HOURS = {"TotalFlightTime": "total_flight_time", "PIC": "pic", "SIC": "sic", "CrossCountry": "cross_country",
         "Nighttime": "night", "IMC": "imc", "SimulatedIFR": "simulated_ifr", "Dual": "dual", "CFI": "cfi",
         "GroundSim": "ground_sim"}
DEVICE = {1: "REAL", 2: "FLAPS", 3: "FTD", 4: "FFS", 5: "AATD"}
REGISTRY = FakeRegistry({"N52417": ("CESSNA", "172S"), "N731PA": ("PIPER", "PA-28-181"), "N4455T": ("BEECH", "58")})


@pytest.fixture
def mfb():
    with SandboxServer(flights=FLIGHTS, seed=7, today=TODAY) as server:
        yield server


@pytest.fixture
def connected(user, settings, mfb):
    """`user` connected to the sandbox, pacing off."""
    return connect_to_sandbox(user, mfb, settings)


def expected_airports(route: str) -> tuple[str, str]:
    tokens = [token for token in re.split(r"[\s\-]+", route) if token]
    if not tokens:
        return "", ""
    return tokens[0].split("/")[0][:4], tokens[-1].split("/")[0][:4]


def check_flight(stored: Flight, record: dict, day: date, device: str) -> None:
    """Every mapped field of one stored flight against the sandbox's record, by the seed's rules."""
    assert stored.date == day
    anonymous = record["TailNumDisplay"].startswith("(")  # "(C-172 S)": an anonymous aircraft, no registration
    assert stored.tail_number == ("" if anonymous else record["TailNumDisplay"])
    assert stored.aircraft_type == " ".join(record["ModelDisplay"].split())
    assert stored.route == record["Route"]
    assert (stored.departure, stored.destination) == expected_airports(record["Route"])
    for key, column in HOURS.items():
        assert getattr(stored, column) == Decimal(record.get(key, 0)), (record["FlightID"], key)  # exact, 4 places kept
    # Reference §8: Landings is every landing, FullStopLandings day full stops, NightLandings night full stops;
    # properties 397 night touch-and-goes, 73 night takeoffs, 93 takeoffs (any).
    props = {prop["PropTypeID"]: prop.get("IntValue", 0) for prop in record["CustomProperties"]}
    night_landings = min(record.get("NightLandings", 0) + props.get(397, 0), record.get("Landings", 0))  # NetNightLandings
    day_landings = record.get("Landings", 0) - night_landings
    night_takeoffs = props.get(73, night_landings)
    day_takeoffs = max(0, props[93] - night_takeoffs) if 93 in props else day_landings
    assert (stored.day_landings, stored.night_landings) == (day_landings, night_landings), record["FlightID"]
    assert (stored.day_takeoffs, stored.night_takeoffs) == (day_takeoffs, night_takeoffs), record["FlightID"]
    assert (stored.day_full_stop_landings, stored.night_full_stop_landings) == (
        record.get("FullStopLandings", 0), record.get("NightLandings", 0))
    assert stored.approaches == record.get("Approaches", 0)
    assert stored.holds == (1 if record.get("fHoldingProcedures") else 0)
    assert stored.remarks == record["Comment"]
    assert [prop["PropID"] for prop in stored.custom_properties] == [prop["PropID"] for prop in record["CustomProperties"]]
    assert stored.simulator_type == device
    assert stored.raw["FlightID"] == record["FlightID"] and stored.source == "myflightbook"
    # The whole record (issue 20): names and approach names from their properties, Hobbs, tach, engine times,
    # the class the flight was logged in, the CFI signature, and the markers by MyFlightbook's property flags.
    texts = {prop["PropTypeID"]: prop["TextValue"] for prop in record["CustomProperties"] if prop.get("TextValue")}
    assert (stored.instructor_name, stored.pic_name, stored.approach_type) == (texts.get(92, ""), texts.get(183, ""),
                                                                               texts.get(267, ""))
    decimals = {prop["PropTypeID"]: prop.get("DecValue") for prop in record["CustomProperties"]}
    assert (stored.hobbs_start, stored.hobbs_end, stored.tach_start, stored.tach_end) == (
        record.get("HobbsStart"), record.get("HobbsEnd"), decimals.get(95), decimals.get(96))
    assert stored.engine_start == (datetime.fromisoformat(record["EngineStart"].replace("Z", "+00:00"))
                                   if "EngineStart" in record else None)
    assert stored.category_class == ({3: "ASES"}.get(record.get("CatClassOverride"))
                                     or record["CatClassDisplay"].split(" (")[0])
    assert stored.signature == ("none", "valid", "invalid")[record.get("CFISignatureState", 0)]
    flags = {prop["PropTypeID"] for prop in record["CustomProperties"] if prop.get("BoolValue")}
    assert (stored.flight_review, stored.ipc, stored.checkride) == (
        bool(flags & {39, 40, 42, 44, 161, 164}), bool(flags & {40, 41}), bool(flags & {39, 40, 42, 161}))
    assert stored.takeoffs_inferred == ((stored.day_takeoffs, stored.night_takeoffs) != (
        max(props.get(93, 0) - props.get(73, 0), 0), props.get(73, 0)))


@pytest.mark.django_db
def test_full_sync_against_the_sandbox_field_by_field_then_rerun_changes_nothing(user, connected, mfb):
    result = sync_user(user, LinkedAccount(user), lookup=REGISTRY, today=TODAY)

    account = mfb.account
    assert (result["imported"], result["failed"], result["skipped"]) == (FLIGHTS, 0, 0)
    assert result["pages"] == FLIGHTS // 50 + 1
    methods = [call["method"] for call in mfb.calls]
    assert methods == ["AircraftForUser"] + ["FlightsWithQueryAndOffset"] * result["pages"] + ["GetCurrencyForUser", "TotalsForUserWithQuery"]
    assert mfb.writes == []
    devices = {row["AircraftID"]: DEVICE[row["InstanceTypeID"]] for row in account.aircraft}
    stored = {flight.external_id: flight for flight in Flight.objects.filter(owner=user)}
    assert len(stored) == FLIGHTS
    for record in account.flights:
        check_flight(stored[f"mfb:{record['FlightID']}"], record, account.flight_dates[record["FlightID"]],
                     devices[record["AircraftID"]])
    assert {flight.simulator_type for flight in stored.values()} >= {"REAL", "FTD", "AATD"}
    # The sandbox holds what real logbooks hold (issue 20), so the checks above were not vacuous.
    flights = list(stored.values())
    assert any(flight.cross_country != flight.cross_country.quantize(Decimal("0.01")) for flight in flights)
    assert any(flight.checkride for flight in flights) and any(flight.flight_review for flight in flights)
    assert {flight.signature for flight in flights} == {"none", "valid", "invalid"}
    assert "ASES" in {flight.category_class for flight in flights} and any(flight.engine_start for flight in flights)
    assert any(flight.takeoffs_inferred for flight in flights) and not all(flight.takeoffs_inferred for flight in flights)
    assert any(flight.instructor_name for flight in flights)

    # Aircraft: only registered US tails; simulators and foreign tails skipped with reasons.
    assert set(UserAircraft.objects.filter(owner=user).values_list("registration", flat=True)) == {"N52417", "N731PA", "N4455T"}
    batch = LogbookImport.objects.get(pk=result["import_id"])
    aircraft_reasons = {entry["record"]: entry["reason"] for entry in batch.details["aircraft"]["reasons"]}
    assert aircraft_reasons["C-GFTE"] == "not a US registration" and aircraft_reasons["N98CB"] == "no matching FAA registration"
    assert "simulator" in aircraft_reasons["SIMFMX"]

    # Currency: every mapped item stored; an item without Status is NON_COMPLIANT; nothing unmapped shown.
    currency = {row.label: row for row in CurrencyRecord.objects.filter(owner=user)}
    by_label = {item["Attribute"]: item for item in account.currency}
    for label, row in currency.items():
        source = by_label[label]
        if "Status" not in source:
            assert row.status == "NON_COMPLIANT"
    assert not any(label.endswith(" - Annual") for label in currency)
    assert {row.kind for row in currency.values()} >= {"flight_review", "passenger_day_90"}

    totals = LogbookTotal.objects.filter(owner=user)
    assert totals.filter(source="myflightbook", dimension="TOTAL_TIME").count() == 1
    assert totals.filter(source="computed-local", key="flights").get().value == Flight.objects.filter(
        owner=user, date__gt=TODAY.replace(year=TODAY.year - 1), date__lte=TODAY).count()
    assert IntegrationToken.objects.get(owner=user).account_name == account.username

    # Re-running changes nothing.
    snapshot = sorted(Flight.objects.filter(owner=user).values_list("id", "external_id", "updated_at", "source_hash"))
    # Issue 15: a sync is quick by default; the full walk is asked for.
    again = sync_user(user, LinkedAccount(user), lookup=REGISTRY, today=TODAY, mode="full")
    assert (again["imported"], again["skipped"], again["failed"], again["changed_on_myflightbook"]) == (0, FLIGHTS, 0, 0)
    assert sorted(Flight.objects.filter(owner=user).values_list("id", "external_id", "updated_at", "source_hash")) == snapshot
    assert UserAircraft.objects.filter(owner=user).count() == 3
    assert mfb.writes == []


@pytest.mark.django_db
def test_mdy_dates_from_the_sandbox(user, connected, mfb):
    mfb.set_faults(date_style="mdy")
    assert "/" in mfb.account.flights[0]["Date"]
    result = sync_user(user, LinkedAccount(user), lookup=REGISTRY, today=TODAY)
    assert result["imported"] == FLIGHTS
    record = mfb.account.flights[-1]
    assert Flight.objects.get(owner=user, external_id=f"mfb:{record['FlightID']}").date == mfb.account.flight_dates[record["FlightID"]]


@pytest.mark.django_db
def test_transient_failures_are_retried_by_the_client_and_the_sync_completes(user, connected, mfb):
    mfb.set_faults(script=["5xx", "500", "truncated"])
    result = sync_user(user, LinkedAccount(user), client=client_for(user, backoff_base=0.001, backoff_max=0.002), lookup=REGISTRY, today=TODAY)
    assert result["imported"] == FLIGHTS


@pytest.mark.django_db
def test_sync_job_through_the_api(user, connected, mfb, api, drain_jobs):
    first = api.post("/api/integrations/myflightbook/sync")
    second = api.post("/api/integrations/myflightbook/sync")
    assert first.status_code == 202 and second.status_code == 202
    assert first.json()["id"] == second.json()["id"] and first.json()["kind"] == "myflightbook.sync"
    assert first.json()["status"] == "queued"
    assert SyncJob.objects.filter(owner=user, kind="myflightbook.sync").count() == 1

    drain_jobs()

    job = api.get(f"/api/jobs/{first.json()['id']}").json()
    assert job["status"] == "succeeded", job
    assert job["progress"]["pages_done"] == FLIGHTS // 50 + 1
    assert (job["progress"]["imported"], job["progress"]["skipped"], job["progress"]["failed"]) == (FLIGHTS, 0, 0)
    assert job["phase"] == "rollup"
    assert job["message"].startswith(f"MyFlightbook sync: {FLIGHTS} new;")
    assert job["result"]["imported"] == FLIGHTS

    imports = api.get("/api/imports").json()["items"]
    assert imports[0]["status"] == "completed" and imports[0]["imported"] == FLIGHTS

    currency = api.get("/api/currency").json()
    assert currency and {"kind", "label", "status", "expires_on"} <= set(currency[0])
    assert currency[0]["status"] == "NON_COMPLIANT" or all(row["status"] != "NON_COMPLIANT" for row in currency)
    totals = api.get("/api/totals").json()
    assert {row["source"] for row in totals} == {"myflightbook", "computed-local"}
    assert api.get("/api/totals?source=computed-local").json()[0]["source"] == "computed-local"

    # A new request after the job finished starts a new one.
    third = api.post("/api/integrations/myflightbook/sync")
    assert third.status_code == 202 and third.json()["id"] != first.json()["id"]


@pytest.mark.django_db
def test_revoked_grant_fails_the_job_with_reconnect_guidance(user, connected, mfb, api, drain_jobs):
    mfb.revoke()
    job_id = api.post("/api/integrations/myflightbook/sync").json()["id"]
    drain_jobs()
    job = api.get(f"/api/jobs/{job_id}").json()
    assert job["status"] == "failed" and job["error"] == "needs_reauth"
    assert "Reconnect MyFlightbook" in job["message"]
    assert "sbx-" not in job["message"]  # never a token
    assert IntegrationToken.objects.get(owner=user).status == "needs_reconnect"
    batch = LogbookImport.objects.get(owner=user)
    assert batch.status == "failed" and "Reconnect MyFlightbook" in batch.message


@pytest.mark.django_db
def test_connection_status_carries_the_synced_counts(user, connected, mfb, api, drain_jobs):
    before = api.get("/api/integrations/myflightbook").json()
    assert (before["status"], before["synced_flights"], before["last_sync_at"], before["sync_job_id"]) == ("connected", 0, None, None)
    job_id = api.post("/api/integrations/myflightbook/sync").json()["id"]
    assert api.get("/api/integrations/myflightbook").json()["sync_job_status"] == "queued"
    drain_jobs()
    after = api.get("/api/integrations/myflightbook").json()
    hours = sum((Decimal(record.get("TotalFlightTime", 0)) for record in mfb.account.flights), Decimal("0"))
    assert after["synced_flights"] == FLIGHTS and Decimal(str(after["synced_hours"])) == hours.quantize(Decimal("0.01"))
    assert after["synced_aircraft"] == 0  # no FAA registry loaded in this test database
    assert after["last_sync_at"] and after["last_sync_status"] == "completed"
    assert (after["sync_job_id"], after["sync_job_status"]) == (job_id, "succeeded")
    assert after["account_name"] == mfb.account.username
