from datetime import datetime

from ninja import Field, Schema

from flightbridge.jobs.exports import status_url


class JobOut(Schema):
    id: int
    kind: str
    status: str
    phase: str
    progress: dict
    result: dict
    message: str
    error: str
    scope: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None


class ExportJobOut(JobOut):
    """An export too big to stream in the request (issue 22): its job, where to follow it, where to download it."""

    status_url: str = Field(description="poll this (GET) for the job's status and progress (flights_written of flights)")
    download_url: str | None = Field(description="GET the file here once the job has succeeded (only you can; it is "
                                                 "removed once downloaded, or after FLIGHTBRIDGE_EXPORT_FILE_MINUTES)")

    @staticmethod
    def resolve_status_url(job) -> str:
        return status_url(job.pk)

    @staticmethod
    def resolve_download_url(job) -> str | None:
        return (job.result or {}).get("download_url") if isinstance(job.result, dict) else None
