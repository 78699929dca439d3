"""Airport identifiers, names and time zones, and local ↔ UTC across DST changes and UTC midnight."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time

import airportsdata
import pytest

from flightbridge.registry import airports
from flightbridge.registry.interfaces import LocalTime


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("KJFK/28R", "KJFK"),
        ("JFK", "KJFK"),
        ("jfk", "KJFK"),
        (" kjfk ", "KJFK"),
        ("LHR", "EGLL"),
        ("0A9", "0A9"),  # a FAA LID with a digit has no ICAO code: airportsdata's "K0A9" is a pseudo-code
        ("K0A9", "0A9"),
        ("4A2", "PAAB"),  # an Alaskan LID whose ICAO code is not K + LID
        ("7FL6", "7FL6"),
        ("N51", "N51"),
        ("JRA", "KJRA"),  # heliport from our override file
        ("CGX", "KCGX"),  # Meigs Field, closed 2003, from our override file
        ("TSS", "6N5"),
        ("zz9x", "ZZ9X"),  # unknown: the cleaned input
        ("xyz/09", "XYZ"),
        ("", ""),
    ],
)
def test_normalize_airport(code, expected):
    assert airports.normalize_airport(code) == expected


def test_airport_info_names_and_zones():
    jfk = airports.airport_info("KJFK/04L")
    assert (jfk.ident, jfk.icao, jfk.iata, jfk.lid) == ("KJFK", "KJFK", "JFK", "JFK")
    assert jfk.name == "John F Kennedy International Airport"
    assert jfk.timezone.key == "America/New_York"
    assert jfk.latitude == pytest.approx(40.64, abs=0.01)
    greene = airports.airport_info("0A9")
    assert (greene.ident, greene.icao, greene.lid) == ("0A9", "", "0A9")
    assert greene.timezone.key == "America/New_York"
    assert airports.airport_info("YSSY").timezone.key == "Australia/Sydney"
    assert airports.airport_info("NOPE1") is None
    assert airports.airport_info("") is None


def test_override_file_only_holds_what_airportsdata_lacks():
    """Every row of our override file resolves, by each identifier it carries, to that row; none shadows airportsdata."""
    tables = {kind: airportsdata.load(kind) for kind in ("ICAO", "IATA", "LID")}
    with airports.OVERRIDES_PATH.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= 5
    for row in rows:
        for kind in ("icao", "iata", "lid"):
            if row[kind]:
                assert row[kind] not in tables[kind.upper()], f"{row[kind]} is in airportsdata already"
                found = airports.airport_info(row[kind])
                assert found is not None and found.name == row["name"]
                assert found.timezone.key == row["tz"]


def test_to_utc_summer_and_winter():
    assert airports.to_utc("KJFK", date(2025, 7, 4), time(18, 30)) == LocalTime(utc=datetime(2025, 7, 4, 22, 30, tzinfo=UTC))
    assert airports.to_utc("JFK", date(2025, 1, 15), time(18, 30)).utc == datetime(2025, 1, 15, 23, 30, tzinfo=UTC)
    assert airports.to_utc("YSSY", date(2025, 7, 4), time(18, 30)).utc == datetime(2025, 7, 4, 8, 30, tzinfo=UTC)


def test_to_utc_crosses_utc_midnight():
    # 21:30 in Los Angeles (PDT, -7) is 04:30 UTC the next day.
    answer = airports.to_utc("LAX", date(2025, 6, 30), time(21, 30))
    assert answer.utc == datetime(2025, 7, 1, 4, 30, tzinfo=UTC)
    # 07:00 in Sydney (AEST, +10) is 21:00 UTC the day before.
    assert airports.to_utc("SYD", date(2025, 7, 1), time(7, 0)).utc == datetime(2025, 6, 30, 21, 0, tzinfo=UTC)


def test_to_utc_flags_the_spring_forward_gap():
    answer = airports.to_utc("KJFK", date(2025, 3, 9), time(2, 30))
    assert answer.nonexistent is True and answer.ambiguous is False
    assert answer.utc == datetime(2025, 3, 9, 7, 30, tzinfo=UTC)  # read with the offset before the change (EST)
    # Either side of the gap is an ordinary time.
    assert airports.to_utc("KJFK", date(2025, 3, 9), time(1, 59)) == LocalTime(utc=datetime(2025, 3, 9, 6, 59, tzinfo=UTC))
    assert airports.to_utc("KJFK", date(2025, 3, 9), time(3, 0)) == LocalTime(utc=datetime(2025, 3, 9, 7, 0, tzinfo=UTC))


def test_to_utc_flags_the_fall_back_hour():
    answer = airports.to_utc("KJFK", date(2025, 11, 2), time(1, 30))
    assert answer.ambiguous is True and answer.nonexistent is False
    assert answer.utc == datetime(2025, 11, 2, 5, 30, tzinfo=UTC)  # the first 01:30 (EDT)
    assert airports.to_utc("KJFK", date(2025, 11, 2), time(2, 0)).ambiguous is False
    # Southern hemisphere: Sydney falls back on the first Sunday of April (03:00 AEDT → 02:00 AEST).
    sydney = airports.to_utc("YSSY", date(2025, 4, 6), time(2, 30))
    assert sydney.ambiguous is True and sydney.utc == datetime(2025, 4, 5, 15, 30, tzinfo=UTC)


def test_arizona_has_no_dst():
    for day in (date(2025, 3, 9), date(2025, 11, 2)):
        answer = airports.to_utc("KPHX", day, time(2, 30))
        assert (answer.nonexistent, answer.ambiguous) == (False, False)
        assert answer.utc == datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC)


def test_to_local_round_trips_and_crosses_midnight():
    local = airports.to_local("KJFK", datetime(2025, 7, 5, 2, 15, tzinfo=UTC))
    assert (local.date(), local.time()) == (date(2025, 7, 4), time(22, 15))
    assert local.utcoffset().total_seconds() == -4 * 3600
    # A naive datetime is UTC.
    assert airports.to_local("EGLL", datetime(2025, 1, 1, 0, 30)).time() == time(0, 30)
    assert airports.to_local("EGLL", datetime(2025, 7, 1, 23, 30)).date() == date(2025, 7, 2)
    # Both UTC instants of an ambiguous wall time show as 01:30 local, with different offsets.
    first = airports.to_local("KJFK", datetime(2025, 11, 2, 5, 30, tzinfo=UTC))
    second = airports.to_local("KJFK", datetime(2025, 11, 2, 6, 30, tzinfo=UTC))
    assert first.time() == second.time() == time(1, 30)
    assert first.utcoffset() != second.utcoffset()
    assert airports.to_local("NOPE1", datetime(2025, 1, 1, tzinfo=UTC)) is None
    assert airports.to_utc("NOPE1", date(2025, 1, 1), time(0, 0)) is None


def test_tables_load_once():
    first = airports._load()
    airports.normalize_airport("KSEA")
    assert airports._load() is first
