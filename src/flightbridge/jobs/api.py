"""`/api/jobs`: a pilot polls the job rows they own; `/api/exports/{job_id}/file`: a finished export job's file."""

from django.shortcuts import get_object_or_404
from ninja import Router

from flightbridge import heavy_requests
from flightbridge.api_types import RowId
from flightbridge.jobs import exports
from flightbridge.jobs.models import SyncJob
from flightbridge.jobs.schemas import JobOut

router = Router(tags=["jobs"])


@router.get("/jobs/{job_id}", response=JobOut, summary="One background job (poll this for progress)")
def get_job(request, job_id: RowId):
    return get_object_or_404(SyncJob, pk=job_id, owner=request.auth)


@router.get("/jobs", response=list[JobOut], summary="Your most recent background jobs")
def list_jobs(request, kind: str | None = None, limit: int = 20):
    query = SyncJob.objects.filter(owner=request.auth)
    if kind:
        query = query.filter(kind=kind)
    return list(query[: max(1, min(limit, 100))])


_EXPORT_FILE = {"responses": {
    "200": {"description": "The export's file, as the inline export would have sent it (Content-Disposition names it)",
            "content": {"text/csv": {"schema": {"type": "string"}}, "application/json": {"schema": {"type": "object"}}}},
    "404": {"description": "No finished export of yours has this id, or its file was downloaded already or expired",
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
    "429": heavy_requests.BUSY_RESPONSE}}


@router.get("/exports/{job_id}/file", openapi_extra=_EXPORT_FILE, tags=["exports"],
            summary="Download the file of a finished export job (removed once downloaded)")
def download_export(request, job_id: RowId):
    return exports.open_download(request.auth, job_id)
