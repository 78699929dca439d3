"""Aircraft-model sync runs: pull a source (or one model) and create/update ours, or preview what would change.

Matching is by `(external_data_source, external_id)` only, with the source's name as
`external_data_source`, so a record from one source can never touch another source's model. Each
remote record is written in its own savepoint together with its `SyncLog`: nothing is half-written.
A preview runs the same comparison and writes nothing at all, not even a log. Only the source's own
credentials are used (`client.ModelSourceClient.for_source`, through `feeds.open_feed`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any, Callable

from django.db import IntegrityError, transaction
from django.utils import timezone

from flightbridge.bulk import insert_rows
from flightbridge.errors import BadRecord, Conflict, FatalError, FlightBridgeError, NotFound
from flightbridge.fleet.feeds import open_feed
from flightbridge.fleet.mapping import (
    EMPTY,
    current_values,
    diff_fields,
    external_id_of,
    map_remote_record,
    preview_model_changes,
)
from flightbridge.fleet.models import (
    SYNCABLE_FIELDS,
    AircraftModel,
    DataSourceConfig,
    LastSyncStatus,
    SourceStatus,
    SyncAction,
    SyncLog,
)
from flightbridge.fleet.sources import get_source, matching_source, move_source_status, require_syncable, source_scope
from flightbridge.jobs.models import ACTIVE_STATUSES, SyncJob
from flightbridge.jobs.services import JobContext

PREVIEW_ITEM_LIMIT = 500


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
        # The outcome words of every import (logbook/outcomes.py): new, updated, unchanged, not imported.
        return (f"{self.created} new, {self.updated} updated, {self.unchanged} unchanged, "
                f"{self.failed} not imported, of {self.records} record(s).")


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
            existing[external_id] = _unsaved_model(external_id, fields)
    return planned


def _unsaved_model(external_id: str, fields: dict) -> SimpleNamespace:
    """What a record the run (or preview) is about to create will hold: enough to compare a repeat of its id
    against (`current_values`), far lighter than a model instance when a feed has 100,000 of them."""
    return SimpleNamespace(pk=None, external_id=external_id, **{**EMPTY_MODEL, **fields})


def _apply_page(source: DataSourceConfig, records: list[Any], first_position: int, counts: RunCounts,
                job_id: int | None, now: datetime) -> list[dict]:
    """Write one page: each record and its log in its own savepoint, the page's logs in one insert.
    Returns the logs as written (`SyncLog` field values)."""
    logs: list[dict] = []
    unchanged_ids: list[int] = []
    with transaction.atomic():
        planned = _plan_page(source.name, records, first_position)
        created = _create_new_models(source, planned, now)
        new_ids = {item.external_id: created[id(item)] for item in planned if id(item) in created}
        for item in planned:
            entry = {"data_source_id": source.pk, "data_source_name": source.name, "external_id": item.external_id,
                     "action": item.action, "success": item.action != SyncAction.FAILED, "job_id": job_id,
                     "error": item.error, "changes": item.changes, "aircraft_model_id": None}
            if item.action == SyncAction.UNCHANGED:
                # A repeat of an id this page created has no pk of its own yet: it is the created one.
                model_id = item.model.pk if item.model.pk is not None else new_ids.get(item.external_id)
                entry["aircraft_model_id"] = model_id
                if model_id is not None:
                    unchanged_ids.append(model_id)
            elif id(item) in created:
                entry["aircraft_model_id"] = created[id(item)]
            elif item.action in (SyncAction.CREATED, SyncAction.UPDATED):
                try:
                    with transaction.atomic():
                        entry["aircraft_model_id"] = _write_record(source, item, now).pk
                except IntegrityError:
                    entry.update(action=SyncAction.FAILED, success=False, changes={}, error=(
                        f"record {source.name}:{item.external_id}: could not be stored (another sync "
                        "wrote the same model at the same moment); it is retried on the next sync"))
            setattr(counts, entry["action"], getattr(counts, entry["action"]) + 1)
            counts.records += 1
            logs.append(entry)
        if unchanged_ids:
            AircraftModel.objects.filter(pk__in=unchanged_ids).update(last_synced_at=now)
        # Plain rows, one INSERT a page: a first sync of a 100,000-model catalogue writes 100,000 logs.
        insert_rows(SyncLog, logs)
    return logs



def _create_new_models(source: DataSourceConfig, planned: list[_Planned], now: datetime) -> dict[int, int]:
    """The page's new models in one INSERT (a first sync of a big catalogue is mostly these): `{id(item):
    model id}`. If the database refuses the batch (another sync wrote one of them meanwhile), nothing is
    returned and each record goes its own way in its own savepoint, as before."""
    items = [item for item in planned if item.action == SyncAction.CREATED]
    if not items:
        return {}
    rows = [{**EMPTY_MODEL, **item.fields, "external_data_source": source.name, "external_id": item.external_id,
             "last_synced_at": now} for item in items]
    try:
        with transaction.atomic():
            ids = insert_rows(AircraftModel, rows)
    except IntegrityError:
        return {}
    return {id(item): pk for item, pk in zip(items, ids)}


#: a new model's syncable fields before the record's own are applied
EMPTY_MODEL = {name: EMPTY[name] for name in SYNCABLE_FIELDS}


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


def sync_source(source_id: int, *, context: JobContext | None = None) -> dict[str, Any]:
    """Pull every model from one source and create/update ours. Returns counts and a message."""
    source = get_source(source_id)
    require_syncable(source)
    job_id = context.job.pk if context else None
    if context is not None:
        _refuse_if_an_older_run_is_going(source, context.job)
    counts = RunCounts()
    now = timezone.now()
    try:
        with open_feed(source) as client:
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
    message = f"Synced {source.name!r}: {counts.summary()}"
    if source.is_faa_reference:
        message += " " + _link_registered_aircraft()
    return {**counts.as_dict(), "source": source.name, "message": message}


#: Called after the FAA reference source synced; each returns a sentence for the run's message. The logbook
#: registers its linking of pilots' aircraft to the models (`LogbookConfig.ready`): it reads the fleet's
#: models, so the fleet calls it through this list and never imports it (no cycle between the apps, issue 21).
_AFTER_REFERENCE_SYNC: list[Callable[[], str]] = []


def after_reference_sync(hook: Callable[[], str]) -> Callable[[], str]:
    if hook not in _AFTER_REFERENCE_SYNC:
        _AFTER_REFERENCE_SYNC.append(hook)
    return hook


def _link_registered_aircraft() -> str:
    """After the FAA reference synced: pilots' registered aircraft link to the models with their ACFTREF code."""
    return " ".join(hook() for hook in _AFTER_REFERENCE_SYNC)


def _refuse_if_an_older_run_is_going(source: DataSourceConfig, job: SyncJob) -> None:
    """A user's sync and a scheduled one are different jobs (different owners); let only the older run."""
    other = (SyncJob.objects.filter(kind=job.kind, scope=source_scope(source), status__in=ACTIVE_STATUSES, pk__lt=job.pk)
             .order_by("pk").first())
    if other is not None:
        raise Conflict(f"A sync of {source.name!r} is already under way (started {other.created_at:%Y-%m-%d %H:%M} UTC); "
                       "this one stopped without changing anything.")


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
        with open_feed(source) as client:
            record = client.fetch_record(model.external_id)
        if record is None:
            raise FatalError(f"Data source {source.name!r} has no aircraft model with external_id {model.external_id!r}.")
    except FlightBridgeError as exc:
        _log_run_failure(source, exc, job_id, external_id=model.external_id)
        _finish_run(source, counts, exc, whole_source=False)
        raise
    [entry] = _apply_page(source, [record], 1, counts, job_id, timezone.now())
    _finish_run(source, counts, None, whole_source=False)
    if not entry["success"]:
        raise FatalError(f"Aircraft model {model.name!r} was not synced: {entry['error']}")
    action = "updated" if counts.updated else ("created" if counts.created else "unchanged")
    return {**counts.as_dict(), "model_id": model.pk, "source": source.name,
            "message": f"Aircraft model {model.name!r} {action} from {source.name!r}."}


def preview_source(source: DataSourceConfig, *, include_old: bool, limit: int = PREVIEW_ITEM_LIMIT) -> dict[str, Any]:
    """What a sync would create, update, leave unchanged or fail on; writes nothing, not even a log."""
    require_syncable(source, Conflict)
    counts = RunCounts()
    items: list[dict[str, Any]] = []
    seen: dict[str, AircraftModel] = {}
    with open_feed(source) as client:
        for page in client.iter_pages():
            counts.pages += 1
            for item in _plan_page(source.name, page.records, counts.records + 1, seen):
                counts.records += 1
                setattr(counts, item.action, getattr(counts, item.action) + 1)
                if item.action == SyncAction.CREATED:
                    seen[item.external_id] = _unsaved_model(item.external_id, item.fields)
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
