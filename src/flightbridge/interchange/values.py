"""Reading and writing single cells of logbook files: dates, clock times, durations, counts, booleans.

Pure functions, no database. A reader raises `CellError` with a reason a pilot can act on (the caller
adds the row and column); it never guesses between two readings of a value (3/4/2024 in a file that
might be day-first) and never rounds beyond the logbook's hundredths of an hour. A writer never emits a
cell a spreadsheet would run as a formula.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flightbridge.logbook.rounding import hhmm

HOURS_QUANTUM = Decimal("0.0001")  # Flight's HOURS: 4 places, as MyFlightbook's cross-country column
HOURS_MAX = Decimal("99999.9999")  # Flight's DecimalField(max_digits=9, decimal_places=4)
COUNT_MAX = 100_000  # no single flight logs more landings or approaches than this; a bigger number is a typo
TRUE_WORDS = frozenset({"x", "true", "yes", "y", "1", "t", "on"})
FALSE_WORDS = frozenset({"", "false", "no", "n", "0", "f", "off"})


class CellError(ValueError):
    """One cell cannot be read; `str()` is the reason, written for the pilot."""


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?Z?)?")
_SLASH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2,4})(?: \d{1,2}:\d{2}(?::\d{2})?(?: ?[AP]M)?)?", re.I)
_YMD_SLASH = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")
_DOTTED_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?(?:Z| ?UTC)?", re.I)
_HHMM = re.compile(r"(\d{2})(\d{2})Z?", re.I)
_HMM_DURATION = re.compile(r"(\d{1,5}):([0-5]\d)(?::[0-5]\d)?")
_DECIMAL = re.compile(r"\d{0,5}(?:\.\d+)?")
_COMMA_DECIMAL = re.compile(r"\d{1,5},\d{1,2}")
_MONTH_NAME = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", re.I)


def _make_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(f"{text!r} is not a real calendar date") from None


def parse_date(text: str) -> date:
    """yyyy-MM-dd (what every writer found uses), yyyy/MM/dd, M/D/yyyy (MyFlightbook's US short date), dd.MM.yyyy.

    A slash date whose first part is over 12 is day-first: refused rather than read two ways, and so is a
    two-digit year (DD/MM/YY broke night time for web-logbook users).
    """
    value = text.strip()
    if not value:
        raise CellError("no date")
    if match := _ISO_DATE.fullmatch(value):
        return _make_date(int(match[1]), int(match[2]), int(match[3]), value)
    if match := _YMD_SLASH.fullmatch(value):
        return _make_date(int(match[1]), int(match[2]), int(match[3]), value)
    if match := _DOTTED_DATE.fullmatch(value):
        return _make_date(int(match[3]), int(match[2]), int(match[1]), value)
    if match := _SLASH_DATE.fullmatch(value):
        first, second, year = int(match[1]), int(match[2]), match[3]
        if len(year) != 4:
            raise CellError(f"{value!r} has a two-digit year; write dates as yyyy-MM-dd")
        if first > 12:
            raise CellError(f"{value!r} looks day-first (day/month/year); write dates as yyyy-MM-dd so no month is misread")
        return _make_date(int(year), first, second, value)
    if _CLOCK.fullmatch(value):
        raise CellError(f"{value!r} is a clock time, not a date: the row has no date")
    raise CellError(f"{value!r} is not a date form this reader knows; write dates as yyyy-MM-dd")


def _looks_like_date(value: str) -> bool:
    """What a spreadsheet leaves of a duration it took for a date: 1.4 → 1-Apr, 1:30 → 1900-01-01 01:30."""
    return bool(_MONTH_NAME.search(value) or _ISO_DATE.fullmatch(value) or _SLASH_DATE.fullmatch(value)
                or re.fullmatch(r"\d{1,4}[-/]\d{1,2}(?:[-/]\d{1,4})?", value) or "1899" in value or "1900" in value)


def parse_duration(text: str, *, comma_decimal: bool = False) -> Decimal:
    """Hours as decimal (1.5) or H:MM (1:30); `comma_decimal` also accepts 1,5 (a `;`-separated locale file)."""
    value = text.strip()
    if not value:
        return Decimal("0")
    if match := _HMM_DURATION.fullmatch(value):
        # To the hundredth, as MyFlightbook reads H:MM (DecimalFromHHMM): 2:10 is 2.17 in both logbooks.
        hours = (Decimal(int(match[1])) + Decimal(int(match[2])) / Decimal(60)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    elif _DECIMAL.fullmatch(value) and value != ".":
        hours = Decimal(value)
    elif comma_decimal and _COMMA_DECIMAL.fullmatch(value):
        hours = Decimal(value.replace(",", "."))
    elif _looks_like_date(value):
        raise CellError(f"{value!r} is a date: a spreadsheet turned this duration into a date; "
                        "format the column as text or number and export again")
    else:
        raise CellError(f"{value!r} is not a duration (decimal hours like 1.5, or H:MM like 1:30)")
    try:
        hours = hours.quantize(HOURS_QUANTUM)
    except InvalidOperation:
        raise CellError(f"{value!r} is too large for a flight") from None
    if hours > HOURS_MAX:
        raise CellError(f"{value!r} is more hours than a logbook entry can hold ({HOURS_MAX})")
    return hours


def parse_count(text: str) -> int:
    value = text.strip()
    if not value:
        return 0
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise CellError(f"{value!r} is not a whole number") from None
    if number != number.to_integral_value() or number < 0:
        raise CellError(f"{value!r} is not a whole number of zero or more")
    if number > COUNT_MAX:
        raise CellError(f"{value!r} is more than one flight can log ({COUNT_MAX})")
    return int(number)


def parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise CellError(f"{text!r} is not a yes/no value (x, true or yes for yes; blank, false or no for no)")


def parse_clock(text: str) -> time | None:
    """HH:MM (or HHMM, as RFT writes) on its own; None when blank."""
    value = text.strip()
    if not value:
        return None
    match = _CLOCK.fullmatch(value) or _HHMM.fullmatch(value)
    if not match:
        raise CellError(f"{value!r} is not a clock time (HH:MM)")
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise CellError(f"{value!r} is not a clock time (HH:MM)")
    return time(hour, minute)


def parse_moment(text: str, on_date: date | None) -> datetime | None:
    """A UTC instant: a full timestamp (yyyy-MM-dd HH:mm[:ss][Z]), or a clock time on `on_date`."""
    value = text.strip()
    if not value:
        return None
    full = re.fullmatch(r"(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(?:Z|UTC|\+00:?00)?", value, re.I)
    if full:
        moment = datetime.fromisoformat(f"{full[1]} {int(full[2].split(':')[0]):02d}:{full[2].split(':')[1]}")
        return moment.replace(tzinfo=timezone.utc)
    clock = parse_clock(value)
    if on_date is None:
        raise CellError(f"{value!r} is a clock time without a date: the row has no date to put it on")
    return datetime.combine(on_date, clock, tzinfo=timezone.utc)


def chain_clock_times(on_date: date, clocks: list[time | None]) -> list[datetime | None]:
    """Clock times of one flight, in order (out, off, on, in), placed on the flight date; a time earlier
    than the one before it is on the next day (a flight through midnight UTC), as LogTen and ForeFlight mean it."""
    moments: list[datetime | None] = []
    previous: datetime | None = None
    for clock in clocks:
        if clock is None:
            moments.append(None)
            continue
        moment = datetime.combine(on_date if previous is None else previous.date(), clock, tzinfo=timezone.utc)
        if previous is not None and moment < previous:
            moment += timedelta(days=1)
        moments.append(moment)
        previous = moment
    return moments


# --- writing --------------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """A text cell a spreadsheet opens as text: one that starts like a formula gets a leading apostrophe
    (OWASP's CSV-injection advice); readers here strip exactly that apostrophe again. A value that already
    starts with apostrophes before a formula character gets one more, so it reads back unchanged."""
    if value and value.lstrip("'").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unguard(value: str) -> str:
    """The inverse of `safe_text` for a cell this project wrote."""
    if len(value) > 1 and value[0] == "'" and value[1:].lstrip("'").startswith(FORMULA_STARTS):
        return value[1:]
    return value


def hours_text(value: Decimal | None) -> str:
    """Decimal hours, zero as blank (as MyFlightbook and ForeFlight leave unused columns)."""
    if not value:
        return ""
    return format(Decimal(value).quantize(HOURS_QUANTUM).normalize(), "f")


def hhmm_text(value: Decimal | None) -> str:
    """Hours as H:MM as MyFlightbook writes them (1.3333 → 1:20; the pages use the same rule), zero as blank."""
    if not value:
        return ""
    text = hhmm(abs(Decimal(value)))
    return ("-" if value < 0 else "") + text if text != "0:00" else ""


def count_text(value: int | None) -> str:
    return str(value) if value else ""


def clock_text(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(timezone.utc).strftime("%H:%M")


def timestamp_text(moment: datetime | None) -> str:
    """MyFlightbook's UTC timestamp form (`yyyy-MM-dd HH:mm:ssZ` in its export)."""
    if moment is None:
        return ""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
