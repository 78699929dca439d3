"""FAA pilot currency computed from a pilot's own flights, whatever their source: plain data in, items out.

Pure functions: no database, no clock (today is an argument), no network. The logbook hands in one
`CurrencyFlight` per flight (`logbook/currency_store.py` builds them from the rows) and gets back one
`CurrencyItem` per item: §61.57(a) passengers per category/class (and per type), tailwheel, §61.57(b)
night, §61.57(c) instrument per category with its §61.57(d) grace and IPC, §61.56 flight review.

Where the regulation leaves a detail open this follows MyFlightbook's own code (ericberman/MyFlightbookWeb,
`MyFlightbook.Web/AppCode/Flights/Currency/*.cs`), so that a logbook that lives only in MyFlightbook gets
the same answer here; docs/currency.md lists each such choice with its file. It must never call an item
current that the rule does not make current: a flight whose device or category cannot count is left out,
never guessed in.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from operator import attrgetter
from collections.abc import Iterable, Sequence
from typing import NamedTuple

# Item kinds: the same words (and categories) as the MyFlightbook mapping (myflightbook/currency.py), so a
# computed item and MyFlightbook's of the same kind and category pair up by (kind, category).
PASSENGERS = "passenger_day_90"
NIGHT = "passenger_night_90"
INSTRUMENT = "instrument"
FLIGHT_REVIEW = "flight_review"
TAILWHEEL_SUFFIX = " (tailwheel)"  # "ASEL (tailwheel)": MyFlightbook's "ASEL - Tailwheel", mapped

# Statuses (what the page and the API say).
CURRENT, EXPIRING, EXPIRED, NEVER = "current", "expiring", "expired", "never"
#: "expiring" = current, and the last day it is current is at most this many days away (issue 25).
EXPIRING_WITHIN_DAYS = 30

#: §61.57(a)/(b): "within the preceding 90 days". Current through the 90th day after the event that made
#: it (PassengerCurrency.cs: FlightCurrency(3, 90) and DateTime.AddDays(90); reference-data.md §4.1).
PASSENGER_DAYS = 90
REQUIRED_LANDINGS = 3
REQUIRED_TAKEOFFS = 3
#: §61.57(c)(1): 6 approaches and holding within the 6 calendar months; §61.57(d): an IPC after 6 more.
INSTRUMENT_MONTHS = 6
REQUIRED_APPROACHES = 6
REQUIRED_HOLDS = 1
GRACE_MONTHS = 6
#: §61.56(c): the 24 calendar months before the month of the flight.
FLIGHT_REVIEW_MONTHS = 24
#: §61.57(c)(3), in ten-thousandths of an hour (logbooks keep 4 decimals), so sums are exact: (i)(A) 1 hour of
#: instrument time and (i)(B) 2 hours of instrument maneuvers in a glider or single-engine airplane; (ii) to
#: carry passengers, also 2 hours of instrument time in a glider and the maneuvers for passengers
#: (GliderIFRCurrency.cs: FlightCurrency(1.0M …), (2.0M …), (2.0M …), (1 …), all 6 calendar months).
GLIDER = "Glider"
HOUR = 10_000
GLIDER_INSTRUMENT_TIME = 1 * HOUR
GLIDER_MANEUVERS = 2 * HOUR
GLIDER_PASSENGER_TIME = 2 * HOUR
PASSENGERS_PRIVILEGE, NO_PASSENGERS_PRIVILEGE = "Passengers", "No Passengers"

# Device classes (logbook SimulatorType values). MyFlightbook's aircraftinstancetypes table (MinimalDB):
# a real aircraft and an FFS are certified for landings; real, FFS, FTD and ATD for instrument approaches;
# an uncertified simulator ("FLAPS" here: basic / other) for nothing.
REAL, FFS, FTD, AATD, FLAPS = "REAL", "FFS", "FTD", "AATD", "FLAPS"
LANDING_DEVICES = frozenset({REAL, FFS})
INSTRUMENT_DEVICES = frozenset({REAL, FFS, FTD, AATD})
#: §61.57(c)(3)–(4): instrument time "in a glider or a single-engine airplane"; (c)(4) lets a full flight
#: simulator or flight training device that represents a glider stand in for the glider. Not an ATD or an
#: uncertified device, and not a simulator of an airplane (docs/currency.md: MyFlightbook counts more).
GLIDER_DEVICES = frozenset({REAL, FFS, FTD})
SINGLE_ENGINE_CLASSES = frozenset({"ASEL", "ASES"})

# Category/class names as MyFlightbook spells them (`categoryclass` table, MinimalDB-2026-01-29.sql) → their
# category, the instrument key. Unmanned Aerial System is left out: nothing in §61.57 applies (IsManned).
CATEGORY_OF_CLASS: dict[str, str] = {
    "ASEL": "Airplane", "AMEL": "Airplane", "ASES": "Airplane", "AMES": "Airplane",
    "Glider": "Glider", "Helicopter": "Rotorcraft", "Gyroplane": "Rotorcraft", "Powered Lift": "Powered Lift",
    "Airship": "Lighter Than Air", "Hot Air Balloon": "Lighter Than Air", "Gas Balloon": "Lighter Than Air",
    "Powered Parachute - Land": "Powered Parachute", "Powered Parachute - Sea": "Powered Parachute",
    "Weight-shift Control - Land": "Weight-shift Control", "Weight-shift Control - Sea": "Weight-shift Control",
    "Powered Paraglider": "Powered Paraglider",
}
_CLASS_SPELLINGS = {"".join(ch for ch in name.lower() if ch.isalnum()): name for name in CATEGORY_OF_CLASS}


def canonical_category_class(text: str) -> str:
    """MyFlightbook's spelling of a category/class written another way ("Weight Shift Control Land", "asel");
    "" when it is none we know."""
    return _CLASS_SPELLINGS.get("".join(ch for ch in (text or "").lower() if ch.isalnum()), "")


#: Classes where a tailwheel full-stop rule applies: landplanes only (TailwheelCurrency.cs, issue #1443:
#: no tailwheel landings on water).
TAILWHEEL_CLASSES = frozenset({"ASEL", "AMEL"})
#: Categories with instrument privileges (§61.57(c)(1)); gliders have their own (c)(3)–(4) rule
#: (`glider_instrument_item`).
INSTRUMENT_CATEGORIES = frozenset({"Airplane", "Rotorcraft", "Powered Lift"})

RULES: dict[str, str] = {
    PASSENGERS: "§61.57(a): to carry passengers, 3 takeoffs and 3 landings as sole manipulator in the preceding "
                "90 days, in the same category and class (and type, if it needs a type rating).",
    "tailwheel": "§61.57(a)(1)(ii): in a tailwheel airplane the 3 landings in the preceding 90 days must be to a "
                 "full stop, in a tailwheel airplane.",
    NIGHT: "§61.57(b): to carry passengers at night, 3 takeoffs and 3 landings to a full stop at night in the "
           "preceding 90 days, in the same category and class (and type, if required).",
    INSTRUMENT: "§61.57(c): to fly under IFR, 6 instrument approaches, holding, and intercepting and tracking "
                "courses in the 6 calendar months before the month of the flight; after 6 more months only an "
                "instrument proficiency check (§61.57(d)) restores it.",
    "glider_instrument": "§61.57(c)(3): to fly a glider under IFR, 1 hour of instrument time and 2 hours of "
                         "instrument maneuvers in a glider or single-engine airplane in the 6 calendar months before the "
                         "month of the flight; to carry passengers, also 2 hours of instrument time in a glider and the "
                         "maneuvers for passengers; an IPC restores both, and after 6 more months only an IPC (§61.57(d)).",
    FLIGHT_REVIEW: "§61.56: to act as pilot in command, a flight review (or a checkride, a §61.58 check or a "
                   "WINGS phase) since the start of the 24th calendar month before the month of the flight.",
}


class CurrencyFlight(NamedTuple):
    """What currency needs to know about one flight. Counts are the flight's own, never negative.

    A named tuple, not a class with attributes: a 50,000-flight logbook makes 50,000 of them per read, and
    `CurrencyFlight._make(row)` builds one in C from a row already in this order (logbook/currency_report.py).
    """

    id: int
    date: date
    source: str = ""
    category_class: str = ""  # "ASEL", "AMEL", "Helicopter", … ("" when unknown: it counts for nothing)
    type_name: str = ""  # the type rating it needs ("B737"), "" when none
    tailwheel: bool = False
    device: str = REAL
    landings: int = 0  # every landing: day and night, full-stop and touch-and-go
    takeoffs: int = 0  # day and night
    full_stop_landings: int = 0  # day and night
    night_full_stop_landings: int = 0
    night_takeoffs: int = 0
    approaches: int = 0
    holds: int = 0
    flight_review: bool = False  # a property with MyFlightbook's BFR flag: review, checkride, 61.58, WINGS
    ipc: bool = False  # a property with the IPC flag: IPC or instrument checkride
    pilot_monitoring: bool = False  # "Pilot Monitoring (Whole Flight)": its landings were not the pilot's
    takeoffs_inferred: bool = False  # its takeoffs were not logged: one per landing was counted (issue 20)
    instrument_time: float = 0  # hours in actual and simulated instrument conditions
    glider_maneuvers: float = 0  # hours of glider instrument maneuvers (MyFlightbook property 56)
    glider_passenger_maneuvers: bool = False  # the maneuvers to carry passengers (property 57)


@dataclass(frozen=True)
class CurrencyItem:
    kind: str
    category: str
    status: str
    expires_on: date | None  # the last day it is (or was) current; None when never
    flights: tuple[int, ...]  # the flights that make it, newest first
    rule: str
    grace_until: date | None = None  # instrument: the last day 6 approaches + holding still restore it
    ipc_required: bool = False  # instrument: past the grace, only an IPC restores it
    shortfall: str = ""  # what is missing when it is not current, in a pilot's words
    counts: dict = field(default_factory=dict)  # what the qualifying flights hold, by source: {"landings": {...}}
    #: passengers and night: the date the landings alone would give, as MyFlightbook counts (no takeoffs)
    landings_only_until: date | None = None
    #: passengers and night: how many of the flights that make the takeoffs had them inferred, not logged
    inferred_takeoffs: int = 0
    #: glider instrument: the privilege it is current for ("Passengers", "No Passengers"), "" when none
    privilege: str = ""
    #: glider instrument: whether every count (solo and passengers) was complete in the flights given
    complete: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.category)


def end_of_calendar_month_after(day: date, months: int) -> date:
    """The last day of the `months`-th month after `day`'s month (MFBExtensions.cs AddCalendarMonths)."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def status_on(expires_on: date | None, today: date) -> str:
    if expires_on is None:
        return NEVER
    if expires_on < today:
        return EXPIRED
    if expires_on <= today + timedelta(days=EXPIRING_WITHIN_DAYS):
        return EXPIRING
    return CURRENT


@dataclass(frozen=True)
class _Chain:
    """The newest events that add up to `required` (FlightCurrency.AddRecentFlightEvents): the date that
    completes the count, the flights that made it (newest first), what they hold by source, and how many
    events fall in the window that ends today."""

    completed_on: date | None
    flights: tuple[int, ...]
    by_source: dict[str, int]
    in_window: int
    made_by: tuple[CurrencyFlight, ...] = ()


def _chain(flights: Sequence[CurrencyFlight], count_of, required: int, window_start: date) -> _Chain:
    """`flights` newest first; `count_of(flight)` the events it holds (an `attrgetter`)."""
    total = in_window = 0
    made_by: list[CurrencyFlight] = []
    completed_on = None
    for flight in flights:
        count = count_of(flight)
        if count <= 0:
            continue
        day = flight.date
        if day >= window_start:
            in_window += count
        elif completed_on is not None:
            break  # complete, and nothing older can be in the window
        if completed_on is None:
            total += count
            made_by.append(flight)
            if total >= required:
                completed_on = day
    if completed_on is None:
        return _Chain(None, (), {}, in_window)
    by_source: dict[str, int] = defaultdict(int)
    for flight in made_by:
        by_source[flight.source or "unknown"] += count_of(flight)
    return _Chain(completed_on, tuple(flight.id for flight in made_by), dict(by_source), in_window, tuple(made_by))


def _plural(count: int, word: str, plural: str = "") -> str:
    return f"{count} {word}" if count == 1 else f"{count} {plural or word + 's'}"


def _landing_item(kind: str, category: str, rule: str, flights: Sequence[CurrencyFlight], landings: str,
                  takeoffs: str, today: date, landing_word: str, takeoff_word: str) -> CurrencyItem:
    """3 takeoffs and 3 landings (of the kind named by the attributes) within 90 days, newest first."""
    window_start = today - timedelta(days=PASSENGER_DAYS)
    landing_chain = _chain(flights, attrgetter(landings), REQUIRED_LANDINGS, window_start)
    takeoff_chain = _chain(flights, attrgetter(takeoffs), REQUIRED_TAKEOFFS, window_start)
    expires_on = None
    if landing_chain.completed_on and takeoff_chain.completed_on:
        # Both must hold: current until the earlier of the two runs out (an AND of the two, NightCurrency.cs).
        expires_on = min(landing_chain.completed_on, takeoff_chain.completed_on) + timedelta(days=PASSENGER_DAYS)
    status = status_on(expires_on, today)
    shortfall = ""
    if status in (EXPIRED, NEVER):
        missing = []
        if landing_chain.in_window < REQUIRED_LANDINGS:
            missing.append(_plural(REQUIRED_LANDINGS - landing_chain.in_window, landing_word))
        if takeoff_chain.in_window < REQUIRED_TAKEOFFS:
            missing.append(_plural(REQUIRED_TAKEOFFS - takeoff_chain.in_window, takeoff_word))
        shortfall = "Needs " + " and ".join(missing) + " in the last 90 days." if missing else ""
    ids = tuple(dict.fromkeys(landing_chain.flights + takeoff_chain.flights)) if expires_on else ()
    landings_only = landing_chain.completed_on + timedelta(days=PASSENGER_DAYS) if landing_chain.completed_on else None
    inferred = sum(1 for flight in takeoff_chain.made_by if flight.takeoffs_inferred) if expires_on else 0
    return CurrencyItem(kind, category, status, expires_on, ids, rule, shortfall=shortfall,
                        landings_only_until=landings_only, inferred_takeoffs=inferred,
                        counts={"landings": landing_chain.by_source, "takeoffs": takeoff_chain.by_source} if expires_on else {})


def _category_keys(flight: CurrencyFlight) -> list[str]:
    """The passenger stripes a flight counts in: its class with type ("AMEL (B737)") and the plain class,
    since landings in a type-rated aircraft also count for its class (Currency.cs, two passes)."""
    if flight.type_name:
        return [f"{flight.category_class} ({flight.type_name})", flight.category_class]
    return [flight.category_class]


def passenger_items(flights: Sequence[CurrencyFlight], today: date, also: Iterable[str] = ()) -> list[CurrencyItem]:
    """§61.57(a) day, tailwheel and §61.57(b) night items for each category/class flown (and each in `also`,
    which are reported as never current when nothing was flown in them)."""
    stripes: dict[str, list[CurrencyFlight]] = defaultdict(list)
    tailwheel: dict[str, list[CurrencyFlight]] = defaultdict(list)
    for flight in flights:  # newest first
        # Only a real aircraft or a full flight simulator can log landings (aircraftinstancetypes), only known
        # classes count, and a whole flight spent monitoring is not the pilot's (PassengerCurrency.cs).
        category_class = flight.category_class
        if flight.device not in LANDING_DEVICES or category_class not in CATEGORY_OF_CLASS or flight.pilot_monitoring:
            continue
        if not (flight.landings or flight.night_takeoffs or flight.takeoffs or flight.type_name):
            continue
        keys = _category_keys(flight) if flight.type_name else (category_class,)
        on_tailwheel = flight.tailwheel and flight.full_stop_landings and category_class in TAILWHEEL_CLASSES
        for key in keys:
            stripes[key].append(flight)
            if on_tailwheel:
                tailwheel[key].append(flight)
    for key in also:
        if key.endswith(TAILWHEEL_SUFFIX):
            tailwheel.setdefault(key[:-len(TAILWHEEL_SUFFIX)], [])
        else:
            stripes.setdefault(key, [])
    items: list[CurrencyItem] = []
    for key in sorted(stripes):
        rows = stripes[key]
        items.append(_landing_item(PASSENGERS, key, RULES[PASSENGERS], rows, "landings", "takeoffs", today,
                                   "landing", "takeoff"))
        items.append(_landing_item(NIGHT, key, RULES[NIGHT], rows, "night_full_stop_landings", "night_takeoffs",
                                   today, "night full-stop landing", "night takeoff"))
    for key in sorted(tailwheel):
        items.append(_landing_item(PASSENGERS, key + TAILWHEEL_SUFFIX, RULES["tailwheel"], tailwheel[key],
                                   "full_stop_landings", "takeoffs", today, "full-stop landing", "takeoff"))
    return items


def instrument_items(flights: Sequence[CurrencyFlight], today: date, also: Iterable[str] = ()) -> list[CurrencyItem]:
    """§61.57(c)(1)–(2) per category, with §61.57(d)'s grace and IPC (InstrumentCurrency.cs)."""
    by_category: dict[str, list[CurrencyFlight]] = defaultdict(list)
    for flight in flights:  # newest first
        category = CATEGORY_OF_CLASS.get(flight.category_class)
        # Any combination of aircraft, FFS, FTD and ATD counts since 26 Nov 2018 (§61.57(c)(2)); an
        # uncertified device or a flight spent monitoring does not (InstrumentCurrency.cs, issue #1456).
        if category not in INSTRUMENT_CATEGORIES or flight.device not in INSTRUMENT_DEVICES or flight.pilot_monitoring:
            continue
        if flight.approaches or flight.holds or flight.ipc:
            by_category[category].append(flight)
    for category in also:
        if category in INSTRUMENT_CATEGORIES:
            by_category.setdefault(category, [])
    items = []
    window_start = end_of_calendar_month_after(today, -INSTRUMENT_MONTHS - 1) + timedelta(days=1)
    for category in sorted(by_category):
        rows: list[CurrencyFlight] = []
        ipc_flight = None
        for flight in by_category[category]:
            rows.append(flight)
            if flight.ipc:
                # An IPC or instrument checkride resets the clock; what came before it was training and does not
                # count (InstrumentCurrency.cs: "once we see a checkride … we shouldn't count them").
                ipc_flight = flight
                break
        approaches = _chain(rows, attrgetter("approaches"), REQUIRED_APPROACHES, window_start)
        holds = _chain(rows, attrgetter("holds"), REQUIRED_HOLDS, window_start)
        experience_until = None
        ids: tuple[int, ...] = ()
        if approaches.completed_on and holds.completed_on:
            earlier = min(approaches.completed_on, holds.completed_on)
            experience_until = end_of_calendar_month_after(earlier, INSTRUMENT_MONTHS)
            ids = tuple(dict.fromkeys(approaches.flights + holds.flights))
        ipc_until = end_of_calendar_month_after(ipc_flight.date, INSTRUMENT_MONTHS) if ipc_flight else None
        expires_on = max(filter(None, (experience_until, ipc_until)), default=None)
        if ipc_until and expires_on == ipc_until and (experience_until is None or ipc_until > experience_until):
            ids = (ipc_flight.id,)
        elif ipc_until and ipc_until == experience_until:
            ids = ids + (ipc_flight.id,)
        status = status_on(expires_on, today)
        grace_until = end_of_calendar_month_after(expires_on, GRACE_MONTHS) if expires_on else None
        ipc_required = status == EXPIRED and grace_until is not None and today > grace_until
        shortfall = ""
        if ipc_required:
            shortfall = f"More than 6 calendar months since it lapsed: only an IPC restores it (since {grace_until + timedelta(days=1)})."
        elif status in (EXPIRED, NEVER):
            missing = []
            if approaches.in_window < REQUIRED_APPROACHES:
                missing.append(_plural(REQUIRED_APPROACHES - approaches.in_window, "approach", "approaches"))
            if holds.in_window < REQUIRED_HOLDS:
                missing.append("holding")
            shortfall = "Needs " + " and ".join(missing) + " in the last 6 calendar months" + (
                f" (or an IPC; after {grace_until} only an IPC)." if grace_until else " (or an IPC).")
        counts = {}
        if ids:
            counts = {"approaches": approaches.by_source, "holds": holds.by_source}
        items.append(CurrencyItem(INSTRUMENT, category, status, expires_on, ids, RULES[INSTRUMENT],
                                  grace_until=grace_until, ipc_required=ipc_required, shortfall=shortfall, counts=counts))
    return items


def _hours_of(name: str):
    hours = attrgetter(name)
    return lambda flight: round(hours(flight) * HOUR)


def _hours(amount: int) -> str:
    return f"{amount / HOUR:g} hour" + ("" if amount == HOUR else "s")


def glider_instrument_item(flights: Sequence[CurrencyFlight], today: date, *, listed: bool = False) -> CurrencyItem | None:
    """§61.57(c)(3)–(4) and (d) for gliders, as GliderIFRCurrency.cs computes it: (i) 1 hour of instrument time
    AND 2 hours of instrument maneuvers, in a glider or single-engine airplane; (ii) to carry passengers, (i)
    AND 2 hours of instrument time in a glider AND the passenger maneuvers in a glider; an IPC in a real glider
    or single-engine airplane makes both current. None when the pilot flew no glider (and `listed` is false):
    an airplane pilot's hood time is no glider item (Currency.cs AddGliderChecks)."""
    time_rows, maneuver_rows, glider_time_rows, passenger_rows = [], [], [], []
    ipc_flight = None
    flew_glider = listed
    for flight in flights:  # newest first
        category_class = flight.category_class
        if category_class == GLIDER:
            flew_glider = True
            if flight.device not in GLIDER_DEVICES or flight.pilot_monitoring:
                continue
        elif category_class not in SINGLE_ENGINE_CLASSES or flight.device != REAL or flight.pilot_monitoring:
            continue
        if flight.instrument_time > 0:
            time_rows.append(flight)
            if category_class == GLIDER:
                glider_time_rows.append(flight)
        if flight.glider_maneuvers > 0:
            maneuver_rows.append(flight)
        if flight.glider_passenger_maneuvers and category_class == GLIDER:
            passenger_rows.append(flight)
        # "IPC can be in EITHER ASEL OR Glider but MUST be a real aircraft" (GliderIFRCurrency.cs).
        if flight.ipc and flight.device == REAL and ipc_flight is None:
            ipc_flight = flight
    if not flew_glider:
        return None
    window_start = end_of_calendar_month_after(today, -INSTRUMENT_MONTHS - 1) + timedelta(days=1)
    instrument_time = _chain(time_rows, _hours_of("instrument_time"), GLIDER_INSTRUMENT_TIME, window_start)
    maneuvers = _chain(maneuver_rows, _hours_of("glider_maneuvers"), GLIDER_MANEUVERS, window_start)
    glider_time = _chain(glider_time_rows, _hours_of("instrument_time"), GLIDER_PASSENGER_TIME, window_start)
    passenger_maneuvers = _chain(passenger_rows, lambda flight: 1, 1, window_start)
    solo_chains, passenger_chains = (instrument_time, maneuvers), (instrument_time, maneuvers, glider_time, passenger_maneuvers)

    def until(chains) -> date | None:
        # An AND of currencies: current until the earliest of them runs out (Currency.cs FlightCurrency.AND).
        if any(chain.completed_on is None for chain in chains):
            return None
        return end_of_calendar_month_after(min(chain.completed_on for chain in chains), INSTRUMENT_MONTHS)

    ipc_until = end_of_calendar_month_after(ipc_flight.date, INSTRUMENT_MONTHS) if ipc_flight else None
    solo_until = max(filter(None, (until(solo_chains), ipc_until)), default=None)
    passengers_until = max(filter(None, (until(passenger_chains) and min(until(passenger_chains), solo_until),
                                         ipc_until)), default=None)
    # The highest privilege it is current for names the item and its date (GliderIFRCurrency.cs Privilege).
    if status_on(passengers_until, today) in (CURRENT, EXPIRING):
        privilege, expires_on, chains = PASSENGERS_PRIVILEGE, passengers_until, passenger_chains
    elif status_on(solo_until, today) in (CURRENT, EXPIRING):
        privilege, expires_on, chains = NO_PASSENGERS_PRIVILEGE, solo_until, solo_chains
    else:
        privilege, expires_on, chains = "", max(filter(None, (solo_until, passengers_until)), default=None), solo_chains
    status = status_on(expires_on, today)
    ids: tuple[int, ...] = ()
    if expires_on is not None and expires_on == ipc_until and (until(chains) is None or ipc_until > until(chains)):
        ids = (ipc_flight.id,)
    elif expires_on is not None:
        ids = tuple(dict.fromkeys(flight_id for chain in chains for flight_id in chain.flights))
    grace_until = end_of_calendar_month_after(expires_on, GRACE_MONTHS) if expires_on else None
    ipc_required = status == EXPIRED and grace_until is not None and today > grace_until
    missing = []
    if instrument_time.in_window < GLIDER_INSTRUMENT_TIME:
        missing.append(f"{_hours(GLIDER_INSTRUMENT_TIME - instrument_time.in_window)} of instrument time")
    if maneuvers.in_window < GLIDER_MANEUVERS:
        missing.append(f"{_hours(GLIDER_MANEUVERS - maneuvers.in_window)} of instrument maneuvers")
    passenger_missing = []
    if glider_time.in_window < GLIDER_PASSENGER_TIME:
        passenger_missing.append(f"{_hours(GLIDER_PASSENGER_TIME - glider_time.in_window)} of instrument time in a glider")
    if passenger_maneuvers.in_window < 1:
        passenger_missing.append("the instrument maneuvers for passengers in a glider")
    shortfall = ""
    if ipc_required:
        shortfall = f"More than 6 calendar months since it lapsed: only an IPC restores it (since {grace_until + timedelta(days=1)})."
    elif status in (EXPIRED, NEVER):
        shortfall = ("Needs " + " and ".join(missing or ["an IPC"]) + " (in a glider or single-engine airplane) in the last 6 "
                     "calendar months" + (f" (or an IPC; after {grace_until} only an IPC)." if grace_until else " (or an IPC)."))
    elif privilege == NO_PASSENGERS_PRIVILEGE and (passenger_missing or missing):
        shortfall = "To carry passengers: needs " + " and ".join(missing + passenger_missing) + " in the last 6 calendar months."
    counts = {}
    if ids:
        hours: dict[str, float] = defaultdict(float)
        for chain in chains[:1] + chains[2:3]:
            for source, amount in chain.by_source.items():
                hours[source] += amount / HOUR
        counts = {"instrument hours": dict(hours)} if hours else {"ipcs": {ipc_flight.source or "unknown": 1}}
    every = (instrument_time, maneuvers, glider_time, passenger_maneuvers)
    return CurrencyItem(INSTRUMENT, GLIDER, status, expires_on, ids, RULES["glider_instrument"], grace_until=grace_until,
                        ipc_required=ipc_required, shortfall=shortfall, counts=counts, privilege=privilege,
                        complete=all(chain.completed_on is not None for chain in every))


def flight_review_item(flights: Sequence[CurrencyFlight], today: date) -> CurrencyItem:
    """§61.56: the newest flight with a BFR-flag property, any category or device (ProfileEvent.GetBFREvents,
    ProfileCurrency.cs NextBFR: AddCalendarMonths(24))."""
    review = next((flight for flight in flights if flight.flight_review), None)
    expires_on = end_of_calendar_month_after(review.date, FLIGHT_REVIEW_MONTHS) if review else None
    status = status_on(expires_on, today)
    shortfall = {EXPIRED: "Needs a flight review (or a checkride, a §61.58 check or a WINGS phase).",
                 NEVER: "No flight review, checkride, §61.58 check or WINGS phase in the logbook."}.get(status, "")
    return CurrencyItem(FLIGHT_REVIEW, "", status, expires_on, (review.id,) if review else (), RULES[FLIGHT_REVIEW],
                        shortfall=shortfall, counts={"reviews": {review.source or "unknown": 1}} if review else {})


def _newest_first(flights: Iterable[CurrencyFlight]) -> list[CurrencyFlight]:
    # MyFlightbook walks a logbook newest first (Currency.cs CurrencyQuery, date then FlightID descending).
    return sorted(flights, key=attrgetter("date", "id"), reverse=True)


def compute_currency(flights: Iterable[CurrencyFlight], today: date, *, also_classes: Iterable[str] = (),
                     also_categories: Iterable[str] = ()) -> list[CurrencyItem]:
    """Every item for one pilot. `also_classes`/`also_categories`: stripes to report even with no flights
    (the pilot's aircraft, MyFlightbook's items), as never current."""
    ordered = _newest_first(flights)
    also_categories = tuple(also_categories)
    glider = glider_instrument_item(ordered, today, listed=GLIDER in also_categories)
    return [*passenger_items(ordered, today, also_classes), *instrument_items(ordered, today, also_categories),
            *([glider] if glider else []), flight_review_item(ordered, today)]
