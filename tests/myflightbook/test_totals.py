"""Totals: bucketed by dimension; unmapped descriptions kept verbatim under OTHER."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from flightbridge.myflightbook.totals import map_total, map_totals

SAMPLES = Path("/work/shared/reference/mfb-samples.json")


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
    assert table[("COUNTS", "Day landings")] == ("day_landings", Decimal("445.00"), "count")
    assert table[("COUNTS", "Night landings")] == ("night_landings", Decimal("51.00"), "count")
    assert table[("COUNTS", "Approaches")] == ("approaches", Decimal("117.00"), "count")
    assert len(lines) == len(data["TotalsForUserWithQuery"]) + 4


def test_repeated_descriptions_stay_distinct():
    items = [{"Value": Decimal("3.0"), "Description": "C-172", "Group": 3, "GroupName": "Times by Model", "IsTime": True},
             {"Value": Decimal("4.0"), "Description": "C-172", "Group": 2, "GroupName": "Times by ICAO Code", "IsTime": True}]
    lines, _ = map_totals(items)
    assert [line.description for line in lines] == ["C-172", "C-172 (Times by ICAO Code)"]
