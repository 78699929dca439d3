"""Requesting aircraft-model sync jobs: by hand (one source, all sources, one model) and on each source's schedule.

The schedule lives in the database (`last_sync_at`, `last_scheduled_at`), so it survives restarts,
and any number of workers may run `schedule_due_syncs` at once: a conditional UPDATE claims each due
source, and the job guard (one active job per source) is the second line of defence.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from flightbridge.errors import Conflict
from flightbridge.fleet.jobs import sync_model_job, sync_source_job
from flightbridge.fleet.models import FREQUENCY_MINUTES, SYNCABLE_STATUSES, AircraftModel, DataSourceConfig, SyncFrequency
from flightbridge.fleet.sources import matching_source, require_syncable, source_scope, syncable_sources
from flightbridge.jobs.models import SyncJob

log = logging.getLogger(__name__)


def request_source_sync(source: DataSourceConfig, owner=None, *, trigger: str = "manual") -> tuple[SyncJob, bool]:
    source.refresh_from_db(fields=["status", "direction"])  # decide on the stored state, not a stale copy
    require_syncable(source, Conflict)
    return sync_source_job.request(owner=owner, scope=source_scope(source),
                                   params={"source_id": source.pk, "trigger": trigger},
                                   message=f"Waiting to sync aircraft models from {source.name!r}.")


def request_sync_all(owner=None) -> list[tuple[DataSourceConfig, SyncJob, bool]]:
    """One background job per active outbound source; none configured is an error, not a silent no-op."""
    sources = list(syncable_sources().order_by("name"))
    if not sources:
        raise Conflict("No active outbound data source is configured, so there is nothing to sync. "
                       "Add a data source (or activate one) first.")
    return [(source, *request_source_sync(source, owner)) for source in sources]


def request_model_sync(model: AircraftModel, owner=None) -> tuple[SyncJob, bool]:
    source = matching_source(model)
    return sync_model_job.request(owner=owner, scope=f"{source_scope(source)}/model:{model.pk}",
                                  params={"model_id": model.pk, "source_id": source.pk},
                                  message=f"Waiting to sync {model.name!r} from {source.name!r}.")


def schedule_due_syncs(now: datetime | None = None) -> list[SyncJob]:
    """Request a job for each active source whose frequency says it is due. Safe to run anywhere, any time.

    The schedule lives in the database (`last_sync_at`, `last_scheduled_at`), so it survives restarts.
    Each due source is claimed by a conditional UPDATE in the same transaction as its job request:
    of several workers running this at once exactly one wins the claim, and the job guard (one active
    job per source) is the second line of defence.
    """
    now = now or timezone.now()
    requested: list[SyncJob] = []
    candidates = syncable_sources().exclude(sync_frequency=SyncFrequency.MANUAL).exclude(endpoint="")
    for source in candidates:
        minutes = FREQUENCY_MINUTES.get(source.sync_frequency)
        if not minutes:
            continue
        due_before = now - timedelta(minutes=minutes)
        with transaction.atomic():
            claimed = (
                DataSourceConfig.objects.filter(pk=source.pk, status__in=SYNCABLE_STATUSES)
                .filter(Q(last_scheduled_at__isnull=True) | Q(last_scheduled_at__lte=due_before))
                .filter(Q(last_sync_at__isnull=True) | Q(last_sync_at__lte=due_before))
                .update(last_scheduled_at=now)
            )
            if not claimed:
                continue
            job, created = sync_source_job.request(owner=None, scope=source_scope(source),
                                                   params={"source_id": source.pk, "trigger": "schedule"},
                                                   message=f"Scheduled sync of {source.name!r} ({source.sync_frequency}).")
        if created:
            log.info("scheduled aircraft model sync of %r (job %s)", source.name, job.pk)
            requested.append(job)
    return requested


def jobs_for(results: Iterable[tuple[DataSourceConfig, SyncJob, bool]]) -> list[dict[str, Any]]:
    return [{"source_id": source.pk, "source": source.name, "job_id": job.pk, "status": job.status, "created": created}
            for source, job, created in results]
