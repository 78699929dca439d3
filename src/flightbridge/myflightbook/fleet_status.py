"""The deployment's MyFlightbook syncs at a glance, for staff and for Prometheus: read-only queries.

`fleet_overview()` counts connected pilots, pilots due a sync, running and queued syncs, pilots whose
last sync failed and connections needing a reconnect, in a handful of aggregate queries whatever the
number of pilots (the page and every scrape run them). `FleetCollector` hands the same figures to
`/metrics` at scrape time. Nothing here writes, and the metrics never name a pilot.

"Due" is the scheduler's word (`autosync`): a connected pilot with auto-sync on whose next slot has
passed and who has not been queued yet. With `MFB_AUTO_SYNC=off` nobody is due.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from flightbridge.jobs.models import ACTIVE_STATUSES, JobStatus
from flightbridge.myflightbook import autosync, schedule
from flightbridge.myflightbook.jobs import sync_logbook_job
from flightbridge.myflightbook.models import ConnectionStatus, IntegrationToken

#: Pilots listed by name on the staff page under "failed" and "needs reconnect".
LISTED = 50


@dataclass(frozen=True)
class PilotLine:
    username: str
    at: datetime | None
    message: str


@dataclass(frozen=True)
class FleetOverview:
    connected: int
    needs_reconnect: int
    due: int
    running: int
    queued: int
    failed: int
    oldest_due_seconds: float | None
    failed_pilots: list[PilotLine] = field(default_factory=list)
    reconnect_pilots: list[PilotLine] = field(default_factory=list)


def _connections(now: datetime):
    syncs = sync_logbook_job.jobs().filter(owner=OuterRef("owner"))
    latest = syncs.order_by("-created_at", "-id")
    return IntegrationToken.objects.annotate(
        last_ok=Subquery(
            syncs.filter(status=JobStatus.SUCCEEDED).order_by().values("owner").annotate(at=Max("finished_at")).values("at")[:1]
        ),
        last_status=Subquery(latest.values("status")[:1]),
        active=Exists(syncs.filter(status__in=ACTIVE_STATUSES)),
    )


def fleet_overview(now: datetime | None = None) -> FleetOverview:
    now = now or timezone.now()
    rows = _connections(now)
    connected = rows.filter(status=ConnectionStatus.CONNECTED)
    scheduling = schedule.quick_period() is not None
    due = autosync.due(now).count() if scheduling else 0
    oldest_due = autosync.oldest_due_at(now) if scheduling else None
    jobs = sync_logbook_job.jobs().aggregate(
        running=Count("pk", filter=Q(status=JobStatus.RUNNING)), queued=Count("pk", filter=Q(status=JobStatus.QUEUED))
    )
    failed = rows.filter(last_status=JobStatus.FAILED)
    reconnect = rows.filter(status=ConnectionStatus.NEEDS_RECONNECT)
    failed_message = Subquery(
        sync_logbook_job.jobs().filter(owner=OuterRef("owner")).order_by("-created_at", "-id").values("message")[:1]
    )
    failed_at = Subquery(
        sync_logbook_job.jobs().filter(owner=OuterRef("owner")).order_by("-created_at", "-id").values("finished_at")[:1]
    )
    return FleetOverview(
        connected=connected.count(),
        needs_reconnect=reconnect.count(),
        due=due,
        running=jobs["running"],
        queued=jobs["queued"],
        failed=failed.count(),
        oldest_due_seconds=max(0.0, (now - oldest_due).total_seconds()) if oldest_due else None,
        failed_pilots=[
            PilotLine(name, at, message or "")
            for name, at, message in failed.annotate(message=failed_message, failed_at=failed_at)
            .order_by("-failed_at").values_list("owner__username", "failed_at", "message")[:LISTED]
        ],
        reconnect_pilots=[
            PilotLine(name, at, message)
            for name, at, message in reconnect.order_by("-updated_at").values_list(
                "owner__username", "updated_at", "status_message"
            )[:LISTED]
        ],
    )


class FleetCollector:
    """Scrape-time gauges from the database, so any process answering /metrics reports the same."""

    def collect(self):
        overview = fleet_overview()
        connections = GaugeMetricFamily(
            "flightbridge_mfb_connections", "MyFlightbook connections by status", labels=["status"]
        )
        connections.add_metric([ConnectionStatus.CONNECTED.value], overview.connected)
        connections.add_metric([ConnectionStatus.NEEDS_RECONNECT.value], overview.needs_reconnect)
        yield connections
        yield GaugeMetricFamily("flightbridge_mfb_due_pilots", "Connected pilots due a sync and not queued", value=overview.due)
        yield GaugeMetricFamily(
            "flightbridge_mfb_failed_pilots", "Pilots whose latest MyFlightbook sync failed", value=overview.failed
        )
        yield GaugeMetricFamily(
            "flightbridge_mfb_oldest_due_seconds",
            "How long the longest-waiting due pilot has been due (0 when nobody is due)",
            value=overview.oldest_due_seconds or 0.0,
        )
