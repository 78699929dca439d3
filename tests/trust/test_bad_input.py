"""Any input gives a mapped record or a counted, explained skip — never an unhandled exception.

hypothesis throws JSON-like values of every type at every field the MyFlightbook mappers read (flights,
currency, totals), at a whole page going through the sync's store step (every record ends up imported
or counted with a reason), and at the Logger import service. tests/myflightbook covers the documented
shapes one by one and tests/logger/test_codec.py fuzzes the Logger parser; this adds wrong types in
every field and the database step behind them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flightbridge.errors import BadRecord, InputError
from flightbridge.logbook.models import Flight, LogbookImport
from flightbridge.myflightbook.currency import MappedCurrency, UnmappedCurrency, map_currency_item
from flightbridge.myflightbook.mapping import MappedFlight, map_flight
from flightbridge.myflightbook.sync import MyFlightbookSync
from flightbridge.myflightbook.totals import MappedTotal, map_totals
from flightbridge.myflightbook.sandbox.fake import CURRENCY, TOTALS, make_flight

FLIGHT_FIELDS = sorted(make_flight(1, date(2026, 8, 1)).keys() | {
    "NightLandings", "Approaches", "CrossCountry", "Nighttime", "IMC", "SimulatedIFR", "GroundSim", "Dual", "CFI",
    "SIC", "HobbsStart", "HobbsEnd", "fHoldingProcedures", "FlightStart", "FlightEnd", "EngineStart", "EngineEnd",
    "InstanceType", "InstanceTypeID", "CatClassOverride", "Landings"})

scalars = (st.none() | st.booleans() | st.integers(min_value=-10**20, max_value=10**20)
           | st.floats(allow_nan=True, allow_infinity=True) | st.decimals(allow_nan=True, allow_infinity=True)
           | st.text(max_size=30) | st.sampled_from(["", " ", "2026-02-30", "8/16/2026", "1e999", "NaN", "-1", "N/A",
                                                   "2026-08-16T25:61:00Z", "\x00", "\ud800"]))
json_like = st.recursive(scalars, lambda children: st.lists(children, max_size=3)
                         | st.dictionaries(st.text(max_size=8), children, max_size=3), max_leaves=8)


@st.composite
def damaged_flights(draw):
    """A plausible LogbookEntry with a handful of its fields replaced by anything, or dropped."""
    record = make_flight(draw(st.integers(min_value=1, max_value=10**6)), date(2026, 8, 1))
    for name in draw(st.lists(st.sampled_from(FLIGHT_FIELDS), max_size=6, unique=True)):
        if draw(st.booleans()):
            record[name] = draw(json_like)
        else:
            record.pop(name, None)
    return record


def assert_explained(exc: BadRecord) -> None:
    assert exc.reason and isinstance(exc.reason, str)
    assert exc.record is None or exc.record.startswith("mfb:")
    assert str(exc)


@settings(max_examples=300, deadline=None)
@given(record=damaged_flights() | json_like)
def test_map_flight_maps_or_explains_a_skip(record):
    try:
        mapped = map_flight(record, instance_types={1: 1})
    except BadRecord as exc:
        assert_explained(exc)
        return
    assert isinstance(mapped, MappedFlight) and mapped.external_id == f"mfb:{mapped.flight_id}"
    assert isinstance(mapped.fields["date"], date)
    for column in ("total_flight_time", "pic", "night", "imc", "cross_country"):
        value = mapped.fields[column]
        assert isinstance(value, Decimal) and value.is_finite() and value >= 0, (column, value)
    for column in ("day_landings", "night_landings", "approaches"):
        assert isinstance(mapped.fields[column], int) and mapped.fields[column] >= 0
    for column in ("takeoff_at", "landing_at", "block_out", "block_in"):
        assert mapped.fields[column] is None or isinstance(mapped.fields[column], datetime)


@settings(max_examples=200, deadline=None)
@given(item=st.one_of(
    json_like,
    st.builds(lambda base, changes: {**base, **changes}, st.sampled_from(CURRENCY),
              st.dictionaries(st.sampled_from(["Attribute", "Value", "Status", "Discrepancy", "CurrencyGroup",
                                               "AssociatedResourceID", "Query"]), json_like, max_size=4)),
))
def test_map_currency_maps_or_explains_a_skip(item):
    result = map_currency_item(item)
    assert isinstance(result, (MappedCurrency, UnmappedCurrency))
    if isinstance(result, UnmappedCurrency):
        assert result.reason
    else:
        assert result.label and result.status and result.kind
        assert result.expires_on is None or isinstance(result.expires_on, date)


@settings(max_examples=200, deadline=None)
@given(items=st.lists(st.one_of(
    json_like,
    st.builds(lambda base, changes: {**base, **changes}, st.sampled_from(TOTALS),
              st.dictionaries(st.sampled_from(["Value", "Description", "SubDescription", "NumericType", "IsInt",
                                               "IsTime", "IsCurrency", "Group", "GroupName"]), json_like, max_size=4)),
), max_size=6))
def test_map_totals_maps_or_explains_every_item(items):
    lines, skipped = map_totals(items)
    assert all(isinstance(line, MappedTotal) for line in lines)
    assert all(entry["reason"] for entry in skipped)
    # Every item is either a line, a skip with a reason, or a line derived from the Total Time line.
    assert len({(line.dimension, line.description.lower()) for line in lines}) == len(lines)
    for line in lines:
        assert isinstance(line.value, Decimal) and line.value.is_finite()


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(page=st.lists(damaged_flights() | json_like, min_size=1, max_size=8))
def test_a_damaged_page_is_stored_or_counted_record_by_record(page, django_user_model):
    owner, _ = django_user_model.objects.get_or_create(username="fuzz-pilot")
    Flight.objects.filter(owner=owner).delete()
    sync = MyFlightbookSync(owner, client=None, prefetch=False)
    sync.batch = LogbookImport.objects.create(owner=owner, source="myflightbook")
    sync.store_page(page)
    counts = sync.counts
    assert counts.imported + counts.skipped + counts.failed == len(page)
    assert len(counts.reasons) == counts.failed + counts.backfilled  # every failure listed with its reason
    assert all(reason["reason"] for reason in counts.reasons)
    assert Flight.objects.filter(owner=owner).count() == counts.imported


logger_values = json_like | st.sampled_from(["2024-01-05", "12:30", "1:15", "KPAO", "KSQL", "flight", "N12345"])
LOGGER_FIELDS = ["importId", "entryType", "departureDate", "departureTime", "arrivalTime", "departureAirport",
                 "arrivalAirport", "totalTime", "aircraftRegistration", "aircraftType", "remarks", "landingsDay",
                 "landingsNight", "picTime", "nightTime", "junk"]


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(entries=st.lists(st.dictionaries(st.sampled_from(LOGGER_FIELDS), logger_values, max_size=10) | logger_values,
                        max_size=4),
       metadata=st.dictionaries(st.sampled_from(["appName", "appVersion", "isUTC"]), logger_values, max_size=3))
def test_logger_import_stores_or_reports_every_entry(entries, metadata, django_user_model):
    from flightbridge.logger.services import import_package

    owner, _ = django_user_model.objects.get_or_create(username="fuzz-logger")
    try:
        result = import_package(owner, {"metadata": metadata, "entries": entries})
    except InputError as exc:  # a package-level fault: the whole package refused, with its problems
        assert str(exc)
        return
    assert len(result.entries) == len(entries)
    for entry in result.entries:
        assert entry.status in ("imported", "updated", "unchanged", "skipped", "failed")
        if entry.status in ("skipped", "failed"):
            assert entry.problems and all(problem["reason"] for problem in entry.problems), entry
    batch = result.batch
    assert batch.imported + batch.updated + batch.unchanged + batch.skipped + batch.failed == len(entries)
    assert batch.status in ("completed", "failed") and batch.message
    assert Flight.objects.filter(owner=owner, import_batch=batch).count() == batch.imported


@pytest.mark.django_db
def test_the_inputs_hypothesis_found_crashing_the_mapper_are_now_counted(django_user_model):
    # Each of these once raised an unhandled TypeError/ValueError/UnicodeEncodeError out of map_flight,
    # stopping the whole sync with "an internal error".
    owner = django_user_model.objects.create_user(username="found-by-hypothesis")
    sync = MyFlightbookSync(owner, client=None, prefetch=False)
    sync.batch = LogbookImport.objects.create(owner=owner, source="myflightbook")
    page = [
        make_flight(1, date(2026, 8, 1), Comment="half a pair \ud800"),  # lone surrogate from a JSON escape
        make_flight(2, date(2026, 8, 1), AircraftID=[1]),  # unhashable aircraft id
        make_flight(3, date(2026, 8, 1), HobbsStart=Decimal("NaN")),  # not a number, in a field we keep raw
        make_flight(4, date(2026, 8, 1), CustomProperties=[{"PropTypeID": 1, "DecValue": float("inf")}]),
    ]
    sync.store_page(page)
    assert (sync.counts.imported, sync.counts.failed) == (3, 1)
    [reason] = sync.counts.reasons
    assert reason == {"record": "mfb:1", "field": "Comment", "reason": "contains text that is not valid Unicode (a lone surrogate)",
                      "outcome": "failed"}
    stored = Flight.objects.get(owner=owner, external_id="mfb:3")
    assert stored.raw["HobbsStart"] == "NaN" and stored.hobbs_start is None  # an unreadable meter reading is left out
    assert Flight.objects.get(owner=owner, external_id="mfb:2").simulator_type == "REAL"
