"""Currency items: MyFlightbook's real labels → our kinds; absent Status is NON_COMPLIANT, never a pass."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from flightbridge.myflightbook.currency import MappedCurrency, UnmappedCurrency, map_currency_item, parse_expiry

SAMPLES = Path(__file__).parent / "fixtures" / "mfb-samples.json"  # a copy of the reference's mfb-samples.json


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
def test_labels_map_to_kinds(attribute, group, kind, category):
    mapped = map_currency_item(item(attribute, group, status=2))
    assert isinstance(mapped, MappedCurrency)
    assert (mapped.kind, mapped.category, mapped.label) == (kind, category, attribute)


# Golden: every label reference §8 lists, spelled as MyFlightbook's resources spell it (Currency.resx,
# Profile.resx; labels built as in Currency.cs), in the CurrencyGroup it really arrives in.
SECTION_8_LABELS = [
    ("Flight Review", 2, "flight_review", ""),
    ("Flight Review (SFAR73/R22)", 2, "flight_review", "R22"),
    ("Flight Review (SFAR73/R44)", 2, "flight_review", "R44"),
    # In MyFlightbook's FlightReview group, but proficiency checks, never flight reviews:
    ("PIC Proficiency Check (61.58): B737", 2, "pic_proficiency_check", "B737"),
    ("SIC Proficiency (61.55) - AMEL", 2, "sic_proficiency_check", "AMEL"),
    # Group None: an instructing limit (8 hours in 24), not the CFI certificate.
    ("FAR 61.195(a) - CFI Limit", None, "cfi_instruction_limit", ""),
    ("FAR 61.195(a) - CFI Limit", 0, "cfi_instruction_limit", ""),
    ("CFI Cert. Exp./Recent Experience End", 5, "cfi_certificate", ""),
    ("IFR - Airplane", 1, "instrument", "Airplane"),
    ("IFR - Rotorcraft", 1, "instrument", "Rotorcraft"),
    ("IFR - Glider", 1, "instrument", "Glider"),
    ("IFR - Glider - (Passengers)", 1, "instrument", "Glider"),
    ("IFR - Glider - (No Passengers)", 1, "instrument", "Glider"),
    ("ASEL - Passengers", 1, "passenger_day_90", "ASEL"),
    ("ASEL - Night", 1, "passenger_night_90", "ASEL"),
    ("AMEL (B737) - Passengers", 1, "passenger_day_90", "AMEL (B737)"),
    ("AMEL (B737) - Night", 1, "passenger_night_90", "AMEL (B737)"),
    ("ASEL - Tailwheel", 1, "passenger_day_90", "ASEL (tailwheel)"),
    ("ASES - Tailwheel", 1, "passenger_day_90", "ASES (tailwheel)"),
    ("Glider - Passengers", 1, "passenger_day_90", "Glider"),
    ("1st Class Medical Privileges", 6, "medical_1st", ""),
    # §61.23(d): once first-class privileges lapse, the medical still gives second-class (commercial) ones.
    ("Commercial or ATC Medical Privileges", 6, "medical_2nd", ""),
    ("2nd Class Medical Privileges", 6, "medical_2nd", ""),
    ("3rd Class Medical Privileges", 6, "medical_3rd", ""),
    ("Medical", 6, "medical", ""),
    ("Medical Due (BasicMed)", 6, "basicmed", ""),
]


@pytest.mark.parametrize("attribute, group, kind, category", SECTION_8_LABELS)
def test_every_section_8_label(attribute, group, kind, category):
    mapped = map_currency_item(item(attribute, group, status=2))
    assert isinstance(mapped, MappedCurrency), mapped
    assert (mapped.kind, mapped.category, mapped.label, mapped.status) == (kind, category, attribute, "CURRENT")


@pytest.mark.parametrize("attribute", ["PIC Proficiency Check (61.58): B737", "SIC Proficiency (61.55) - AMEL"])
def test_proficiency_checks_are_never_flight_reviews_even_without_their_group(attribute):
    for group in (2, None):
        assert map_currency_item(item(attribute, group, status=1)).kind != "flight_review"


def test_basicmed_value_is_a_bare_date():
    # BasicMed.cs writes expiration.ToShortDateString(), not "Current Until: …".
    mapped = map_currency_item(item("Medical Due (BasicMed)", 6, status=1, value="9/30/2026", Discrepancy=""))
    assert (mapped.kind, mapped.status, mapped.expires_on) == ("basicmed", "EXPIRING_SOON", date(2026, 9, 30))


@pytest.mark.parametrize(
    "attribute, discrepancy, status, required",
    [
        ("IFR - Airplane", "IPC is required.", None, True),  # lapsed > 6 calendar months: NotCurrent, no Status key
        ("IFR - Glider - (Passengers)", "IPC is required.", None, True),
        ("IFR - Airplane", "(Short by 1 Hold and 2 Approaches)", None, False),
        ("IFR - Airplane", "Gap from 1/2/2025 to 8/3/2025; IPC needed?", 2, False),  # a hint, not MyFlightbook's verdict
        ("ASEL - Night", "IPC is required.", None, False),  # only an instrument item carries it
    ],
)
def test_ipc_required_is_kept_on_the_instrument_item(attribute, discrepancy, status, required):
    mapped = map_currency_item(item(attribute, 1, status=status, value="Expired: 1/31/2026", Discrepancy=discrepancy))
    assert isinstance(mapped, MappedCurrency)
    assert (mapped.ipc_required, mapped.discrepancy) == (required, discrepancy)
    assert mapped.status == ("CURRENT" if status == 2 else "NON_COMPLIANT")


@pytest.mark.parametrize(
    "attribute, group",
    [
        ("Class 1 Medical", 6),  # EASA
        ("Commercial Transport Privileges", 6),
        ("Class 2 Medical", 6),
        ("LAPL Medical", 6),
        ("Commercial/ATP Medical", 6),  # Canada
        ("Commercial/ATP (Single Pilot) Medical", 6),
        ("PPL Medical", 6),
        ("Glider/Ultralight Medical", 6),
        ("IFR (EASA FCL.625)", 1),
        ("LAPL(A) - FCL.140.A", 1),
        ("Flight Instructor (FI): SEP", 0),
        ("61.217 - Ground Instruction", 0),
        ("135.297(a) - IPC", 0),
        ("125.291(a) - IPC", 0),
        ("FAR 117: Current rest period", 0),
        ("UAS 107.65 Currency", 0),
        ("NV PIC (Except Helicopter) (Passengers)", 1),
        ("English Proficiency Check", 5),
    ],
)
def test_non_faa_and_untracked_labels_stay_out(attribute, group):
    mapped = map_currency_item(item(attribute, group, status=2))
    assert isinstance(mapped, UnmappedCurrency) and mapped.label == attribute


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


@pytest.mark.parametrize("attribute", [
    "IFR - Instrument,  General IFR", "IFR - Instrument,  IFR in Aeroplane", "IFR - Instrument, 2D/3D approaches"])
def test_australian_instrument_items_are_not_faa_instrument_currency(attribute):
    # Issue 20 (Currency.cs ~866-891): CASA's items read like "IFR - <category>" but are not §61.57(c).
    mapped = map_currency_item(item(attribute, 1, status=2))
    assert isinstance(mapped, UnmappedCurrency) and mapped.label == attribute
    assert "Australian" in mapped.reason and "not FAA instrument currency" in mapped.reason
    assert map_currency_item(item("IFR - Airplane", 1, status=2)).kind == "instrument"
