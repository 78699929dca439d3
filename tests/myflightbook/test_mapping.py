"""Each flight mapping rule of the seed on its own, table-driven, plus the reference samples as golden data."""

import json
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from flightbridge.errors import BadRecord
from flightbridge.myflightbook.mapping import (
    HOUR_FIELDS,
    map_flight,
    normalize_airport,
    parse_mfb_date,
    record_hash,
    simulator_type_for,
    split_route,
)

SAMPLES = Path(__file__).parent / "fixtures" / "mfb-samples.json"  # a copy of the reference's mfb-samples.json


def samples():
    return json.loads(SAMPLES.read_text(), parse_float=Decimal)


def flight(**overrides):
    record = {"FlightID": 1001, "Date": "2026-08-16T00:00:00", "Route": "", "Comment": "", "CustomProperties": []}
    record.update(overrides)
    return record


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-08-16T00:00:00", date(2026, 8, 16)),  # the JSON path: ISO, no zone
        ("8/16/2026", date(2026, 8, 16)),  # the seed's M/D/YYYY
        ("12/31/2025", date(2025, 12, 31)),
        ("1/2/2026", date(2026, 1, 2)),
        ("2026-08-16", date(2026, 8, 16)),
        ("2026-08-16T23:30:00-07:00", date(2026, 8, 17)),  # a zoned value is anchored to UTC
        ("2026-08-16T00:00:00Z", date(2026, 8, 16)),
    ],
)
def test_dates_are_anchored_to_utc(value, expected):
    assert parse_mfb_date(value) == expected
    assert map_flight(flight(Date=value)).fields["date"] == expected


@pytest.mark.parametrize("value", ["13/45/2026", "yesterday", "2026-02-30T00:00:00", 20260816])
def test_unreadable_date_is_a_bad_record_naming_the_field(value):
    with pytest.raises(BadRecord) as caught:
        map_flight(flight(Date=value, FlightID=77))
    assert caught.value.record == "mfb:77" and caught.value.field == "Date"


@pytest.mark.parametrize("record", [flight(Date=None), {"FlightID": 5, "Route": "KPAE"}, flight(Date="")])
def test_a_flight_without_a_date_is_a_bad_record(record):
    with pytest.raises(BadRecord) as caught:
        map_flight(record)
    assert caught.value.field == "Date" and caught.value.reason == "no date"


@pytest.mark.parametrize(
    "token, expected",
    [
        ("KJFK/28R", "KJFK"),  # runway qualifier stripped
        ("KPAE/16R", "KPAE"),
        ("KSFO", "KSFO"),
        ("KPAEX", "KPAE"),  # 5-letter identifiers truncated to 4 characters
        ("ALTOS", "ALTO"),
        ("CYVR12/08L", "CYVR"),  # stripped first, then truncated
        ("S43", "S43"),
        ("kbli", "KBLI"),
    ],
)
def test_airport_normalization(token, expected):
    assert normalize_airport(token) == expected


@pytest.mark.parametrize(
    "route, departure, destination",
    [
        ("KPAE KBLI KPAE", "KPAE", "KPAE"),
        ("KJFK/31L KBOS/04R", "KJFK", "KBOS"),
        ("KSFO   KOAK KLAXX", "KSFO", "KLAX"),
        ("KPAE", "KPAE", "KPAE"),  # local flight
        ("", "", ""),
        ("KPAE-KBLI", "KPAE", "KBLI"),
    ],
)
def test_route_first_and_last_token_and_full_route_kept(route, departure, destination):
    assert split_route(route) == (departure, destination)
    mapped = map_flight(flight(Route=route)).fields
    assert (mapped["departure"], mapped["destination"], mapped["route"]) == (departure, destination, route)


def test_model_display_whitespace_normalized_and_tail_number():
    fields = map_flight(flight(ModelDisplay="  C-172 S, Cessna  Skyhawk SP ", TailNumDisplay="N52417")).fields
    assert fields["aircraft_type"] == "C-172 S, Cessna Skyhawk SP"
    assert fields["tail_number"] == "N52417"


@pytest.mark.parametrize("source_key, column", sorted(HOUR_FIELDS.items()))
def test_each_hour_field_maps_and_an_omitted_key_is_zero(source_key, column):
    assert map_flight(flight()).fields[column] == Decimal("0.00")
    assert map_flight(flight(**{source_key: Decimal("1.30")})).fields[column] == Decimal("1.30")
    others = {name for name in HOUR_FIELDS.values() if name != column}
    assert all(map_flight(flight(**{source_key: Decimal("1.30")})).fields[name] == 0 for name in others)


@pytest.mark.parametrize(
    "value, expected",
    [
        (Decimal("2.1000"), Decimal("2.10")),  # MyFlightbook's DECIMAL(10,4) scale is still exact
        (Decimal("1.3333"), Decimal("1.3333")),  # cross-country as MyFlightbook keeps it (issue 20): stored, not refused
        (Decimal("1.50"), Decimal("1.50")),
        (2.3, Decimal("2.30")),  # a float parser's 2.3 stays 2.30, not 2.2999…
        (3, Decimal("3.00")),
        ("1.1", Decimal("1.10")),
    ],
)
def test_decimals_are_exact(value, expected):
    assert map_flight(flight(TotalFlightTime=value)).fields["total_flight_time"] == expected


@pytest.mark.parametrize(
    "value, reason",
    [
        (Decimal("2.12345"), "more than 4 decimal places"),
        (Decimal("100000"), "over the 99999.9999 hour limit"),
        (Decimal("-1.0"), "negative"),
        ("lots", "not a number"),
        (True, "boolean"),
    ],
)
def test_hours_that_cannot_be_stored_exactly_are_bad_records(value, reason):
    with pytest.raises(BadRecord) as caught:
        map_flight(flight(FlightID=9, PIC=value))
    assert caught.value.field == "PIC" and caught.value.record == "mfb:9"
    assert reason in caught.value.reason


def prop(type_id, value, prop_id=1):
    return {"PropID": prop_id, "FlightID": 1001, "PropTypeID": type_id, "IntValue": value, "TextValue": ""}


# (Landings, FullStopLandings, NightLandings, {PropTypeID: IntValue}) →
# (day_landings, night_landings, day_full_stop, night_full_stop, day_takeoffs, night_takeoffs); reference §8.
LANDING_CASES = [
    ((None, None, None, {}), (0, 0, 0, 0, 0, 0)),  # omitted keys are 0
    ((2, 2, None, {}), (2, 0, 2, 0, 2, 0)),  # two day full stops
    ((5, None, 2, {}), (3, 2, 0, 2, 3, 2)),  # the reference's night pattern flight: 3 day touch-and-goes
    ((6, 1, 2, {}), (4, 2, 1, 2, 4, 2)),  # seed 000's FullStop − Night would say 0 day landings
    ((7, 2, 1, {397: 2, 60: 4}), (4, 3, 2, 1, 4, 3)),  # night touch-and-goes (397) are night landings
    ((3, 1, 1, {397: 1, 73: 1}), (1, 2, 1, 1, 1, 1)),  # night takeoffs (73) given: not one per night landing
    ((4, 2, 1, {93: 5}), (3, 1, 2, 1, 4, 1)),  # takeoffs (any) 93 − night takeoffs = day takeoffs
    ((4, 2, 1, {93: 5, 73: 2}), (3, 1, 2, 1, 3, 2)),
    # Night counts over-describing Landings (issue 20): night capped at Landings as MyFlightbook's NetNightLandings.
    ((1, 0, 1, {397: 2}), (0, 1, 0, 1, 0, 1)),
    ((2, 0, 2, {397: 1}), (0, 2, 0, 2, 0, 2)),
    ((3, 1, 1, {397: 2}), (0, 3, 1, 1, 0, 3)),
    ((2, 2, 0, {93: 0, 73: 1}), (2, 0, 2, 0, 0, 1)),  # 93 below the night takeoffs: day takeoffs floored at 0
    ((None, 3, None, {}), (0, 0, 3, 0, 0, 0)),  # full stops without Landings: no landing is invented
]


@pytest.mark.parametrize("given, expected", LANDING_CASES)
def test_landings_and_takeoffs_per_reference_section_8(given, expected):
    landings, full_stop, night, props = given
    record = flight(CustomProperties=[prop(type_id, value, index) for index, (type_id, value) in enumerate(props.items())])
    for key, value in (("Landings", landings), ("FullStopLandings", full_stop), ("NightLandings", night)):
        if value is not None:
            record[key] = value
    fields = map_flight(record).fields
    assert tuple(fields[name] for name in ("day_landings", "night_landings", "day_full_stop_landings",
                                           "night_full_stop_landings", "day_takeoffs", "night_takeoffs")) == expected


def test_an_omitted_int_value_is_zero_and_a_bad_one_names_the_properties():
    record = flight(Landings=3, NightLandings=1, CustomProperties=[{"PropID": 1, "FlightID": 1001, "PropTypeID": 73, "TextValue": ""}])
    assert (map_flight(record).fields["night_takeoffs"], map_flight(record).fields["day_takeoffs"]) == (0, 2)
    with pytest.raises(BadRecord) as caught:
        map_flight(flight(Landings=3, CustomProperties=[prop(397, -1)]))
    assert (caught.value.record, caught.value.field) == ("mfb:1001", "CustomProperties")
    assert "397" in caught.value.reason and "negative" in caught.value.reason


@pytest.mark.parametrize("display, stored", [("(C-172 S)", ""), ("#001042", ""), ("N52417", "N52417"), (" C-GFTE ", "C-GFTE")])
def test_anonymous_aircraft_have_no_tail_number(display, stored):
    mapped = map_flight(flight(TailNumDisplay=display, ModelDisplay="C-172 S, Cessna  Skyhawk SP"))
    assert mapped.fields["tail_number"] == stored
    assert mapped.fields["aircraft_type"] == "C-172 S, Cessna Skyhawk SP"
    assert mapped.raw["TailNumDisplay"] == display  # the record itself is kept verbatim


@pytest.mark.parametrize("value, holds", [(True, 1), (False, 0), (None, 0), ("true", 1)])
def test_holding_procedures_flag(value, holds):
    record = flight() if value is None else flight(fHoldingProcedures=value)
    assert map_flight(record).fields["holds"] == holds


def test_approaches_integer_remarks_and_custom_properties_verbatim():
    properties = [{"PropID": 1, "FlightID": 1001, "PropTypeID": 120, "TextValue": "Sam Ortiz"},
                  {"PropID": 2, "FlightID": 1001, "PropTypeID": 95, "DecValue": Decimal("3120.50"), "TextValue": ""}]
    fields = map_flight(flight(Approaches=3, Comment="ILS 16R", CustomProperties=properties)).fields
    assert fields["approaches"] == 3 and isinstance(fields["approaches"], int)
    assert fields["remarks"] == "ILS 16R"
    assert fields["custom_properties"] == [properties[0], {**properties[1], "DecValue": 3120.5}]
    with pytest.raises(BadRecord) as caught:
        map_flight(flight(Approaches=Decimal("2.5")))
    assert caught.value.field == "Approaches"


@pytest.mark.parametrize(
    "instance_type, expected",
    [(1, "REAL"), (2, "FLAPS"), (3, "FTD"), (4, "FFS"), (5, "AATD"), (None, "REAL"),
     ("CertifiedATD", "AATD"), ("CertifiedIFRAndLandingsSimulator", "FFS"), ("3", "FTD")],
)
def test_sim_device_classes(instance_type, expected):
    assert simulator_type_for(instance_type) == expected
    # LogbookEntry JSON has no instance type: it comes from the flight's aircraft (AircraftForUser).
    by_aircraft = {42: instance_type} if instance_type is not None else {}
    assert map_flight(flight(AircraftID=42), instance_types=by_aircraft).fields["simulator_type"] == expected


def test_unknown_instance_type_is_a_bad_record():
    with pytest.raises(BadRecord) as caught:
        map_flight(flight(AircraftID=42), instance_types={42: 9})
    assert caught.value.field == "AircraftID"


@pytest.mark.parametrize(
    "field_name, length",
    [("Route", 513), ("TailNumDisplay", 33), ("ModelDisplay", 129)],
)
def test_text_over_the_column_limit_is_a_bad_record(field_name, length):
    with pytest.raises(BadRecord) as caught:
        map_flight(flight(**{field_name: "K" * length}))
    assert caught.value.field == field_name


@pytest.mark.parametrize("flight_id", [None, 0, -1, "abc", True])
def test_flight_id_is_required(flight_id):
    record = flight()
    record["FlightID"] = flight_id
    with pytest.raises(BadRecord) as caught:
        map_flight(record)
    assert caught.value.field == "FlightID"


def test_raw_record_kept_and_hash_ignores_volatile_links_and_number_spelling():
    record = flight(TotalFlightTime=Decimal("1.50"), SocialMediaLink="https://x/ViewFlight/1001?v=4821")
    mapped = map_flight(record)
    assert mapped.raw["SocialMediaLink"] == "https://x/ViewFlight/1001?v=4821" and mapped.raw["TotalFlightTime"] == 1.5
    again = flight(TotalFlightTime=1.5, SocialMediaLink="https://x/ViewFlight/1001?v=17")
    assert record_hash(again) == mapped.source_hash
    assert record_hash(flight(TotalFlightTime=Decimal("1.60"))) != mapped.source_hash
    assert mapped.external_id == "mfb:1001" and mapped.legacy_route_key == "2026-08-16::"


def test_the_reference_samples_golden():
    data = samples()
    instance_types = {aircraft["AircraftID"]: aircraft["InstanceTypeID"] for aircraft in data["AircraftForUser"]}
    lunch, ftd, night = (map_flight(record, instance_types=instance_types) for record in data["FlightsWithQueryAndOffset"])

    assert lunch.external_id == "mfb:1893451"
    assert (lunch.date, lunch.departure, lunch.total_flight_time) == (date(2026, 8, 16), "KPAE", Decimal("2.30"))
    assert lunch.fields | {"custom_properties": None} == {
        "date": date(2026, 8, 16), "tail_number": "N52417", "aircraft_type": "C-172 S, Cessna Skyhawk SP",
        "route": "KPAE KBLI KPAE", "departure": "KPAE", "destination": "KPAE",
        "total_flight_time": Decimal("2.30"), "pic": Decimal("2.30"), "sic": 0, "cross_country": Decimal("2.10"),
        "night": 0, "imc": 0, "simulated_ifr": 0, "dual": 0, "cfi": 0, "ground_sim": 0,
        "day_landings": 2, "day_takeoffs": 2, "night_landings": 0, "night_takeoffs": 0, "approaches": 0, "holds": 0,
        "day_full_stop_landings": 2, "night_full_stop_landings": 0,
        "remarks": "Lunch run to Bellingham. Smooth air both ways.", "simulator_type": "REAL", "custom_properties": None,
        "takeoff_at": datetime(2026, 8, 16, 17, 10, tzinfo=timezone.utc),
        "landing_at": datetime(2026, 8, 16, 19, 25, tzinfo=timezone.utc),
        "block_out": datetime(2026, 8, 16, 17, 2, tzinfo=timezone.utc),
        "block_in": datetime(2026, 8, 16, 19, 31, tzinfo=timezone.utc),
        # The rest of the record (issue 20): Hobbs from the record, tach from properties 95/96, the class
        # from CatClassDisplay; no takeoff property, so the 2 takeoffs are inferred from the landings.
        "hobbs_start": Decimal("4612.40"), "hobbs_end": Decimal("4614.80"),
        "tach_start": Decimal("3120.50"), "tach_end": Decimal("3122.40"), "engine_start": None, "engine_end": None,
        "category_class": "ASEL", "type_name": "", "signature": "none", "takeoffs_inferred": True,
        "flight_review": False, "ipc": False, "checkride": False,
        "glider_instrument_maneuvers": Decimal("0"), "glider_passenger_maneuvers": False,
        "pic_name": "", "sic_name": "", "instructor_name": "", "student_name": "", "approach_type": "",
    }
    assert len(lunch.fields["custom_properties"]) == 5

    assert ftd.fields["simulator_type"] == "FTD"
    assert (ftd.fields["approaches"], ftd.fields["holds"], ftd.fields["total_flight_time"]) == (3, 1, Decimal("0.00"))
    assert (ftd.fields["simulated_ifr"], ftd.fields["ground_sim"], ftd.fields["dual"]) == (Decimal("1.10"), Decimal("1.20"), Decimal("1.20"))
    assert (ftd.fields["departure"], ftd.fields["destination"]) == ("", "")

    # Landings 5 with NightLandings 2 and no FullStopLandings: 2 night full stops and 3 day touch-and-goes.
    assert (night.fields["night_landings"], night.fields["night_takeoffs"], night.fields["day_landings"]) == (2, 2, 3)
    assert (night.fields["day_full_stop_landings"], night.fields["night_full_stop_landings"], night.fields["day_takeoffs"]) == (0, 2, 3)
    assert (night.fields["night"], night.fields["imc"], night.fields["approaches"]) == (Decimal("1.60"), Decimal("0.40"), 2)
    assert (night.fields["departure"], night.fields["destination"]) == ("KPAE", "KPAE")


def text_prop(type_id, text):
    return {"PropID": type_id, "FlightID": 1001, "PropTypeID": type_id, "TextValue": text}


def test_the_whole_flight_record_maps_into_its_fields():
    # Issue 20 point 5: names, approach names, Hobbs/tach/engine, CatClassOverride and the signature.
    record = flight(
        HobbsStart=Decimal("1234.5"), HobbsEnd=Decimal("1236.1"), EngineStart="2026-08-16T16:55:00Z",
        EngineEnd="2026-08-16T18:40:00Z", CatClassOverride=2, CatClassDisplay="ASEL", CFISignatureState=1,
        CustomProperties=[
            text_prop(183, "Jane Pilot"), text_prop(184, " Sam Second "), text_prop(92, "Ida Instructor"),
            text_prop(166, "Stu Dent"), text_prop(267, "ILS 28R KPAE, RNAV (GPS) 16R KBFI"),
            {"PropID": 5, "FlightID": 1001, "PropTypeID": 95, "DecValue": Decimal("3120.50"), "TextValue": ""},
            {"PropID": 6, "FlightID": 1001, "PropTypeID": 96, "DecValue": 3122.4, "TextValue": ""},
            {"PropID": 7, "FlightID": 1001, "PropTypeID": 40, "BoolValue": True, "TextValue": ""},
        ])
    fields = map_flight(record).fields
    assert {name: fields[name] for name in ("pic_name", "sic_name", "instructor_name", "student_name", "approach_type")} == {
        "pic_name": "Jane Pilot", "sic_name": "Sam Second", "instructor_name": "Ida Instructor",
        "student_name": "Stu Dent", "approach_type": "ILS 28R KPAE, RNAV (GPS) 16R KBFI"}
    assert (fields["hobbs_start"], fields["hobbs_end"], fields["tach_start"], fields["tach_end"]) == (
        Decimal("1234.50"), Decimal("1236.10"), Decimal("3120.50"), Decimal("3122.40"))
    assert (fields["engine_start"], fields["engine_end"]) == (datetime(2026, 8, 16, 16, 55, tzinfo=timezone.utc),
                                                              datetime(2026, 8, 16, 18, 40, tzinfo=timezone.utc))
    assert fields["category_class"] == "AMEL"  # the override wins over the aircraft's class
    assert fields["signature"] == "valid"
    assert (fields["flight_review"], fields["ipc"], fields["checkride"]) == (True, True, True)  # Checkride - Instrument


@pytest.mark.parametrize("overrides, expected", [
    ({}, ("", "none")),
    ({"CatClassDisplay": "AMEL (B737)", "CFISignatureState": 2}, ("AMEL", "invalid")),
    ({"CatClassOverride": 0, "CatClassDisplay": "Helicopter"}, ("Helicopter", "none")),
])
def test_category_class_and_signature(overrides, expected):
    fields = map_flight(flight(**overrides)).fields
    assert (fields["category_class"], fields["signature"]) == expected


def test_an_unknown_signature_state_is_a_bad_record_naming_the_field():
    with pytest.raises(BadRecord) as caught:
        map_flight(flight(FlightID=12, CFISignatureState=7))
    assert (caught.value.record, caught.value.field) == ("mfb:12", "CFISignatureState")


def test_takeoffs_inferred_says_whether_the_counts_were_logged():
    # MyFlightbook never derives takeoffs (LogbookEntry.cs ~3724); FlightBridge does, and says so.
    inferred = map_flight(flight(Landings=3)).fields
    assert (inferred["day_takeoffs"], inferred["takeoffs_inferred"]) == (3, True)
    logged = map_flight(flight(Landings=3, CustomProperties=[prop(93, 3)])).fields
    assert (logged["day_takeoffs"], logged["takeoffs_inferred"]) == (3, False)
    nothing = map_flight(flight()).fields
    assert (nothing["day_takeoffs"], nothing["takeoffs_inferred"]) == (0, False)
