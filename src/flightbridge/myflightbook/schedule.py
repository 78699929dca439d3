"""When each pilot's logbook syncs by itself: the period, the per-pilot slot, and the `SyncSchedule` row.

`MFB_AUTO_SYNC` sets the period of the quick syncs (off, hourly, daily or minutes) and
`MFB_FULL_SYNC_DAYS` the period of the full reconciliations. Every pilot gets a fixed slot inside each
period, derived from a digest of their user id (not random, not the connect time): 5,000 pilots on a
daily period are spread evenly over the day instead of all falling due at midnight, and a restart
computes the same slots again. The pure functions at the top decide; the functions below them are the
only writers of `SyncSchedule`. Nothing here asks for a job (`autosync.py` does).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone as dt_timezone

from django.conf import settings
from django.utils import timezone

from flightbridge.myflightbook.models import SyncSchedule
from flightbridge.myflightbook.remote_memory import RemoteTotals

EPOCH = datetime(2000, 1, 1, tzinfo=dt_timezone.utc)  # slots are counted from a fixed instant, not from a restart


# ------------------------------------------------------------------------------------------- pure

def slot_offset(owner_id: int, period: timedelta, purpose: str = "quick") -> timedelta:
    """The pilot's fixed place inside `period` (whole seconds), uniform over pilots, stable across restarts."""
    seconds = max(1, int(period.total_seconds()))
    digest = hashlib.sha256(f"mfb-sync|{purpose}|{owner_id}".encode()).digest()
    return timedelta(seconds=int.from_bytes(digest[:8], "big") % seconds)


def next_slot(after: datetime, period: timedelta, offset: timedelta) -> datetime:
    """The first instant `EPOCH + offset + k·period` strictly after `after`."""
    step = int(period.total_seconds())
    elapsed = int((after - EPOCH - offset).total_seconds())
    k = elapsed // step + 1
    return EPOCH + offset + timedelta(seconds=k * step)


def is_due(next_at: datetime | None, now: datetime) -> bool:
    return next_at is not None and next_at <= now


def quick_period(minutes: int | None = None) -> timedelta | None:
    minutes = settings.CONFIG.mfb_auto_sync_minutes if minutes is None else minutes
    return timedelta(minutes=minutes) if minutes else None


def full_period(days: int | None = None) -> timedelta:
    return timedelta(days=days or settings.CONFIG.mfb_full_sync_days)


def next_quick_at(owner_id: int, after: datetime, period: timedelta | None = None) -> datetime | None:
    period = period or quick_period()
    if period is None:
        return None
    return next_slot(after, period, slot_offset(owner_id, period))


def current_quick_at(owner_id: int, next_at: datetime | None, now: datetime,
                     period: timedelta | None = None) -> datetime | None:
    """The next quick sync as the schedule stands now. A slot further away than one period was set under
    another period (MFB_AUTO_SYNC changed since, or set by a process that read another value): the
    pilot's slot in the current period replaces it, so "every 15 minutes" is never followed by a next
    sync 8 hours away."""
    period = period or quick_period()
    if period is None:
        return None
    if next_at is None or next_at > now + period:
        return next_quick_at(owner_id, now, period)
    return next_at


def next_full_at(owner_id: int, after: datetime, period: timedelta | None = None) -> datetime:
    period = period or full_period()
    return next_slot(after, period, slot_offset(owner_id, period, "full"))


# ------------------------------------------------------------------------------------------- rows

def schedule_for(owner) -> SyncSchedule:
    """The pilot's row, created with their first slots when missing."""
    now = timezone.now()
    row, _ = SyncSchedule.objects.get_or_create(
        owner=owner, defaults={"next_sync_at": next_quick_at(owner.pk, now), "next_full_sync_at": next_full_at(owner.pk, now)}
    )
    return row


def set_auto_sync(owner, enabled: bool, *, period: timedelta | None = None) -> SyncSchedule:
    """The pilot turned auto-sync on or off; turning it on puts the next sync in their next slot (of
    `period`, for a caller that knows the period the service will run with better than its own settings)."""
    row = schedule_for(owner)
    values: dict = {"auto_sync": enabled}
    if enabled:
        values["next_sync_at"] = next_quick_at(owner.pk, timezone.now(), period)
    SyncSchedule.objects.filter(pk=row.pk).update(**values)
    row.refresh_from_db()
    return row


def reslot_stale(now: datetime, limit: int = 1000) -> int:
    """Move every slot further away than one period into the current period (`current_quick_at`).
    Returns how many moved; bounded per call."""
    period = quick_period()
    if period is None:
        return 0
    stale = SyncSchedule.objects.filter(auto_sync=True, next_sync_at__gt=now + period).values_list(
        "pk", "owner_id", "next_sync_at")[:limit]
    moved = 0
    for row_id, owner_id, next_at in stale:
        moved += SyncSchedule.objects.filter(pk=row_id, next_sync_at=next_at).update(
            next_sync_at=next_quick_at(owner_id, now, period))
    return moved


def claim_due(row_id: int, seen_next_at: datetime, now: datetime, owner_id: int) -> bool:
    """Move a due row's `next_sync_at` to its next slot, only if nobody moved it since we read it.

    A conditional UPDATE: of several schedulers that read the same due row, exactly one wins.
    """
    return SyncSchedule.objects.filter(pk=row_id, auto_sync=True, next_sync_at=seen_next_at).update(
        next_sync_at=next_quick_at(owner_id, now)
    ) == 1


def rounding_unit_for(owner) -> int | None:
    """The pilot's MyFlightbook rounding unit, as a full walk learned it; None while it is not known."""
    return SyncSchedule.objects.filter(owner=owner).values_list("rounding_unit", flat=True).first()


def record_sync(owner, totals: RemoteTotals | None, *, walked_all: bool, now: datetime | None = None,
                rounding_unit: int | None = None) -> None:
    """A sync finished: remember MyFlightbook's totals (the next tripwire's baseline), the pilot's rounding
    unit when the run learned it, and, after a full walk, when the next full reconciliation is due."""
    now = now or timezone.now()
    row = schedule_for(owner)
    values: dict = {"remote_seen_at": now}
    if totals is not None:
        values.update(remote_flights=totals.flights, remote_total_time=totals.total_time)
    if rounding_unit is not None:
        values["rounding_unit"] = rounding_unit
    if walked_all:
        values.update(last_full_sync_at=now, next_full_sync_at=next_full_at(owner.pk, now))
    SyncSchedule.objects.filter(pk=row.pk).update(**values)
