"""Reading the three logbook files: golden files built from the real headers, and every bad-input reason."""

from __future__ import annotations

import codecs
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flightbridge.errors import InputError
from flightbridge.interchange.reading import read_logbook

GOLDEN = Path(__file__).parent / "golden"


def read(name: str, file_format: str | None = None, **kwargs):
    logbook = read_logbook((GOLDEN / name).read_bytes(), file_format, **kwargs)
    rows = list(logbook.rows())
    return logbook, rows


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def test_foreflight_2026_template_reads_both_tables_and_every_count():
    logbook, rows = read("foreflight/import-2026.csv")
    assert (logbook.format, logbook.version) == ("foreflight", "2026")
    assert [row.problems for row in rows] == [[], []]
    first = rows[0].flight.fields
    assert rows[0].line == 18
    assert first["date"] == date(2026, 3, 14)
    assert (first["tail_number"], first["departure"], first["destination"], first["route"]) == ("N12345", "KPDX", "KSEA", "BTG OLM")
    # Through midnight UTC: TimeOn/TimeIn are on the next day.
    assert (first["block_out"], first["takeoff_at"], first["landing_at"], first["block_in"]) == (
        utc(2026, 3, 14, 23, 5), utc(2026, 3, 14, 23, 15), utc(2026, 3, 15, 0, 25), utc(2026, 3, 15, 0, 35))
    assert first["pic"] == Decimal("1.50")  # written 1:30
    assert (first["day_landings"], first["night_landings"]) == (2, 2)  # touch-and-goes included
    assert (first["day_full_stop_landings"], first["night_full_stop_landings"]) == (0, 1)
    assert (first["day_takeoffs"], first["night_takeoffs"]) == (1, 0)
    assert (first["approaches"], first["approach_type"], first["holds"]) == (2, "ILS", 1)
    assert (first["instructor_name"], first["student_name"]) == ("Jane Doe", "Sam Roe")
    assert first["remarks"] == 'Night cross-country, "gusty"\nsecond line of remarks'  # a quoted line break
    assert first["aircraft_type"] == "172S Skyhawk SP"
    assert rows[0].flight.raw["cells"]["Approach2"] == "1;RNAV (GPS) Z RWY 31R;31R;KPDX;circled"
    sim = rows[1].flight.fields
    assert (sim["simulator_type"], sim["ground_sim"], sim["total_flight_time"]) == ("AATD", Decimal("1.20"), Decimal("0"))
    assert logbook.aircraft["N12345"].gear == "FT" and logbook.aircraft["N12345"].year == 1998


def test_foreflight_2025_all_landings_total_gives_the_touch_and_goes():
    logbook, rows = read("foreflight/import-2025.csv")
    assert logbook.version == "2025"
    fields = rows[0].flight.fields
    # AllLandings 5 = 1 day full stop + 1 night full stop + 3 touch-and-goes (counted as day).
    assert (fields["day_landings"], fields["night_landings"]) == (4, 1)
    assert (fields["day_full_stop_landings"], fields["night_full_stop_landings"]) == (1, 1)
    assert (fields["day_takeoffs"], fields["night_takeoffs"]) == (3, 1)


def test_foreflight_2022_names_and_category_plus_class():
    logbook, rows = read("foreflight/import-2022.csv")
    assert logbook.version == "2022"
    fields = rows[0].flight.fields
    assert (fields["dual"], fields["instructor_name"], fields["aircraft_type"]) == (Decimal("0.90"), "Pat Lee", "PA-28-181")
    assert logbook.aircraft["N54321"].category_class == "Airplane ASEL"
    assert rows[0].flight.raw["cells"]["FlightReview"] == "x"


def test_foreflight_own_export_with_faa_suffixed_columns():
    logbook, rows = read("foreflight/export-faa.csv")
    assert logbook.version == "export"
    first, sim = rows[0].flight.fields, rows[1].flight.fields
    assert first["block_out"] == utc(2025, 11, 2, 14, 5)  # HHMM as RFT writes it
    assert first["approach_type"] == "RNAV (GPS) RWY 17L"
    assert logbook.aircraft["N733JP"].category_class == "airplane_single_engine_land"
    assert (sim["simulator_type"], sim["approaches"], sim["holds"]) == ("FTD", 3, 2)
    assert first["remarks"] == '=HYPERLINK("http://evil")'  # stored as text; the writers guard it


def test_myflightbook_template_with_h_mm_and_us_dates():
    logbook, rows = read("myflightbook/import-template.csv")
    assert (logbook.format, logbook.version, logbook.delimiter) == ("myflightbook", "template", ",")
    first, second = rows[0].flight.fields, rows[1].flight.fields
    assert (first["departure"], first["destination"], first["route"]) == ("KPDX", "KSEA", "KPDX BTG KSEA")
    # Landings 5 = all; FS Day 2, FS Night 1: the other two were day touch-and-goes.
    assert (first["day_landings"], first["night_landings"], first["day_full_stop_landings"]) == (4, 1, 2)
    assert first["holds"] == 1
    assert second["date"] == date(2024, 6, 2) and second["total_flight_time"] == Decimal("1.20")


def test_myflightbook_export_semicolons_bom_comma_decimals_and_flight_id():
    logbook, rows = read("myflightbook/export-semicolon.csv")
    assert (logbook.format, logbook.version, logbook.delimiter) == ("myflightbook", "export", ";")
    first, sim = rows[0], rows[1]
    assert first.flight.identity == "csv:mfb:1234567"
    fields = first.flight.fields
    assert (fields["total_flight_time"], fields["night"]) == (Decimal("1.20"), Decimal("0.40"))
    assert (fields["takeoff_at"], fields["landing_at"]) == (utc(2024, 7, 5, 3, 10), utc(2024, 7, 5, 4, 22))
    assert (fields["pic_name"], fields["night_takeoffs"], fields["aircraft_type"]) == ("Pat Lee", 1, "C-172 S")
    assert fields["remarks"] == "Fourth of July; fireworks from above"
    assert sim.flight.fields["simulator_type"] == "FTD"


def test_myflightbook_tab_separated():
    logbook, rows = read("myflightbook/tab-separated.csv")
    assert logbook.delimiter == "\t"
    assert rows[0].flight.fields["route"] == "KHIO"
    assert (rows[0].flight.fields["departure"], rows[0].flight.fields["destination"]) == ("KHIO", "KHIO")


def test_logten_tab_delimited_native_keys():
    logbook, rows = read("logten/export-tab.txt")
    assert (logbook.format, logbook.delimiter) == ("logten", "\t")
    fields = rows[0].flight.fields
    assert (fields["sic"], fields["cross_country"]) == (Decimal("2.17"), Decimal("2.17"))
    assert fields["landing_at"] == utc(2024, 1, 1, 0, 40)  # rolled over to the next day
    assert (fields["night_landings"], fields["night_full_stop_landings"], fields["day_landings"]) == (1, 1, 0)
    assert (fields["pic_name"], fields["sic_name"], fields["approach_type"]) == ("Chris Moe", "Me Myself", "ILS 08")
    sim = rows[1].flight.fields
    assert sim["simulator_type"] == "FLAPS" and sim["ground_sim"] == Decimal("4.00")


def test_columns_are_matched_by_name_not_position():
    text = "Comments,PIC,Total Flight Time,Tail Number,Date\nreordered,1.0,1.0,N1,2024-01-02\n"
    rows = list(read_logbook(text.encode()).rows())
    fields = rows[0].flight.fields
    assert (fields["remarks"], fields["tail_number"], fields["date"]) == ("reordered", "N1", date(2024, 1, 2))


def bad_rows(text: str):
    return [(row.line, [problem.as_dict() for problem in row.problems]) for row in read_logbook(text.encode()).rows()
            if row.problems]


def test_bad_cells_are_refused_with_row_and_column_and_the_rest_reads():
    text = ("Date,Tail Number,Total Flight Time,Night,Block Out Time,Comments\n"
            "2024-01-02,N1,1.0,,,fine\n"
            "31/01/2024,N1,1.0,,,day first\n"
            "2024-02-01,N1,1-Apr,,,excel ate it\n"
            ",N1,1.0,,14:30,no date\n"
            "2024-02-03,N1,1.0,Jan-00,,night a date\n"
            "02/03/24,N1,1.0,,,two digit year\n"
            "2024-02-30,N1,1.0,,,not a day\n")
    logbook = read_logbook(text.encode())
    rows = list(logbook.rows())
    assert [row.line for row in rows if row.flight] == [2]
    problems = {row.line: row.problems[0] for row in rows if row.problems}
    assert problems[3].column == "Date" and "day-first" in problems[3].reason
    assert problems[4].column == "Total Flight Time" and "spreadsheet turned this duration into a date" in problems[4].reason
    assert problems[5].column == "Date" and "clock time without a date" in problems[5].reason
    assert problems[6].column == "Night" and "into a date" in problems[6].reason
    assert "two-digit year" in problems[7].reason
    assert "not a real calendar date" in problems[8].reason
    assert str(problems[4]).startswith("line 4, column Total Flight Time: '1-Apr'")


def test_a_clock_time_in_the_date_column():
    problems = bad_rows("Date,Tail Number,Total Flight Time\n14:30,N1,1.0\n")
    assert problems == [(2, [{"row": 2, "column": "Date", "reason": "'14:30' is a clock time, not a date: the row has no date"}])]


def test_byte_order_marks_utf8_and_utf16():
    text = "Date\tTail Number\tTotal Flight Time\n2024-01-02\tN1\t1.5\n"
    for data in (codecs.BOM_UTF8 + text.encode("utf-8"), text.encode("utf-16")):
        rows = list(read_logbook(data).rows())
        assert rows[0].flight.fields["total_flight_time"] == Decimal("1.50")


def test_an_unclosed_quote_is_named_instead_of_eating_the_file_silently():
    lines = ["Date,Tail Number,Total Flight Time,Comments", '2024-01-02,N1,1.0,"never closed'] + ["2024-01-03,N1,1.0,x"] * 250
    rows = list(read_logbook("\n".join(lines).encode()).rows())
    assert rows[0].flight is None and "never closed" in rows[0].problems[0].reason and rows[0].line == 2


def test_row_cap_stops_reading_with_a_clear_note():
    text = "Date,Tail Number,Total Flight Time\n" + "2024-01-02,N1,1.0\n" * 12
    logbook = read_logbook(text.encode(), max_rows=10)
    rows = list(logbook.rows())
    assert len(rows) == 10
    assert "more than 10 flight rows" in logbook.notes[0].reason and logbook.notes[0].line == 12


def test_same_day_flights_without_times_are_told_apart_by_their_order():
    text = "Date,Tail Number,Total Flight Time,Route\n2024-01-02,N1,1.0,KHIO\n2024-01-02,N1,1.0,KHIO\n"
    first, second = (row.flight for row in read_logbook(text.encode()).rows())
    assert first.identity != second.identity and second.identity == first.identity + "#2"
    assert first.source_hash == second.source_hash


def test_a_corrected_flight_keeps_its_identity_and_changes_its_digest():
    before = next(read_logbook(b"Date,Tail Number,Total Flight Time,Route\n2024-01-02,N1,1.0,KHIO\n").rows()).flight
    after = next(read_logbook(b"Date,Tail Number,Total Flight Time,Route\n2024-01-02,N1,1.2,KHIO\n").rows()).flight
    assert before.identity == after.identity and before.source_hash != after.source_hash


def test_unknown_files_and_formats_are_refused_whole():
    with pytest.raises(InputError, match="not a ForeFlight, MyFlightbook or LogTen Pro"):
        read_logbook(b"name,age\nbob,3\n")
    with pytest.raises(InputError, match="empty"):
        read_logbook(b"  \n")
    with pytest.raises(InputError, match="unknown format"):
        read_logbook(b"Date,Tail Number\n", "garmin")
    with pytest.raises(InputError, match="no Flights Table"):
        list(read_logbook(b"ForeFlight Logbook Import,x\nAircraft Table\nAircraftID\nN1\n").rows())


def test_too_long_values_are_refused_not_truncated():
    problems = bad_rows("Date,Tail Number,Total Flight Time,From,To\n2024-01-02,N1,1.0,ABCDEFGHIJ,KSEA\n")
    assert problems[0][1][0]["column"] == "From" and "at most 8" in problems[0][1][0]["reason"]


# --- issue 22: hostile files are refused with a line and a reason, never a 500, at a cost linear in bytes


def test_utf16_without_a_byte_order_mark_is_refused_on_line_1():
    data = "Date,Tail Number,Total Flight Time\n2024-01-02,N1,1.0\n".encode("utf-16-le")
    with pytest.raises(InputError, match="UTF-16 text without the byte-order mark") as refused:
        read_logbook(data)
    assert refused.value.problems == [{"field": "file", "line": 1, "reason": "UTF-16 without a byte-order mark"}]
    with pytest.raises(InputError, match="UTF-16"):
        read_logbook(data.decode("utf-16-le").encode("utf-16-be"))


def test_a_lone_carriage_return_in_the_header_row_is_refused_on_line_1():
    with pytest.raises(InputError, match="header row, is broken by a lone carriage return") as refused:
        read_logbook(b"Date,Tail\rNumber,Total Flight Time\n2024-01-02,N1,1.0\n")
    assert refused.value.problems[0]["line"] == 1
    # A file whose every row ends in a lone CR (an old Mac file) is read as it is.
    rows = list(read_logbook(b"Date,Tail Number,Total Flight Time\r2024-01-02,N1,1.0\r").rows())
    assert rows[0].flight.fields["total_flight_time"] == Decimal("1.00")


def test_a_quote_that_swallows_four_million_line_breaks_is_refused_at_the_guard_without_reading_on():
    data = b'Date,Tail Number,Total Flight Time,Comments\n2024-01-02,N1,1.0,ok\n2024-01-03,N1,1.0,"' + b"\n" * 4_000_000 + b'"\n'
    rows = list(read_logbook(data).rows())
    assert [row.line for row in rows] == [2, 3]
    assert rows[0].flight is not None
    assert rows[1].flight is None and "quote opened on line 3 is never closed" in rows[1].problems[0].reason


def test_a_row_longer_than_the_limit_is_refused_with_its_line():
    from flightbridge.interchange.reading import MAX_RECORD_CHARS

    data = b"Date,Tail Number,Total Flight Time,Comments\n2024-01-02,N1,1.0," + b"y" * (MAX_RECORD_CHARS + 10) + b"\n"
    rows = list(read_logbook(data).rows())
    assert len(rows) == 1 and rows[0].line == 2 and "longer than 100,000 characters" in rows[0].problems[0].reason


def test_a_million_rows_that_are_not_flights_stop_the_reading_after_a_thousand():
    logbook = read_logbook(b"Date,Tail Number,Total Flight Time\n" + b"x\n" * 1_000_000)
    rows = list(logbook.rows())
    assert len(rows) == 1000 and all(row.flight is None for row in rows)
    assert "1,000 rows in a row up to line 1001 could not be read as flights" in logbook.notes[-1].reason
    # A good row in between starts the count again.
    mixed = read_logbook(b"Date,Tail Number,Total Flight Time\n" + (b"x\n" * 999 + b"2024-01-02,N1,1.0\n") * 3)
    assert len(list(mixed.rows())) == 3000 and not mixed.notes


_CSV_PIECES = ["Date", "Tail Number", "Total Flight Time", "Comments", "2024-01-02", "N1", "1.0", ",", ";", "\t", '"',
               "\n", "\r", "\r\n", "\x00", "'", "=1+1", "\ufeff", "ForeFlight Logbook Import", "Flights Table",
               "Aircraft Table", "é", "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace")]


@given(st.one_of(st.binary(max_size=400),
                 st.lists(st.sampled_from(_CSV_PIECES), max_size=60).map(lambda parts: "".join(parts).encode("utf-8")),
                 st.lists(st.sampled_from(_CSV_PIECES), max_size=60).map(lambda parts: "".join(parts).encode("utf-16"))),
       st.sampled_from([None, "foreflight", "myflightbook", "logten"]))
@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_reader_never_raises_anything_but_a_refusal_with_a_reason(data, file_format):
    try:
        logbook = read_logbook(data, file_format)
        rows = list(logbook.rows())
    except InputError as refused:
        assert str(refused) and all(problem.get("reason") for problem in refused.problems)
        return
    for row in rows:
        assert row.line >= 1 and (row.flight is not None or row.problems)
        assert all(problem.reason and problem.line for problem in row.problems)
