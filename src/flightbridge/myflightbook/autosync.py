"""Scheduled sync: every minute, ask for a sync job for each connected pilot whose slot has come.

Run by a huey periodic task (`tasks.py`) in every worker; any number of workers may run it at once.
A due pilot is claimed by a conditional UPDATE of `next_sync_at` (`schedule.claim_due`), so of two
ticks that read the same due row exactly one asks for the job, and the job guard (one active sync per
pilot) is the second line of defence: a pilot whose sync is still queued or running is never queued
again. A connection that needs reconnecting, or whose pilot turned auto-sync off, is skipped. A quick
sync is asked for, or a full one when the pilot's full reconciliation is due.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from flightbridge.jobs.models import SyncJob
from flightbridge.myflightbook import link, schedule
from flightbridge.myflightbook.jobs import sync_logbook_job
from flightbridge.myflightbook.models import PROVIDER, ConnectionStatus, IntegrationToken, SyncSchedule
from flightbridge.myflightbook.remote_memory import FULL, QUICK

log = logging.getLogger(__name__)

TICK_LIMIT = 1000  # pilots asked for per tick: bounded work; the rest are still due at the next tick


def connected_owner_ids():
    return IntegrationToken.objects.filter(provider=PROVIDER, status=ConnectionStatus.CONNECTED).values("owner_id")


def add_missing_schedules(now: datetime) -> int:
    """Give every connected pilot without a schedule row their first slots (a pilot connected before
    scheduled sync existed, or whose row was never made)."""
    missing = list(
        IntegrationToken.objects.filter(provider=PROVIDER, status=ConnectionStatus.CONNECTED)
        .exclude(owner_id__in=SyncSchedule.objects.values("owner_id"))
        .values_list("owner_id", flat=True)[:TICK_LIMIT]
    )
    rows = [SyncSchedule(owner_id=owner_id, next_sync_at=schedule.next_quick_at(owner_id, now),
                         next_full_sync_at=schedule.next_full_at(owner_id, now)) for owner_id in missing]
    SyncSchedule.objects.bulk_create(rows, ignore_conflicts=True)  # another tick may have made some meanwhile
    return len(rows)


def due(now: datetime):
    """Every schedule whose slot has passed: auto-sync on, still connected (never needs_reconnect)."""
    return SyncSchedule.objects.filter(auto_sync=True, next_sync_at__lte=now, owner_id__in=connected_owner_ids())


def due_schedules(now: datetime):
    return (
        due(now)
        .order_by("next_sync_at", "pk")
        .values_list("pk", "owner_id", "next_sync_at", "next_full_sync_at")[:TICK_LIMIT]
    )


def mode_for(next_full_sync_at: datetime | None, now: datetime) -> str:
    return FULL if next_full_sync_at is None or schedule.is_due(next_full_sync_at, now) else QUICK


def schedule_due_syncs(now: datetime | None = None) -> list[SyncJob]:
    """Ask for a sync of each due pilot; returns the jobs this call created. Safe to run anywhere, any time."""
    if schedule.quick_period() is None or not link.is_configured():
        return []  # MFB_AUTO_SYNC=off, or no MyFlightbook client to sync with
    now = now or timezone.now()
    add_missing_schedules(now)
    schedule.reslot_stale(now)
    requested: list[SyncJob] = []
    for row_id, owner_id, next_at, next_full_at in due_schedules(now):
        mode = mode_for(next_full_at, now)
        with transaction.atomic():
            if not schedule.claim_due(row_id, next_at, now, owner_id):
                continue  # another tick took it
            job, created = sync_logbook_job.request(
                owner=SyncSchedule.objects.select_related("owner").get(pk=row_id).owner,
                params={"mode": mode, "trigger": "schedule"},
                message=f"Scheduled {mode} sync.",
            )
        if created:
            requested.append(job)
    if requested:
        log.info("scheduled %d MyFlightbook sync(s)", len(requested))
    return requested


def oldest_due_at(now: datetime | None = None) -> datetime | None:
    """The slot of the pilot who has waited longest (metrics and the staff page: how far behind the
    scheduler is); None when nobody is due."""
    now = now or timezone.now()
    return due(now).aggregate(oldest=Min("next_sync_at"))["oldest"]
