"""A pilot's currency computed here from every flight in the logbook, each item beside MyFlightbook's.

Reads only: it turns the pilot's `Flight` rows into the engine's plain `CurrencyFlight`s
(`logbook/currency.py`), runs the engine for today, and pairs each item with the `CurrencyRecord` of the
same kind and category that the last MyFlightbook sync stored, saying in a pilot's words why the two
differ. Nothing is stored: every read computes from the flights as they are now, so an import, an edit
or an Undo shows at once and no copy can go stale (the cost is in docs/benchmarks.md).
"""

from __future__ import annotations

import gc
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from operator import itemgetter

from django.db import connection
from django.db.models import CharField, F, Q
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from flightbridge.logbook.currency import (
    CATEGORY_OF_CLASS,
    FLIGHT_REVIEW,
    GLIDER,
    SINGLE_ENGINE_CLASSES,
    INSTRUMENT,
    INSTRUMENT_CATEGORIES,
    INSTRUMENT_MONTHS,
    NIGHT,
    PASSENGERS,
    TAILWHEEL_SUFFIX,
    CurrencyFlight,
    CurrencyItem,
    canonical_category_class,
    compute_currency,
    end_of_calendar_month_after,
    status_on,
)
from flightbridge.logbook.models import CurrencyRecord, Flight, FlightSource

SOURCE = "computed-local"

# CurrencyRecord.status (MyFlightbook's CurrencyState, mapped) → the words the computed items use.
MYFLIGHTBOOK_STATUS = {"CURRENT": "current", "EXPIRING_SOON": "expiring", "NON_COMPLIANT": "expired", "UNKNOWN": "unknown"}
SOURCE_NAMES = {FlightSource.MYFLIGHTBOOK: "MyFlightbook", FlightSource.LOGGER: "Logger", FlightSource.MANUAL: "hand-entered",
                "csv": "logbook-file", "": "unknown"}
COUNT_WORDS = {"landings": ("landing", "landings"), "takeoffs": ("takeoff", "takeoffs"),
               "approaches": ("approach", "approaches"), "holds": ("hold", "holds"), "reviews": ("review", "reviews"),
               "instrument hours": ("instrument hour", "instrument hours"), "ipcs": ("IPC", "IPCs")}

# What the engine reads of a Flight, as one narrow query whose rows come out nearly in CurrencyFlight's order:
# counts summed in SQL (day + night), so a row is not unpacked and added up in Python 50,000 times.
_LANDINGS = F("day_landings") + F("night_landings")
_TAKEOFFS = F("day_takeoffs") + F("night_takeoffs")
_FULL_STOPS = F("day_full_stop_landings") + F("night_full_stop_landings")
_COUNTS = {"landings": _LANDINGS, "takeoffs": _TAKEOFFS, "full_stops": _FULL_STOPS,
           "instrument_time": F("imc") + F("simulated_ifr")}
_COLUMNS = ("id", "day", "source", "simulator_type", "landings", "takeoffs", "full_stops", "night_full_stop_landings",
            "night_takeoffs", "approaches", "holds", "flight_review", "ipc", "takeoffs_inferred",
            # §61.57(c)(3): a glider's instrument time and MyFlightbook's glider maneuver properties (56, 57).
            "instrument_time", "glider_instrument_maneuvers", "glider_passenger_maneuvers",
            # What names the flight's class: issue 20's `category_class` (CatClassOverride/CatClassDisplay) with
            # its type rating (`type_name`), else issue 24's aircraft class, else the registration's.
            "category_class", "type_name", "aircraft__category_class", "tail_number",
            # Issue 24: whether the aircraft is a tailwheel airplane (None: not known, which counts as not).
            "aircraft__is_tailwheel")
_TAIL, _CLASS, _TYPE = _COLUMNS.index("tail_number"), _COLUMNS.index("category_class"), _COLUMNS.index("type_name")
_AIRCRAFT = ("aircraft__category_class", "aircraft__is_tailwheel")



@dataclass(frozen=True)
class ComparedItem:
    """One computed item, MyFlightbook's item of the same kind and category (or None), and why they differ."""

    item: CurrencyItem
    label: str
    myflightbook: CurrencyRecord | None
    differs_because: str
    flight_dates: dict[int, tuple[date, str]]  # id → (date, source) for the item's flights

    @property
    def myflightbook_status(self) -> str | None:
        return MYFLIGHTBOOK_STATUS.get(self.myflightbook.status, "unknown") if self.myflightbook else None


def label_for(item: CurrencyItem) -> str:
    """MyFlightbook's label for the item (Currency.cs: "{0} - {1}"), so both columns read the same."""
    if item.kind == FLIGHT_REVIEW:
        return "Flight Review"
    if item.kind == INSTRUMENT:
        # A glider's names the privilege it is current for: "IFR - Glider - (Passengers)" (GliderIFRCurrency.cs).
        return f"IFR - {item.category}" + (f" - ({item.privilege})" if item.privilege else "")
    if item.category.endswith(TAILWHEEL_SUFFIX):
        return f"{item.category[:-len(TAILWHEEL_SUFFIX)]} - Tailwheel"
    return f"{item.category} - {'Night' if item.kind == NIGHT else 'Passengers'}"


def _currency_flights(rows: list[tuple], aircraft_class: dict[str, str]) -> list[CurrencyFlight]:
    """Rows of `_COLUMNS` → the engine's data. A logbook repeats the same few days, classes and aircraft, so
    each date is parsed once and each (class, display, aircraft class, registration) resolved once; the rest
    of a row is already in CurrencyFlight's order and goes in as it is (this loop is most of a large read)."""
    days: dict = {}
    resolved: dict[tuple, tuple] = {}
    make = CurrencyFlight._make
    flights = []
    append = flights.append
    for (flight_id, day, source, device, landings, takeoffs, full_stops, night_full_stops, night_takeoffs, approaches,
         holds, flight_review, ipc, inferred, instrument_time, maneuvers, passenger_maneuvers, category_class, type_name,
         plane_class, tail, tailwheel) in rows:
        day = days.get(day) or days.setdefault(day, date.fromisoformat(day))
        key = (category_class, type_name, plane_class, tail, tailwheel)
        known = resolved.get(key)
        if known is None:
            # The flight's class (with its type), else its aircraft's, else the one its registration was flown in.
            text = _with_type(category_class, type_name) or plane_class or aircraft_class.get(tail, "")
            known = resolved[key] = (*_class_and_type(text), tailwheel is True)
        append(make((flight_id, day, source, *known, device, landings, takeoffs, full_stops, night_full_stops,
                     night_takeoffs, approaches, holds, flight_review, ipc, False, inferred, instrument_time, maneuvers,
                     passenger_maneuvers)))
    return flights


def _with_type(category_class: str, type_name: str) -> str:
    """The flight's class with its type rating, as MyFlightbook writes it: "AMEL (B737)"."""
    return f"{category_class} ({type_name})" if category_class and type_name else category_class


def _class_and_type(text: str) -> tuple[str, str]:
    """"AMEL (B737)" → ("AMEL", "B737"); "ASEL" → ("ASEL", "")."""
    text = (text or "").strip()
    type_name = ""
    if text.endswith(")") and "(" in text:
        text, _, rest = text.rpartition("(")
        type_name = rest[:-1].strip()
    return canonical_category_class(text.strip()), type_name


#: Flights of the last 800 days settle almost every item by themselves: passengers look back 90 days,
#: instrument 6 calendar months (and 6 of grace), the flight review 24 calendar months. Older flights are read
#: only for the items they can still change (`_older_flights_that_matter`), so a 50,000-flight logbook of
#: 40 years costs about what its last two years do. `tests/logbook/test_currency_api.py` checks the answer
#: is the same as from every flight.
RECENT_DAYS = 800
GLIDER_INSTRUMENT_CLASSES = SINGLE_ENGINE_CLASSES | {GLIDER}
_ANY_LANDING = Q(day_landings__gt=0) | Q(night_landings__gt=0) | Q(day_takeoffs__gt=0) | Q(night_takeoffs__gt=0)
_ANY_NIGHT = Q(night_full_stop_landings__gt=0) | Q(night_takeoffs__gt=0)
_ANY_INSTRUMENT = Q(approaches__gt=0) | Q(holds__gt=0) | Q(ipc=True)
_ANY_GLIDER_INSTRUMENT = (Q(imc__gt=0) | Q(simulated_ifr__gt=0) | Q(glider_instrument_maneuvers__gt=0)
                          | Q(glider_passenger_maneuvers=True) | Q(ipc=True))


def _fetch(query) -> list[tuple]:
    """Rows of `_COLUMNS`, newest first. The date comes as text: Django's SQLite driver parses every date
    column in Python (a third of a 50,000-flight read); it is parsed once per day instead."""
    query = (query.order_by()
             .annotate(day=Cast("date", output_field=CharField()), **_COUNTS)
             .values_list(*_COLUMNS))
    # The ORM's own query, read through the cursor: turning rows into dicts or models first cost more than
    # the whole computation (benchmarks/bench_currency.py).
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    rows.sort(key=itemgetter(1, 0), reverse=True)  # ISO dates sort as text; cheaper here than ORDER BY
    return rows


@contextmanager
def _cycle_collector_paused():
    """A large read makes a million small tuples of plain values, none in a cycle; meanwhile Python's cyclic
    collector would walk the whole heap again and again (a quarter of a 50,000-flight read). It is paused for the
    read and left to run afterwards, on its usual thresholds."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def currency_flights(owner, today: date | None = None, *, also_classes=(), also_categories=(),
                     every_flight: bool = False) -> list[CurrencyFlight]:
    """The pilot's flights the items depend on, as the engine's data, newest first: the recent ones, and the
    older ones that can still change an item (all of them with `every_flight`)."""
    with _cycle_collector_paused():
        return _read_currency_flights(owner, today, also_classes=also_classes, also_categories=also_categories,
                                      every_flight=every_flight)


def _read_currency_flights(owner, today: date | None, *, also_classes, also_categories,
                           every_flight: bool) -> list[CurrencyFlight]:
    today = today or timezone.localdate()
    flights_here = Flight.objects.filter(owner=owner)
    if every_flight:
        rows = _fetch(flights_here)
        return _currency_flights(rows, _aircraft_classes(rows, set()))
    cutoff = today - timedelta(days=RECENT_DAYS)
    rows = _fetch(flights_here.filter(date__gte=cutoff))
    older = flights_here.filter(date__lt=cutoff)
    # Which classes (and registrations) the older flights are in. Not their types: reading MyFlightbook's
    # record of every older flight cost more than the rest of the read; a type's stripe is known from the
    # recent flights or from MyFlightbook's items (it lists every type ever current), and the older flights
    # of its class are read whenever one of that class's items is not complete.
    older_pairs = set(older.order_by().values_list("category_class", "tail_number", *_AIRCRAFT).distinct())
    aircraft_class = _aircraft_classes(rows, older_pairs)
    flights = _currency_flights(rows, aircraft_class)
    items = compute_currency(flights, today, also_classes=also_classes, also_categories=also_categories)
    wanted = _older_flights_that_matter(items, older_pairs, aircraft_class, cutoff)
    if wanted is not None:
        flights += _currency_flights(_fetch(older.filter(wanted)), aircraft_class)
    return flights


def _aircraft_classes(rows: list[tuple], older_pairs: set[tuple]) -> dict[str, str]:
    """Registration → category/class: the class its newest flight that names one was flown in, so a Logger
    or CSV flight in N12345 counts as ASEL when MyFlightbook's flights in N12345 are ASEL."""
    aircraft_class: dict[str, str] = {}
    for row in rows:  # newest first: the newest flight that names a class wins
        tail = row[_TAIL]
        if tail and row[_CLASS] and tail not in aircraft_class:
            aircraft_class[tail] = _with_type(row[_CLASS], row[_TYPE])
    for category_class, tail, *_aircraft in sorted(older_pairs, key=lambda pair: pair[:2]):
        if tail and category_class:
            aircraft_class.setdefault(tail, category_class)
    return aircraft_class


def _older_flights_that_matter(items: list[CurrencyItem], older_pairs: set[tuple],
                               aircraft_class: dict[str, str], cutoff: date) -> Q | None:
    """Which older flights can still change an item computed from the recent ones. An item whose count was
    complete in the recent flights cannot change (the engine stops at the flight that completes it); the
    others need the older flights that hold what they count."""
    done = {item.key for item in items if item.expires_on is not None}
    # An older IPC gives at most the end of the 6th month after the cutoff: later, the recent flights decide.
    instrument_done = {item.category for item in items if item.kind == INSTRUMENT and item.expires_on is not None
                       and item.expires_on > end_of_calendar_month_after(cutoff, INSTRUMENT_MONTHS)}
    # A glider's item needs older flights unless every count was complete in the recent ones and it runs past
    # what an older IPC could give; with no glider flown recently, an older glider flight may list it.
    # A pilot who never flew a glider has no glider item: their hood time in airplanes is not read for one.
    glider_flown = any(item.kind == INSTRUMENT and item.category == GLIDER for item in items) or any(
        _class_and_type(stored or plane_class or aircraft_class.get(tail, ""))[0] == GLIDER
        for stored, tail, plane_class, _tailwheel in older_pairs)
    glider_done = not glider_flown or any(
        item.kind == INSTRUMENT and item.category == GLIDER and item.complete and item.expires_on
        and item.expires_on > end_of_calendar_month_after(cutoff, INSTRUMENT_MONTHS) for item in items)
    # (stored class, aircraft's class, what to read) → the registrations of the flights that name no class.
    needs: dict[tuple[str, str, Q], set[str]] = defaultdict(set)
    typed: dict[str, list[str]] = defaultdict(list)  # class → its type stripes the items know
    for item in items:
        if item.kind == PASSENGERS and not item.category.endswith(TAILWHEEL_SUFFIX):
            category_class, type_name = _class_and_type(item.category)
            if type_name:
                typed[category_class].append(item.category)
    for stored, tail, plane_class, tailwheel in older_pairs:
        category_class, type_name = _class_and_type(stored or plane_class or aircraft_class.get(tail, ""))
        if not category_class:
            continue
        stripes = [category_class, *typed[category_class]] + ([f"{category_class} ({type_name})"] if type_name else [])
        counted = [(PASSENGERS, stripe) for stripe in stripes]
        if tailwheel:
            counted += [(PASSENGERS, stripe + TAILWHEEL_SUFFIX) for stripe in stripes]
        wanted = None
        if any(key not in done for key in counted):
            wanted = _ANY_LANDING
        elif any((NIGHT, stripe) not in done for stripe in stripes):
            wanted = _ANY_NIGHT
        if CATEGORY_OF_CLASS.get(category_class) in INSTRUMENT_CATEGORIES and \
                CATEGORY_OF_CLASS[category_class] not in instrument_done:
            wanted = _ANY_INSTRUMENT if wanted is None else wanted | _ANY_INSTRUMENT
        if category_class in GLIDER_INSTRUMENT_CLASSES and not glider_done:
            wanted = _ANY_GLIDER_INSTRUMENT if wanted is None else wanted | _ANY_GLIDER_INSTRUMENT
        if wanted is not None:
            needs[(stored, "" if stored else plane_class or "", wanted)].add(tail)
    conditions = []
    for (stored, plane_class, wanted), tails in needs.items():
        if stored:
            match = Q(category_class=stored)
        elif plane_class:
            match = Q(category_class="", aircraft__category_class=plane_class)
        else:  # named by its registration's other flights: a superset, which cannot change a settled item
            match = Q(category_class="", tail_number__in=sorted(tails))
        conditions.append(match & wanted)
    if not any(item.kind == FLIGHT_REVIEW and item.flights for item in items):
        conditions.append(Q(flight_review=True))
    if not conditions:
        return None
    combined = conditions[0]
    for condition in conditions[1:]:
        combined |= condition
    return combined


def myflightbook_items(owner) -> dict[tuple[str, str], CurrencyRecord]:
    return {(row.kind, row.category): row
            for row in CurrencyRecord.objects.filter(owner=owner, source=FlightSource.MYFLIGHTBOOK,
                                                     kind__in=(PASSENGERS, NIGHT, INSTRUMENT, FLIGHT_REVIEW))}


def _also(theirs: dict[tuple[str, str], CurrencyRecord]) -> dict:
    """Stripes MyFlightbook reports, to list here even with no flights (never current here)."""
    return {"also_classes": [category for (kind, category) in theirs if kind in (PASSENGERS, NIGHT)
                             and _class_and_type(category.removesuffix(TAILWHEEL_SUFFIX))[0]],
            "also_categories": [category for (kind, category) in theirs if kind == INSTRUMENT]}


def compare_currency(flights: list[CurrencyFlight], theirs: dict[tuple[str, str], CurrencyRecord],
                     today: date) -> list[ComparedItem]:
    """The engine's items for `flights`, each beside MyFlightbook's. A stripe MyFlightbook reports that no
    flight here is in is still listed (never current here), so nothing it says goes unanswered."""
    items = compute_currency(flights, today, **_also(theirs))
    wanted = {flight_id for item in items for flight_id in item.flights}
    dates = {flight.id: (flight.date, flight.source) for flight in flights if flight.id in wanted}
    compared = []
    for item in items:
        mine = theirs.get(item.key)
        compared.append(ComparedItem(item, label_for(item), mine, differs_because(item, mine, flights, today),
                                     {flight_id: dates[flight_id] for flight_id in item.flights}))
    return compared


def computed_currency(owner, today: date | None = None) -> list[ComparedItem]:
    today = today or timezone.localdate()
    theirs = myflightbook_items(owner)
    return _ordered(compare_currency(currency_flights(owner, today, **_also(theirs)), theirs, today))


# What stops a pilot from flying first; the flight review before the per-category items.
_ORDER = {"expired": 0, "expiring": 1, "current": 2, "never": 3}


def _ordered(compared: list[ComparedItem]) -> list[ComparedItem]:
    return sorted(compared, key=lambda one: (_ORDER[one.item.status], one.item.kind != FLIGHT_REVIEW, one.label))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def source_name(source: str) -> str:
    # CSV runs store `csv:<format>` ("csv:foreflight"): a pilot knows them as logbook files.
    return "logbook-file" if source.startswith("csv") else SOURCE_NAMES.get(source, source)


def _from_elsewhere(item: CurrencyItem) -> list[str]:
    """"2 landings from Logger flights" for the item's main count (landings, approaches, reviews) from each
    source MyFlightbook cannot have."""
    what, by_source = next(iter(item.counts.items()), ("", {}))
    totals: dict[str, int] = defaultdict(int)
    for source, count in by_source.items():
        if source != FlightSource.MYFLIGHTBOOK and count:
            totals[source_name(source)] += count
    one, many = COUNT_WORDS.get(what, (what, what))
    return [f"{count} {one if count == 1 else many} from {name} flights" for name, count in sorted(totals.items())]


def differs_because(item: CurrencyItem, theirs: CurrencyRecord | None, flights: list[CurrencyFlight],
                    today: date) -> str:
    """Why the computed item and MyFlightbook's disagree, in a pilot's words; "" when they agree."""
    their_status = status_on(theirs.expires_on, today) if theirs and theirs.expires_on else (
        MYFLIGHTBOOK_STATUS.get(theirs.status, "unknown") if theirs else None)
    if theirs is not None and theirs.expires_on == item.expires_on and their_status == item.status:
        return ""
    elsewhere = _from_elsewhere(item)
    if theirs is None:
        if item.status == "never":
            return ("MyFlightbook lists an item only once it has been current; "
                    "no flight here makes it current either.")
        if elsewhere and not any(FlightSource.MYFLIGHTBOOK in by_source for by_source in item.counts.values()):
            return "Made by " + " and ".join(elsewhere) + ", which MyFlightbook does not have."
        return "MyFlightbook reported no such item at the last sync" + (
            f" (this one counts {' and '.join(elsewhere)}, which MyFlightbook does not have)." if elsewhere else
            "; sync again to compare.")
    if elsewhere and (theirs.expires_on is None or (item.expires_on and item.expires_on > theirs.expires_on)):
        return " and ".join(elsewhere) + " that MyFlightbook does not have."
    if item.expires_on == theirs.expires_on and their_status != item.status:
        if their_status == "expiring" and item.status == "current" or their_status == "current" and item.status == "expiring":
            return "MyFlightbook warns 31 days ahead, FlightBridge 30: same date."
        return f"Same date; MyFlightbook's status is from the sync of {theirs.synced_at:%Y-%m-%d}."
    if item.status == "never" and not item.flights and theirs.expires_on:
        if item.category.endswith(TAILWHEEL_SUFFIX):
            return ("No flight here is in an aircraft marked tailwheel, so none counts for this item; "
                    "MyFlightbook knows its models' landing gear.")
        if _class_and_type(item.category)[1] and not any(flight.type_name for flight in flights):
            return ("FlightBridge does not know type ratings yet: flights in a type-rated aircraft count for their "
                    f"class ({_class_and_type(item.category)[0]}) only.")
    earlier = theirs.expires_on is None or (item.expires_on is not None and theirs.expires_on < item.expires_on)
    if item.kind == NIGHT and item.inferred_takeoffs and earlier:
        return (f"MyFlightbook counts only logged night takeoffs; FlightBridge counts one per night landing on the "
                f"{_plural(item.inferred_takeoffs, 'flight')} here with none logged (§61.57(b) needs 3 night takeoffs).")
    later = theirs.expires_on and (item.expires_on is None or theirs.expires_on > item.expires_on)
    if later and item.landings_only_until == theirs.expires_on:
        if item.kind == NIGHT:
            return ("MyFlightbook counts only logged night takeoffs, and none at all until one is logged: "
                    "from the night full-stop landings alone it is current; §61.57(b) needs 3 night takeoffs too.")
        return "MyFlightbook counts landings only; §61.57(a) needs 3 takeoffs too, and fewer were logged."
    if item.kind == INSTRUMENT and item.status == "never" and theirs.expires_on:
        return "No approaches or holds here in that category: flights here may lack a category/class."
    if later:
        return (f"MyFlightbook counts flights this logbook does not have, or has them differently "
                f"(as of its sync on {theirs.synced_at:%Y-%m-%d}); sync again to bring them in.")
    return (f"MyFlightbook's item is from its sync on {theirs.synced_at:%Y-%m-%d}; "
            "flights here have changed since, or are not all in MyFlightbook.")


def as_api(one: ComparedItem) -> dict:
    """The `?source=computed-local` item (ComputedCurrencyOut)."""
    item, theirs = one.item, one.myflightbook
    return {
        "kind": item.kind, "category": item.category, "label": one.label, "status": item.status,
        "expires_on": item.expires_on, "grace_until": item.grace_until, "ipc_required": item.ipc_required,
        "flights": [{"id": flight_id, "date": one.flight_dates[flight_id][0], "source": one.flight_dates[flight_id][1],
                     "url": reverse("flight", args=[flight_id])} for flight_id in item.flights],
        "rule": item.rule, "shortfall": item.shortfall,
        "myflightbook": {"status": one.myflightbook_status, "expires_on": theirs.expires_on, "label": theirs.label,
                         "synced_at": theirs.synced_at} if theirs else None,
        "differs_because": one.differs_because or None,
    }


def currency_page(owner, today: date | None = None) -> dict:
    """What the currency page shows: the compared items, and what they were computed from."""
    today = today or timezone.localdate()
    theirs = myflightbook_items(owner)
    flights = currency_flights(owner, today, **_also(theirs))
    return {"items": _ordered(compare_currency(flights, theirs, today)), "today": today,
            "flight_count": Flight.objects.filter(owner=owner).count(),
            "synced_at": max((row.synced_at for row in theirs.values()), default=None)}
