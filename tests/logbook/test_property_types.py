"""MyFlightbook's property-type table as shipped in the package (issue 20): titles, and flight review / IPC /
checkride by MyFlightbook's own flags and titles, checked against the reference table beside the spec."""

from __future__ import annotations

import csv

import pytest

from flightbridge.logbook import property_types
from flightbridge.logbook.category_classes import category_class_name, category_class_of
from tests.conftest import REPO_ROOT

SHIPPED = REPO_ROOT / "src" / "flightbridge" / "logbook" / "data" / "property_types.tsv"


def test_the_table_has_every_row_of_myflightbooks():
    table = property_types.property_types()
    assert len(table) == 860
    assert property_types.property_title(397) == "Landings - Touch and Go (Night)"
    assert property_types.property_title(183) == "Name of PIC"
    assert property_types.property_title(267) == "Approach Name(s)"
    assert property_types.property_title(99999) == "Property 99999"
    assert table[95].type == "decimal" and table[44].type == "boolean"
    assert property_types.property_type_by_title("landings -  touch and go (NIGHT)").id == 397


def test_the_flags_read_agree_with_the_tables_spelled_out_columns():
    # The table's flight_review / ipc columns spell the BFR and IPC bits out (reference §9): the bits read
    # here must say the same for every row.
    with SHIPPED.open(encoding="utf-8") as handle:
        rows = [row for row in csv.reader((line for line in handle if not line.startswith("#")), delimiter="\t")][1:]
    assert len(rows) == 860
    for type_id, title, _kind, _flags, review, ipc in rows:
        kind = property_types.property_type(type_id)
        assert (kind.title, kind.flight_review, kind.ipc) == (title, review == "yes", ipc == "yes"), type_id


def test_flight_review_and_ipc_are_the_flagged_types():
    # Reference §9: 23 types carry the BFR flag, 6 the IPC flag.
    reviews, ipcs = property_types.flight_review_ids(), property_types.ipc_ids()
    assert len(reviews) == 23 and {44, 164, 174, 188, 189, 251, 428, 587, 700, 756, 803, 809} <= reviews
    assert {39, 40, 42, 43, 45, 89, 131, 161, 176, 177, 225} <= reviews  # the checkrides
    assert ipcs == {40, 41, 174, 537, 586, 699}
    assert 167 not in reviews  # "Flight Review Given" is the instructor's side


def test_checkrides_are_the_checkride_titles():
    assert property_types.checkride_ids() == {39, 40, 42, 43, 45, 89, 131, 161, 176, 177, 225, 623, 803, 809}
    assert 174 not in property_types.checkride_ids()  # "Checkride: Pilot Proficiency" is a proficiency check


def boolean(type_id, value=True):
    prop = {"PropID": 1, "FlightID": 7, "PropTypeID": type_id, "TextValue": ""}
    if value:
        prop["BoolValue"] = True
    return prop


@pytest.mark.parametrize("props, expected", [
    ([], (False, False, False)),
    ([boolean(164)], (True, False, False)),  # Flight Review
    ([boolean(188)], (True, False, False)),  # PIC Proficiency Check (61.58) counts as a flight review
    ([boolean(41)], (False, True, False)),  # IPC received
    ([boolean(537)], (False, True, False)),  # Part 135.297 IPC: flagged, not one of "two ids"
    ([boolean(40)], (True, True, True)),  # Checkride - Instrument: all three
    ([boolean(623)], (False, False, True)),  # Checkride - Night Rating: a checkride, not a flight review
    ([boolean(44, value=False)], (False, False, False)),  # listed but not true
    ([{"PropTypeID": 999999, "BoolValue": True}], (False, False, False)),
])
def test_markers_for_a_flights_properties(props, expected):
    markers = property_types.markers_for(props)
    assert (markers.flight_review, markers.ipc, markers.checkride) == expected


def test_category_classes_by_myflightbooks_ids():
    assert (category_class_name(1), category_class_name(7), category_class_name("13")) == (
        "ASEL", "Helicopter", "Powered Parachute - Land")
    assert (category_class_name(0), category_class_name(6), category_class_name(None)) == ("", "", "")
    assert (category_class_of("AMEL (B737)"), category_class_of("ASEL"), category_class_of("")) == ("AMEL", "ASEL", "")


def test_glider_instrument_maneuvers_are_read_by_their_flags():
    from decimal import Decimal

    markers = property_types.markers_for([
        {"PropTypeID": 56, "DecValue": 1.25}, {"PropTypeID": 56, "DecValue": "0.75"},  # hours, summed
        {"PropTypeID": 57, "BoolValue": True}, {"PropTypeID": 56, "DecValue": -3}, {"PropTypeID": 56, "DecValue": True},
    ])
    assert (markers.glider_instrument_maneuvers, markers.glider_passenger_maneuvers) == (Decimal("2.00"), True)
    assert property_types.markers_for([{"PropTypeID": 57}]).glider_passenger_maneuvers is False  # no BoolValue: not set
