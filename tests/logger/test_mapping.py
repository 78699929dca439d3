"""Flight ↔ Logger entry mapping: every column, H:mm rounding within the total, UTC dates, local times and DST."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from flightbridge.logbook.models import Flight, FlightSource, SimulatorType
from flightbridge.logger import codec, mapping
from flightbridge.registry import airports


def flight(**fields) -> Flight:
    values = {"pk": 7, "owner_id": 3, "date": date(2024, 3, 9)}
    values.update(fields)
    return Flight(**values)


def export(f: Flight, *, is_utc=True, raw_is_utc=None):
    return mapping.flight_to_entry(f, is_utc=is_utc, airports=airports, raw_is_utc=raw_is_utc)


def entry(**fields) -> dict:
    return {"importId": "imp-1", "entryType": "Flight", "departureDate": "2024-03-10", **fields}


def to_flight(e: dict, *, is_utc=True):
    return mapping.entry_to_flight(e, 0, is_utc=is_utc, airports=airports)


def test_every_column_we_hold_is_exported():
    f = flight(departure="KPAO", destination="KSFO", tail_number="N12345", aircraft_type="C172",
               total_flight_time=Decimal("1.50"), pic=Decimal("1.25"), sic=Decimal("0"), dual=Decimal("1.0"),
               cfi=Decimal("0.5"), cross_country=Decimal("1.4"), imc=Decimal("0.3"), simulated_ifr=Decimal("0.2"),
               night=Decimal("0.7"), day_landings=2, night_landings=1, day_takeoffs=2, night_takeoffs=1, approaches=3,
               holds=1, flight_rules="IFR", approach_type="ILS CAT II", pic_name="Pat Pilot", sic_name="Sam Second",
               instructor_name="Ivy Instructor", student_name="Stu Dent", remarks="Practice approaches",
               block_out=datetime(2024, 3, 9, 17, 0, tzinfo=UTC), takeoff_at=datetime(2024, 3, 9, 17, 10, tzinfo=UTC),
               landing_at=datetime(2024, 3, 9, 18, 20, tzinfo=UTC), block_in=datetime(2024, 3, 9, 18, 30, tzinfo=UTC))
    result = export(f)
    assert result.warnings == []
    assert result.entry == {
        "importId": codec.import_id_for(3, 7, None), "entryType": "Flight", "departureDate": "2024-03-09",
        "departureTime": "17:00", "arrivalTime": "18:30", "takeOffTime": "17:10", "landingTime": "18:20",
        "departureAirport": "KPAO", "arrivalAirport": "KSFO", "aircraftType": "C172", "aircraftRegistration": "N12345",
        "picName": "Pat Pilot", "sicName": "Sam Second", "pilotInstructorName": "Ivy Instructor",
        "pilotStudentName": "Stu Dent", "picTime": "1:15", "ifrTime": "1:30", "actualInstrumentTime": "0:18",
        "crossCountryTime": "1:24", "instructorTime": "0:30", "dualTime": "1:00", "simulatedInstrumentTime": "0:12",
        "nightTime": "0:42", "numberOfDayLandings": 2, "numberOfNightLandings": 1, "numberOfDayTakeOffs": 2,
        "numberOfNightTakeOffs": 1, "numberOfApproaches": 3, "numberOfHolds": 1, "approachType": "ILS CAT II",
        "flightRules": "IFR", "remark": "Practice approaches",
    }
    assert codec.validate_entry(result.entry, 0) == ([], [])
    assert list(result.entry)[:3] == ["importId", "entryType", "departureDate"]


def test_simulator_flights_are_simulator_entries_with_sim_time():
    result = export(flight(simulator_type=SimulatorType.FFS, ground_sim=Decimal("2.0"), simulated_ifr=Decimal("1.5")))
    assert result.entry["entryType"] == "Simulator"
    assert result.entry["simTime"] == "2:00" and result.entry["simulatedInstrumentTime"] == "1:30"


def test_parts_never_exceed_the_total():
    f = flight(total_flight_time=Decimal("0.02"), pic=Decimal("0.01"), sic=Decimal("0.01"), imc=Decimal("0.05"))
    e = export(f).entry
    assert e["picTime"] == "0:01" and "sicTime" not in e  # 1 + 1 minutes would exceed the 1-minute total
    assert e["actualInstrumentTime"] == "0:01"  # capped at the total


def test_external_id_is_the_import_identity_and_logger_flights_keep_their_import_id():
    mfb = export(flight(external_id="mfb:42", source=FlightSource.MYFLIGHTBOOK, raw={"importId": "ignored"})).entry
    assert mfb["importId"] == codec.import_id_for(3, 999, "mfb:42")
    logger = export(flight(external_id="logger:abc", source=FlightSource.LOGGER, raw={"importId": "abc"})).entry
    assert logger["importId"] == "abc"


def test_logger_raw_fields_come_back_but_columns_win():
    raw = entry(picTime="9:00", remark="old remark", hobbsIn=100.5, pilotObserverName="Olga", isFavorite=True,
                numberOfNightLandings=0, entryType="Dead Head")
    e = export(flight(source=FlightSource.LOGGER, raw=raw, external_id="logger:imp-1", pic=Decimal("1.0"),
                      remarks="new remark", date=date(2024, 3, 10)), raw_is_utc=True).entry
    assert e["picTime"] == "1:00" and e["remark"] == "new remark"
    assert e["hobbsIn"] == 100.5 and e["pilotObserverName"] == "Olga" and e["isFavorite"] is True
    assert e["numberOfNightLandings"] == 0  # given as 0, exported as 0
    assert e["entryType"] == "Dead Head"
    assert e["importId"] == "imp-1" and e["departureDate"] == "2024-03-10"


def test_invalid_values_are_left_out_with_a_note_never_sent():
    result = export(flight(departure="0B5", destination="7S3X9", approach_type="Contact"))
    assert "departureAirport" not in result.entry and "arrivalAirport" not in result.entry
    assert "approachType" not in result.entry
    # The airports are noted once per airport by the export (see test_services), not once per flight here.
    assert result.left_out_airports == ["0B5", "7S3X9"]
    assert result.warnings == ["The flight of 2024-03-09 0B5-7S3X9: approach type 'Contact' left out, not in Logger's list"]
    assert export(flight(approach_type="RNAV (GPS)")).entry["approachType"] == "RNP"
    assert export(flight(departure="pao")).entry["departureAirport"] == "PAO"


# --- Time zones -----------------------------------------------------------------------------------


def test_utc_date_differs_from_the_logbook_date_across_utc_midnight():
    # 17:00 PST on 9 March is 01:00 UTC on 10 March.
    f = flight(departure="KLAX", destination="KSFO", date=date(2024, 3, 9),
               block_out=datetime(2024, 3, 10, 1, 0, tzinfo=UTC), block_in=datetime(2024, 3, 10, 2, 15, tzinfo=UTC))
    utc = export(f).entry
    assert (utc["departureDate"], utc["departureTime"], utc["arrivalTime"]) == ("2024-03-10", "01:00", "02:15")
    local = export(f, is_utc=False).entry
    assert (local["departureDate"], local["departureTime"], local["arrivalTime"]) == ("2024-03-09", "17:00", "18:15")


def test_local_export_uses_each_airports_clock():
    f = flight(departure="KJFK", destination="KLAX", block_out=datetime(2024, 7, 1, 14, 0, tzinfo=UTC),
               block_in=datetime(2024, 7, 1, 20, 0, tzinfo=UTC))
    e = export(f, is_utc=False).entry
    assert (e["departureTime"], e["arrivalTime"]) == ("10:00", "13:00")  # EDT and PDT


def test_local_export_without_a_known_airport_leaves_the_time_out():
    f = flight(departure="", block_out=datetime(2024, 7, 1, 14, 0, tzinfo=UTC))
    result = export(f, is_utc=False)
    assert "departureTime" not in result.entry and result.entry["departureDate"] == "2024-03-09"
    assert "departureTime" in result.warnings[0]


def test_utc_import_crossing_midnight_rolls_to_the_next_day():
    mapped = to_flight(entry(departureTime="2330", takeOffTime="23:45", landingTime="0100", arrivalTime="01:10",
                             departureAirport="EGLL", arrivalAirport="LFPG"))
    assert mapped.problems == []
    f = mapped.fields
    assert f["block_out"] == datetime(2024, 3, 10, 23, 30, tzinfo=UTC)
    assert f["landing_at"] == datetime(2024, 3, 11, 1, 0, tzinfo=UTC)
    assert f["block_in"] == datetime(2024, 3, 11, 1, 10, tzinfo=UTC)
    assert f["total_flight_time"] == Decimal("1.67")  # 100 minutes block


def test_utc_import_sets_the_local_logbook_date():
    mapped = to_flight(entry(departureDate="2024-03-10", departureTime="0100", departureAirport="KLAX"))
    assert mapped.fields["date"] == date(2024, 3, 9)


def test_local_import_converts_with_airport_zones_across_a_dst_change():
    # 01:30 EST on 10 March 2024 is 06:30 UTC; clocks then spring forward, 04:30 EDT is 08:30 UTC.
    mapped = to_flight(entry(departureTime="0130", arrivalTime="0430", departureAirport="KJFK", arrivalAirport="KBOS"),
                       is_utc=False)
    assert mapped.problems == []
    assert mapped.fields["block_out"] == datetime(2024, 3, 10, 6, 30, tzinfo=UTC)
    assert mapped.fields["block_in"] == datetime(2024, 3, 10, 8, 30, tzinfo=UTC)
    assert mapped.fields["total_flight_time"] == Decimal("2.00")
    assert mapped.fields["date"] == date(2024, 3, 10)


def test_local_time_in_the_spring_forward_gap_is_rejected_with_its_field():
    mapped = to_flight(entry(departureTime="02:30", departureAirport="KJFK"), is_utc=False)
    assert [(p.field, p.import_id) for p in mapped.problems] == [("departureTime", "imp-1")]
    assert "does not exist" in mapped.problems[0].reason


def test_ambiguous_fall_back_time_takes_the_first_occurrence():
    mapped = to_flight(entry(departureDate="2024-11-03", departureTime="0130", departureAirport="KJFK"), is_utc=False)
    assert mapped.fields["block_out"] == datetime(2024, 11, 3, 5, 30, tzinfo=UTC)  # EDT, UTC-4


def test_local_import_needs_a_known_airport_only_when_there_are_times():
    assert to_flight(entry(), is_utc=False).problems == []
    no_airport = to_flight(entry(departureTime="1000"), is_utc=False)
    assert [p.field for p in no_airport.problems] == ["departureTime"]
    unknown = to_flight(entry(departureTime="1000", departureAirport="QQQQ"), is_utc=False)
    assert "QQQQ" in unknown.problems[0].reason


def test_local_arrival_crossing_midnight_at_a_zone_behind():
    # SYD 10:00 AEDT (23:00Z the day before) to LAX, arriving 06:00 PST the same calendar day (14:00Z).
    mapped = to_flight(entry(departureDate="2024-01-10", departureTime="1000", arrivalTime="0600",
                             departureAirport="YSSY", arrivalAirport="KLAX"), is_utc=False)
    assert mapped.fields["block_out"] == datetime(2024, 1, 9, 23, 0, tzinfo=UTC)
    assert mapped.fields["block_in"] == datetime(2024, 1, 10, 14, 0, tzinfo=UTC)
    assert mapped.fields["total_flight_time"] == Decimal("15.00")


@pytest.mark.parametrize("fields,problem_field", [
    ({"aircraftRegistration": "N" * 40}, "aircraftRegistration"),
    ({"flightRules": "VFR-ON-TOP!"}, "flightRules"),
    ({"numberOfApproaches": 2**40}, "numberOfApproaches"),
    ({"remark": "nul\x00byte"}, None),
    ({"departureDate": "0001-01-01", "departureTime": "0100", "departureAirport": "YSSY"}, "departureTime"),
])
def test_values_the_logbook_cannot_store_are_entry_problems(fields, problem_field):
    is_utc = "departureTime" not in fields
    assert [p.field for p in to_flight(entry(**fields), is_utc=is_utc).problems] == [problem_field]


def test_total_without_times_is_the_largest_part_or_exclusive_sum():
    assert to_flight(entry(picTime="1:00", sicTime="0:30", crossCountryTime="1:10")).fields["total_flight_time"] == Decimal("1.50")
    assert to_flight(entry(multiEngineTime="2:00", picTime="1:00")).fields["total_flight_time"] == Decimal("2.00")
    assert to_flight(entry(entryType="Simulator", simTime="1:00")).fields["total_flight_time"] == Decimal("0")
    assert to_flight(entry(entryType="Dead Head", departureTime="1000", arrivalTime="1200")).fields["total_flight_time"] == 0


def test_a_myflightbook_flight_exports_every_landing_and_takeoff():
    # Issue 12: Logger's numberOfDay/NightLandings are all landings. A MyFlightbook night pattern flight with
    # Landings 7, FullStopLandings 2, NightLandings 1 and 2 night touch-and-goes (397), 4 night takeoffs (73).
    from flightbridge.myflightbook.mapping import map_flight

    record = {"FlightID": 1, "Date": "2024-03-09T00:00:00", "Route": "KPAO", "Comment": "", "Landings": 7,
              "FullStopLandings": 2, "NightLandings": 1, "TotalFlightTime": 1.5,
              "CustomProperties": [{"PropID": 1, "FlightID": 1, "PropTypeID": 397, "IntValue": 2, "TextValue": ""},
                                   {"PropID": 2, "FlightID": 1, "PropTypeID": 73, "IntValue": 4, "TextValue": ""}]}
    fields = map_flight(record).fields
    result = export(flight(**fields, source=FlightSource.MYFLIGHTBOOK))
    counts = {name: result.entry.get(name) for name in ("numberOfDayLandings", "numberOfNightLandings",
                                                         "numberOfDayTakeOffs", "numberOfNightTakeOffs")}
    # Takeoffs as logged (issue 20): 4 night takeoffs (73); no "Takeoffs (any)" (93), so no day takeoff was
    # logged. The 4 day takeoffs FlightBridge infers for currency are not written as the pilot's.
    assert fields["takeoffs_inferred"] and fields["day_takeoffs"] == 4
    assert counts == {"numberOfDayLandings": 4, "numberOfNightLandings": 3, "numberOfDayTakeOffs": None, "numberOfNightTakeOffs": 4}


def test_logger_landings_come_in_as_full_stop_landings():
    mapped = to_flight(entry(numberOfDayLandings=2, numberOfNightLandings=1, numberOfDayTakeOffs=2, numberOfNightTakeOffs=1))
    fields = mapped.fields
    assert (fields["day_landings"], fields["night_landings"]) == (2, 1)
    assert (fields["day_full_stop_landings"], fields["night_full_stop_landings"]) == (2, 1)
