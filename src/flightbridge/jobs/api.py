"""`/api/jobs`: a pilot polls the job rows they own."""

from django.shortcuts import get_object_or_404
from ninja import Router

from flightbridge.api_types import RowId
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
