"""Aircraft model sync: data sources, matching, sync runs, preview, scheduling and status.

Plain functions; the API, the page, the huey tasks and the commands call these and decide nothing.
Matching is by `(external_data_source, external_id)` only, with the source's name as
`external_data_source`, so a record from one source can never touch another source's model. Each
remote record is written in its own savepoint together with its `SyncLog`: nothing is half-written.
A preview runs the same comparison and writes nothing at all. The connection's own API key is the
only credential ever used (see `client.ModelSourceClient.for_source`); never read another key here.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from flightbridge.errors import BadRecord, Conflict, FatalError, FlightBridgeError, InputError, NotFound
from flightbridge.fleet import outbound
from flightbridge.fleet.client import TEST_TIMEOUT_SECONDS, ConnectionCheck, ModelSourceClient
from flightbridge.fleet.mapping import (
    EMPTY,
    current_values,
    diff_fields,
    external_id_of,
    map_remote_record,
    preview_model_changes,
)
from flightbridge.fleet.models import (
    FREQUENCY_MINUTES,
    SOURCE_TRANSITIONS,
    SYNCABLE_FIELDS,
    SYNCABLE_STATUSES,
    AircraftModel,
    DataSourceConfig,
    Direction,
    LastSyncStatus,
    SourceStatus,
    SyncAction,
    SyncFrequency,
    SyncLog,
)
from flightbridge.jobs.models import SyncJob
from flightbridge.jobs.services import JobContext, request_job
from flightbridge.states import move_status

log = logging.getLogger(__name__)

SYNC_SOURCE_JOB = "fleet.sync_source"
SYNC_MODEL_JOB = "fleet.sync_model"
RECENT_ERRORS_WINDOW = timedelta(hours=24)
EXTERNAL_FIELDS = ("external_id", "external_data_source")
EDITABLE_FIELDS = SYNCABLE_FIELDS + EXTERNAL_FIELDS
PREVIEW_ITEM_LIMIT = 500


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
    source = DataSourceConfig(
        name=name, endpoint=data.get("endpoint") or "", direction=data.get("direction") or Direction.OUTBOUND,
        sync_frequency=data.get("sync_frequency") or SyncFrequency.MANUAL, auth_type=data.get("auth_type") or "api_key",
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


def update_source(source: DataSourceConfig, data: dict[str, Any]) -> DataSourceConfig:
    """Apply the given fields. `api_key`: absent or null keeps it, "" removes it, text replaces it."""
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
        client = ModelSourceClient.for_source(source, timeout=TEST_TIMEOUT_SECONDS, retry_delays=())
    except FlightBridgeError as exc:
        return ConnectionCheck(ok=False, message=str(exc))
    with client:
        return client.test_connection()


# --- hand edits and their preview ---------------------------------------------------------------------------


@dataclass
class ModelChange:
    action: str  # created / updated / unchanged, or create / update / unchanged in a preview
    changes: dict[str, list]
    model: AircraftModel | None
    preview: bool


def save_model(model: AircraftModel | None, data: dict[str, Any], *, preview: bool) -> ModelChange:
    """Create (model None) or update a model by hand; with `preview` compute the changes and write nothing."""
    incoming = {name: value for name, value in data.items() if name in EDITABLE_FIELDS}
    if model is None:
        if not (incoming.get("name") or "").strip():
            raise InputError("Field name is required to create an aircraft model.",
                             [{"field": "name", "reason": "required"}])
    elif "name" in incoming and not (incoming["name"] or "").strip():
        raise InputError("Field name must not be empty.", [{"field": "name", "reason": "must not be empty"}])
    for name in incoming:
        if incoming[name] is None:
            incoming[name] = EMPTY.get(name, "")
    _check_external_pair(model, incoming)
    current = None if model is None else {**current_values(model), **{n: getattr(model, n) for n in EXTERNAL_FIELDS}}
    changes = diff_fields(current, incoming, fields=EDITABLE_FIELDS)
    if preview:
        action = "create" if model is None else ("update" if changes else "unchanged")
        return ModelChange(action=action, changes=changes, model=model, preview=True)
    if model is not None and not changes:
        return ModelChange(action="unchanged", changes={}, model=model, preview=False)
    try:
        with transaction.atomic():
            if model is None:
                model = AircraftModel.objects.create(**incoming)
                action = "created"
            else:
                for name, (_old, new) in changes.items():
                    setattr(model, name, new)
                model.save(update_fields=[*changes, "updated_at"])
                action = "updated"
    except IntegrityError:
        raise Conflict("Another aircraft model already has this external_data_source and external_id.") from None
    return ModelChange(action=action, changes=changes, model=model, preview=False)


def _check_external_pair(model: AircraftModel | None, incoming: dict[str, Any]) -> None:
    external_id = incoming.get("external_id", model.external_id if model else "")
    source = incoming.get("external_data_source", model.external_data_source if model else "")
    if bool(external_id) != bool(source):
        missing = "external_data_source" if external_id else "external_id"
        raise InputError(f"Field {missing} is required when the other of external_id / external_data_source is set.",
                         [{"field": missing, "reason": "external_id and external_data_source go together"}])
    if external_id:
        clash = AircraftModel.objects.filter(external_data_source=source, external_id=external_id)
        if model is not None:
            clash = clash.exclude(pk=model.pk)
        if clash.exists():
            raise Conflict(f"Aircraft model {clash.first().pk} already has external_data_source {source!r} and "
                           f"external_id {external_id!r}; that pair must be unique.")


def shown_changes(change: ModelChange, *, include_old: bool) -> dict[str, dict]:
    return preview_model_changes(change.changes, include_old=include_old)


# --- sync runs ----------------------------------------------------------------------------------------------


@dataclass
class RunCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    pages: int = 0
    records: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def summary(self) -> str:
        return (f"Created {self.created}, updated {self.updated}, unchanged {self.unchanged}, "
                f"failed {self.failed} of {self.records} record(s).")


@dataclass
class _Planned:
    """What one remote record means for the database (shared by sync and preview)."""

    position: int
    external_id: str
    action: str  # created / updated / unchanged / failed
    fields: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, list] = field(default_factory=dict)
    model: AircraftModel | None = None
    error: str = ""


def _plan_page(source_name: str, records: list[Any], first_position: int,
               known: dict[str, AircraftModel] | None = None) -> list[_Planned]:
    """Match each record of a page to this source's models (one query) and say what would change."""
    ids = {external_id_of(record) for record in records} - {""}
    existing = {m.external_id: m for m in AircraftModel.objects.filter(external_data_source=source_name, external_id__in=ids)}
    if known:
        existing.update({key: value for key, value in known.items() if key in ids})
    planned: list[_Planned] = []
    for offset, record in enumerate(records):
        position = first_position + offset
        try:
            external_id, fields = map_remote_record(record, position=position, source=source_name)
        except BadRecord as exc:
            planned.append(_Planned(position, external_id_of(record), SyncAction.FAILED, error=str(exc)))
            continue
        model = existing.get(external_id)
        if model is None and "name" not in fields:
            planned.append(_Planned(position, external_id, SyncAction.FAILED,
                                    error=f"record {source_name}:{external_id} field name: is required to create a model"))
            continue
        changes = diff_fields(None if model is None else current_values(model), fields)
        action = SyncAction.CREATED if model is None else (SyncAction.UPDATED if changes else SyncAction.UNCHANGED)
        planned.append(_Planned(position, external_id, action, fields, changes, model))
        if model is None:
            # A feed that repeats an id: the second copy updates what the first created.
            existing[external_id] = AircraftModel(external_data_source=source_name, external_id=external_id,
                                                  **{**{n: EMPTY[n] for n in SYNCABLE_FIELDS}, **fields})
    return planned


def _apply_page(source: DataSourceConfig, records: list[Any], first_position: int, counts: RunCounts,
                job_id: int | None, now: datetime) -> list[SyncLog]:
    """Write one page: each record and its log in its own savepoint, the page's logs in one insert."""
    logs: list[SyncLog] = []
    unchanged_ids: list[int] = []
    with transaction.atomic():
        for item in _plan_page(source.name, records, first_position):
            entry = SyncLog(data_source=source, data_source_name=source.name, external_id=item.external_id,
                            action=item.action, success=item.action != SyncAction.FAILED, job_id=job_id,
                            error=item.error, changes=item.changes)
            if item.action == SyncAction.UNCHANGED:
                entry.aircraft_model = item.model
                unchanged_ids.append(item.model.pk)
            elif item.action in (SyncAction.CREATED, SyncAction.UPDATED):
                try:
                    with transaction.atomic():
                        entry.aircraft_model = _write_record(source, item, now)
                except IntegrityError:
                    entry.action, entry.success, entry.changes = SyncAction.FAILED, False, {}
                    entry.error = (f"record {source.name}:{item.external_id}: could not be stored (another sync "
                                   "wrote the same model at the same moment); it is retried on the next sync")
                    entry.aircraft_model = None
            setattr(counts, entry.action, getattr(counts, entry.action) + 1)
            counts.records += 1
            logs.append(entry)
        if unchanged_ids:
            AircraftModel.objects.filter(pk__in=unchanged_ids).update(last_synced_at=now)
        SyncLog.objects.bulk_create(logs, batch_size=500)
    return logs


def _write_record(source: DataSourceConfig, item: _Planned, now: datetime) -> AircraftModel:
    if item.action == SyncAction.CREATED:
        return AircraftModel.objects.create(external_data_source=source.name, external_id=item.external_id,
                                            last_synced_at=now, **item.fields)
    model = item.model
    if model.pk is None:  # created earlier in this page; reload to update the stored row
        model = AircraftModel.objects.get(external_data_source=source.name, external_id=item.external_id)
    for name, (_old, new) in item.changes.items():
        setattr(model, name, new)
    model.last_synced_at = now
    model.save(update_fields=[*item.changes, "last_synced_at", "updated_at"])
    return model


def _log_run_failure(source: DataSourceConfig, error: Exception, job_id: int | None, external_id: str = "") -> None:
    SyncLog.objects.create(data_source=source, data_source_name=source.name, external_id=external_id,
                           action=SyncAction.FAILED, success=False, error=str(error), job_id=job_id)


def _finish_run(source: DataSourceConfig, counts: RunCounts, error: Exception | None, *, whole_source: bool) -> None:
    """Record the outcome on the source; a run with failures degrades it, a clean full run restores it."""
    failures = counts.failed + (1 if error else 0)
    values: dict[str, Any] = {}
    if failures:
        values["error_count"] = source.error_count + failures
    if whole_source or failures:
        values["last_sync_at"] = timezone.now()
        if error:
            values["last_sync_status"], values["last_sync_message"] = LastSyncStatus.FAILED, str(error)
        elif counts.failed:
            values["last_sync_status"], values["last_sync_message"] = LastSyncStatus.PARTIAL, counts.summary()
        else:
            values["last_sync_status"], values["last_sync_message"] = LastSyncStatus.SUCCEEDED, counts.summary()
            values["error_count"] = 0
    if values:
        DataSourceConfig.objects.filter(pk=source.pk).update(**values)
    if failures:
        move_source_status(source.pk, SourceStatus.DEGRADED)
    elif whole_source and DataSourceConfig.objects.filter(pk=source.pk, status=SourceStatus.DEGRADED).exists():
        move_source_status(source.pk, SourceStatus.ACTIVE)


def _syncable_or_fail(source: DataSourceConfig) -> None:
    if source.direction != Direction.OUTBOUND:
        raise FatalError(f"Data source {source.name!r} is inbound; FlightBridge only pulls from outbound sources.")
    if source.status not in SYNCABLE_STATUSES:
        raise FatalError(f"Data source {source.name!r} is inactive; activate it before syncing.")


def sync_source(source_id: int, *, context: JobContext | None = None) -> dict[str, Any]:
    """Pull every model from one source and create/update ours. Returns counts and a message."""
    source = get_source(source_id)
    _syncable_or_fail(source)
    job_id = context.job.pk if context else None
    if job_id is not None:
        _refuse_if_an_older_run_is_going(source, job_id)
    counts = RunCounts()
    now = timezone.now()
    try:
        with ModelSourceClient.for_source(source) as client:
            for page in client.iter_pages():
                _apply_page(source, page.records, counts.records + 1, counts, job_id, now)
                counts.pages += 1
                if context:
                    context.report(phase=f"page {page.number}" + (f" ({counts.records} of {page.count})" if page.count else ""),
                                   **counts.as_dict())
    except FlightBridgeError as exc:
        _log_run_failure(source, exc, job_id)
        _finish_run(source, counts, exc, whole_source=True)
        raise
    _finish_run(source, counts, None, whole_source=True)
    return {**counts.as_dict(), "source": source.name,
            "message": f"Synced {source.name!r}: {counts.summary()}"}


def _refuse_if_an_older_run_is_going(source: DataSourceConfig, job_id: int) -> None:
    """A user's sync and a scheduled one are different jobs (different owners); let only the older run."""
    other = (SyncJob.objects.filter(kind=SYNC_SOURCE_JOB, scope=source_scope(source), status__in=["queued", "running"],
                                    pk__lt=job_id).order_by("pk").first())
    if other is not None:
        raise Conflict(f"A sync of {source.name!r} is already under way (job {other.pk}); this one stopped "
                       "without changing anything.")


def sync_model(model_id: int, *, context: JobContext | None = None) -> dict[str, Any]:
    """Re-fetch one model from the source its `external_data_source` names and apply it."""
    try:
        model = AircraftModel.objects.get(pk=model_id)
    except AircraftModel.DoesNotExist:
        raise NotFound(f"No aircraft model with id {model_id}.") from None
    source = matching_source(model)
    job_id = context.job.pk if context else None
    counts = RunCounts()
    try:
        with ModelSourceClient.for_source(source) as client:
            record = client.fetch_record(model.external_id)
        if record is None:
            raise FatalError(f"Data source {source.name!r} has no aircraft model with external_id {model.external_id!r}.")
    except FlightBridgeError as exc:
        _log_run_failure(source, exc, job_id, external_id=model.external_id)
        _finish_run(source, counts, exc, whole_source=False)
        raise
    [entry] = _apply_page(source, [record], 1, counts, job_id, timezone.now())
    _finish_run(source, counts, None, whole_source=False)
    if not entry.success:
        raise FatalError(f"Aircraft model {model.name!r} was not synced: {entry.error}")
    action = "updated" if counts.updated else ("created" if counts.created else "unchanged")
    return {**counts.as_dict(), "model_id": model.pk, "source": source.name,
            "message": f"Aircraft model {model.name!r} {action} from {source.name!r}."}


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


# --- requesting jobs ----------------------------------------------------------------------------------------


def source_scope(source: DataSourceConfig | int) -> str:
    return f"source:{getattr(source, 'pk', source)}"


def request_source_sync(source: DataSourceConfig, owner=None, *, trigger: str = "manual") -> tuple[SyncJob, bool]:
    source.refresh_from_db(fields=["status", "direction"])  # decide on the stored state, not a stale copy
    _syncable_or_conflict(source)
    return request_job(SYNC_SOURCE_JOB, owner=owner, scope=source_scope(source),
                       params={"source_id": source.pk, "trigger": trigger},
                       message=f"Waiting to sync aircraft models from {source.name!r}.")


def _syncable_or_conflict(source: DataSourceConfig) -> None:
    try:
        _syncable_or_fail(source)
    except FatalError as exc:
        raise Conflict(str(exc)) from None


def request_sync_all(owner=None) -> list[tuple[DataSourceConfig, SyncJob, bool]]:
    """One background job per active outbound source; none configured is an error, not a silent no-op."""
    sources = list(syncable_sources().order_by("name"))
    if not sources:
        raise Conflict("No active outbound data source is configured, so there is nothing to sync. "
                       "Add a data source (or activate one) first.")
    return [(source, *request_source_sync(source, owner)) for source in sources]


def request_model_sync(model: AircraftModel, owner=None) -> tuple[SyncJob, bool]:
    source = matching_source(model)
    return request_job(SYNC_MODEL_JOB, owner=owner, scope=f"{source_scope(source)}/model:{model.pk}",
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
            job, created = request_job(SYNC_SOURCE_JOB, owner=None, scope=source_scope(source),
                                       params={"source_id": source.pk, "trigger": "schedule"},
                                       message=f"Scheduled sync of {source.name!r} ({source.sync_frequency}).")
        if created:
            log.info("scheduled aircraft model sync of %r (job %s)", source.name, job.pk)
            requested.append(job)
    return requested


# --- preview of a whole source -------------------------------------------------------------------------------


def preview_source(source: DataSourceConfig, *, include_old: bool, limit: int = PREVIEW_ITEM_LIMIT) -> dict[str, Any]:
    """What a sync would create, update, leave unchanged or fail on; writes nothing, not even a log."""
    _syncable_or_conflict(source)
    counts = RunCounts()
    items: list[dict[str, Any]] = []
    seen: dict[str, AircraftModel] = {}
    with ModelSourceClient.for_source(source) as client:
        for page in client.iter_pages():
            counts.pages += 1
            for item in _plan_page(source.name, page.records, counts.records + 1, seen):
                counts.records += 1
                setattr(counts, item.action, getattr(counts, item.action) + 1)
                if item.action == SyncAction.CREATED:
                    seen[item.external_id] = AircraftModel(external_data_source=source.name, external_id=item.external_id,
                                                           **{**{n: EMPTY[n] for n in SYNCABLE_FIELDS}, **item.fields})
                if len(items) < limit and item.action != SyncAction.UNCHANGED:
                    items.append({
                        "external_id": item.external_id, "position": item.position,
                        "action": {"created": "create", "updated": "update"}.get(item.action, item.action),
                        "model_id": item.model.pk if item.model is not None else None,
                        "changes": preview_model_changes(item.changes, include_old=include_old),
                        "error": item.error,
                    })
    would = {"create": counts.created, "update": counts.updated, "unchanged": counts.unchanged, "failed": counts.failed}
    return {"source": source.name, "records": counts.records, "pages": counts.pages, "counts": would,
            "items": items, "truncated": (counts.created + counts.updated + counts.failed) > len(items)}


# --- status -------------------------------------------------------------------------------------------------


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


def jobs_for(results: Iterable[tuple[DataSourceConfig, SyncJob, bool]]) -> list[dict[str, Any]]:
    return [{"source_id": source.pk, "source": source.name, "job_id": job.pk, "status": job.status, "created": created}
            for source, job, created in results]
