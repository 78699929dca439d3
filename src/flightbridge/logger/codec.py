"""The Logger deep-link codec (Logger API v1.2): build `loggerapp://import/add?package=…` links and parse them back.

Pure functions on plain data: no database, no network, no clock. Builds strictly (compact JSON,
percent-encoded with nothing left unescaped, only documented fields plus `nightTime`) and parses
tolerantly (a link or a bare package, raw or percent-encoded, `//` and `/* */` comments as in the
vendor's own examples). Validation never raises for a bad entry: every problem comes back with the
entry index, its importId and the field; only a package Logger itself could not open raises
`PackageError`. It must never reject an entry silently or drop a field it was given.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable, Iterator
from urllib.parse import quote, unquote

from flightbridge.errors import InputError
from flightbridge.text import has_lone_surrogate, printable

API_VERSION = "1.2"
SCHEME = "loggerapp"
LINK_PREFIX = "loggerapp://import/add?package="
APP_NAME = "FlightBridge"

#: 32,000 characters per link. Apple documents no limit for custom-scheme URLs and iOS has opened
#: links of hundreds of thousands of characters, but a link also has to survive the carriers a pilot
#: uses to get it to the phone: Firefox stops handling URLs at 65,536 characters, Android intents are
#: capped by a ~1 MB Binder buffer, and chat and mail apps truncate or refuse very long text. Half of
#: the lowest of those leaves room for the "package=" wrapper and any re-encoding on the way, and
#: still carries ~25 fully populated entries or ~150 minimal ones per tap.
DEFAULT_MAX_LINK_LENGTH = 32_000
#: Below this a link could not hold even a small entry next to the metadata.
MIN_MAX_LINK_LENGTH = 1_000

# --- The v1.2 field list, as data ---------------------------------------------------------------

ENTRY_TYPES = (
    "Flight",
    "Dead Head",
    "Other Duty",
    "Simulator",
    "Airport Reserve",
    "Home Reserve",
    "Home Standby",
    "Airport Standby",
)
APPROACH_TYPES = (
    "ILS CAT I", "ILS CAT II", "ILS CAT III", "LOC", "VOR", "NDB", "RNP", "GLS", "SLS", "MLS", "PAR", "SRA",
    "Visual", "Circling", "Monitored",
)
REQUIRED_FIELDS = ("importId", "entryType", "departureDate")
#: Clock times: `HHmm` or `HH:mm`, UTC or local per `metadata.isUTC`.
CLOCK_FIELDS = (
    "departureTime", "arrivalTime", "takeOffTime", "landingTime", "onDuty", "offDuty",
    "scheduledDepartureTime", "scheduledArrivalTime",
)
AIRPORT_FIELDS = ("departureAirport", "arrivalAirport")
TEXT_FIELDS = (
    "aircraftType", "aircraftRegistration", "picName", "sicName", "flightEngineerName", "pilotExaminerName",
    "pilotInstructorName", "pilotObserverName", "pilotObserver2Name", "pilotReliefName", "pilotRelief2Name",
    "pilotStudentName", "pilotStudent2Name", "pilotSOName", "licenseHolderLicenseNumber", "licenseHolderName",
    "flightRules", "remark",
)
BOOLEAN_FIELDS = ("pilotFlying", "isFavorite", "isLocked")
#: Durations: `HH:mm` or `H:mm`.
DURATION_FIELDS = (
    "picTime", "ifrTime", "actualInstrumentTime", "crossCountryTime", "multiCrewTime", "singleEngineTime",
    "multiEngineTime", "instructorTime", "dualTime", "sicTime", "gliderTime", "simTime", "simInstructorTime",
    "simExaminerTime", "lineInstructorTime", "lineCheckerTime", "pcatdTime", "rotorcraftTime",
    "simulatedInstrumentTime", "nightVisionTime",
)
#: Not in the v1.2 field list, but Logger's own UTC example sends it. We validate it as a duration,
#: import it as night time and export it, so night hours are not lost either way (see docs/logger.md).
EXTENSION_DURATION_FIELDS = ("nightTime",)
TAKEOFF_LANDING_FIELDS = (
    "numberOfDayLandings", "numberOfNightLandings", "numberOfDayTakeOffs", "numberOfNightTakeOffs", "bolters",
    "catapults", "arrests", "flightCarrierLanding", "waterTakeOff", "waterLanding",
)
RULE_COUNT_FIELDS = ("numberOfApproaches", "numberOfHolds")
#: Whole numbers ≥ 0.
COUNT_FIELDS = TAKEOFF_LANDING_FIELDS + RULE_COUNT_FIELDS
#: Measurements (NM, fuel, meter readings): any finite number ≥ 0.
NUMBER_FIELDS = ("flightDistance", "fuelBurned", "hobbsIn", "hobbsOut", "tachIn", "tachOut")
ENUM_FIELDS = {"approachType": APPROACH_TYPES}
METADATA_FIELDS = ("appName", "appVersion", "isUTC")

ALL_DURATION_FIELDS = DURATION_FIELDS + EXTENSION_DURATION_FIELDS
KNOWN_FIELDS = frozenset(
    REQUIRED_FIELDS + CLOCK_FIELDS + AIRPORT_FIELDS + TEXT_FIELDS + BOOLEAN_FIELDS + ALL_DURATION_FIELDS
    + COUNT_FIELDS + NUMBER_FIELDS + tuple(ENUM_FIELDS)
)
#: The order fields are written in: the document's order, so a built package reads like the spec.
FIELD_ORDER = (
    REQUIRED_FIELDS + CLOCK_FIELDS + AIRPORT_FIELDS
    + tuple(name for name in TEXT_FIELDS if name not in ("flightRules", "remark")) + ("pilotFlying",)
    + DURATION_FIELDS + EXTENSION_DURATION_FIELDS + TAKEOFF_LANDING_FIELDS + NUMBER_FIELDS + RULE_COUNT_FIELDS
    + ("approachType", "flightRules", "remark", "isFavorite", "isLocked")
)
_ORDER_INDEX = {name: position for position, name in enumerate(FIELD_ORDER)}

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CLOCK = re.compile(r"([0-9]{2}):?([0-9]{2})")
_DURATION = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_IATA = re.compile(r"[A-Za-z]{3}")
_ICAO = re.compile(r"[A-Za-z][A-Za-z0-9]{3}")
# Read in UUID5 names: a flight's importId is uuid5(namespace, "<owner id>:<identity>").
IMPORT_ID_NAMESPACE = uuid.UUID("4f1c2d7e-8b0a-5c3e-9d2f-6a7b8c9d0e1f")


# --- Problems -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one entry (or, with `index` None, with the package)."""

    index: int | None
    import_id: str | None
    field: str | None
    reason: str

    def __post_init__(self) -> None:
        # A problem is stored and shown on pages: the text it echoes from the package must be storable
        # even when the package's was not (a lone surrogate in an importId broke two pages for good).
        for name in ("import_id", "field", "reason"):
            value = getattr(self, name)
            if isinstance(value, str) and has_lone_surrogate(value):
                object.__setattr__(self, name, printable(value))

    def as_dict(self) -> dict:
        return {"index": self.index, "importId": self.import_id, "field": self.field, "reason": self.reason}

    def __str__(self) -> str:
        where = "package" if self.index is None else f"entries[{self.index}]"
        if self.import_id:
            where += f" (importId {self.import_id})"
        if self.field:
            where += f" {self.field}"
        return f"{where}: {self.reason}"


class PackageError(InputError):
    """The package as a whole cannot be read (not JSON, no metadata …): Logger would not open it either."""

    def __init__(self, reason: str, problems: list[Problem] | None = None):
        problems = problems or [Problem(None, None, None, reason)]
        super().__init__(reason, [problem.as_dict() for problem in problems])
        self.package_problems = problems


@dataclass
class ParsedPackage:
    metadata: dict
    entries: list  # as received; an item may not even be an object
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def is_utc(self) -> bool:
        return self.metadata["isUTC"]

    _by_index: dict[int | None, list[Problem]] | None = field(default=None, repr=False, compare=False)
    _grouped: int = field(default=-1, repr=False, compare=False)  # len(problems) when _by_index was built

    def problems_by_index(self) -> dict[int | None, list[Problem]]:
        """Every problem grouped by entry index, built in one pass and kept: asking for each of n failed
        entries used to rescan all problems, n² work that held a write lock for minutes (issue 13)."""
        if self._by_index is None or self._grouped != len(self.problems):  # regrouped only if problems were added
            grouped: dict[int | None, list[Problem]] = {}
            for problem in self.problems:
                grouped.setdefault(problem.index, []).append(problem)
            self._by_index, self._grouped = grouped, len(self.problems)
        return self._by_index

    def problems_for(self, index: int) -> list[Problem]:
        return list(self.problems_by_index().get(index, ()))

    def valid_entries(self) -> list[tuple[int, dict]]:
        bad = self.problems_by_index()
        return [(index, entry) for index, entry in enumerate(self.entries) if index not in bad]


# --- Values ---------------------------------------------------------------------------------------


def parse_clock(value: Any) -> time | None:
    """`"0830"` or `"08:30"` → 08:30; anything else (including `"8:30"` and `"24:00"`) → None."""
    if not isinstance(value, str):
        return None
    match = _CLOCK.fullmatch(value)
    if not match or (":" in value) != (len(value) == 5):
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        return None
    return time(hours, minutes)


def format_clock(moment: time) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


def parse_duration(value: Any) -> int | None:
    """`"2:05"` or `"02:05"` → 125 minutes; anything else → None."""
    if not isinstance(value, str):
        return None
    match = _DURATION.fullmatch(value)
    if not match or int(match.group(2)) > 59:
        return None
    return int(match.group(1)) * 60 + int(match.group(2))


def format_duration(minutes: int) -> str:
    """125 → `"2:05"` (H:mm; hours are not zero-padded)."""
    if minutes < 0:
        raise ValueError("a duration cannot be negative")
    return f"{minutes // 60}:{minutes % 60:02d}"


_ONE = Decimal("1")


def hours_to_minutes(hours: Decimal | int | float | str) -> int:
    """Decimal hours → whole minutes, half a minute rounding up: 1.25 → 75, 0.01 → 1 (0.6 min)."""
    if not hours:  # most parts of most flights are zero: an export asks this ten times a flight
        return 0
    if isinstance(hours, Decimal):
        return int((hours * 60).quantize(_ONE, rounding=ROUND_HALF_UP))
    return int((Decimal(str(hours)) * 60).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def minutes_to_hours(minutes: int) -> Decimal:
    """Whole minutes → hours with two decimals (the logbook's precision); converts back exactly."""
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def parse_date(value: Any) -> date | None:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def is_airport_code(value: Any) -> bool:
    """IATA (three letters) or ICAO (four characters, starting with a letter), any case."""
    return isinstance(value, str) and bool(_IATA.fullmatch(value) or _ICAO.fullmatch(value))


def apportion_minutes(parts: dict[str, Decimal], total: Decimal, groups: Iterable[Iterable[str]] = ()) -> dict[str, int]:
    """Decimal-hour parts → whole minutes that never exceed the total, alone or summed within a group.

    Each part rounds to the nearest minute (half up). A part is capped at the total. Within a group of
    parts that cannot overlap (PIC and SIC; actual and simulated instrument), when the rounded parts
    add up to more than the rounded total, the parts that rounded up give back a minute first (largest
    round-up first), then the largest parts, until the group fits. A total of zero means "unknown":
    parts are then only rounded.
    """
    exact = {name: Decimal(str(hours)) * 60 for name, hours in parts.items()}
    minutes = {name: hours_to_minutes(hours) for name, hours in parts.items()}
    limit = hours_to_minutes(total)
    if limit <= 0:
        return minutes
    for name in minutes:
        minutes[name] = min(minutes[name], limit)
    for group in groups:
        names = [name for name in group if name in minutes]
        excess = sum(minutes[name] for name in names) - limit
        if excess <= 0:
            continue
        # Largest round-up gives back first; on a tie the later part of the group (SIC after PIC) does.
        rounded_up = sorted((name for name in names if minutes[name] > exact[name]),
                            key=lambda name: (minutes[name] - exact[name], names.index(name)), reverse=True)
        for name in rounded_up:
            if excess <= 0:
                break
            minutes[name] -= 1
            excess -= 1
        while excess > 0:
            largest = max(names, key=lambda name: minutes[name])
            cut = min(excess, minutes[largest])
            minutes[largest] -= cut
            excess -= cut
    return minutes


def import_id_for(owner_id: int, flight_id: int, external_id: str | None) -> str:
    """A flight's stable importId: a UUID5 of its owner and identity, the same on every export.

    The identity is the flight's external id when it has one (it survives a re-import of the
    flight from its source), else its primary key. Logger-sourced flights keep their own importId
    and never come here.
    """
    identity = f"external:{external_id}" if external_id else f"flight:{flight_id}"
    return str(uuid.uuid5(IMPORT_ID_NAMESPACE, f"{owner_id}:{identity}"))


# --- Building -------------------------------------------------------------------------------------


def ordered_entry(entry: dict) -> dict:
    """The entry with its fields in the document's order (unknown fields last, alphabetically)."""
    return dict(sorted(entry.items(), key=lambda item: (_ORDER_INDEX.get(item[0], len(_ORDER_INDEX)), item[0])))


def build_metadata(*, is_utc: bool, app_version: str, app_name: str = APP_NAME) -> dict:
    return {"appName": app_name, "appVersion": app_version, "isUTC": bool(is_utc)}


def build_package(entries: list[dict], metadata: dict) -> dict:
    return {"entries": list(entries), "metadata": dict(metadata)}


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _encoded(text: str) -> str:
    # safe="" escapes every reserved character, so "&", "#", "+" and "?" inside a remark cannot end
    # the query early or be read as a space by a form decoder.
    return quote(text, safe="")


def encode_package(package: dict) -> str:
    return _encoded(_compact(package))


def build_deep_link(entries: list[dict], metadata: dict) -> str:
    return LINK_PREFIX + encode_package(build_package(entries, metadata))


@dataclass(frozen=True)
class DeepLink:
    url: str
    import_ids: tuple[str, ...]
    oversized: bool = False  # a single entry that alone is longer than the limit

    @property
    def entries(self) -> int:
        return len(self.import_ids)

    @property
    def length(self) -> int:
        return len(self.url)


def build_deep_links(entries: list[dict], metadata: dict, *, max_length: int = DEFAULT_MAX_LINK_LENGTH) -> list[DeepLink]:
    """Split entries over as few links as fit in `max_length` characters; each link is a whole package."""
    return list(iter_deep_links(entries, metadata, max_length=max_length))


def iter_deep_links(entries: Iterable[dict], metadata: dict, *, max_length: int = DEFAULT_MAX_LINK_LENGTH) -> Iterator[DeepLink]:
    """`build_deep_links` one link at a time, as the entries arrive (an export streams its links).

    Entries keep their order and each lands in exactly one link. Percent-encoding works character by
    character, so a link's length is the sum of its pieces' encoded lengths and each entry is encoded
    once. An entry too long for any link travels alone in a link of its own, marked `oversized`.
    """
    check_max_link_length(max_length)  # now, not at the first link a stream asks for
    return _packed_links(entries, metadata, max_length)


def check_max_link_length(max_length: int) -> None:
    if max_length < MIN_MAX_LINK_LENGTH:
        raise InputError(f"max link length must be at least {MIN_MAX_LINK_LENGTH} characters",
                         [{"field": "max_length", "reason": f"at least {MIN_MAX_LINK_LENGTH}"}])


def _packed_links(entries: Iterable[dict], metadata: dict, max_length: int) -> Iterator[DeepLink]:
    head = LINK_PREFIX + _encoded('{"entries":[')
    tail = _encoded("]," + _compact({"metadata": metadata})[1:])
    comma = len(_encoded(","))
    overhead = len(head) + len(tail)
    pieces: list[str] = []
    ids: list[str] = []
    length = overhead

    def link(oversized: bool = False) -> DeepLink:
        return DeepLink(url=head + _encoded(",").join(pieces) + tail, import_ids=tuple(ids), oversized=oversized)

    for entry in entries:
        piece = _encoded(_compact(entry))
        added = len(piece) + (comma if pieces else 0)
        if pieces and length + added > max_length:
            yield link()
            pieces, ids, length = [], [], overhead
            added = len(piece)
        pieces.append(piece)
        ids.append(str(entry.get("importId", "")))
        length += added
        if len(pieces) == 1 and length > max_length:
            yield link(oversized=True)
            pieces, ids, length = [], [], overhead
    if pieces:
        yield link()


# --- Parsing --------------------------------------------------------------------------------------


def extract_package_text(text: str) -> str:
    """A deep link or a bare package (raw or percent-encoded) → the package's JSON text.

    Raw JSON is taken as is, percent signs and all (the vendor's examples paste raw JSON after
    `package=`); an encoded payload is decoded like iOS's URLComponents does, so "+" stays "+".
    """
    if not isinstance(text, str):
        raise PackageError("the package must be text or a JSON object")
    text = text.strip()
    if not text:
        raise PackageError("empty input: paste a loggerapp:// link or a package")
    if text.lower().startswith(f"{SCHEME}:"):
        rest = text[len(SCHEME) + 1:].lstrip("/")
        path, question, query = rest.partition("?")
        if path.rstrip("/").lower() != "import/add" or not question:
            raise PackageError("not a Logger import link: expected loggerapp://import/add?package=…")
        if query.startswith("package="):
            payload = query[len("package="):]
        else:
            marker = query.find("&package=")
            if marker < 0:
                raise PackageError("the link has no package= parameter")
            payload = query[marker + len("&package="):]
        if not payload.lstrip().startswith("{") and "&" in payload:
            payload = payload.split("&", 1)[0]  # an encoded payload cannot contain a raw "&"
        text = payload.strip()
    for _ in range(3):  # a link pasted through a form may be encoded twice
        if text.startswith(("{", "[")) or "%" not in text:
            break
        try:
            text = unquote(text, errors="strict").strip()
        except UnicodeDecodeError:
            raise PackageError("the percent-encoded package is not UTF-8 text") from None
    return text


def strip_comments(text: str) -> str:
    """Drop `// …` and `/* … */` comments outside strings (the vendor's update example has one)."""
    if "/" not in text:
        return text
    out: list[str] = []
    position, length = 0, len(text)
    in_string = False
    while position < length:
        char = text[position]
        if in_string:
            out.append(char)
            if char == "\\" and position + 1 < length:
                out.append(text[position + 1])
                position += 2
                continue
            if char == '"':
                in_string = False
            position += 1
        elif char == '"':
            in_string = True
            out.append(char)
            position += 1
        elif text.startswith("//", position):
            end = text.find("\n", position)
            position = length if end < 0 else end
        elif text.startswith("/*", position):
            end = text.find("*/", position + 2)
            if end < 0:
                raise PackageError("not valid JSON: a /* comment is never closed")
            position = end + 2
            out.append(" ")
        else:
            out.append(char)
            position += 1
    return "".join(out)


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _not_json(exc: json.JSONDecodeError) -> str:
    """A pilot-readable sentence for text that is not JSON (never the parser's own wording)."""
    where = "" if (exc.lineno, exc.colno) == (1, 1) else f" The text stops reading as JSON at line {exc.lineno}, character {exc.colno}."
    return ("This is not a Logger package: the text is not valid JSON. Paste the whole loggerapp:// link from Logger, "
            "or the package text that starts with {." + where)


def load_package(source: str | dict) -> dict:
    """Text (a link or a package) or an already-decoded object → the package object."""
    if isinstance(source, dict):
        return source
    text = extract_package_text(source)
    try:
        value = json.loads(strip_comments(text), parse_constant=_reject_constant)
    except RecursionError:
        raise PackageError("not valid JSON: nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise PackageError(_not_json(exc)) from None
    except ValueError:
        raise PackageError("This is not a Logger package: it holds a number JSON does not allow (NaN or Infinity).") from None
    if not isinstance(value, dict):
        raise PackageError("This is not a Logger package: it must be one JSON object holding entries and metadata.")
    return value


def walk_leaves(value: Any) -> Iterator[Any]:
    """Every scalar inside a decoded JSON value, object keys included (iteratively: no recursion limit)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        else:
            yield item


def _is_bad_leaf(item: Any) -> bool:
    if isinstance(item, str):
        return has_lone_surrogate(item)
    return isinstance(item, float) and not math.isfinite(item)


def _has_bad_text(value: Any) -> bool:
    """True when a string anywhere inside holds a lone surrogate (not storable text) or a number is not finite."""
    return any(_is_bad_leaf(item) for item in walk_leaves(value))


def _storable_summary(entry: dict) -> dict:
    """A refused entry's top level with lone surrogates replaced: what reports may echo (it is never stored)."""
    return {printable(key) if isinstance(key, str) else key: printable(value) if isinstance(value, str) else value
            for key, value in entry.items()}


def validate_metadata(metadata: Any) -> list[Problem]:
    if not isinstance(metadata, dict):
        return [Problem(None, None, "metadata", "missing: Logger needs metadata with appName, appVersion and isUTC")]
    problems = []
    for name in ("appName", "appVersion"):
        if metadata.get(name) is None:
            problems.append(Problem(None, None, f"metadata.{name}", "missing or null"))
        elif not isinstance(metadata[name], str):
            problems.append(Problem(None, None, f"metadata.{name}", "must be a string"))
    if metadata.get("isUTC") is None:
        problems.append(Problem(None, None, "metadata.isUTC", "missing or null"))
    elif not isinstance(metadata["isUTC"], bool):
        problems.append(Problem(None, None, "metadata.isUTC", "must be true or false"))
    if not problems and _has_bad_text(metadata):
        problems.append(Problem(None, None, "metadata", "contains text that is not valid Unicode"))
    return problems


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_entry(entry: Any, index: int) -> tuple[list[Problem], list[Problem]]:
    """(problems, warnings) for one entry; uniqueness of importId is checked by `validate_package`."""
    if not isinstance(entry, dict):
        return [Problem(index, None, None, "an entry must be a JSON object")], []
    raw_id = entry.get("importId")
    import_id = raw_id if isinstance(raw_id, str) else None
    problems: list[Problem] = []
    warnings: list[Problem] = []

    def bad(name: str | None, reason: str) -> None:
        problems.append(Problem(index, import_id, name, reason))

    if raw_id is None:
        bad("importId", "required")
    elif not isinstance(raw_id, str):
        bad("importId", "must be a string")
    elif not raw_id.strip():
        bad("importId", "must not be empty")
    entry_type = entry.get("entryType")
    if entry_type is None:
        bad("entryType", "required")
    elif entry_type not in ENTRY_TYPES:
        hint = next((known for known in ENTRY_TYPES if isinstance(entry_type, str) and known.lower() == entry_type.strip().lower()), None)
        bad("entryType", f"{entry_type!r} is not one of {', '.join(ENTRY_TYPES)}" + (f" (did you mean {hint!r}?)" if hint else ""))
    departure_date = entry.get("departureDate")
    if departure_date is None:
        bad("departureDate", "required")
    elif parse_date(departure_date) is None:
        bad("departureDate", f"{departure_date!r} is not a real date in yyyy-MM-dd form")

    for name, value in entry.items():
        if name in REQUIRED_FIELDS or value is None:  # null means "not given" for an optional field
            continue
        if name in CLOCK_FIELDS:
            if parse_clock(value) is None:
                bad(name, f"{value!r} is not a time of day as HHmm or HH:mm (00:00–23:59)")
        elif name in ALL_DURATION_FIELDS:
            if parse_duration(value) is None:
                bad(name, f"{value!r} is not a duration as HH:mm or H:mm")
        elif name in COUNT_FIELDS:
            if not _is_int(value) or value < 0:
                bad(name, f"{value!r} is not a whole number ≥ 0")
        elif name in NUMBER_FIELDS:
            if not (_is_int(value) or isinstance(value, float)) or not math.isfinite(value) or value < 0:
                bad(name, f"{value!r} is not a number ≥ 0")
        elif name in BOOLEAN_FIELDS:
            if not isinstance(value, bool):
                bad(name, f"{value!r} is not true or false")
        elif name in AIRPORT_FIELDS:
            if not is_airport_code(value):
                bad(name, f"{value!r} is not an IATA (3-letter) or ICAO (4-character) airport code")
        elif name in ENUM_FIELDS:
            if value not in ENUM_FIELDS[name]:
                bad(name, f"{value!r} is not one of {', '.join(ENUM_FIELDS[name])}")
        elif name in TEXT_FIELDS:
            if not isinstance(value, str):
                bad(name, "must be a string")
        else:
            warnings.append(Problem(index, import_id, name, "not a Logger v1.2 field; kept as received"))
    for name, value in entry.items():
        if has_lone_surrogate(name) or has_lone_surrogate(value):
            # Refused, not repaired: the pilot's record must not change silently (the Unicode edge, issue 13).
            bad(name, "contains text that is not valid Unicode (a lone surrogate)")
        elif name not in NUMBER_FIELDS and _has_bad_text(value):
            bad(name, "contains a number that is not finite")
    return problems, warnings


def validate_package(package: dict) -> ParsedPackage:
    """Check a decoded package against v1.2. Raises `PackageError` only for package-level faults."""
    metadata_problems = validate_metadata(package.get("metadata"))
    entries = package.get("entries")
    if entries is None:
        metadata_problems.insert(0, Problem(None, None, "entries", "missing: the package needs an entries array"))
    elif not isinstance(entries, list):
        metadata_problems.insert(0, Problem(None, None, "entries", "must be an array of entry objects"))
    if metadata_problems:
        raise PackageError("; ".join(str(problem) for problem in metadata_problems), metadata_problems)
    parsed = ParsedPackage(metadata=package["metadata"], entries=list(entries))
    first_index: dict[str, int] = {}
    for index, entry in enumerate(entries):
        problems, warnings = validate_entry(entry, index)
        if isinstance(entry, dict) and has_lone_surrogate(entry):
            # Everything after validation (results, reasons, pages) sees only storable text.
            entry = parsed.entries[index] = _storable_summary(entry)
        import_id = entry.get("importId") if isinstance(entry, dict) else None
        if isinstance(import_id, str) and import_id.strip():
            if import_id in first_index:
                problems.append(Problem(index, import_id, "importId",
                                        f"not unique in the package: entries[{first_index[import_id]}] has it too"))
            else:
                first_index[import_id] = index
        parsed.problems.extend(problems)
        parsed.warnings.extend(warnings)
    for name in package:
        if name not in ("entries", "metadata"):
            parsed.warnings.append(Problem(None, None, name, "not a Logger v1.2 package field; ignored"))
    return parsed


def parse_package(source: str | dict) -> ParsedPackage:
    """A deep link, a bare package (raw or encoded) or a decoded object → a validated package."""
    return validate_package(load_package(source))
