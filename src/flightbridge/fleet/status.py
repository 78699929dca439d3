"""What the aircraft-model sync page and `GET /api/aircraft-models/sync/status` show: read-only queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Max
from django.utils import timezone

from flightbridge.fleet.models import AircraftModel, DataSourceConfig, LastSyncStatus, SourceStatus, SyncLog
from flightbridge.fleet.sources import next_sync_at

RECENT_ERRORS_WINDOW = timedelta(hours=24)


def source_summary(source: DataSourceConfig) -> dict[str, Any]:
    return {"id": source.pk, "name": source.name, "status": source.status, "direction": source.direction,
            "sync_frequency": source.sync_frequency, "last_sync_at": source.last_sync_at,
            "last_sync_status": source.last_sync_status, "last_sync_message": source.last_sync_message,
            "error_count": source.error_count, "next_sync_at": next_sync_at(source),
            "models": AircraftModel.objects.filter(external_data_source=source.name).count()}


def sync_status() -> dict[str, Any]:
    """The seed's status: active / inactive / degraded, last sync time and status, errors, connections."""
    sources = list(DataSourceConfig.objects.order_by("name"))
    syncable = [s for s in sources if s.is_syncable]
    if not syncable:
        overall = SourceStatus.INACTIVE
    elif any(s.status == SourceStatus.DEGRADED for s in syncable):
        overall = SourceStatus.DEGRADED
    else:
        overall = SourceStatus.ACTIVE
    last = max((s for s in sources if s.last_sync_at), key=lambda s: s.last_sync_at, default=None)
    since = timezone.now() - RECENT_ERRORS_WINDOW
    return {
        "status": str(overall),
        "connections": len(sources),
        "active_connections": len(syncable),
        "last_sync_at": last.last_sync_at if last else None,
        "last_sync_status": last.last_sync_status if last else LastSyncStatus.NEVER.value,
        "last_sync_source": last.name if last else None,
        "error_count": sum(s.error_count for s in sources),
        "recent_error_count": SyncLog.objects.filter(success=False, created_at__gte=since).count(),
        "models_with_sync": models_with_sync().count(),
        "sources": [source_summary(s) for s in sources],
    }


def models_with_sync():
    """Models that carry external source information (the ones single-model sync can find a source for)."""
    return (AircraftModel.objects.exclude(external_id="").exclude(external_data_source="")
            .annotate(last_log_at=Max("sync_logs__created_at")))


def sync_logs(*, source_id: int | None = None, model_id: int | None = None, action: str | None = None,
              success: bool | None = None):
    query = SyncLog.objects.select_related("aircraft_model")
    if source_id is not None:
        query = query.filter(data_source_id=source_id)
    if model_id is not None:
        query = query.filter(aircraft_model_id=model_id)
    if action:
        query = query.filter(action=action)
    if success is not None:
        query = query.filter(success=success)
    return query


def recent_errors(limit: int = 50) -> list[SyncLog]:
    return list(sync_logs(success=False)[:limit])
