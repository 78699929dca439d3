"""Data sources for aircraft-model sync: their configuration, their status machine, and checks on them.

Plain functions; the API and the page call these. A source's `name` is the `external_data_source`
models match on, so it cannot be renamed once models carry it. A source's key is sealed before the
first save and only ever read by `client.ModelSourceClient.for_source`; never read another key here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from flightbridge.errors import Conflict, FatalError, FlightBridgeError, InputError, NotFound
from flightbridge.fleet import outbound
from flightbridge.fleet.client import TEST_TIMEOUT_SECONDS, ConnectionCheck
from flightbridge.fleet.feeds import open_feed
from flightbridge.fleet.models import (
    FREQUENCY_MINUTES,
    SOURCE_TRANSITIONS,
    SYNCABLE_STATUSES,
    AircraftModel,
    DataSourceConfig,
    Direction,
    SourceKind,
    SourceStatus,
    SyncFrequency,
)
from flightbridge.states import move_status


# --- data source status (a state machine: `SOURCE_TRANSITIONS` says which moves exist) -------------------


def move_source_status(source_id: int, to: str) -> bool:
    """Move a source to `to` if allowed from its current status; False when it was not (a conditional UPDATE)."""
    return move_status(DataSourceConfig.objects.filter(pk=source_id), SOURCE_TRANSITIONS, to)


def syncable_sources():
    """Active (or degraded, still trying) outbound sources: the ones sync all and the scheduler use."""
    return DataSourceConfig.objects.filter(status__in=SYNCABLE_STATUSES, direction=Direction.OUTBOUND)


def next_sync_at(source: DataSourceConfig) -> datetime | None:
    minutes = FREQUENCY_MINUTES.get(source.sync_frequency)
    if not minutes or not source.is_syncable:
        return None
    latest = max((moment for moment in (source.last_sync_at, source.last_scheduled_at) if moment), default=None)
    return (latest + timedelta(minutes=minutes)) if latest else timezone.now()


# --- data source configuration ------------------------------------------------------------------------------


def check_endpoint(endpoint: str) -> None:
    """422 naming the address when an endpoint points where data sources may not go (see `outbound`)."""
    if not endpoint:
        return
    try:
        outbound.check_endpoint(endpoint)
    except outbound.RefusedAddress as exc:
        raise InputError(f"Field endpoint: {exc}", [{"field": "endpoint", "reason": str(exc)}]) from None


def create_source(data: dict[str, Any]) -> DataSourceConfig:
    """Create a connection from checked API input; the key, if any, is sealed before the first save."""
    name = data["name"]
    check_endpoint(data.get("endpoint") or "")
    if DataSourceConfig.objects.filter(name=name).exists():
        raise Conflict(f"A data source named {name!r} already exists; field name must be unique "
                       "(it is the external_data_source value models match on).")
    status = data.get("status") or SourceStatus.ACTIVE
    kind = data.get("kind") or SourceKind.HTTP
    if kind == SourceKind.FAA_REFERENCE:
        _refuse_connection_fields(data)
    source = DataSourceConfig(
        name=name, kind=kind, endpoint=data.get("endpoint") or "", direction=data.get("direction") or Direction.OUTBOUND,
        sync_frequency=data.get("sync_frequency") or SyncFrequency.MANUAL,
        # The FAA reference authenticates nowhere: whatever a form's default says, it is "none".
        auth_type="none" if kind == SourceKind.FAA_REFERENCE else (data.get("auth_type") or "api_key"),
        username=data.get("username") or "", status=status,
    )
    if data.get("api_key"):
        source.set_secret("api_key", data["api_key"])
    try:
        with transaction.atomic():
            source.save()
    except IntegrityError:
        raise Conflict(f"A data source named {name!r} already exists; field name must be unique.") from None
    return source


def _refuse_connection_fields(data: dict[str, Any]) -> None:
    """The FAA aircraft reference reads the loaded registry: an endpoint or key on it would be a mistake to keep."""
    for name in ("endpoint", "api_key", "username"):
        if data.get(name):
            raise InputError(f"Field {name}: the FAA aircraft reference reads the loaded FAA registry and takes no {name}.",
                             [{"field": name, "reason": "not used by the FAA aircraft reference source"}])


def update_source(source: DataSourceConfig, data: dict[str, Any]) -> DataSourceConfig:
    """Apply the given fields. `api_key`: absent or null keeps it, "" removes it, text replaces it."""
    if data.get("kind") not in (None, source.kind):
        raise Conflict(f"Field kind cannot change (data source {source.name!r} is {source.kind}); create a new data source.")
    if source.is_faa_reference:
        _refuse_connection_fields(data)
        data = {name: value for name, value in data.items() if name != "auth_type"}
    check_endpoint(data.get("endpoint") or "")  # resolves a name: before the row lock, not while holding it
    with transaction.atomic():
        source = DataSourceConfig.objects.select_for_update().get(pk=source.pk)
        new_name = data.get("name")
        if new_name and new_name != source.name:
            if DataSourceConfig.objects.filter(name=new_name).exclude(pk=source.pk).exists():
                raise Conflict(f"A data source named {new_name!r} already exists; field name must be unique.")
            matched = AircraftModel.objects.filter(external_data_source=source.name).count()
            if matched:
                # The name is the identity models match on; renaming would orphan them and the next
                # sync would create duplicates under the new name.
                raise Conflict(f"Field name cannot change: {matched} aircraft model(s) are matched on "
                               f"external_data_source {source.name!r}. Create a new data source instead.")
            source.name = new_name
        for name in ("endpoint", "direction", "sync_frequency", "auth_type", "username"):
            if data.get(name) is not None:
                setattr(source, name, data[name])
        if data.get("api_key") is not None:
            source.set_secret("api_key", data["api_key"] or None)
        source.save()
        wanted = data.get("status")
        if wanted and wanted != source.status:
            if not move_source_status(source.pk, wanted):
                raise InputError(f"Field status cannot move from {source.status} to {wanted}.",
                                 [{"field": "status", "reason": f"cannot move from {source.status} to {wanted}"}])
            source.refresh_from_db()
    return source


def get_source(source_id: int) -> DataSourceConfig:
    try:
        return DataSourceConfig.objects.get(pk=source_id)
    except DataSourceConfig.DoesNotExist:
        raise NotFound(f"No data source with id {source_id}.") from None


def check_source_connection(source: DataSourceConfig) -> ConnectionCheck:
    """Fetch the first page with the connection's own credentials; never raises for a bad connection."""
    try:
        client = open_feed(source, timeout=TEST_TIMEOUT_SECONDS, retry_delays=())
    except FlightBridgeError as exc:
        return ConnectionCheck(ok=False, message=str(exc))
    with client:
        return client.test_connection()


def source_scope(source: DataSourceConfig | int) -> str:
    """The job guard's scope for one source: one active sync per source."""
    return f"source:{getattr(source, 'pk', source)}"


def require_syncable(source: DataSourceConfig, error: type[FlightBridgeError] = FatalError) -> None:
    """Raise `error` unless `source` is an outbound source that is active (or degraded, still trying)."""
    if source.direction != Direction.OUTBOUND:
        raise error(f"Data source {source.name!r} is inbound; FlightBridge only pulls from outbound sources.")
    if source.status not in SYNCABLE_STATUSES:
        raise error(f"Data source {source.name!r} is inactive; activate it before syncing.")


def matching_source(model: AircraftModel) -> DataSourceConfig:
    """The active outbound source a model syncs from, or a clear error saying what is missing."""
    if not model.has_external_source:
        raise InputError(
            f"Aircraft model {model.pk} ({model.name}) has no external source information: it needs both "
            "external_id and external_data_source to be synced.",
            [{"field": "external_id" if not model.external_id else "external_data_source", "reason": "missing"}],
        )
    source = DataSourceConfig.objects.filter(name=model.external_data_source).first()
    if source is None:
        raise Conflict(f"No data source named {model.external_data_source!r} (the model's external_data_source) "
                       "is configured.")
    if not source.is_syncable:
        raise Conflict(f"Data source {source.name!r} is not an active outbound source; activate it to sync this model.")
    return source
