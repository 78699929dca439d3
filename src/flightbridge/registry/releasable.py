"""Read the FAA "Releasable Aircraft Database" (ReleasableAircraft.zip, or a folder of its .txt files) as plain records.

Streaming and database-free: MASTER and DEREG are read row by row (never a whole-file list, never a
whole member, never an unbounded line), only the small ACFTREF and ENGINE reference tables are held
in memory for the join. Columns are found by header name, never by position (the layout has drifted
over the years). A bad row is reported with its file and line and skipped; it must never abort the
read. A file that cannot be read at all raises `FatalError` naming it: missing, not the ZIP it claims
to be (truncated, corrupt deflate, bad CRC), over the size caps (a ZIP bomb), a line over the length
cap, or a missing required column. Memory stays bounded by the line cap whatever the file holds.
"""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TextIO

from flightbridge.errors import FatalError

from .nnumber import is_valid_n_number, mode_s_hex, mode_s_octal_to_hex

MASTER, ACFTREF, ENGINE, DEREG = "MASTER.txt", "ACFTREF.txt", "ENGINE.txt", "DEREG.txt"

_HEADER_SEPARATORS = re.compile(r"[\s\-_]+")
_HEX = re.compile(r"[0-9A-F]{6}")


def header_key(name: str) -> str:
    """MASTER says `MFR MDL CODE`, DEREG says `MFR-MDL-CODE`, and one header reads `, KIT MODEL`: one key for all."""
    return _HEADER_SEPARATORS.sub(" ", name.replace("\ufeff", "")).strip().upper()


# DEREG's spelling of a MASTER column, after header_key().
_ALIASES = {"LAST ACT DATE": "LAST ACTION DATE"}


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    field: str
    reason: str
    skipped: bool  # True: the row was not stored; False: stored with this field blanked

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        action = "row skipped" if self.skipped else "field left blank"
        where = f"{self.file} line {self.line}" + (f" field {self.field}" if self.field else "")
        return f"{where}: {self.reason} ({action})"


class RowError(ValueError):
    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field, self.reason = field, reason


@dataclass(frozen=True)
class ModelRef:
    """One ACFTREF row: the make/model/series a MFR MDL CODE stands for."""

    manufacturer: str
    model: str
    type_aircraft: str
    type_engine: str
    category: str
    builder_certification: str
    engines: int | None
    seats: int | None
    weight_class: str
    speed: int | None = None  # average cruising speed, miles per hour (ardata); 0 when the FAA does not know
    tc_data_sheet: str = ""
    tc_data_holder: str = ""


@dataclass(frozen=True)
class EngineRef:
    manufacturer: str
    model: str
    type_engine: str
    horsepower: int | None
    thrust: int | None


@dataclass(frozen=True)
class Limits:
    """Caps on what one load may read. The real download (2026) is ~60 MB zipped, ~450 MB unzipped,
    MASTER.txt ~180 MB with lines of ~600 characters: the defaults leave room for growth, no more."""

    member_bytes: int = 1024 * 1024 * 1024
    total_bytes: int = 2 * 1024 * 1024 * 1024
    line_chars: int = 16 * 1024
    #: Lines per file, empty ones included (MASTER has ~300,000): 800 MiB of empty lines, 800 KB zipped, is
    #: under every byte cap and used to be read for minutes (issue 22).
    lines: int = 3_000_000
    #: The whole load, reading and writing: past it the load stops and nothing of it becomes current.
    seconds: float = 1800.0


class _CappedReader(io.RawIOBase):
    """A member's bytes, counted as they are read: the ZIP's own size fields can lie, the count cannot."""

    def __init__(self, raw, file_name: str, source: "ReleasableSource"):
        self._raw, self._file_name, self._source = raw, file_name, source
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._raw.read(len(buffer))
        self._read += len(data)
        self._source._count(self._file_name, len(data), self._read)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


def _capped_lines(handle: TextIO, file_name: str, limits: Limits, deadline: float) -> Iterator[str]:
    """The handle's lines, refusing one longer than the cap before it is ever held whole, more lines than the
    cap, and reading past the load's time limit."""
    limit = limits.line_chars
    line_number = 0
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        line_number += 1
        if len(line) > limit and not line.endswith(("\n", "\r")):
            raise FatalError(f"{file_name} line {line_number} is longer than {limit} characters; "
                             "this is not a registry file FlightBridge can read (or it is damaged)")
        if line_number > limits.lines:
            raise FatalError(f"{file_name} has more than {limits.lines:,} lines (FLIGHTBRIDGE_REGISTRY_MAX_LINES); "
                             "this is not the FAA file (or it is damaged)")
        if line_number % 10_000 == 0 and time.monotonic() > deadline:
            raise FatalError(f"{file_name}: the load ran longer than {limits.seconds:.0f} s "
                             f"(FLIGHTBRIDGE_REGISTRY_MAX_SECONDS) and stopped at line {line_number:,}; nothing of it "
                             "was made current")
        yield line


class ReleasableSource:
    """The files of one download: a ZIP, a folder, or the path of a MASTER.txt inside a folder.

    A file path is read as the ZIP it must be; a damaged one is an error, never a reason to look at
    the folder around it (a truncated download once loaded an old MASTER.txt lying beside it).
    """

    def __init__(self, path: str | Path, limits: Limits | None = None):
        self.path = Path(path)
        self.limits = limits or Limits()
        self.deadline = time.monotonic() + self.limits.seconds
        self._zip: zipfile.ZipFile | None = None
        self._members: dict[str, object] = {}
        self._total = 0
        if self.path.is_dir() or (self.path.is_file() and self.path.suffix.lower() == ".txt"):
            folder = self.path if self.path.is_dir() else self.path.parent
            self._members = {entry.name.upper(): entry for entry in folder.iterdir() if entry.is_file()}
        elif self.path.is_file():
            try:
                self._zip = zipfile.ZipFile(self.path)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
                raise FatalError(f"{self.path}: not a readable ZIP file ({exc}); it may be truncated or damaged, "
                                 "download ReleasableAircraft.zip again") from None
            # The FAA puts the files at the top; a re-zipped download may nest them in a folder.
            for info in self._zip.infolist():
                if not info.is_dir():
                    self._members.setdefault(info.filename.rsplit("/", 1)[-1].upper(), info)
                    if info.file_size > self.limits.member_bytes:
                        raise FatalError(f"{self.path}: {info.filename} would unpack to {info.file_size} bytes, over the "
                                         f"{self.limits.member_bytes}-byte cap for one file (a ZIP bomb, or not the FAA file)")
        else:
            raise FatalError(f"{self.path}: no such file or folder (expected ReleasableAircraft.zip or a folder of its .txt files)")
        if not self.has(MASTER):
            raise FatalError(f"{self.path}: no {MASTER} in it; is this the FAA releasable aircraft database?")
        if not self.has(ACFTREF):
            raise FatalError(f"{self.path}: no {ACFTREF} in it; MASTER.txt alone cannot name the aircraft models")

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> ReleasableSource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def has(self, name: str) -> bool:
        return name.upper() in self._members

    def file_date(self, name: str = MASTER) -> date | None:
        member = self._members.get(name.upper())
        if member is None:
            return None
        if isinstance(member, zipfile.ZipInfo):
            return date(*member.date_time[:3])
        return datetime.fromtimestamp(member.stat().st_mtime).date()

    def _count(self, file_name: str, new_bytes: int, member_bytes: int) -> None:
        self._total += new_bytes
        if member_bytes > self.limits.member_bytes:
            raise FatalError(f"{self.path}: {file_name} unpacks to more than {self.limits.member_bytes} bytes, the cap "
                             "for one file (a ZIP bomb, or not the FAA file)")
        if self._total > self.limits.total_bytes:
            raise FatalError(f"{self.path}: the files unpack to more than {self.limits.total_bytes} bytes in all, the cap "
                             "for one load (a ZIP bomb, or not the FAA file)")

    @contextmanager
    def open(self, name: str) -> Iterator[Iterator[str]]:
        """The member's lines (at most `limits.line_chars` each); any read failure is one FatalError naming the file."""
        member = self._members[name.upper()]
        file_name = member.filename if isinstance(member, zipfile.ZipInfo) else member.name
        try:
            raw = self._zip.open(member) if isinstance(member, zipfile.ZipInfo) else member.open("rb")
            capped = io.BufferedReader(_CappedReader(raw, file_name, self), buffer_size=64 * 1024)
            # utf-8-sig drops the byte-order mark every FAA file starts with; a stray bad byte in a name
            # becomes U+FFFD (valid text, never a lone surrogate) rather than failing 300,000 rows.
            with io.TextIOWrapper(capped, encoding="utf-8-sig", errors="replace", newline="") as handle:
                yield _capped_lines(handle, file_name, self.limits, self.deadline)
        except FatalError:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, csv.Error, OSError, ValueError) as exc:
            # zlib.error: corrupt deflate; BadZipFile: bad CRC or header; EOFError: a member cut short.
            raise FatalError(f"{self.path}: {file_name} cannot be read ({type(exc).__name__}: {exc}); the file is "
                             "damaged or truncated, download it again") from None


def read_rows(handle: Iterable[str], file_name: str, required: tuple[str, ...], report: Callable[[Problem], None]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {header key: stripped value}) for each data row; malformed rows are reported and skipped."""
    reader = csv.reader(handle)
    try:
        header = next(reader)
    except StopIteration:
        raise FatalError(f"{file_name} is empty: it has no header row") from None
    keys = [_ALIASES.get(header_key(name), header_key(name)) for name in header]
    missing = [name for name in required if name not in keys]
    if missing:
        raise FatalError(f"{file_name}: the header has no column {', '.join(missing)} (found: {', '.join(k for k in keys if k)})")
    # Every line ends with a comma, so the last header cell is empty; it names nothing.
    named = [(index, key) for index, key in enumerate(keys) if key]
    unnamed = [index for index, key in enumerate(keys) if not key]
    width = max(index for index, _key in named) + 1
    for row in reader:
        if not row or not any(cell.strip() for cell in row):
            continue
        line = reader.line_num
        # A short row was cut off; a value where the header names nothing means a comma inside a
        # value shifted the columns. Either way no field can be trusted.
        if len(row) < width or any(cell.strip() for cell in row[len(keys):]) or any(
            index < len(row) and row[index].strip() for index in unnamed
        ):
            report(Problem(file_name, line, "", f"the row has {len(row)} fields where the header has {len(keys)} "
                           "(cut off, or a comma inside a value)", True))
            continue
        yield line, {key: row[index].strip() for index, key in named}


def parse_date(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        raise RowError(field, f"{value!r} is not a YYYYMMDD date") from None


def parse_int(value: str, field: str) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise RowError(field, f"{value!r} is not a whole number")
    return int(value)


def parse_year(value: str) -> int | None:
    year = parse_int(value, "YEAR MFR")
    if year in (None, 0):
        return None
    if not 1900 <= year <= 2100:
        raise RowError("YEAR MFR", f"{value!r} is not a year")
    return year


def parse_n_number(value: str) -> str:
    """MASTER stores `1801U` (no N, padded): return it without the N after checking the full mark."""
    body = value.upper()
    if body.startswith("N") and not is_valid_n_number(f"N{body}"):
        body = body[1:]  # tolerate an export that already added the N
    if not is_valid_n_number(f"N{body}"):
        raise RowError("N-NUMBER", f"{value!r} is not a valid US registration mark")
    return body


def read_acftref(source: ReleasableSource, report: Callable[[Problem], None]) -> dict[str, ModelRef]:
    table: dict[str, ModelRef] = {}
    with source.open(ACFTREF) as handle:
        for line, row in read_rows(handle, ACFTREF, ("CODE", "MFR", "MODEL"), report):
            fields = _Fields(ACFTREF, line, report)
            code = row["CODE"]
            if not code:
                report(Problem(ACFTREF, line, "CODE", "blank code", True))
                continue
            table[code] = ModelRef(
                manufacturer=row["MFR"],
                model=row["MODEL"],
                type_aircraft=row.get("TYPE ACFT", ""),
                type_engine=row.get("TYPE ENG", ""),
                category=row.get("AC CAT", ""),
                builder_certification=row.get("BUILD CERT IND", ""),
                engines=fields.get(parse_int, row.get("NO ENG", ""), "NO-ENG"),
                seats=fields.get(parse_int, row.get("NO SEATS", ""), "NO-SEATS"),
                weight_class=row.get("AC WEIGHT", ""),
                speed=fields.get(parse_int, row.get("SPEED", ""), "SPEED") or None,
                tc_data_sheet=row.get("TC DATA SHEET", ""),
                tc_data_holder=row.get("TC DATA HOLDER", ""),
            )
    return table


def read_engines(source: ReleasableSource, report: Callable[[Problem], None]) -> dict[str, EngineRef]:
    table: dict[str, EngineRef] = {}
    if not source.has(ENGINE):
        return table
    with source.open(ENGINE) as handle:
        for line, row in read_rows(handle, ENGINE, ("CODE",), report):
            fields = _Fields(ENGINE, line, report)
            if not row["CODE"]:
                report(Problem(ENGINE, line, "CODE", "blank code", True))
                continue
            table[row["CODE"]] = EngineRef(
                manufacturer=row.get("MFR", ""),
                model=row.get("MODEL", ""),
                type_engine=row.get("TYPE", ""),
                horsepower=fields.get(parse_int, row.get("HORSEPOWER", ""), "HORSEPOWER") or None,
                thrust=fields.get(parse_int, row.get("THRUST", ""), "THRUST") or None,
            )
    return table


class _Fields:
    """Parse optional fields of one row: a bad value is reported and left blank, the row is kept."""

    def __init__(self, file_name: str, line: int, report: Callable[[Problem], None]):
        self.file_name, self.line, self.report = file_name, line, report

    def get(self, parse, value: str, *args):
        try:
            return parse(value, *args)
        except RowError as exc:
            self.warn(exc.field, exc.reason)
            return None

    def warn(self, field: str, reason: str) -> None:
        self.report(Problem(self.file_name, self.line, field, reason, False))


MASTER_REQUIRED = ("N NUMBER", "MFR MDL CODE")
DEREG_REQUIRED = ("N NUMBER",)  # DEREG is optional and its layout varies most: only the mark is required


def iter_aircraft(
    source: ReleasableSource,
    file_name: str,
    models: dict[str, ModelRef],
    engines: dict[str, EngineRef],
    report: Callable[[Problem], None],
) -> Iterator[dict]:
    """MASTER or DEREG rows as field dicts for `RegistryAircraft`, joined to ACFTREF and ENGINE."""
    is_master = file_name == MASTER
    seen: set[str] = set()
    with source.open(file_name) as handle:
        for line, row in read_rows(handle, file_name, MASTER_REQUIRED if is_master else DEREG_REQUIRED, report):
            try:
                n_number = parse_n_number(row["N NUMBER"])
            except RowError as exc:
                report(Problem(file_name, line, exc.field, exc.reason, True))
                continue
            if is_master:
                # MASTER holds one row per mark; a second one would make lookups ambiguous.
                if n_number in seen:
                    report(Problem(file_name, line, "N-NUMBER", f"N{n_number} appears twice in {file_name}", True))
                    continue
                seen.add(n_number)
            fields = _Fields(file_name, line, report)
            model_code = row.get("MFR MDL CODE", "")
            model = models.get(model_code)
            if model is None:
                fields.warn("MFR MDL CODE", f"{model_code!r} is not in {ACFTREF}: no make and model")
            engine = engines.get(row.get("ENG MFR MDL", ""))
            octal = row.get("MODE S CODE", "")
            hex_code = row.get("MODE S CODE HEX", "").upper()
            if not _HEX.fullmatch(hex_code):
                # Older layouts have only the octal code; the mark itself determines the address too.
                hex_code = mode_s_octal_to_hex(octal) or mode_s_hex(f"N{n_number}") or ""
            yield {
                "source": "master" if is_master else "dereg",
                "line": line,
                "n_number": n_number,
                "serial_number": row.get("SERIAL NUMBER", ""),
                "mfr_mdl_code": model_code,
                "eng_mfr_mdl": row.get("ENG MFR MDL", ""),
                "manufacturer": model.manufacturer if model else "",
                "model": model.model if model else "",
                "type_aircraft": row.get("TYPE AIRCRAFT") or (model.type_aircraft if model else ""),
                "type_engine": row.get("TYPE ENGINE") or (model.type_engine if model else "") or (engine.type_engine if engine else ""),
                "category": model.category if model else "",
                "builder_certification": model.builder_certification if model else "",
                "engines": model.engines if model else None,
                "seats": model.seats if model else None,
                "weight_class": model.weight_class if model else "",
                "engine_manufacturer": engine.manufacturer if engine else "",
                "engine_model": engine.model if engine else "",
                "horsepower": engine.horsepower if engine else None,
                "thrust": engine.thrust if engine else None,
                "year": fields.get(parse_year, row.get("YEAR MFR", "")),
                "registrant_type": row.get("TYPE REGISTRANT", ""),
                "certification": row.get("CERTIFICATION", ""),
                "status_code": row.get("STATUS CODE", ""),
                "mode_s_octal": octal,
                "mode_s_hex": hex_code,
                "cert_issue_date": fields.get(parse_date, row.get("CERT ISSUE DATE", ""), "CERT ISSUE DATE"),
                "airworthiness_date": fields.get(parse_date, row.get("AIR WORTH DATE", ""), "AIR WORTH DATE"),
                "last_action_date": fields.get(parse_date, row.get("LAST ACTION DATE", ""), "LAST ACTION DATE"),
                "expiration_date": fields.get(parse_date, row.get("EXPIRATION DATE", ""), "EXPIRATION DATE"),
                "cancel_date": fields.get(parse_date, row.get("CANCEL DATE", ""), "CANCEL DATE"),
                "kit_manufacturer": row.get("KIT MFR", ""),
                "kit_model": row.get("KIT MODEL", ""),
                "unique_id": row.get("UNIQUE ID", ""),
            }
