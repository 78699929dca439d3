"""Totals: bucketed by dimension; unmapped descriptions kept verbatim under OTHER."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from flightbridge.myflightbook.totals import map_total, map_totals, parse_landings_line

SAMPLES = Path(__file__).parent / "fixtures" / "mfb-samples.json"  # a copy of the reference's mfb-samples.json


@pytest.mark.parametrize(
    "item, dimension, key, unit",
    [
        ({"Value": Decimal("550.9000"), "Description": "Total Time", "NumericType": 2, "IsTime": True, "Group": 7},
         "TOTAL_TIME", "total_time", "hours"),
        ({"Value": Decimal("401.2000"), "Description": "PIC", "NumericType": 2, "IsTime": True, "Group": 5}, "ROLE", "pic", "hours"),
        ({"Value": Decimal("12.0000"), "Description": "SIC", "NumericType": 2, "IsTime": True, "Group": 5}, "ROLE", "sic", "hours"),
        ({"Value": Decimal("88.1"), "Description": "Dual Received", "NumericType": 2, "IsTime": True, "Group": 5}, "ROLE", "dual", "hours"),
        ({"Value": Decimal("3.5"), "Description": "Instructor", "NumericType": 2, "IsTime": True, "Group": 5}, "ROLE", "cfi", "hours"),
        ({"Value": Decimal("120.4"), "Description": "Cross Country", "NumericType": 2, "IsTime": True, "Group": 5},
         "CONDITIONS", "cross_country", "hours"),
        ({"Value": Decimal("51.2"), "Description": "Night", "NumericType": 2, "IsTime": True, "Group": 5}, "CONDITIONS", "night", "hours"),
        ({"Value": Decimal("14.2"), "Description": "IMC", "NumericType": 2, "IsTime": True, "Group": 5}, "CONDITIONS", "imc", "hours"),
        ({"Value": Decimal("61.93"), "Description": "Simulated Instrument", "NumericType": 2, "IsTime": True, "Group": 5},
         "CONDITIONS", "simulated_ifr", "hours"),
        ({"Value": Decimal("9.0"), "Description": "Ground Simulator", "NumericType": 2, "IsTime": True, "Group": 5},
         "CONDITIONS", "ground_sim", "hours"),
        ({"Value": Decimal("1187.0"), "Description": "Flights", "IsInt": True, "Group": 7}, "COUNTS", "flights", "count"),
        ({"Value": Decimal("512.3000"), "Description": "ASEL", "NumericType": 2, "IsTime": True, "Group": 1}, "CATEGORY", "asel", "hours"),
    ],
)
def test_known_descriptions_are_bucketed(item, dimension, key, unit):
    line = map_total(item)
    assert (line.dimension, line.key, line.unit, line.description) == (dimension, key, unit, item["Description"])
    assert line.value == Decimal(item["Value"]).quantize(Decimal("0.01"))


@pytest.mark.parametrize(
    "item, unit",
    [
        ({"Value": Decimal("1450.00"), "Description": "Instruction Charge (Received)", "NumericType": 3, "IsCurrency": True, "Group": 6}, "currency"),
        ({"Value": Decimal("402.0"), "Description": "Landings - Touch and Go", "IsInt": True, "Group": 6}, "count"),
        ({"Value": Decimal("64.2000"), "Description": "Complex - PIC/Total", "NumericType": 2, "IsTime": True, "Group": 4}, "hours"),
        ({"Value": Decimal("3.0"), "Description": 'Flights with "Aerobatics"', "IsInt": True, "Group": 6}, "count"),
    ],
)
def test_unmapped_descriptions_are_kept_verbatim_under_other(item, unit):
    line = map_total(item)
    assert (line.dimension, line.description, line.unit) == ("OTHER", item["Description"], unit)
    assert line.value == Decimal(item["Value"]).quantize(Decimal("0.01"))


def test_omitted_numeric_type_means_an_integer_count_and_omitted_value_zero():
    line = map_total({"Description": "Flights", "Group": 7})
    assert (line.unit, line.value, line.dimension) == ("count", Decimal("0.00"), "COUNTS")


def test_reference_samples_with_landing_counts_from_the_total_time_line():
    data = json.loads(SAMPLES.read_text(), parse_float=Decimal)
    lines, skipped = map_totals(data["TotalsForUserWithQuery"])
    assert skipped == []
    table = {(line.dimension, line.description): (line.key, line.value, line.unit) for line in lines}
    assert table[("TOTAL_TIME", "Total Time")] == ("total_time", Decimal("550.90"), "hours")
    assert table[("COUNTS", "Flights")] == ("flights", Decimal("1187.00"), "count")
    assert table[("CONDITIONS", "Instrument Time")] == ("instrument", Decimal("76.13"), "hours")
    assert table[("CATEGORY", "ASEL")] == ("asel", Decimal("512.30"), "hours")
    assert table[("OTHER", "Instruction Charge (Received)")] == ("instruction_charge_received", Decimal("1450.00"), "currency")
    assert table[("OTHER", "Landings - Touch and Go")][1:] == (Decimal("402.00"), "count")
    assert table[("COUNTS", "Landings")] == ("landings", Decimal("1316.00"), "count")
    # Issue 12 (reference §8): "Day" and "Night" in this line are full-stop landings, not all day landings.
    assert table[("COUNTS", "Day full-stop landings")] == ("day_full_stop_landings", Decimal("445.00"), "count")
    assert table[("COUNTS", "Night full-stop landings")] == ("night_full_stop_landings", Decimal("51.00"), "count")
    assert table[("COUNTS", "Approaches")] == ("approaches", Decimal("117.00"), "count")
    assert len(lines) == len(data["TotalsForUserWithQuery"]) + 4


def test_repeated_descriptions_stay_distinct():
    items = [{"Value": Decimal("3.0"), "Description": "C-172", "Group": 3, "GroupName": "Times by Model", "IsTime": True},
             {"Value": Decimal("4.0"), "Description": "C-172", "Group": 2, "GroupName": "Times by ICAO Code", "IsTime": True}]
    lines, _ = map_totals(items)
    assert [line.description for line in lines] == ["C-172", "C-172 (Times by ICAO Code)"]


D = Decimal


@pytest.mark.parametrize(
    "text, landings, day, night, approaches",
    [
        ("1,316 Landings (445 Day, 51 Night), 117 Approaches", 1316, 445, 51, 117),  # the reference sample
        ("1,204 Landings (388 Day)", 1204, 388, 0, 0),  # zero parts are left out (Totals.cs)
        ("112 Landings (4 Night), 21 Approaches", 112, 0, 4, 21),
        ("12 Landings", 12, 0, 0, 0),  # only touch-and-goes: no full-stop part at all
        ("1 Landing (1 Day)", 1, 1, 0, 0),  # singular
        ("1 Approach", 0, 0, 0, 1),
        ("21 Approaches", 0, 0, 0, 21),
        ("12,345,678 Landings (1,234,567 Day, 1,000 Night), 2,000 Approaches", 12345678, 1234567, 1000, 2000),
        ("1204 Landings (388 Day, 47 Night)", 1204, 388, 47, 0),  # without separators
    ],
)
def test_landings_line_with_any_part_left_out(text, landings, day, night, approaches):
    assert parse_landings_line(text) == {"landings": D(landings), "day_full_stop_landings": D(day),
                                         "night_full_stop_landings": D(night), "approaches": D(approaches)}


@pytest.mark.parametrize("text", ["", "(=14.2 Actual + 61.93 Simulated)", "1.204 Atterrissages (388 Jour)"])
def test_a_line_without_landing_counts_gives_none(text):
    assert parse_landings_line(text) == {}


def test_the_total_time_line_without_subtotals_adds_no_counts():
    lines, _ = map_totals([{"Value": D("12.5000"), "Description": "Total Time", "SubDescription": "", "NumericType": 2,
                            "IsTime": True, "Group": 7}])
    assert [(line.key, line.value) for line in lines] == [("total_time", D("12.50"))]


def test_parts_left_out_count_as_zero_lines():
    lines, _ = map_totals([{"Value": D("8.0000"), "Description": "Total Time", "SubDescription": "1,204 Landings (388 Day)",
                            "NumericType": 2, "IsTime": True, "Group": 7}])
    counts = {line.key: line.value for line in lines if line.dimension == "COUNTS"}
    assert counts == {"landings": D("1204.00"), "day_full_stop_landings": D("388.00"),
                      "night_full_stop_landings": D("0.00"), "approaches": D("0.00")}


@pytest.mark.parametrize(
    "item, unit",
    [
        ({"Value": D("3.0"), "Description": "Glider Tows", "Group": 6}, "count"),  # Integer 0: NumericType omitted
        ({"Value": D("3.0"), "Description": "Glider Tows", "NumericType": 0, "IsInt": True, "Group": 6}, "count"),
        ({"Value": D("1.5"), "Description": "Fuel Burned", "NumericType": 1, "Group": 6}, "decimal"),  # Decimal 1
        ({"Value": D("2.2500"), "Description": "Tach time", "NumericType": 2, "IsTime": True, "Group": 6}, "hours"),
        ({"Value": D("95.50"), "Description": "Fuel Cost", "NumericType": 3, "IsCurrency": True, "Group": 6}, "currency"),
        ({"Value": D("1.5"), "Description": "Fuel Burned", "NumericType": "Decimal", "Group": 6}, "decimal"),
    ],
)
def test_every_numeric_type(item, unit):
    line = map_total(item)
    assert (line.unit, line.value) == (unit, D(item["Value"]).quantize(D("0.01")))


def test_a_total_too_large_for_the_logbook_is_skipped_not_fatal():
    """LogbookTotal.value is DecimalField(12, 2): a value of 10^10 or more cannot be stored. Quantizing
    1e26 raised InvalidOperation and would have failed the whole sync (found by the fuzz in trust/)."""
    huge = {"Description": "Total Time", "Value": Decimal("1E+26"), "NumericType": 2, "Group": 7,
            "SubDescription": "99999999999 Landings (445 Day, 51 Night), 117 Approaches"}
    assert map_total(huge) is None
    lines, skipped = map_totals([huge, {"Description": "PIC", "Value": Decimal("9999999999.99"), "NumericType": 2}])
    assert [(line.key, line.value) for line in lines] == [("pic", Decimal("9999999999.99"))]
    assert skipped == [{"record": "Total Time", "field": "Value",
                        "reason": "no description, or a value unreadable or too large to store"}]
    # The counts parsed from a Total Time line keep what fits and drop what does not.
    line = map_total({**huge, "Value": Decimal("12.5")})
    lines, _ = map_totals([{**huge, "Value": Decimal("12.5")}])
    counts = {item.key: item.value for item in lines if item.dimension == "COUNTS"}
    assert line is not None and "landings" not in counts
    assert counts["day_full_stop_landings"] == Decimal("445") and counts["approaches"] == Decimal("117")
