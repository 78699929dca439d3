"""The airport database: normalize an identifier, name it, and convert local wall-clock times to UTC and back.

Backed by airportsdata (ICAO, IATA and FAA LID tables, loaded once, lazily) plus our own small
`data/airport_overrides.csv` for identifiers airportsdata lacks (closed fields, heliports), with
zoneinfo + tzdata for the time zones. Offline by design: it must never reach the network, and an
unknown identifier is an answer (`None` / the cleaned input), never an exception.
"""

from __future__ import annotations

import csv
import re
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from .interfaces import Airport, LocalTime

OVERRIDES_PATH = Path(__file__).with_name("data") / "airport_overrides.csv"

# A real ICAO location indicator is four letters. airportsdata invents "pseudo-ICAO" keys for
# US fields that have none (K + a 3-character LID with a digit, the 4-character LID itself,
# "_" + IATA for seaplane bases); those are not ICAO codes and must not be shown as such.
_REAL_ICAO = re.compile(r"[A-Z]{4}")
_NOT_IDENT = re.compile(r"[^A-Z0-9_]")


@dataclass(frozen=True)
class _Tables:
    icao: dict[str, dict]
    iata: dict[str, dict]
    lid: dict[str, dict]
    overrides: dict[str, dict]  # keyed by every identifier (ICAO, IATA, LID) a row carries


_tables: _Tables | None = None
_tables_lock = threading.Lock()
_zones: dict[str, ZoneInfo] = {}


def _load_overrides(path: Path = OVERRIDES_PATH) -> dict[str, dict]:
    rows: dict[str, dict] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            row = {key.strip(): (value or "").strip() for key, value in row.items()}
            row["lat"] = float(row["lat"]) if row.get("lat") else None
            row["lon"] = float(row["lon"]) if row.get("lon") else None
            for key in ("icao", "iata", "lid"):
                if row.get(key):
                    rows.setdefault(row[key].upper(), row)
    return rows


def _load() -> _Tables:
    """Each airportsdata.load() re-reads a 3 MB CSV (~0.15 s): do it once per process."""
    global _tables
    if _tables is None:
        with _tables_lock:
            if _tables is None:
                import airportsdata

                _tables = _Tables(
                    icao=airportsdata.load("ICAO"),
                    iata=airportsdata.load("IATA"),
                    lid=airportsdata.load("LID"),
                    overrides=_load_overrides(),
                )
    return _tables


def _clean(code: str) -> str:
    """`" kjfk/28R "` → `"KJFK"`: upper-case, drop a runway or remark after "/", trim spaces."""
    return "".join((code or "").upper().split("/", 1)[0].split())


def _find(cleaned: str) -> dict | None:
    cleaned = _NOT_IDENT.sub("", cleaned)
    if not cleaned:
        return None
    tables = _load()
    if len(cleaned) == 4:
        row = tables.icao.get(cleaned)
        if row is not None:
            return row
    if len(cleaned) == 3:
        # A 3-character code is usually US-style input: the FAA LID first (it also knows the
        # private strips with digits), then IATA. For the big airports both agree (JFK).
        row = tables.lid.get(cleaned) or tables.iata.get(cleaned)
        if row is not None:
            return row
    row = tables.lid.get(cleaned) or tables.overrides.get(cleaned)
    if row is None and len(cleaned) == 4 and cleaned.startswith("K"):
        # "K0A9"-style input for a field airportsdata keys differently (e.g. a 3-character LID).
        row = tables.lid.get(cleaned[1:]) or tables.overrides.get(cleaned[1:])
    return row


def _zone(name: str) -> ZoneInfo:
    zone = _zones.get(name)
    if zone is None:
        zone = _zones[name] = ZoneInfo(name)
    return zone


def _ident(row: dict) -> str:
    icao = row.get("icao") or ""
    if _REAL_ICAO.fullmatch(icao):
        return icao
    return row.get("lid") or row.get("iata") or icao.lstrip("_")


def _airport(row: dict) -> Airport:
    icao = row.get("icao") or ""
    return Airport(
        ident=_ident(row),
        icao=icao if _REAL_ICAO.fullmatch(icao) else "",
        iata=row.get("iata") or "",
        lid=row.get("lid") or "",
        name=row.get("name") or "",
        timezone=_zone(row["tz"]),
        latitude=row.get("lat"),
        longitude=row.get("lon"),
    )


def normalize_airport(code: str) -> str:
    """The identifier we store: ICAO when the field has one, else its FAA LID; unknown → the cleaned input."""
    cleaned = _clean(code)
    row = _find(cleaned)
    return _ident(row) if row is not None else cleaned


def airport_info(code: str) -> Airport | None:
    row = _find(_clean(code))
    return _airport(row) if row is not None else None


def to_utc(code: str, local_date: date, local_time: time) -> LocalTime | None:
    """A wall-clock time at the airport → UTC; None for an unknown airport.

    zoneinfo never raises on DST edges, so we detect them: a time in the spring-forward gap does
    not survive the round trip (flag `nonexistent`, `utc` uses the offset before the change), and a
    time in the fall-back hour gives two UTC instants for fold 0 and 1 (flag `ambiguous`, `utc` is
    the first occurrence).
    """
    airport = airport_info(code)
    if airport is None:
        return None
    naive = datetime.combine(local_date, local_time.replace(tzinfo=None, fold=0))
    first = naive.replace(tzinfo=airport.timezone)
    second = naive.replace(tzinfo=airport.timezone, fold=1)
    utc = first.astimezone(UTC)
    round_trip = utc.astimezone(airport.timezone).replace(tzinfo=None)
    nonexistent = round_trip != naive
    ambiguous = not nonexistent and first.utcoffset() != second.utcoffset()
    return LocalTime(utc=utc, nonexistent=nonexistent, ambiguous=ambiguous)


def to_local(code: str, moment: datetime) -> datetime | None:
    """A UTC (or any aware) instant → the airport's local time, aware; a naive `moment` is taken as UTC."""
    airport = airport_info(code)
    if airport is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(airport.timezone)
