"""Currency items: MyFlightbook's real labels → our kinds; absent Status is NON_COMPLIANT, never a pass."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from flightbridge.myflightbook.currency import MappedCurrency, UnmappedCurrency, map_currency_item, parse_expiry

SAMPLES = Path("/work/shared/reference/mfb-samples.json")


def item(attribute, group=None, status=None, value="Current Until: 10/14/2026", **extra):
    record = {"Attribute": attribute, "Value": value, "Discrepancy": "", **extra}
    if group is not None:
        record["CurrencyGroup"] = group
    if status is not None:
        record["Status"] = status
    return record


@pytest.mark.parametrize(
    "attribute, group, kind, category",
    [
        ("ASEL - Passengers", 1, "passenger_day_90", "ASEL"),
        ("ASEL - Night", 1, "passenger_night_90", "ASEL"),
        ("AMEL - Passengers", 1, "passenger_day_90", "AMEL"),
        ("AMEL (B737) - Night", 1, "passenger_night_90", "AMEL (B737)"),  # type-rated, per category
        ("Helicopter - Passengers", 1, "passenger_day_90", "Helicopter"),
        ("ASES - Night", None, "passenger_night_90", "ASES"),  # CurrencyGroup omitted (= None)
        ("ASEL - Tailwheel", 1, "passenger_day_90", "ASEL (tailwheel)"),
        ("IFR - Airplane", 1, "instrument", "Airplane"),
        ("IFR - Helicopter", 1, "instrument", "Helicopter"),
        ("IFR - Glider (Passengers)", 1, "instrument", "Glider"),
        ("Flight Review", 2, "flight_review", ""),
        ("Flight Review Due", 2, "flight_review", ""),
        ("SFAR73 Flight Review (R44) Due", 2, "flight_review", "R44"),
        ("Medical", 6, "medical", ""),
        ("Medical Due", 6, "medical", ""),
        ("1st Class Medical Due", 6, "medical_1st", ""),
        ("Medical (2nd class)", 6, "medical_2nd", ""),
        ("3rd Class Medical", 6, "medical_3rd", ""),
        ("BasicMed", 6, "basicmed", ""),
        ("Medical (BASICMED ONLY)", 6, "basicmed", ""),
        ("CFI Certificate Expiration", 5, "cfi_certificate", ""),
        ("CFI Cert. Exp./Recent Experience End", 5, "cfi_certificate", ""),
        ("Complex endorsement", 8, "endorsement_complex", ""),
        ("High Performance Endorsement", 5, "endorsement_high_performance", ""),
    ],
)
def test_real_labels_map_to_kinds(attribute, group, kind, category):
    mapped = map_currency_item(item(attribute, group, status=2))
    assert isinstance(mapped, MappedCurrency)
    assert (mapped.kind, mapped.category, mapped.label) == (kind, category, attribute)


@pytest.mark.parametrize(
    "attribute, group",
    [
        ("N52417 - Annual", 3),
        ("N52417 - Oil change", 4),
        ("Renew passport", 7),
        ("NV PIC (Except Helicopter) (Passengers)", 1),
        ("FAR 117.23(b)(1): Flight hours in prior 672 hours", 1),
        ("English Proficiency Check Due", 5),
        ("Glider tows", 8),
        ("EASA Medical (Class 1, transport)", 6),
    ],
)
def test_items_we_cannot_map_are_skipped_never_a_pass(attribute, group):
    mapped = map_currency_item(item(attribute, group, status=2))
    assert isinstance(mapped, UnmappedCurrency) and mapped.label == attribute and mapped.reason


@pytest.mark.parametrize(
    "status, expected",
    [(None, "NON_COMPLIANT"), (0, "NON_COMPLIANT"), (1, "EXPIRING_SOON"), (2, "CURRENT"), (3, "UNKNOWN"),
     ("OK", "CURRENT"), ("NotCurrent", "NON_COMPLIANT"), ("NoDate", "UNKNOWN")],
)
def test_status_absent_is_non_compliant_and_nodate_is_unknown(status, expected):
    assert map_currency_item(item("Flight Review", 2, status=status)).status == expected


def test_unknown_status_value_is_not_shown():
    mapped = map_currency_item(item("Flight Review", 2, status=7))
    assert isinstance(mapped, UnmappedCurrency) and "Status" in mapped.reason


@pytest.mark.parametrize(
    "value, expected",
    [
        ("Current Until: 10/14/2026", date(2026, 10, 14)),
        ("Expired: 8/5/2026", date(2026, 8, 5)),
        ("8/31/2026", date(2026, 8, 31)),
        ("Current Until: 2027-03-31", date(2027, 3, 31)),
        ("Never current!", None),
        ("4,620.5", None),
        ("", None),
    ],
)
def test_expiration_dates_parsed(value, expected):
    assert parse_expiry(value) == expected


def test_reference_samples():
    data = json.loads(SAMPLES.read_text(), parse_float=Decimal)
    results = {entry["Attribute"]: map_currency_item(entry) for entry in data["GetCurrencyForUser"]}
    passengers = results["ASEL - Passengers"]
    assert (passengers.kind, passengers.status, passengers.expires_on) == ("passenger_day_90", "CURRENT", date(2026, 10, 14))
    night = results["ASEL - Night"]  # no Status key in the sample: NotCurrent omitted by Json.NET
    assert (night.kind, night.status, night.expires_on, night.discrepancy) == (
        "passenger_night_90", "NON_COMPLIANT", date(2026, 8, 5), "(Short by 1 Landing)")
    assert (results["Medical"].kind, results["Medical"].expires_on) == ("medical", date(2027, 3, 31))
    assert (results["Flight Review"].kind, results["Flight Review"].status) == ("flight_review", "CURRENT")
    assert isinstance(results["N52417 - Annual"], UnmappedCurrency)
    assert isinstance(results["N52417 - Oil change"], UnmappedCurrency)
