"""What an incoming record is to the logbook: the one decision every import path asks.

The store (`IngestRun.store_batch`), the re-check of a MyFlightbook page (`IngestRun.recheck`) and every
preview (a dry run of the store, `IngestRun(dry_run=True)`) call `Decider.decide` or `judge_match`;
nothing else answers "is this record new, unchanged, linked or an update?", so a preview can never tell
a pilot something the import then does not do (issue 21).

It reads what the logbook holds (`Candidates`, looked up once a batch by the ingest) and never writes.

The outcomes, in the order they are tried:

1. *repeated*: the same record listed twice in one batch (by external id, else digest) is stored once.
2. *unchanged* / *updated* / *changed at the source*: the record is in the logbook already, found by its
   external id, else by its digest (a record stored before without an id); the source's policy says
   what a changed one does (`judge_match`).
3. *linked*: a flight without an external id or digest (entered by hand, or from before ids) on the same route key
   `date:departure:destination`, when the policy matches those: it only gets the record's id.
4. *already in the logbook (from …)*: the same flight from another source — same date, aircraft and
   route, and the same times, landings and approaches. MyFlightbook's own duplicate rule
   (`LogbookEntry.DupeCandidatesForUser`, the self-join in `MyFlightbook.Web/AppCode/Flights/LogbookEntry.cs`)
   is the reference; it also compares comments, hobbs and engine/flight times, which not every format
   carries, so a round trip through a ForeFlight file would lose them. Times are compared to the
   hundredth of an hour, the precision MyFlightbook stores and every export writes.
5. *created*, and, when a flight of the same date, aircraft and route but other times is in the logbook,
   listed as a near match for the pilot to check (never silently doubled).

A record the source could not map is *refused* before it gets here (`IngestRun.refuse`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flightbridge.logbook.models import route_key

# Record outcomes.
CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
CHANGED_KEPT = "changed-kept"  # the source changed, the pilot's copy was kept (and listed)
LINKED = "linked"  # a row without external id matched by date and route: its id filled in
DUPLICATE = "duplicate"  # the same flight from another source is in the logbook already: not created
SKIPPED = "skipped"
FAILED = "failed"
OUTCOMES = (CREATED, UPDATED, UNCHANGED, CHANGED_KEPT, LINKED, DUPLICATE, SKIPPED, FAILED)

LINKED_REASON = "matched an existing flight by date and route (external id filled in)"

#: What makes two records the same flight (with date, aircraft and route): MyFlightbook's duplicate rule,
#: less the columns some formats cannot carry.
SAME_FLIGHT_HOURS = ("total_flight_time", "pic", "sic", "cross_country", "night", "imc", "simulated_ifr", "dual", "cfi",
                     "ground_sim")
#: Landings are compared in all (MyFlightbook's `cLandings`): its CSV has no night touch-and-go column, so a
#: round trip moves those to day landings without changing the total.
SAME_FLIGHT_COUNTS = ("day_landings", "night_landings", "approaches")
#: The stored columns the decision reads of a flight found by date (`Candidates.same_day`).
STORED_COLUMNS = ("id", "external_id", "source", "source_hash", "date", "tail_number", "departure", "destination",
                  *SAME_FLIGHT_HOURS, *SAME_FLIGHT_COUNTS)
HUNDREDTH = Decimal("0.01")

SOURCE_WORDS = {"manual": "entered here", "myflightbook": "from MyFlightbook", "logger": "from Logger",
                "csv:foreflight": "from a ForeFlight file", "csv:myflightbook": "from a MyFlightbook file",
                "csv:logten": "from a LogTen Pro file"}


def source_words(source: str) -> str:
    """Where a stored flight came from, as the pilot reads it ("from MyFlightbook")."""
    return SOURCE_WORDS.get(source, f"from {source}")


def duplicate_reason(source: str) -> str:
    return f"already in the logbook ({source_words(source)})"


def near_match_reason(flight_id: int, source: str) -> str:
    return (f"created; flight {flight_id} ({source_words(source)}) has the same date, aircraft and route but other "
            "times: check whether they are the same flight")


def same_flight_key(values: Any) -> tuple | None:
    """(date, aircraft, departure, destination) of a record's fields or a stored row (attributes)."""
    get = values.get if isinstance(values, dict) else (lambda name, default=None: getattr(values, name, default))
    day = get("date")
    if not isinstance(day, date):
        return None
    return (day, (get("tail_number") or "").upper(), get("departure") or "", get("destination") or "")


def _hours(value) -> Decimal:
    return Decimal(value or 0).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def same_times(fields: dict, stored: Any) -> bool:
    """The record's times, landings and approaches are the stored flight's (hours to the hundredth)."""
    def count(values, name: str) -> int:
        value = values.get(name) if isinstance(values, dict) else getattr(values, name, None)
        return int(value or 0)

    return (all(_hours(fields.get(name)) == _hours(getattr(stored, name, None)) for name in SAME_FLIGHT_HOURS)
            and count(fields, "approaches") == count(stored, "approaches")
            and count(fields, "day_landings") + count(fields, "night_landings")
            == count(stored, "day_landings") + count(stored, "night_landings"))


def incoming_route_key(fields: dict) -> str | None:
    day = fields.get("date")
    if not isinstance(day, date):
        return None
    return route_key(day, fields.get("departure", ""), fields.get("destination", ""))


def judge_match(policy, source_hash: str, fields: dict | None, existing: Any) -> str:
    """A record already in the logbook (`existing`: a stored flight, or what a lookup read of it): UNCHANGED,
    UPDATED or CHANGED_KEPT by the source's policy."""
    if policy.compare_fields:
        unchanged = fields is not None and all(getattr(existing, name) == value for name, value in fields.items())
    else:
        # A row stored before digests were kept has none: it cannot have "changed" as far as we know.
        unchanged = not existing.source_hash or existing.source_hash == source_hash
    if unchanged:
        return UNCHANGED
    return UPDATED if policy.update_changed else CHANGED_KEPT


@dataclass
class Candidates:
    """What the logbook holds that one batch of records could be (looked up once a batch by the ingest)."""

    #: stored flights by external id
    by_external: dict[str, Any] = field(default_factory=dict)
    #: stored flights without an external id, by digest (the oldest first)
    by_digest: dict[str, Any] = field(default_factory=dict)
    #: ids of stored flights without an external id or digest (hand-entered), by route key, oldest first
    legacy: dict[str, list[int]] = field(default_factory=dict)
    #: stored flights by (date, aircraft, departure, destination), oldest first
    same_day: dict[tuple, list[Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    outcome: str
    #: the stored flight the record is (unchanged, updated, changed at the source, linked, duplicate)
    flight_id: int | None = None
    existing: Any = None
    reason: str = ""
    #: created, but this stored flight has the same date, aircraft and route (a near match to list)
    near: Any = None


class Decider:
    """One run's decisions. It remembers, for the length of the run, the stored flights it called the
    same flight as a record (so two records never both claim one flight); the rest is per batch."""

    def __init__(self, policy, source: str):
        self.policy = policy
        self.source = source
        self.claimed_as_duplicate: set[int] = set()

    def batch(self) -> "BatchDecider":
        return BatchDecider(self)


class BatchDecider:
    """The decisions of one batch: a record listed twice is stored once, a stored flight matched once."""

    def __init__(self, decider: Decider):
        self.decider = decider
        self.seen: set[str] = set()
        self.claimed: set[int] = set()

    def decide(self, incoming, found: Candidates) -> Decision:
        policy = self.decider.policy
        # Without an id or a digest a record cannot be recognised again: each one is new.
        identity = incoming.external_id or (f"digest:{incoming.source_hash}" if incoming.source_hash else None)
        if identity is not None:
            if identity in self.seen:
                return Decision(SKIPPED, reason=policy.repeated_reason)
            self.seen.add(identity)
        existing = found.by_external.get(incoming.external_id) if incoming.external_id else None
        if existing is None and incoming.source_hash:
            existing = found.by_digest.get(incoming.source_hash)
            if existing is not None and existing.pk in self.claimed:
                existing = None
        if existing is not None:
            self.claimed.add(existing.pk)
            outcome = judge_match(policy, incoming.source_hash, incoming.fields, existing)
            reason = {UNCHANGED: policy.unchanged_reason, CHANGED_KEPT: policy.changed_reason}.get(outcome, "")
            return Decision(outcome, flight_id=existing.pk, existing=existing, reason=reason)
        if policy.match_legacy:
            key = incoming.route_key
            for flight_id in found.legacy.get(key, ()) if key else ():
                if flight_id not in self.claimed:
                    self.claimed.add(flight_id)
                    return Decision(LINKED, flight_id=flight_id, reason=LINKED_REASON)
        return self._by_content(incoming, found)

    def _by_content(self, incoming, found: Candidates) -> Decision:
        key = same_flight_key(incoming.fields)
        near = None
        taken = self.decider.claimed_as_duplicate
        for stored in found.same_day.get(key, ()) if key else ():
            if stored.pk in self.claimed or stored.pk in taken:
                continue
            if stored.source == self.decider.source:
                continue  # the source itself says they are two flights (two lessons in one afternoon)
            if same_times(incoming.fields, stored):
                taken.add(stored.pk)
                return Decision(DUPLICATE, flight_id=stored.pk, existing=stored, reason=duplicate_reason(stored.source))
            near = near or stored
        if near is not None:
            return Decision(CREATED, near=near, reason=near_match_reason(near.pk, near.source))
        return Decision(CREATED)
