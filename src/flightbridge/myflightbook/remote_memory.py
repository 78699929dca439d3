"""The sync's memory of the pilot's MyFlightbook logbook, and the quick sync's plan drawn from it.

MyFlightbook has no modification timestamp (reference §8), so a quick sync asks only for the flights
dated from a window before the newest flight it has seen (`FlightQuery` DateRange 9 with naive
`DateMin`/`DateMax`; never `DateMinStr`/`DateMaxStr`, which re-parse in the server's culture). What a
date window cannot see (a flight backdated before it, a deleted old flight, an old flight whose hours
changed) shows in the whole logbook's flight count and total time (TotalsForUserWithQuery): after the
window is read, what the syncs remember of MyFlightbook (`RemoteFlight`, kept by `Manifest`) must add up
to MyFlightbook's totals (`RemoteTotals`), added up as MyFlightbook adds (`tripwire.py`), or the sync
escalates to a full walk in the same job (`flights.py`).

The pure functions at the top plan the window and read the totals; `Manifest` is the only writer of
`RemoteFlight`. Never asks MyFlightbook for anything itself: the sync's flights walk makes the calls.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import CharField, Count, Exists, Max, OuterRef, Value
from django.db.models.functions import Cast, Concat

from flightbridge.bulk import insert_rows
from flightbridge.logbook.models import Flight
from flightbridge.myflightbook.mapping import external_id_for, flight_number, parse_mfb_date, to_decimal
from flightbridge.myflightbook.models import RemoteFlight
from flightbridge.myflightbook.tripwire import SeenTimes

QUICK = "quick"
FULL = "full"
MODES = (QUICK, FULL)

FUTURE_DAYS = 366  # flights logged ahead (a planned trip) still fall inside the window's upper bound
SEEN_QUANTUM = Decimal("0.0001")  # RemoteFlight.total_time's scale
ZERO = Decimal(0)
TOTALS_GROUP_OVERALL = 7  # TotalsGroup.Total: the "Flights" count and "Total Time" rows

# Why a sync walked the whole logbook (the run's details say which).
FIRST_SYNC = "first sync: nothing to compare a date window with yet"
ASKED_FULL = "a full sync was asked for"
TOTALS_DISAGREE = "MyFlightbook's totals disagree with what the syncs have seen (a flight outside the window was added, deleted or changed)"
TOTALS_MISSING = "MyFlightbook's totals did not include the flight count"
GONE_HERE = "many synced flights are gone from the logbook here (an undone sync?): fetching them one by one would cost more than a full walk"
REFETCH_LIMIT = 500  # flights gone here fetched again by FlightID; beyond that a full walk is cheaper


@dataclass(frozen=True)
class Window:
    """The flights a quick sync reads: dated `date_min` to `date_max`, both inclusive."""

    date_min: date
    date_max: date

    def holds(self, day: date | None) -> bool:
        return day is not None and self.date_min <= day <= self.date_max

    def as_dict(self) -> dict:
        return {"date_min": self.date_min.isoformat(), "date_max": self.date_max.isoformat()}


@dataclass(frozen=True)
class RemoteTotals:
    """The whole logbook as MyFlightbook (or the sync's memory of it) counts it."""

    flights: int
    total_time: Decimal

    def as_dict(self) -> dict:
        return {"flights": self.flights, "total_time": str(self.total_time)}


@dataclass(frozen=True)
class Seen:
    """One LogbookEntry reduced to what the tripwire needs."""

    flight_id: int
    date: date | None
    total_time: Decimal


def window_for(newest: date, today: date, days: int, *, crowded_until: date | None = None) -> Window:
    """`days` before the newest flight seen, up to a year past today (or past the newest, if later).

    A flight logged ahead (a planned trip dated next month) must not push today's flights out of the
    window, so the window never starts later than `days` before today. In a crowded logbook the window
    starts after `crowded_until` (`Manifest.crowded_until`), but never after the newest flight's day.
    """
    start = min(newest, today) - timedelta(days=days)
    if crowded_until is not None:
        start = max(start, min(crowded_until + timedelta(days=1), newest, today))
    return Window(start, max(today, newest) + timedelta(days=FUTURE_DAYS))


def naive_midnight(day: date) -> str:
    # A naive DateTime: Json.NET reads it without shifting it through the server's time zone.
    return f"{day.isoformat()}T00:00:00"


EMPTY_QUERY = "{}"  # FlightQuery `fq` is required; `{}` means the whole logbook


def window_query(window: Window) -> str:
    """The `fq` JSON for a window: DateRange 9 (Custom) is the only range that honours DateMin/DateMax."""
    return json.dumps({"DateRange": 9, "DateMin": naive_midnight(window.date_min), "DateMax": naive_midnight(window.date_max)})


def enumerated_query(flight_ids: Iterable[int]) -> str:
    """The `fq` JSON that re-fetches known flights by FlightID, whatever their date."""
    return json.dumps({"EnumeratedFlights": sorted(set(flight_ids))})


def seen_of(record: Any) -> Seen | None:
    """What the tripwire needs of a record; None when it has no usable FlightID (it cannot be told apart)."""
    if type(record) is not dict and not isinstance(record, Mapping):
        return None
    flight_id = flight_number(record)
    if flight_id is None or flight_id <= 0:
        return None
    try:
        day = parse_mfb_date(record.get("Date"))
    except (ValueError, TypeError):
        day = None  # counted, never inside a window: a full walk settles it
    total = record.get("TotalFlightTime", 0) or 0
    if type(total) is not Decimal:
        try:
            total = to_decimal(total)
        except (ValueError, TypeError, InvalidOperation):
            total = ZERO
    if not total.is_finite():
        total = ZERO
    return Seen(flight_id, day, total.quantize(SEEN_QUANTUM))


def remote_totals(items: Any) -> RemoteTotals | None:
    """The whole logbook's flight count and total time from TotalsItem[]; None without a count row.

    The two rows are in group Overall (7): the count is the integer one (its NumericType is omitted),
    the total time the time one. Descriptions are matched too, in case a group is left out. A row whose
    value is 0 is dropped by MyFlightbook, so a missing "Total Time" means 0 hours, and an empty answer
    means an empty logbook.
    """
    if not isinstance(items, list):
        return None
    flights: int | None = None
    total = Decimal(0)
    for item in items:
        if not isinstance(item, Mapping):
            continue
        description = str(item.get("Description") or "").strip().lower()
        overall = item.get("Group") == TOTALS_GROUP_OVERALL
        is_time = item.get("IsTime") is True or item.get("NumericType") == 2
        try:
            value = to_decimal(item.get("Value", 0))
        except (ValueError, TypeError, InvalidOperation):
            continue
        if description == "flights" and (overall or not is_time):
            flights = int(value)
        elif description == "total time" and (overall or is_time):
            total = value
    if flights is None:
        return RemoteTotals(0, Decimal(0)) if not items else None
    return RemoteTotals(flights, total)


class Manifest:
    """The sync's memory of one pilot's MyFlightbook logbook (`RemoteFlight` rows); its only writer."""

    def __init__(self, owner):
        self.owner = owner
        # FlightID → (row id, date, total time, in logbook), once `load` has read them all.
        self._loaded: dict[int, tuple] | None = None

    def load(self) -> set[int]:
        """Read every remembered flight at once, for a full walk (which reads them all anyway, a page at a
        time): `record` then asks the database nothing. About 300 bytes a flight. Returns the FlightIDs."""
        self._loaded = {flight_id: (pk, day, total, in_logbook) for pk, flight_id, day, total, in_logbook in
                        self.rows.order_by().values_list("id", "flight_id", "date", "total_time", "in_logbook")}
        return set(self._loaded)

    @property
    def rows(self):
        return RemoteFlight.objects.filter(owner=self.owner)

    def is_empty(self) -> bool:
        return not self.rows.exists()

    def newest_date(self) -> date | None:
        return self.rows.aggregate(newest=Max("date"))["newest"]

    def crowded_until(self, flights: int) -> date | None:
        """The day of the `flights`-th newest remembered flight: a window starting the day after holds fewer
        than `flights` of them. None when fewer are remembered. A quick sync reads its window a page at a time,
        so a logbook of several flights a day (an airline pilot's 10,000) would make the days-long window many
        pages; bounded by flights, it stays a few pages, and what it leaves out the tripwire still sees."""
        found = list(self.rows.filter(date__isnull=False).order_by("-date").values_list("date", flat=True)[flights - 1:flights])
        return found[0] if found else None

    def totals(self) -> SeenTimes:
        """The remembered flights, as the tripwire adds them: how many have each total time (one row per
        distinct time, so a 10,000-flight logbook is a few hundred rows, summed exactly here)."""
        times = tuple((Decimal(time), count) for time, count in
                      self.rows.order_by().values("total_time").annotate(count=Count("id")).values_list("total_time", "count"))
        return SeenTimes(flights=sum(count for _time, count in times), times=times)

    def ids_in(self, window: Window) -> set[int]:
        return set(self.rows.filter(date__gte=window.date_min, date__lte=window.date_max).values_list("flight_id", flat=True))

    def _remembered(self, flight_ids: list[int]) -> dict[int, tuple]:
        """FlightID → (row id, date, total time, in logbook) of those remembered among `flight_ids`: from
        `load`'s copy when it has them all with their row ids, else read (as plain tuples)."""
        if self._loaded is not None:
            known = {flight_id: self._loaded[flight_id] for flight_id in flight_ids if flight_id in self._loaded}
            if all(row[0] is not None for row in known.values()):
                return known
        return {flight_id: (pk, day, total, in_logbook) for pk, flight_id, day, total, in_logbook in
                self.rows.filter(flight_id__in=flight_ids).order_by()
                .values_list("id", "flight_id", "date", "total_time", "in_logbook")}

    def record(self, seen: list[Seen], present: set[str]) -> None:
        """Remember one page (after it was stored): new flights added, a changed date, total time or
        presence in the logbook updated, the rest untouched. `present`: the page's external ids that
        are in the logbook now."""
        if not seen:
            return
        by_id = {item.flight_id: item for item in seen}
        existing = self._remembered(list(by_id))
        new, changed = [], []
        for flight_id, item in by_id.items():
            in_logbook = external_id_for(flight_id) in present
            row = existing.get(flight_id)
            if row is None:
                new.append({"owner_id": self.owner.pk, "flight_id": flight_id, "date": item.date,
                            "total_time": item.total_time, "in_logbook": in_logbook})
            elif row[1:] != (item.date, item.total_time, in_logbook):
                changed.append(RemoteFlight(id=row[0], owner=self.owner, flight_id=flight_id, date=item.date,
                                            total_time=item.total_time, in_logbook=in_logbook))
        if not (new or changed):
            return
        with transaction.atomic():
            if new:
                insert_rows(RemoteFlight, new, ignore_conflicts=True)
            if changed:
                RemoteFlight.objects.bulk_update(changed, ["date", "total_time", "in_logbook"])
        if self._loaded is not None:  # a new row's id is not known here (None): it is read again if it changes
            self._loaded.update({row["flight_id"]: (None, row["date"], row["total_time"], row["in_logbook"]) for row in new})
            self._loaded.update({row.flight_id: (row.pk, row.date, row.total_time, row.in_logbook) for row in changed})

    def gone_here(self, limit: int) -> list[int]:
        """Flights the syncs stored that are no longer in the logbook (the pilot undid a sync or deleted
        them): a full sync would bring them back, so a quick one must too. At most `limit` ids."""
        local = Flight.objects.filter(
            owner=OuterRef("owner"), external_id=Concat(Value("mfb:"), Cast(OuterRef("flight_id"), CharField())))
        return list(self.rows.filter(in_logbook=True).exclude(Exists(local)).order_by("flight_id")
                    .values_list("flight_id", flat=True)[:limit])

    def forget(self, flight_ids: Iterable[int]) -> None:
        """MyFlightbook no longer has these flights."""
        ids = sorted(set(flight_ids))
        if self._loaded is not None:
            for flight_id in ids:
                self._loaded.pop(flight_id, None)
        for start in range(0, len(ids), 500):  # bounded IN lists, whatever the logbook's size
            self.rows.filter(flight_id__in=ids[start:start + 500]).delete()

    def forget_all(self) -> None:
        """A different logbook is behind this pilot now (the demo's new sandbox): the next sync is a first sync."""
        self.rows.delete()
        self._loaded = None
