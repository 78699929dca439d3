"""`GET /api/exports/logger` (deep links for your flights) and `POST /api/imports/logger` (store a Logger package)."""

from __future__ import annotations

from typing import Any

from ninja import Field, Query, Router, Schema, Status

from flightbridge import heavy_requests
from flightbridge.api_types import IsoDate
from flightbridge.errors import InputError
from flightbridge.jobs import exports
from flightbridge.jobs.models import SyncJob
from flightbridge.jobs.schemas import ExportJobOut, JobOut

from . import jobs, services

router = Router(tags=["logger"])


class ExportFilter(Schema):
    date_from: IsoDate | None = Field(None, alias="from", description="first logbook date to include (YYYY-MM-DD)")
    date_to: IsoDate | None = Field(None, alias="to", description="last logbook date to include (YYYY-MM-DD)")
    local: bool = Field(False, description="times in each airport's local time (isUTC false) instead of UTC")
    flight: int | None = Field(None, ge=1, le=2**63 - 1, description="export this one flight only (its id)")
    max_length: int | None = Field(None, ge=1000, le=100_000_000, description="longest link in characters (default: the server's limit)")


class LinkOut(Schema):
    url: str
    entries: int
    length: int
    import_ids: list[str]
    oversized: bool


class ExportCounts(Schema):
    flights: int
    entries: int
    links: int


class ExportOut(Schema):
    links: list[LinkOut]
    counts: ExportCounts
    is_utc: bool
    max_length: int
    warnings: list[str]


_EXPORT_STATUSES = {"responses": {"429": heavy_requests.BUSY_RESPONSE}}


@router.get("/exports/logger", response={200: ExportOut, 202: ExportJobOut}, openapi_extra=_EXPORT_STATUSES,
            summary="Your flights as Logger deep links (loggerapp://import/add?package=…): 200 streamed, or beyond "
                    "FLIGHTBRIDGE_EXPORT_INLINE_MAX_FLIGHTS flights 202 with the job that writes the same JSON to a file "
                    "(poll status_url, then GET download_url)")
def export_logger(request, filters: Query[ExportFilter]):
    # Streamed: each link is written as it is packed, so neither the flights nor the links are all held at once.
    params = jobs.export_params(date_from=filters.date_from, date_to=filters.date_to, local=filters.local,
                                flight=filters.flight, max_length=filters.max_length)
    answer = exports.answer(request.auth, "This Logger export", jobs.export_job, params,
                            lambda: jobs.open_export(request.auth, params))
    return Status(202, answer) if isinstance(answer, SyncJob) else answer


class ImportIn(Schema):
    link: str | None = Field(None, description="a loggerapp://import/add?package=… link (encoded or raw JSON)")
    package: Any = Field(None, description="a package: the JSON object itself, or its text (raw or percent-encoded)")


class EntryProblem(Schema):
    index: int | None
    importId: str | None
    field: str | None
    reason: str


class EntryResultOut(Schema):
    index: int
    importId: str | None
    label: str = Field(description="the entry as a pilot knows it: its number from 1, date and route")
    status: str = Field(description="imported, updated, unchanged, skipped or failed")
    flight_id: int | None
    problems: list[EntryProblem]


class ImportResultOut(Schema):
    id: int
    status: str
    is_utc: bool
    imported: int
    updated: int
    unchanged: int = Field(description="entries already in the logbook exactly as sent")
    skipped: int
    failed: int
    message: str
    entries: list[EntryResultOut]
    warnings: list[EntryProblem]


# 400 is the framework's answer to a body that is not JSON at all; documented so the contract holds.
_NOT_JSON = {"responses": {"400": {"description": "Bad request: the body is not JSON", "content": {
    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}}}


class ImportPreviewOut(ImportResultOut):
    id: int | None = Field(None, description="absent: a preview records no run")


_IMPORT_STATUSES = {"responses": {**_NOT_JSON["responses"], "429": {
    **heavy_requests.BUSY_RESPONSE, "description": "Another package of yours is still importing: send this one when it has ended"}}}


@router.post("/imports/logger", response={200: ImportPreviewOut, 202: JobOut}, openapi_extra=_IMPORT_STATUSES,
             summary="Import a Logger package: 202 with the background job that imports it (poll /api/jobs/{id}; its "
                     "result names the import run, whose entries say what became of each), or with ?preview=true 200 "
                     "with what would become of each entry, nothing saved")
def import_logger(request, body: ImportIn, preview: bool = False):
    if (body.link is None) == (body.package is None):
        raise InputError("Send exactly one of link or package.",
                         [{"field": "link", "reason": "give either link or package"}])
    source = body.link if body.link is not None else body.package
    if not isinstance(source, (str, dict)):
        raise InputError("The package must be a JSON object or its text.", [{"field": "package", "reason": "object or string"}])
    if not preview:
        return Status(202, jobs.start_import(request.auth, source))
    result = services.import_package(request.auth, source, preview=True)
    batch = result.batch
    return {
        "id": batch.pk, "status": batch.status, "is_utc": result.is_utc, "imported": batch.imported,
        "updated": batch.updated, "unchanged": batch.unchanged, "skipped": batch.skipped, "failed": batch.failed, "message": batch.message,
        "entries": [entry.as_dict() for entry in result.entries], "warnings": result.warnings,
    }
