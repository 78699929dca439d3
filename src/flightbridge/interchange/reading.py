"""Read a ForeFlight, MyFlightbook or LogTen Pro logbook file into plain flight records.

Pure code: bytes in, `ParsedRow`s out, no database. The file is detected (ForeFlight's required first
row; LogTen's `flight_flightDate` + `aircraft_aircraftID`; MyFlightbook's date/tail/total aliases),
decoded (UTF-8 with or without a byte-order mark, UTF-16 as Excel saves "Unicode text", else
Windows-1252), split on its own separator (`,` `;` or tab) and read row by row as a stream: memory holds
one row at a time and at most `MAX_ROWS` flight rows are read. A row that cannot be stored exactly is
refused with reasons naming its line and column; the rest of the file still reads. This module must
never guess (a day-first date, a duration a spreadsheet turned into a date) and never round beyond
hundredths of an hour; every cell of a row travels in its `raw`.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Iterator

from flightbridge.errors import InputError
from flightbridge.logbook.routes import split_route
from flightbridge.logbook.category_classes import category_class_name
from flightbridge.logbook.property_types import (
    PROP_NIGHT_TAKEOFFS,
    PROP_TAKEOFFS_ANY,
    PropertyType,
    markers_for,
    property_type_by_title,
)

from . import columns as c
from .values import (
    CellError, chain_clock_times, parse_bool, parse_clock, parse_count, parse_date, parse_duration, parse_moment, unguard,
)

MAX_ROWS = 100_000
MYFLIGHTBOOK_FILE_ID = "csv:mfb:"  # external id prefix of a row that carries MyFlightbook's own Flight ID
MAX_RECORD_LINES = 200  # a remark with this many line breaks is an unclosed quote swallowing the file
MAX_RECORD_CHARS = 100_000  # one row; ForeFlight's widest real rows are a few thousand characters
#: Rows refused one after another before the reading stops: a file of a million `x` rows is not a
#: logbook, and refusing each one cost 8 s of CPU (issue 22).
MAX_REFUSED_IN_A_ROW = 1_000
TEXT_LIMITS = {"tail_number": 32, "departure": 8, "destination": 8, "route": 512, "aircraft_type": 128,
               "pic_name": 128, "sic_name": 128, "instructor_name": 128, "student_name": 128}
HOUR_KEYS = {"total": "total_flight_time", "pic": "pic", "sic": "sic", "night": "night", "xc": "cross_country",
             "imc": "imc", "sim_inst": "simulated_ifr", "ground_sim": "ground_sim", "dual": "dual", "cfi": "cfi"}
APPROACH_TYPE_LENGTH = 128  # Flight.approach_type; the full cell stays in raw
_TYPE_WORDS = frozenset({"text", "yyyy", "boolean", "date", "hh:mm", "hhmm", "decimal or hh:mm", "number", "decimal",
                         "packed detail", "datetime"})
csv.field_size_limit(MAX_RECORD_CHARS + 1)


@dataclass(frozen=True)
class RowProblem:
    line: int | None
    column: str | None
    reason: str

    def as_dict(self) -> dict:
        return {"row": self.line, "column": self.column, "reason": self.reason}

    def __str__(self) -> str:
        parts = (f"line {self.line}" if self.line else "", f"column {self.column}" if self.column else "")
        where = ", ".join(part for part in parts if part)
        return f"{where}: {self.reason}" if where else self.reason


@dataclass(frozen=True)
class AircraftFacts:
    """One aircraft as a file describes it (ForeFlight's Aircraft Table, or a flight row's columns)."""

    registration: str
    device_class: str = "REAL"
    model: str = ""
    make: str = ""
    type_code: str = ""
    year: int | None = None
    category_class: str = ""
    gear: str = ""
    engine: str = ""
    complex: bool | None = None
    high_performance: bool | None = None

    def as_dict(self) -> dict:
        return {key: value for key, value in asdict(self).items() if value not in ("", None)}


@dataclass
class ParsedFlight:
    line: int
    fields: dict  # Flight field values (hours as Decimal, times as aware UTC datetimes)
    identity: str  # the flight's external id: the file's own flight id, else a digest of what makes it this flight
    source_hash: str  # digest of the row's cells: a corrected row is an update, an unchanged one unchanged
    raw: dict
    aircraft: AircraftFacts | None = None

    @property
    def label(self) -> str:
        route = "-".join(part for part in (self.fields.get("departure"), self.fields.get("destination")) if part)
        parts = (self.fields["date"].isoformat(), self.fields.get("tail_number", ""), route)
        what = " ".join(part for part in parts if part)
        return f"line {self.line} ({what})"


@dataclass
class ParsedRow:
    line: int
    flight: ParsedFlight | None
    problems: list[RowProblem] = field(default_factory=list)


@dataclass
class LogbookFile:
    """An opened file: its format and version, its aircraft, file-level notes, and its rows (a stream)."""

    format: str
    version: str
    delimiter: str
    aircraft: dict[str, AircraftFacts]
    notes: list[RowProblem]
    _rows: Iterator[ParsedRow]

    def rows(self) -> Iterator[ParsedRow]:
        return self._rows


# --- opening ----------------------------------------------------------------------------------------


def _looks_like_utf16_without_bom(data: bytes) -> bool:
    """Text with a zero byte beside nearly every character, as UTF-16 without a byte-order mark is. It is
    valid UTF-8 too, full of NULs, and used to reach the CSV reader as "line contains NUL": a 500."""
    sample = data[:512]
    if len(sample) < 4:
        return False
    even, odd = sample[0::2], sample[1::2]
    return (odd.count(0) >= len(odd) * 0.9 and even.count(0) < len(even) * 0.1) or (
        even.count(0) >= len(even) * 0.9 and odd.count(0) < len(odd) * 0.1)


def decode(data: bytes) -> tuple[str, list[RowProblem]]:
    """The file's text; InputError (line 1) when it cannot be a logbook's text."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError as exc:
            raise InputError(f"The file says it is UTF-16 text but byte {exc.start} is not: save it again as CSV "
                             "(UTF-8) and import it again.",
                             [{"field": "file", "line": 1, "reason": "not readable as UTF-16"}]) from None
    if _looks_like_utf16_without_bom(data):
        # Not guessed: which byte order, and whether it is text at all, is what the mark would have said.
        raise InputError("The file looks like UTF-16 text without the byte-order mark that says so: save it again "
                         "as CSV (UTF-8), or as \"Unicode text\" with its mark, and import it again.",
                         [{"field": "file", "line": 1, "reason": "UTF-16 without a byte-order mark"}])
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        note = RowProblem(None, None, "the file is not UTF-8; it was read as Windows-1252 (check accented names)")
        return data.decode("cp1252", errors="replace"), [note]


def _first_line(text: str) -> str:
    for line in io.StringIO(text):
        if line.strip():
            return line
    return ""


def _delimiter(line: str) -> str:
    # The separator is the one the header uses most (MyFlightbook reads `,` `;` or tab; LogTen writes tabs).
    counts = {sep: line.count(sep) for sep in ("\t", ";", ",")}
    return max(counts, key=lambda sep: counts[sep]) if any(counts.values()) else ","


def _keys(line: str, delimiter: str) -> set[str]:
    try:
        cells = next(csv.reader(io.StringIO(line, newline=""), delimiter=delimiter), [])
    except csv.Error as exc:  # a bare CR or a NUL in the header row: a refusal, never a 500
        raise InputError(f"Line 1, the header row, cannot be read as CSV ({exc}).",
                         [{"field": "file", "line": 1, "reason": f"the header row is not CSV: {exc}"}]) from None
    return {c.header_key(cell) for cell in cells}


def _has_any(keys: set[str], aliases: tuple[str, ...]) -> bool:
    return any(c.header_key(alias) in keys for alias in aliases)


def _refuse_a_broken_header(text: str) -> None:
    """A lone carriage return inside the first row of a file whose rows end in LF or CRLF splits the header
    in two: the columns after it would silently be read as a flight row. Old Mac files, whose every row ends
    in a lone CR, are read as they are."""
    first_lf = text.find("\n", 0, 1_000_000)
    if first_lf < 0:
        return
    header = text[:first_lf].rstrip("\r")
    if "\r" in header:
        raise InputError("Line 1, the header row, is broken by a lone carriage return (CR) in the middle while "
                         "the other rows end in a line feed: save the file again from the spreadsheet as CSV.",
                         [{"field": "file", "line": 1, "reason": "a carriage return inside the header row"}])


def detect_format(text: str) -> tuple[str, str]:
    """(format, delimiter) of a decoded file; InputError when it is none of the three."""
    first = _first_line(text)
    if c.header_key(first.split(",", 1)[0]) == c.header_key(c.FOREFLIGHT_MARKER):
        return c.FOREFLIGHT, ","
    delimiter = _delimiter(first)
    keys = _keys(first, delimiter)
    if all(c.header_key(key) in keys for key in c.LOGTEN_REQUIRED):
        return c.LOGTEN, delimiter
    columns = c.MYFLIGHTBOOK_COLUMNS
    if _has_any(keys, columns["date"]) and (_has_any(keys, columns["tail"]) or _has_any(keys, columns["total"])):
        return c.MYFLIGHTBOOK, delimiter
    for line in io.StringIO(text[:20_000]):
        if line.split(",", 1)[0].strip() == c.FLIGHTS_TABLE:
            return c.FOREFLIGHT, ","
    raise InputError("This is not a ForeFlight, MyFlightbook or LogTen Pro logbook file: its first row is neither "
                     "ForeFlight's \"ForeFlight Logbook Import\" row nor a header with a date and tail number column.",
                     [{"field": "file", "reason": "unknown file format"}])


def read_logbook(data: bytes, file_format: str | None = None, *, max_rows: int = MAX_ROWS) -> LogbookFile:
    """Open a logbook file; its rows are read lazily by `LogbookFile.rows()`."""
    text, notes = decode(data)
    if not text.strip():
        raise InputError("The file is empty.", [{"field": "file", "reason": "empty"}])
    _refuse_a_broken_header(text)
    detected, delimiter = detect_format(text) if file_format is None else (file_format, None)
    if file_format is not None:
        if file_format not in c.FORMATS:
            raise InputError(f"unknown format {file_format!r}; use one of {', '.join(c.FORMATS)}",
                             [{"field": "format", "reason": "foreflight, myflightbook or logten"}])
        delimiter = "," if file_format == c.FOREFLIGHT else _delimiter(_first_line(text))
    reader = _Records(text, delimiter)
    logbook = LogbookFile(format=detected, version="", delimiter=delimiter, aircraft={}, notes=notes, _rows=iter(()))
    if detected == c.FOREFLIGHT:
        logbook._rows = _ForeFlightReader(reader, logbook, max_rows).rows()
    else:
        columns = c.LOGTEN_COLUMNS if detected == c.LOGTEN else c.MYFLIGHTBOOK_COLUMNS
        header = reader.next_nonblank()
        if header is None:
            raise InputError("The file has no header row.", [{"field": "file", "reason": "no header"}])
        mapper = _RowMapper(detected, header[1], columns, logbook, comma_decimal=delimiter == ";")
        if "date" not in mapper.index:
            raise InputError(f"The header (line {header[0]}) has no date column; {detected} files need one.",
                             [{"field": "Date", "reason": "missing column"}])
        if detected == c.LOGTEN:
            logbook.version = "tab-delimited"
        else:
            logbook.version = "export" if "flight_id" in mapper.index else "template"
        logbook._rows = _stream(reader, mapper, logbook, max_rows)
    logbook._rows = _until_refused_in_a_row(logbook._rows, logbook)
    return logbook


def _until_refused_in_a_row(rows: Iterator[ParsedRow], logbook: LogbookFile) -> Iterator[ParsedRow]:
    refused = 0
    for row in rows:
        yield row
        refused = refused + 1 if row.flight is None else 0
        if refused >= MAX_REFUSED_IN_A_ROW:
            logbook.notes.append(RowProblem(row.line, None, (
                f"{MAX_REFUSED_IN_A_ROW:,} rows in a row up to line {row.line} could not be read as flights, so the "
                "rest of the file was not read: is it the logbook file you meant?")))
            return


class _RecordTooLong(Exception):
    def __init__(self, problem: RowProblem):
        self.problem = problem


class _Lines:
    """The text's lines as the csv reader asks for them, counted, with a record refused while it is read.

    csv's C reader takes one line at a time from here; a record that runs past MAX_RECORD_LINES lines or
    MAX_RECORD_CHARS characters (one unclosed quote, or a megabyte with no line break) stops the reading
    at that point. The cost is linear in the bytes read with a small constant, and nothing past the
    guard is read: 4,000,000 line breaks inside one quote used to be parsed whole first (4.5 s of CPU).
    """

    def __init__(self, text: str):
        self._text = io.StringIO(text, newline="")  # splits at \n, \r and \r\n and keeps them, as csv wants
        self.line = 0
        self.start = 1
        self._chars = 0

    def begin_record(self) -> None:
        self.start, self._chars = self.line + 1, 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = self._text.readline(MAX_RECORD_CHARS + 1)
        if not line:
            raise StopIteration
        self.line += 1
        self._chars += len(line)
        if self._chars > MAX_RECORD_CHARS:
            raise _RecordTooLong(RowProblem(self.start, None, (
                f"the row starting on line {self.start} is longer than {MAX_RECORD_CHARS:,} characters "
                "(a quote that is never closed?); the file was read up to it")))
        if self.line - self.start >= MAX_RECORD_LINES:
            raise _RecordTooLong(RowProblem(self.start, None, (
                f"a quote opened on line {self.start} is never closed, so it swallowed more than {MAX_RECORD_LINES} "
                "lines; the file was read up to it: close the quote and import again")))
        return line


class _Records:
    """csv records with the line each starts on; a record that grows too long ends the reading with its reason."""

    def __init__(self, text: str, delimiter: str):
        self._lines = _Lines(text)
        self._reader = csv.reader(self._lines, delimiter=delimiter)

    def __iter__(self) -> Iterator[tuple[int, list[str], RowProblem | None]]:
        while True:
            self._lines.begin_record()
            start = self._lines.start
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except _RecordTooLong as exc:
                yield exc.problem.line or start, [], exc.problem
                return
            except csv.Error as exc:
                yield start, [], RowProblem(start, None, f"the row cannot be read as CSV ({exc})")
                continue
            cells = [cell.strip() for cell in cells]
            for position, cell in enumerate(cells):
                if cell[:1] == "'":
                    cells[position] = unguard(cell)
            yield start, cells, None

    def next_nonblank(self) -> tuple[int, list[str]] | None:
        for line, cells, _problem in self:
            if any(cells):
                return line, cells
        return None


def _stream(records: _Records, mapper: _RowMapper, logbook: LogbookFile, max_rows: int) -> Iterator[ParsedRow]:
    count = 0
    for line, cells, problem in records:
        if not any(cells) and problem is None:
            continue
        count += 1
        if count > max_rows:
            logbook.notes.append(RowProblem(line, None, f"the file has more than {max_rows:,} flight rows: rows from "
                                                        f"line {line} on were not read; split the file and import the rest"))
            return
        yield mapper.row(line, cells) if problem is None else ParsedRow(line, None, [problem])


class _ForeFlightReader:
    """ForeFlight's one-file-two-tables layout: Aircraft Table (types row, header, rows), then Flights Table."""

    def __init__(self, records: _Records, logbook: LogbookFile, max_rows: int):
        self.records, self.logbook, self.max_rows = records, logbook, max_rows

    def rows(self) -> Iterator[ParsedRow]:
        state, aircraft_header, mapper, count = "start", None, None, 0
        for line, cells, problem in self.records:
            first = cells[0] if cells else ""
            if first == c.AIRCRAFT_TABLE:
                state = "aircraft_header"
                continue
            if first == c.FLIGHTS_TABLE:
                state = "flights_header"
                continue
            if problem is not None and state == "flights":
                yield ParsedRow(line, None, [problem])
                continue
            if problem is not None:  # before the flights: the file cannot be read as ForeFlight's two tables
                raise InputError(f"Line {line}: {problem.reason}.", [{"field": "file", "line": line, "reason": problem.reason}])
            if not any(cells) or _is_types_row(cells):
                if state == "aircraft":
                    state = "between"
                continue
            if state == "aircraft_header":
                aircraft_header = _index(cells, c.FOREFLIGHT_AIRCRAFT_COLUMNS)
                state = "aircraft"
            elif state == "aircraft" and aircraft_header is not None:
                self._aircraft(line, cells, aircraft_header)
            elif state == "flights_header":
                mapper = _RowMapper(c.FOREFLIGHT, cells, c.FOREFLIGHT_FLIGHT_COLUMNS, self.logbook)
                self.logbook.version = _foreflight_version(cells)
                if "date" not in mapper.index:
                    raise InputError(f"The Flights Table header (line {line}) has no Date column.",
                                     [{"field": "Date", "reason": "missing column"}])
                state = "flights"
            elif state == "flights" and mapper is not None:
                count += 1
                if count > self.max_rows:
                    self.logbook.notes.append(RowProblem(
                        line, None, f"the file has more than {self.max_rows:,} flight rows: rows from line {line} on "
                                    "were not read; split the file and import the rest"))
                    return
                yield mapper.row(line, cells)
        if mapper is None:
            raise InputError("This ForeFlight file has no Flights Table header (a row starting with \"Flights Table\", "
                             "then the column names).", [{"field": "Flights Table", "reason": "missing"}])

    def _aircraft(self, line: int, cells: list[str], header: dict[str, int]) -> None:
        def cell(key: str) -> str:
            index = header.get(key)
            return cells[index] if index is not None and index < len(cells) else ""

        tail = cell("tail").upper()
        if not tail:
            self.logbook.notes.append(RowProblem(line, "AircraftID", "an aircraft row without an AircraftID was left out"))
            return
        equip = cell("equip_type").lower()
        year = cell("year")
        category_class = cell("category_class") or " ".join(part for part in (cell("category"), cell("class")) if part)
        self.logbook.aircraft[tail] = AircraftFacts(
            registration=tail, device_class=c.EQUIP_TYPES.get(equip, "REAL"), model=cell("model"), make=cell("make"),
            type_code=cell("type_code"), year=int(year) if year.isdigit() else None, category_class=category_class,
            gear=cell("gear"), engine=cell("engine"))
        if equip not in c.EQUIP_TYPES:
            self.logbook.notes.append(RowProblem(line, "equipType", f"{equip!r} is not aircraft, ffs, ftd, aatd or batd; "
                                                                    f"{tail} was read as an aircraft"))


def _is_types_row(cells: list[str]) -> bool:
    values = [cell.lower() for cell in cells if cell]
    return bool(values) and all(value in _TYPE_WORDS for value in values)


def _foreflight_version(header: list[str]) -> str:
    keys = {c.header_key(cell) for cell in header}
    if any(cell.strip().lower().endswith("(faa)") for cell in header):
        return "export"
    if "landingfullstopday" in keys:
        return "2026"
    if "picus" in keys:
        return "2025"
    return "2022"


def _index(header: list[str], columns: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Internal key → the column holding it: the first alias (in priority order) the header has."""
    positions: dict[str, int] = {}
    for position, cell in enumerate(header):
        positions.setdefault(c.header_key(cell), position)
    index = {}
    for key, aliases in columns.items():
        for alias in aliases:
            position = positions.get(c.header_key(alias))
            if position is not None:
                index[key] = position
                break
    return index


# --- one row ----------------------------------------------------------------------------------------


class _RowMapper:
    def __init__(self, file_format: str, header: list[str], columns: dict[str, tuple[str, ...]], logbook: LogbookFile,
                 *, comma_decimal: bool = False):
        self.format, self.header, self.logbook, self.comma_decimal = file_format, header, logbook, comma_decimal
        self.index = _index(header, columns)
        self.seen: dict[str, int] = {}  # identity key → times seen in this file (same-day flights without times)
        self.names = [(position, cell.strip()) for position, cell in enumerate(header) if cell.strip()]
        self.width = len(header)  # short rows are padded to it, so a cell lookup never checks the length
        self.aircraft_raw: dict[str, dict] = {}  # tail → its facts as stored in raw (computed once per aircraft)
        # MyFlightbook's export has a column per property the pilot used, titled as the property (Backup.cs):
        # those not read into a field above are kept as the flight's properties (issue 20).
        used = set(self.index.values())
        self.property_columns: list[tuple[int, PropertyType]] = []
        if file_format == c.MYFLIGHTBOOK:
            for position, name in self.names:
                kind = property_type_by_title(name)
                if kind is not None and position not in used and kind.id not in c.MYFLIGHTBOOK_PROPERTY_COLUMNS_TAKEN:
                    self.property_columns.append((position, kind))

    def row(self, line: int, cells: list[str]) -> ParsedRow:
        return _Row(self, line, cells).parse()


class _Row:
    def __init__(self, mapper: _RowMapper, line: int, cells: list[str]):
        if len(cells) < mapper.width:
            cells = cells + [""] * (mapper.width - len(cells))
        self.mapper, self.line, self.cells = mapper, line, cells
        self.problems: list[RowProblem] = []

    def column(self, key: str) -> str | None:
        index = self.mapper.index.get(key)
        return self.mapper.header[index].strip() if index is not None else None

    def text(self, key: str) -> str:
        index = self.mapper.index.get(key)
        return "" if index is None else self.cells[index]

    def _read(self, key: str, parse, default):
        value = self.text(key)
        if not value:
            return default
        try:
            return parse(value)
        except CellError as exc:
            self.problems.append(RowProblem(self.line, self.column(key), str(exc)))
            return default

    def hours(self, key: str) -> Decimal:
        return self._read(key, lambda value: parse_duration(value, comma_decimal=self.mapper.comma_decimal), Decimal("0"))

    def count(self, key: str) -> int | None:
        return self._read(key, parse_count, None)

    def takeoffs(self, key: str) -> int | None:
        """ForeFlight and LogTen leave a zero blank, so a blank cell in a takeoff column is 0; only a file
        without the column at all falls back to the landings (issue 12's rule for a missing takeoff count)."""
        if key not in self.mapper.index:
            return None
        return self.count(key) or 0

    def parse(self) -> ParsedRow:
        day = self._date()
        fields: dict = {}
        fields["date"] = day
        fields["tail_number"] = self.text("tail").upper()
        for key, name in HOUR_KEYS.items():
            fields[name] = self.hours(key)
        self._places(fields)
        self._times(fields, day)
        self._landings(fields)
        self._approaches(fields)
        self._people(fields)
        self._record(fields, day)
        fields["remarks"] = self.text("remarks")
        aircraft = self._aircraft(fields)
        for name, limit in TEXT_LIMITS.items():
            if len(fields.get(name) or "") > limit:
                self.problems.append(RowProblem(self.line, self._column_of(name), f"{len(fields[name])} characters; "
                                                                                  f"at most {limit} fit"))
        if self.problems or day is None:
            return ParsedRow(self.line, None, self.problems)
        raw = {"format": self.mapper.format, "cells": self._cells()}
        if aircraft is not None and self.mapper.format == c.FOREFLIGHT:
            known = self.mapper.aircraft_raw
            raw["aircraft"] = known.get(aircraft.registration) or known.setdefault(aircraft.registration, aircraft.as_dict())
        digest = hashlib.sha256(json.dumps(raw, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
        flight = ParsedFlight(self.line, fields, self._identity(fields), digest, raw, aircraft)
        return ParsedRow(self.line, flight, [])

    def _record(self, fields: dict, day: date | None) -> None:
        """The rest of the record (issue 20): meter readings, engine times, the class the flight was logged in,
        MyFlightbook's properties by their titles, and the flight review / IPC / checkride markers (by the
        properties' flags, or ForeFlight's FlightReview, IPC and Checkride columns)."""
        for key in ("hobbs_start", "hobbs_end", "tach_start", "tach_end"):
            fields[key] = self._read(key, _meter, None)
        for key in ("engine_start", "engine_end"):
            fields[key] = self._read(key, lambda value: parse_moment(value, day), None)
        override = self.count("cat_class_override")
        fields["category_class"] = category_class_name(override) if override else ""
        for position, kind in self.mapper.property_columns:
            value = self.cells[position].strip()
            if not value:
                continue
            try:
                prop = _property(kind, value, day)
            except CellError as exc:
                self.problems.append(RowProblem(self.line, kind.title, str(exc)))
                continue
            if prop is not None:
                fields["custom_properties"].append(prop)
        markers = markers_for(fields["custom_properties"])
        for name in ("flight_review", "ipc", "checkride"):
            fields[name] = getattr(markers, name) or (name in self.mapper.index and self._read(name, parse_bool, False))
        fields["glider_instrument_maneuvers"] = markers.glider_instrument_maneuvers
        fields["glider_passenger_maneuvers"] = markers.glider_passenger_maneuvers

    def _column_of(self, name: str) -> str | None:
        key = {"tail_number": "tail", "departure": "from", "destination": "to", "aircraft_type": "model"}.get(name, name)
        return self.column(key) or self.column("route")

    def _cells(self) -> dict:
        cells = self.cells
        return {name: cells[position] for position, name in self.mapper.names if cells[position]}

    def _date(self) -> date | None:
        value = self.text("date")
        column = self.column("date")
        if not value:
            clocks = [self.text(key) for key in ("time_out", "time_off", "time_on", "time_in", "block_out", "flight_start")]
            if any(clocks):
                self.problems.append(RowProblem(self.line, column, "no date, but clock times: a clock time without a date "
                                                                   "cannot be placed; add the flight's date"))
            else:
                self.problems.append(RowProblem(self.line, column, "no date"))
            return None
        try:
            return parse_date(value)
        except CellError as exc:
            self.problems.append(RowProblem(self.line, column, str(exc)))
            return None

    def _places(self, fields: dict) -> None:
        route = " ".join(self.text("route").split())
        departure, destination = self.text("from").upper(), self.text("to").upper()
        if self.mapper.format == c.MYFLIGHTBOOK and not (departure or destination):
            # MyFlightbook keeps one Route ("KPDX KSEA"); departure and destination are its ends, as the sync reads them.
            departure, destination = split_route(route)
        fields.update(departure=departure, destination=destination, route=route)

    def _times(self, fields: dict, day: date | None) -> None:
        if self.mapper.format == c.MYFLIGHTBOOK:
            keys = (("block_out", "block_out"), ("flight_start", "takeoff_at"), ("flight_end", "landing_at"),
                    ("block_in", "block_in"))
        else:
            keys = (("time_out", "block_out"), ("time_off", "takeoff_at"), ("time_on", "landing_at"), ("time_in", "block_in"))
        clocks: list[time | None] = []
        full: dict[int, datetime] = {}
        for position, (key, _name) in enumerate(keys):
            value = self.text(key)
            clocks.append(None)
            if not value:
                continue
            try:
                if len(value) > 8:  # a whole timestamp (MyFlightbook's `yyyy-MM-dd HH:mm:ssZ`, LogTen's date + time)
                    full[position] = parse_moment(value, day)
                else:
                    clocks[position] = parse_clock(value)
            except CellError as exc:
                self.problems.append(RowProblem(self.line, self.column(key), str(exc)))
        if day is None:
            return
        moments = chain_clock_times(day, clocks)
        for position, (_key, name) in enumerate(keys):
            fields[name] = full.get(position, moments[position])

    def _landings(self, fields: dict) -> None:
        """Every file's counts → our four landing counts and two takeoff counts (issue 12's rules)."""
        if self.mapper.format == c.LOGTEN:
            # LogTen's day/night landings are all landings; its full stops are not split by day and night.
            # Without a full-stop count they are read as full stops (as MyFlightbook's LogTen import reads them);
            # with one, full stops go to day first, so a night full stop is never credited that did not happen.
            day_all, night_all = self.count("day_landings") or 0, self.count("night_landings") or 0
            full_stops = self.count("full_stops")
            if full_stops is None:
                day_fs, night_fs = day_all, night_all
            else:
                day_fs = min(full_stops, day_all)
                night_fs = min(full_stops - day_fs, night_all)
            day_takeoffs, night_takeoffs = self.takeoffs("day_takeoffs"), self.takeoffs("night_takeoffs")
        elif self.mapper.format == c.MYFLIGHTBOOK:
            # MyFlightbook: Landings = all, FS Day = day full stop, FS Night = night full stop, and its own export's
            # "Landings - Touch and Go (Night)" (property 397) the night touch-and-goes; night landings capped at
            # Landings as MyFlightbook caps them (NetNightLandings, issue 20). Takeoffs (any) includes the night ones.
            day_fs, night_fs = self.count("day_fs") or 0, self.count("night_fs") or 0
            total = self.count("all_landings")
            total = day_fs + night_fs if total is None else max(total, day_fs + night_fs)
            night_all = min(night_fs + (self.count("night_tg") or 0), total)
            day_all = total - night_all
            night_takeoffs = self.count("night_takeoffs")
            any_takeoffs = self.count("any_takeoffs")
            night_counted = night_all if night_takeoffs is None else night_takeoffs
            day_takeoffs = None if any_takeoffs is None else max(any_takeoffs - night_counted, 0)
        else:
            day_fs, night_fs = self.count("day_fs") or 0, self.count("night_fs") or 0
            day_tg, night_tg = self.count("day_tg"), self.count("night_tg")
            if day_tg is None and night_tg is None and (total := self.count("all_landings")) is not None:
                # 2022/2025: an all-landings total and no touch-and-go split; the rest of the total counts as day.
                day_tg, night_tg = max(total - day_fs - night_fs, 0), 0
            day_all, night_all = day_fs + (day_tg or 0), night_fs + (night_tg or 0)
            day_takeoffs, night_takeoffs = self.takeoffs("day_takeoffs"), self.takeoffs("night_takeoffs")
        fields.update(day_landings=day_all, night_landings=night_all, day_full_stop_landings=day_fs,
                      night_full_stop_landings=night_fs,
                      night_takeoffs=night_all if night_takeoffs is None else night_takeoffs,
                      day_takeoffs=day_all if day_takeoffs is None else day_takeoffs)
        # A count the file did not give is inferred (one per landing, issue 12): say so, and keep what the file
        # did give as MyFlightbook's takeoff properties, so a file written from it carries only those (issue 20).
        fields["takeoffs_inferred"] = (fields["night_takeoffs"], fields["day_takeoffs"]) != (
            night_takeoffs or 0, day_takeoffs or 0)
        logged = []
        if fields["takeoffs_inferred"] and night_takeoffs is not None:
            logged.append({"PropTypeID": PROP_NIGHT_TAKEOFFS, "IntValue": night_takeoffs})
        if fields["takeoffs_inferred"] and day_takeoffs is not None:
            logged.append({"PropTypeID": PROP_TAKEOFFS_ANY, "IntValue": day_takeoffs + (night_takeoffs or 0)})
        fields["custom_properties"] = logged

    def _approaches(self, fields: dict) -> None:
        total, first_type = 0, ""
        for n in range(1, 11):
            value = self.text(f"approach{n}")
            if not value:
                continue
            parts = [part.strip() for part in value.split(";")]
            if len(parts) == 1 and not parts[0].isdigit():
                parts = ["1", parts[0]]  # a bare procedure name (LogTen, MFB's Approach N) is one approach
            try:
                count = parse_count(parts[0]) if parts[0] else 1
            except CellError as exc:
                reason = f"{exc} (the count before the first ';')"
                self.problems.append(RowProblem(self.line, self.column(f"approach{n}"), reason))
                continue
            total += count
            if not first_type and len(parts) > 1:
                first_type = parts[1]
        counted = self.count("approaches")
        fields["approaches"] = counted if counted is not None else total
        names = self.text("approach_names")
        fields["approach_type"] = (first_type or names)[:APPROACH_TYPE_LENGTH]
        holds = self.text("holds") or self.text("hold")
        key = "holds" if self.text("holds") else "hold"
        if holds.lower() in ("yes", "true", "x", "y"):
            fields["holds"] = 1  # MyFlightbook's Hold is yes/no
        else:
            fields["holds"] = self.count(key) or 0

    def _people(self, fields: dict) -> None:
        for name in ("pic_name", "sic_name", "instructor_name", "student_name"):
            fields[name] = self.text(name)
        for n in range(1, 7):
            value = self.text(f"person{n}")
            if not value:
                continue
            parts = [part.strip() for part in value.split(";")]
            role = c.PERSON_ROLES.get(parts[1].lower() if len(parts) > 1 else "")
            if role and not fields[role]:
                fields[role] = parts[0]

    def _aircraft(self, fields: dict) -> AircraftFacts | None:
        tail = fields["tail_number"]
        if self.mapper.format == c.MYFLIGHTBOOK and tail.startswith("#"):
            # MyFlightbook's anonymous aircraft ("#(Anonymous DA40)", Aircraft.cs): a model, not a registration.
            fields["tail_number"] = ""
            fields["aircraft_type"] = self.text("model") or tail.strip("#()").removeprefix("ANONYMOUS").strip()
            fields["simulator_type"] = "REAL"
            return None
        known = self.mapper.logbook.aircraft.get(tail)
        if known is None and tail:
            category = self.text("category_class") or " ".join(p for p in (self.text("category"), self.text("class")) if p)
            device = _device_from_category(category)
            if self.mapper.format == c.MYFLIGHTBOOK and tail.startswith("SIM") and device == "REAL":
                # MyFlightbook's convention (CountryCodes.cs ~21): a tail starting SIM is a simulator. Its
                # device class is not in the file, so it earns no §61.57(c) credit until the pilot says which.
                device = "FLAPS"
            known = AircraftFacts(registration=tail, device_class=device,
                                  model=self.text("model"), make=self.text("make"), type_code=self.text("type_code"),
                                  category_class=category, engine=self.text("engine"))
            self.mapper.logbook.aircraft[tail] = known
        fields["aircraft_type"] = (known.model or known.type_code) if known else self.text("model")
        fields["simulator_type"] = known.device_class if known else "REAL"
        return known

    def _identity(self, fields: dict) -> str:
        """The file's own flight id where it has one, else a digest of date, aircraft, route and clock times.

        Hours are left out on purpose: a corrected total is the same flight, updated. Two flights alike in
        all of these (same day, aircraft and route, no times) are told apart by their order in the file.
        """
        flight_id = self.text("flight_id")
        if flight_id:
            return f"{MYFLIGHTBOOK_FILE_ID}{flight_id}"
        moments = (fields.get(name) for name in ("block_out", "takeoff_at", "landing_at", "block_in"))
        times = [moment.isoformat() if moment else "" for moment in moments]
        key = "|".join([fields["date"].isoformat(), fields["tail_number"], fields["departure"], fields["destination"],
                        fields["route"].upper(), *times])
        seen = self.mapper.seen.get(key, 0) + 1
        self.mapper.seen[key] = seen
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]
        return f"csv:{digest}" if seen == 1 else f"csv:{digest}#{seen}"


def _meter(text: str) -> Decimal:
    """A Hobbs or tach reading: a positive number with at most 2 places (MyFlightbook's DECIMAL(10,2))."""
    try:
        value = Decimal(text.replace(",", ""))
    except ArithmeticError:
        raise CellError(f"{text!r} is not a meter reading") from None
    if not value.is_finite() or value < 0 or value >= Decimal("100000000") or value != value.quantize(Decimal("0.01")):
        raise CellError(f"{text!r} is not a meter reading (a number with at most 2 decimals)")
    return value.quantize(Decimal("0.01")) if value else None


def _property(kind: PropertyType, text: str, day: date | None) -> dict | None:
    """One property cell of MyFlightbook's export → the property as MyFlightbook's JSON holds it; None for a
    default value (false, 0), which MyFlightbook does not store either."""
    prop: dict = {"PropTypeID": kind.id}
    if kind.type == "boolean":
        if not parse_bool(text):
            return None
        prop["BoolValue"] = True
    elif kind.type == "int":
        count = parse_count(text)
        if not count:
            return None
        prop["IntValue"] = count
    elif kind.type in ("decimal", "currency"):
        value = parse_duration(text) if kind.type == "decimal" else _meter(text)
        if not value:
            return None
        prop["DecValue"] = float(value)
    elif kind.type in ("date", "datetime"):
        moment = parse_moment(text, day)
        if moment is None:
            return None
        prop["DateValue"] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    else:
        prop["TextValue"] = text[:127]
    return prop


def _device_from_category(category: str) -> str:
    """A category text that names a training device → its class; any other simulator earns no credit (FLAPS)."""
    text = category.strip().lower()
    for word, device in (("ffs", "FFS"), ("ftd", "FTD"), ("batd", "FLAPS"), ("aatd", "AATD"), ("atd", "AATD")):
        if word in text.split() or text == word:
            return device
    if "sim" in text or "training device" in text:
        return "FLAPS"
    return "REAL"
