"""`/api/aircraft-models`, `/api/data-sources`, `/api/aircraft-model-sync/…`: parse, authorize, call a service.

Every route checks its permission first (`permissions.require`, a 403 problem naming what is
missing). No response ever includes a data source's API key: it is write-only and shown as "set".
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status
from ninja.pagination import paginate

from flightbridge.api_types import MAX_ROW_ID, Pages, RowId
from flightbridge.errors import InputError
from flightbridge.fleet import edits, permissions, runs, schedule, sources, status
from flightbridge.fleet.models import AircraftModel, DataSourceConfig
from flightbridge.fleet.schemas import (
    AircraftModelIn,
    AircraftModelOut,
    ConnectionTestOut,
    DataSourceIn,
    DataSourceOut,
    DataSourcePatch,
    JobRef,
    ModelChangeOut,
    SourcePreviewOut,
    SyncAllOut,
    SyncLogOut,
    SyncStatusOut,
)

router = Router(tags=["aircraft model sync"])

#: Ninja answers a body that is not JSON at all with 400 before the route runs; say so in the contract.
BAD_BODY = {"responses": {"400": {"description": "The body is not JSON", "content": {
    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}}}


# --- aircraft models ----------------------------------------------------------------------------------------


@router.get("/aircraft-models", response=list[AircraftModelOut], summary="Aircraft models (shared reference data)")
@paginate(Pages, page_size=50)
def list_models(request, source: str | None = None, synced: bool | None = None):
    permissions.require(request.auth, "read aircraft models")
    query = AircraftModel.objects.all()
    if source is not None:
        query = query.filter(external_data_source=source)
    if synced is True:
        query = query.exclude(external_id="").exclude(external_data_source="")
    elif synced is False:
        query = query.filter(external_id="") | query.filter(external_data_source="")
    return query


@router.get("/aircraft-models/{model_id}", response=AircraftModelOut, summary="One aircraft model")
def get_model(request, model_id: RowId):
    permissions.require(request.auth, "read aircraft models")
    return get_object_or_404(AircraftModel, pk=model_id)


def _change_response(request, change: edits.ModelChange) -> ModelChangeOut:
    can_read = permissions.allowed(request.auth, "read aircraft models")
    return ModelChangeOut(
        preview=change.preview, action=change.action, id=change.model.pk if change.model is not None else None,
        changes=edits.shown_changes(change, include_old=can_read),
        model=AircraftModelOut.from_orm(change.model) if can_read and change.model is not None and not change.preview else None,
    )


@router.post("/aircraft-models", response={200: ModelChangeOut, 201: ModelChangeOut},
             summary="Create an aircraft model (preview=true: show what would be created, save nothing)", openapi_extra=BAD_BODY)
def create_model(request, payload: AircraftModelIn, preview: bool = False):
    permissions.require(request.auth, "create aircraft models")
    data = payload.dict(exclude={"preview"}, exclude_none=True)
    change = edits.save_model(None, data, preview=preview or payload.preview)
    return Status(200 if change.preview else 201, _change_response(request, change))


def _update(request, model_id: RowId, payload: AircraftModelIn, preview: bool, partial: bool) -> ModelChangeOut:
    permissions.require(request.auth, "update aircraft models")
    model = get_object_or_404(AircraftModel, pk=model_id)
    if partial:
        data = payload.dict(exclude={"preview"}, exclude_unset=True)
    else:
        # PUT replaces the data fields (one left out is cleared; a name is required). The source identity
        # (external_id, external_data_source) is kept unless sent: clearing it would detach the model.
        unset_identity = {"external_id", "external_data_source"} - payload.model_fields_set
        data = payload.dict(exclude={"preview", *unset_identity})
        if data.get("name") is None:
            raise InputError("Field name is required when replacing an aircraft model (use PATCH to change some fields).",
                             [{"field": "name", "reason": "required"}])
    change = edits.save_model(model, data, preview=preview or payload.preview)
    return _change_response(request, change)


@router.put("/aircraft-models/{model_id}", response={200: ModelChangeOut}, openapi_extra=BAD_BODY,
            summary="Replace an aircraft model (preview=true: dry run)")
def replace_model(request, model_id: RowId, payload: AircraftModelIn, preview: bool = False):
    return _update(request, model_id, payload, preview, partial=False)


@router.patch("/aircraft-models/{model_id}", response={200: ModelChangeOut}, openapi_extra=BAD_BODY,
              summary="Change some fields of an aircraft model (preview=true: dry run)")
def patch_model(request, model_id: RowId, payload: AircraftModelIn, preview: bool = False):
    return _update(request, model_id, payload, preview, partial=True)


@router.post("/aircraft-models/{model_id}/sync", response={202: JobRef},
             summary="Queue a sync of one model from the data source its external_data_source names")
def sync_model(request, model_id: RowId):
    permissions.require(request.auth, "sync aircraft models")
    model = get_object_or_404(AircraftModel, pk=model_id)
    job, created = schedule.request_model_sync(model, owner=request.auth)
    source = sources.get_source(job.params["source_id"])
    return Status(202, JobRef(source_id=source.pk, source=source.name, job_id=job.pk, status=job.status, created=created))


# --- data sources (integration connections) ----------------------------------------------------------------


@router.get("/data-sources", response=list[DataSourceOut], summary="Integration connections (API keys shown only as \"set\")")
def list_sources(request):
    permissions.require(request.auth, "read integration connections")
    return list(DataSourceConfig.objects.order_by("name"))


@router.get("/data-sources/{source_id}", response=DataSourceOut, summary="One integration connection")
def get_source(request, source_id: RowId):
    permissions.require(request.auth, "read integration connections")
    return sources.get_source(source_id)


@router.post("/data-sources", response={201: DataSourceOut}, openapi_extra=BAD_BODY,
             summary="Create an integration connection")
def create_source(request, payload: DataSourceIn):
    permissions.require(request.auth, "create integration connections")
    return Status(201, sources.create_source(payload.dict()))


@router.put("/data-sources/{source_id}", response={200: DataSourceOut}, openapi_extra=BAD_BODY,
            summary="Update an integration connection")
def replace_source(request, source_id: RowId, payload: DataSourceIn):
    permissions.require(request.auth, "update integration connections")
    return sources.update_source(sources.get_source(source_id), payload.dict(exclude_unset=True))


@router.patch("/data-sources/{source_id}", response={200: DataSourceOut}, openapi_extra=BAD_BODY,
              summary="Change some fields of an integration connection")
def patch_source(request, source_id: RowId, payload: DataSourcePatch):
    permissions.require(request.auth, "update integration connections")
    return sources.update_source(sources.get_source(source_id), payload.dict(exclude_unset=True))


@router.delete("/data-sources/{source_id}", response={204: None}, summary="Delete an integration connection (models stay)")
def delete_source(request, source_id: RowId):
    permissions.require(request.auth, "delete integration connections")
    sources.get_source(source_id).delete()
    return Status(204, None)


@router.post("/data-sources/{source_id}/test", response=ConnectionTestOut,
             summary="Test the connection: fetch the first page with the connection's own credentials")
def test_source(request, source_id: RowId):
    permissions.require(request.auth, "test integration connections")
    check = sources.check_source_connection(sources.get_source(source_id))
    return ConnectionTestOut(ok=check.ok, message=check.message, count=check.count, sample=check.sample)


@router.post("/data-sources/{source_id}/preview", response=SourcePreviewOut,
             summary="What a sync of this source would create, update, leave unchanged or fail on (writes nothing)")
def preview_source(request, source_id: RowId, limit: int = runs.PREVIEW_ITEM_LIMIT):
    permissions.require(request.auth, "preview a data source sync")
    source = sources.get_source(source_id)
    include_old = permissions.allowed(request.auth, "read aircraft models")
    return runs.preview_source(source, include_old=include_old, limit=max(0, min(limit, 5000)))


@router.post("/data-sources/{source_id}/sync", response={202: JobRef}, summary="Queue a sync of one data source")
def sync_source(request, source_id: RowId):
    permissions.require(request.auth, "sync aircraft models")
    source = sources.get_source(source_id)
    job, created = schedule.request_source_sync(source, owner=request.auth)
    return Status(202, JobRef(source_id=source.pk, source=source.name, job_id=job.pk, status=job.status, created=created))


# --- sync status, sync all, logs ----------------------------------------------------------------------------


@router.get("/aircraft-model-sync/status", response=SyncStatusOut, summary="Sync status: active / inactive / degraded")
def sync_status(request):
    permissions.require(request.auth, "read aircraft model sync status")
    return status.sync_status()


@router.post("/aircraft-model-sync/sync-all", response={202: SyncAllOut},
             summary="Queue one sync job per active outbound data source (409 when there is none)")
def sync_all(request):
    permissions.require(request.auth, "sync aircraft models")
    return Status(202, {"jobs": schedule.jobs_for(schedule.request_sync_all(owner=request.auth))})


@router.get("/aircraft-model-sync/logs", response=list[SyncLogOut], summary="Sync logs, newest first")
@paginate(Pages, page_size=50)
def sync_logs(request, source_id: int | None = Query(None, ge=1, le=MAX_ROW_ID),
              model_id: int | None = Query(None, ge=1, le=MAX_ROW_ID), action: str | None = None,
              success: bool | None = None):
    # Query(...) rather than RowId: paginate's wrapper cannot resolve a module's own names in string annotations.
    permissions.require(request.auth, "read aircraft model sync logs")
    return status.sync_logs(source_id=source_id, model_id=model_id, action=action, success=success)


@router.get("/aircraft-model-sync/errors", response=list[SyncLogOut], summary="Recent failed sync logs")
def sync_errors(request, limit: int = 50):
    permissions.require(request.auth, "read aircraft model sync logs")
    return status.recent_errors(max(1, min(limit, 500)))
