"""What the pilot sees of the sync: start (or join) the one sync job, the latest job, the synced counts
for the connected-account card, and (from the logbook) the currency and totals the last sync stored.

Read-only over the logbook except for `request_sync`, which only asks the jobs app for a job.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone
from django.db.models.functions import Coalesce

from flightbridge.jobs.models import SyncJob
from flightbridge.logbook import services as logbook_services
from flightbridge.logbook.import_report import ImportReport
from flightbridge.logbook.models import Flight, FlightSource, LogbookImport, UserAircraft
from flightbridge.logbook.rollup import rollup_lines
from flightbridge.myflightbook import schedule
from flightbridge.myflightbook.jobs import sync_logbook_job
from flightbridge.myflightbook.models import SyncSchedule
from flightbridge.myflightbook.remote_memory import FULL, QUICK

SOURCE = FlightSource.MYFLIGHTBOOK


def request_sync(user, *, full: bool = False) -> tuple[SyncJob, bool]:
    """The pilot's queued or running sync, or a new one; `created` says which (a double click joins).

    Quick unless `full`; a sync already queued or running is returned as it is, whatever its mode.
    """
    mode = FULL if full else QUICK
    return sync_logbook_job.request(owner=user, params={"mode": mode, "trigger": "manual"})


def set_auto_sync(user, enabled: bool) -> None:
    schedule.set_auto_sync(user, enabled)


def schedule_view(user) -> dict:
    """Auto-sync as the pilot sees it: on or off, and when the next quick and full syncs are due."""
    row = SyncSchedule.objects.filter(owner=user).first()
    period = schedule.quick_period()
    enabled = row.auto_sync if row is not None else True
    shown = row is not None and enabled and period
    return {
        "auto_sync": enabled,
        "auto_sync_minutes": period and int(period.total_seconds() // 60),
        # As the scheduler's next tick will have it (a slot left from another period is re-slotted).
        "next_sync_at": schedule.current_quick_at(user.pk, row.next_sync_at, timezone.now(), period) if shown else None,
        "next_full_sync_at": row.next_full_sync_at if (row is not None and enabled and period) else None,
    }


def latest_job(user) -> SyncJob | None:
    return sync_logbook_job.jobs().filter(owner=user).order_by("-created_at", "-id").first()


def synced_counts(user) -> dict:
    """Synced flight, aircraft and hours counts and the last finished sync, for the card and the API."""
    flights = Flight.objects.filter(owner=user, source=SOURCE)
    hours = flights.aggregate(total=Coalesce(Sum("total_flight_time"), Decimal("0")))["total"]
    last = (
        LogbookImport.objects.filter(owner=user, source=SOURCE, finished_at__isnull=False)
        .order_by("-finished_at", "-id")
        .first()
    )
    job = latest_job(user)
    last_sync = ImportReport.of(last).myflightbook if last else None
    return {
        "synced_flights": flights.count(),
        "synced_aircraft": UserAircraft.objects.filter(owner=user, source=SOURCE, manual=False).count(),
        "synced_hours": Decimal(hours).quantize(Decimal("0.01")),
        "last_sync_at": last.finished_at if last else None,
        "last_sync_status": last.status if last else "",
        "last_sync_message": last.message if last else "",
        "last_sync_mode": last_sync.mode if last_sync else "",
        "last_sync_escalated": last_sync.escalated if last_sync else False,
        "sync_job_id": job.pk if job else None,
        "sync_job_status": job.status if job else "",
        **schedule_view(user),
    }


def page_view(user) -> dict:
    """Everything the logbook page shows of the sync, in one dict for the templates."""
    lifetime = logbook_services.totals_for(user, SOURCE)
    # The 12-month rollup is computed as the page renders (one query), so it tells the truth right after
    # a Logger import or an undo, not only once the next sync stores it.
    rollup = rollup_lines(user, rounding_unit=schedule.rounding_unit_for(user)) if Flight.objects.filter(owner=user).exists() else []
    return {
        **synced_counts(user),
        "currency": logbook_services.currency_for(user),
        "lifetime_totals": lifetime,
        "rollup_totals": rollup,
        "lifetime_sections": logbook_services.group_totals(lifetime),
        "rollup_sections": logbook_services.group_totals(rollup),
    }
