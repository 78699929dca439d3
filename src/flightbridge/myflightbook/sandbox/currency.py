"""MyFlightbook's flight-experience currency, computed from the sandbox's own flights as MyFlightbook does.

A port of MyFlightbook's code (ericberman/MyFlightbookWeb at b1c03562), not of FlightBridge's engine:
the point is an independent twin to compare FlightBridge's currency with (issue 25, docs/currency.md).
Ported: `FlightCurrency` (Currency.cs: newest-first events, currency periods, AND/OR of two currencies,
31-day "getting close"), `PassengerCurrency.cs` (every landing), `NightCurrency.cs` (night full stops;
the night-takeoff rule only once it has ever been met), `TailwheelCurrency.cs`, `InstrumentCurrency.cs`
(6 approaches AND a hold, OR an IPC; nothing before an IPC counts; "IPC is required." from the last day of
the grace), the flight review of `ProfileCurrency.cs`/`ProfileEvent.cs` (BFR-flag properties, 24
calendar months), the per-type and per-class stripes of `Currency.cs`, and `AddIfCurrent` (an item is
listed only once it has been current), `GliderIFRCurrency.cs` (§61.57(c)(3), shown once the pilot has been
current for glider passengers). Not ported: §61.57(e), SFAR 73, custom currencies.
Only the sandbox uses this; it must never be imported by code that talks to the real MyFlightbook.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Callable

from flightbridge.logbook import property_types
from flightbridge.logbook.category_classes import category_class_name

Text = Callable[[Any], str]

# aircraftinstancetypes (MinimalDB-2026-01-29.sql): IsCertifiedIFR, IsCertifiedLanding (IsFullMotion = the same rows).
CERTIFIED_IFR = frozenset({1, 3, 4, 5})
CERTIFIED_LANDING = frozenset({1, 4})
CATEGORY = {"ASEL": "Airplane", "AMEL": "Airplane", "ASES": "Airplane", "AMES": "Airplane", "Glider": "Glider",
            "Helicopter": "Rotorcraft", "Gyroplane": "Rotorcraft", "Powered Lift": "Powered Lift"}
SEA = frozenset({"ASES", "AMES"})
GROUP_FLIGHT_EXPERIENCE, GROUP_FLIGHT_REVIEW = 1, 2
NOT_CURRENT, GETTING_CLOSE, OK = 0, 1, 2


def add_calendar_months(day: date, months: int) -> date:
    """MFBExtensions.cs AddCalendarMonths: forward, the last day of the month; back, the first."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    if months >= 0:
        return date(year, month + 1, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, 1)


@dataclass
class FlightCurrency:
    """Currency.cs `FlightCurrency`: `required` events within `span` days (or calendar months)."""

    required: float
    span: int
    months: bool
    today: date
    periods: list[list[date]] = field(default_factory=list)  # [start, end], newest first
    queue: list[tuple[date, float]] = field(default_factory=list)
    events: float = 0
    discrepancy: float = 0
    most_recent: date | None = None

    def __post_init__(self):
        self.discrepancy = self.required
        self.earliest = add_calendar_months(self.today, -self.span) if self.months else self.today - timedelta(days=self.span)

    def expiration_from(self, day: date) -> date:
        return add_calendar_months(day, self.span) if self.months else day + timedelta(days=self.span)

    def add(self, day: date, count: float) -> None:
        """AddRecentFlightEvents: always newest first."""
        self.events += count
        if day >= self.earliest:
            self.discrepancy -= count
        self.most_recent = max(self.most_recent or day, day)
        self.queue.append((day, count))
        end = self.expiration_from(day)
        while self.queue and (self.queue[0][0] > end or self.events - self.queue[0][1] >= self.required):
            self.events -= self.queue.pop(0)[1]
        if self.events >= self.required:
            period = [self.queue[0][0], end]
            last = self.periods[-1] if self.periods else None
            if last is not None and period[1] >= last[0]:  # CurrencyPeriod.MergeWith: overlapping, one period
                last[0] = min(last[0], period[0])
            else:
                self.periods.append(period)

    @property
    def expiration(self) -> date | None:
        return self.periods[0][1] if self.periods else None

    @property
    def state(self) -> int:
        expires = self.expiration
        if expires is None or expires < self.today:
            return NOT_CURRENT
        return GETTING_CLOSE if expires <= self.today + timedelta(days=31) else OK  # IsAlmostCurrent: Now.AddDays(31)

    @property
    def short_by(self) -> int:
        return max(0, math.ceil(self.discrepancy))

    def merged(self, other: "FlightCurrency", both: bool) -> "FlightCurrency":
        """Currency.cs AND (`both`) / OR: the periods when both (either) were current."""
        result = FlightCurrency(self.required, self.span, self.months, self.today)
        edges = sorted([(end, 0, 1) for start, end in self.periods] + [(start, 1, 1) for start, end in self.periods]
                       + [(end, 0, 2) for start, end in other.periods] + [(start, 1, 2) for start, end in other.periods],
                       key=lambda edge: (edge[0], -edge[1]), reverse=True)
        active = {1: False, 2: False}
        current: list[date] | None = None
        for day, is_start, which in edges:  # descending: an end opens a period, a start closes it
            active[which] = not is_start
            on = (active[1] and active[2]) if both else (active[1] or active[2])
            if current is None and on:
                current = [day, day]
            elif current is not None and not on:
                current[0] = day
                result.periods.append(current)
                current = None
        return result


@dataclass(frozen=True)
class Item:
    """One CurrencyStatusItem's parts: texts are functions of the request's culture (sandbox/culture.py)."""

    attribute: Text
    expiration: date
    state: int
    discrepancy: Text
    group: int
    today: date

    def render(self, culture) -> dict:
        """As the canned items render (sandbox/logbook.py CurrencySpec): a default Status (0) is omitted."""
        row: dict[str, Any] = {"Attribute": self.attribute(culture),
                               "Value": _status_value(culture, self.expiration, self.today)}
        if self.state:
            row["Status"] = self.state
        row["Discrepancy"] = self.discrepancy(culture)
        row["CurrencyGroup"] = self.group
        return row


def _status_value(culture, expires: date, today: date) -> str:
    # StatusDisplayForDate: "Expired: …" before today, else "Current Until: …".
    return culture.text("expired" if expires < today else "current", culture.short_date(expires))


@dataclass
class _Flight:
    day: date
    cat_class: str
    type_name: str
    tailwheel: bool
    instance: int
    landings: int
    full_stops: int  # day
    night_full_stops: int
    night_takeoffs: int
    approaches: int
    hold: int
    ipc: bool
    review: bool
    instrument_time: Decimal = Decimal(0)  # IMC + SimulatedIFR
    glider_maneuvers: Decimal = Decimal(0)  # properties with cfpFlagGliderInstrumentManeuvers: their DecValue
    glider_passenger_maneuvers: bool = False  # a property with cfpFlagGliderInstrumentManeuversPassengers


def _flights(account, models: dict) -> list[_Flight]:
    """The account's flights, newest first, with what Currency.cs's query joins in (model, instance type)."""
    aircraft = {row["AircraftID"]: row for row in account.aircraft}
    night_takeoff = {kind.id for kind in property_types.property_types().values()
                     if kind.flags & property_types.FLAG_NIGHT_TAKEOFF}
    reviews, ipcs = property_types.flight_review_ids(), property_types.ipc_ids()
    glider_maneuvers = {kind.id for kind in property_types.property_types().values()
                        if kind.flags & property_types.FLAG_GLIDER_INSTRUMENT_MANEUVERS}
    glider_passengers = {kind.id for kind in property_types.property_types().values()
                         if kind.flags & property_types.FLAG_GLIDER_INSTRUMENT_PASSENGERS}
    rows = sorted(account.flights, key=lambda row: (account.flight_dates[row["FlightID"]], row["FlightID"]), reverse=True)
    flights = []
    for row in rows:
        plane = aircraft.get(row.get("AircraftID"))
        if plane is None:
            continue
        model = models[plane["ModelID"]]
        props = row.get("CustomProperties") or []
        # ProfileEvent.cs: a property counts when its value is set (IntValue/DecValue non-zero, or a date).
        flagged = {prop["PropTypeID"] for prop in props if prop.get("BoolValue") or prop.get("IntValue") or prop.get("DecValue")}
        flights.append(_Flight(
            day=account.flight_dates[row["FlightID"]],
            cat_class=category_class_name(row.get("CatClassOverride")) or model.cat_class, type_name=model.type_name,
            tailwheel=model.tailwheel, instance=plane["InstanceTypeID"], landings=row.get("Landings", 0),
            full_stops=row.get("FullStopLandings", 0), night_full_stops=row.get("NightLandings", 0),
            night_takeoffs=sum(prop.get("IntValue", 0) for prop in props if prop["PropTypeID"] in night_takeoff),
            approaches=row.get("Approaches", 0), hold=1 if row.get("fHoldingProcedures") else 0,
            ipc=bool(flagged & ipcs), review=bool(flagged & reviews),
            instrument_time=_decimal(row.get("IMC")) + _decimal(row.get("SimulatedIFR")),
            glider_maneuvers=sum((_decimal(prop.get("DecValue")) for prop in props
                                  if prop["PropTypeID"] in glider_maneuvers), Decimal(0)),
            glider_passenger_maneuvers=bool(flagged & glider_passengers)))
    return flights


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


class GliderIFRCurrency:
    """GliderIFRCurrency.cs: §61.57(c)(3) (i) without passengers and (ii) with, each OR an IPC."""

    def __init__(self, today: date):
        self.today = today
        self.ifr_time = FlightCurrency(1, 6, True, today)  # (c)(3)(i)(A): glider or single-engine airplane
        self.ifr_time_passengers = FlightCurrency(2, 6, True, today)  # (c)(3)(ii)(A): in a glider
        self.maneuvers = FlightCurrency(2, 6, True, today)  # (c)(3)(i)(B)
        self.maneuvers_passengers = FlightCurrency(1, 6, True, today)  # (c)(3)(ii)(B): in a glider
        self.ipc = FlightCurrency(1, 6, True, today)

    def examine(self, flight: _Flight) -> None:
        """ExamineFlight: fIsGlider is the flight's category/class (any device); fIsSingleEngine is ASEL or ASES
        in a device certified for IFR and for landings (ExaminerFlightRow); an IPC counts in a real aircraft."""
        glider = flight.cat_class == "Glider"
        single_engine = flight.cat_class in ("ASEL", "ASES") and flight.instance in CERTIFIED_IFR & CERTIFIED_LANDING
        if not (glider or single_engine):
            return
        if flight.instrument_time > 0:
            self.ifr_time.add(flight.day, flight.instrument_time)
            if glider:
                self.ifr_time_passengers.add(flight.day, flight.instrument_time)
        if flight.glider_maneuvers:
            self.maneuvers.add(flight.day, flight.glider_maneuvers)
        if glider and flight.glider_passenger_maneuvers:
            self.maneuvers_passengers.add(flight.day, 1)
        if flight.ipc and flight.instance == 1:
            self.ipc.add(flight.day, 1)

    def item(self) -> tuple[Text, FlightCurrency, Text] | None:
        """ComputeComposite and Privilege: (label, the currency it reports, discrepancy); None before it has ever
        been current (HasBeenCurrent: CompositeExpiration.HasValue())."""
        solo = self.ifr_time.merged(self.maneuvers, both=True).merged(self.ipc, both=False)
        passengers = (solo.merged(self.ifr_time_passengers, both=True).merged(self.maneuvers_passengers, both=True)
                      .merged(self.ipc, both=False))
        if passengers.state != NOT_CURRENT or solo.state != NOT_CURRENT:
            chosen, privilege = (passengers, "glider_passengers") if passengers.state != NOT_CURRENT else (solo, "glider_no_passengers")
            discrepancy: Text = lambda c: ""  # noqa: E731
            gap = _currency_gap(solo, self.ipc.most_recent, 6)
            if gap is not None:  # "check to see if there is an embedded gap that needs an IPC"
                discrepancy = lambda c, g=gap: c.text("ipc_may_be_required", c.short_date(g[0]), c.short_date(g[1]))  # noqa: E731
            return (lambda c, k=privilege: f"{c.text('ifr_glider')} - {c.text(k)}"), chosen, discrepancy
        expires = max(filter(None, (solo.expiration, passengers.expiration)), default=None)
        if expires is None:
            return None
        reported = solo if solo.expiration == expires else passengers
        if add_calendar_months(expires, 6) > self.today:
            time_short, maneuvers_short = _short(self.ifr_time), _short(self.maneuvers)
            discrepancy = lambda c, t=time_short, m=maneuvers_short: c.text("short_by_glider_ifr", c.number(t), c.number(m))  # noqa: E731
        else:
            discrepancy = lambda c: c.text("ipc_required")  # noqa: E731
        return (lambda c: c.text("ifr_glider")), reported, discrepancy


def _short(currency: FlightCurrency) -> Decimal:
    """FlightCurrency.Discrepancy: what is still short in the window, never below zero (a decimal here)."""
    return max(Decimal(str(currency.discrepancy)), Decimal(0))


def _currency_gap(currency: FlightCurrency, after: date | None, months: int) -> tuple[date, date] | None:
    """FlightCurrency.FindCurrencyGap: the newest gap of more than `months` calendar months between two periods
    when the pilot was current, after `after` (the latest IPC): (end of the earlier period, start of the later)."""
    periods = currency.periods  # newest first
    for current, prior in zip(periods, periods[1:]):
        if after is not None and prior[1] <= after:
            return None
        if add_calendar_months(prior[1], months) < current[0]:
            return prior[1], current[0]
    return None


def flight_currency_items(account, today: date, models: dict) -> list[Item]:
    """Currency.cs ComputeCurrency (FAA, the default preferences) and ProfileCurrency.cs's flight review.
    `models`: model id → the sandbox's Model (category/class, type, tailwheel)."""
    flights = _flights(account, models)
    passengers: dict[str, FlightCurrency] = {}
    night: dict[str, tuple[FlightCurrency, FlightCurrency]] = {}
    tailwheel: dict[str, FlightCurrency] = {}
    ifr: dict[str, dict] = {}
    glider_ifr = GliderIFRCurrency(today)
    for flight in flights:
        stripes = [f"{flight.cat_class} ({flight.type_name})", flight.cat_class] if flight.type_name else [flight.cat_class]
        for stripe in stripes:
            if (flight.landings or flight.night_takeoffs or flight.type_name) and flight.instance in CERTIFIED_LANDING:
                if stripe not in passengers:  # built once per stripe, not once per flight
                    passengers[stripe] = FlightCurrency(3, 90, False, today)
                    night[stripe] = (FlightCurrency(3, 90, False, today), FlightCurrency(3, 90, False, today))
                passengers[stripe].add(flight.day, flight.landings)
                if flight.tailwheel and CATEGORY.get(flight.cat_class) == "Airplane" and flight.cat_class not in SEA \
                        and flight.full_stops + flight.night_full_stops > 0:
                    if stripe not in tailwheel:
                        tailwheel[stripe] = FlightCurrency(3, 90, False, today)
                    tailwheel[stripe].add(flight.day, flight.full_stops + flight.night_full_stops)
                landings, takeoffs = night[stripe]
                if flight.night_full_stops:
                    landings.add(flight.day, flight.night_full_stops)
                if flight.night_takeoffs:
                    takeoffs.add(flight.day, flight.night_takeoffs)
        glider_ifr.examine(flight)  # Currency.cs: before the per-category IFR, for every manned flight
        category = CATEGORY.get(flight.cat_class, "")
        if category == "Glider" or flight.instance not in CERTIFIED_IFR:
            continue
        if category not in ifr:
            ifr[category] = {"holds": FlightCurrency(1, 6, True, today), "approaches": FlightCurrency(6, 6, True, today),
                             "ipc": FlightCurrency(1, 6, True, today), "seen_checkride": False}
        state = ifr[category]
        if state["seen_checkride"]:
            continue  # InstrumentCurrency.cs: what came before an IPC or checkride was training
        if flight.ipc:
            state["ipc"].add(flight.day, 1)
            state["seen_checkride"] = True
        if flight.approaches:
            state["approaches"].add(flight.day, flight.approaches)
        if flight.hold:
            state["holds"].add(flight.day, flight.hold)

    def short(count: int, one: str, many: str) -> Text:
        return lambda c: c.text("short_by", count, c.text(one if count == 1 else many))

    blank: Text = lambda c: ""  # noqa: E731
    items: list[Item] = []

    def add(name: Text, currency: FlightCurrency, discrepancy: Text, group: int = GROUP_FLIGHT_EXPERIENCE) -> None:
        if currency.expiration is not None:  # AddIfCurrent: listed only once it has been current
            items.append(Item(name, currency.expiration, currency.state, discrepancy, group, today))

    # AddCatClassChecks: one dictionary, keys sorted ("ASEL", "ASELNIGHT", "ASELTAILWHEEL", …).
    keyed: dict[str, tuple] = {}
    for stripe, currency in passengers.items():
        keyed[stripe] = (lambda c, s=stripe: f"{s} - {c.text('passengers')}", currency,
                         blank if currency.state != NOT_CURRENT else short(currency.short_by, "landing", "landings"))
    for stripe, currency in tailwheel.items():
        keyed[stripe + "TAILWHEEL"] = (lambda c, s=stripe: f"{s} - {c.text('tailwheel')}", currency,
                                       blank if currency.state != NOT_CURRENT else short(currency.short_by, "landing", "landings"))
    for stripe, (landings, takeoffs) in night.items():
        loose, strict = landings, landings.merged(takeoffs, both=True)
        if strict.expiration is not None:  # NightCurrency.cs: the strict rule once it has ever been met
            chosen = strict
            shortfall = max(landings.short_by, takeoffs.short_by)
            discrepancy = blank if strict.state != NOT_CURRENT else short(shortfall, "landing", "landings")
        else:
            chosen = loose
            discrepancy = short(landings.short_by, "landing", "landings") if loose.state == NOT_CURRENT else (
                lambda c: "Required night takeoffs not found; ensure they have actually been done!")
        keyed[stripe + "NIGHT"] = (lambda c, s=stripe: f"{s} - {c.text('night')}", chosen, discrepancy)
    for key in sorted(keyed):
        add(*keyed[key])
    for category in sorted(ifr):
        state = ifr[category]
        combined = state["ipc"].merged(state["approaches"].merged(state["holds"], both=True), both=False)
        if combined.state == NOT_CURRENT and combined.expiration is not None:
            if add_calendar_months(combined.expiration, 6) > today:
                holds, approaches = state["holds"].short_by, state["approaches"].short_by
                discrepancy = (lambda c, h=holds, a=approaches: c.text(
                    "short_by_ifr", h, c.text("hold" if h == 1 else "holds"), a, c.text("approach" if a == 1 else "approaches")))
            else:
                discrepancy = lambda c: c.text("ipc_required")  # noqa: E731
        else:
            discrepancy = blank
        add(lambda c, k=category: f"{c.text('ifr')} - {k}", combined, discrepancy)
    # AddGliderChecks: listed only once the pilot has been current to carry passengers in a glider too, since
    # hood time in an airplane alone can make it ("Because ASEL can enable glider IFR currency").
    glider = glider_ifr.item()
    if glider is not None and passengers.get("Glider") is not None and passengers["Glider"].expiration is not None:
        name, currency, discrepancy = glider
        items.append(Item(name, currency.expiration, currency.state, discrepancy, GROUP_FLIGHT_EXPERIENCE, today))
    review = next((flight for flight in flights if flight.review), None)
    if review is not None:  # ProfileCurrency.cs: NextBFR = AddCalendarMonths(24), StatusForDate
        expires = add_calendar_months(review.day, 24)
        left = datetime.combine(expires, time()) - datetime.combine(today, time(12))  # from DateTime.Now (mid-day)
        days = math.ceil(left.total_seconds() / 86400)
        state = NOT_CURRENT if days < 0 else (GETTING_CLOSE if left.days < 30 else OK)
        note = {GETTING_CLOSE: lambda c: c.text("due_in", days), NOT_CURRENT: lambda c: c.text("expired_ago", -days)}
        items.append(Item(lambda c: c.text("flight_review"), expires, state, note.get(state, blank), GROUP_FLIGHT_REVIEW,
                          today))
    return items


def currency_specs(account, canned: list, models: dict) -> list:
    """GetCurrencyForUser's items for `account`: the flight-experience items and the flight review computed
    from its flights, then the canned items of kinds computed elsewhere (medical, aircraft, 61.58 …)."""
    from flightbridge.myflightbook.sandbox.culture import EN_US

    kept = [spec for spec in canned
            if spec.group != GROUP_FLIGHT_EXPERIENCE and spec.attribute(EN_US) != EN_US.text("flight_review")]
    return [*flight_currency_items(account, account.today, models), *kept]
