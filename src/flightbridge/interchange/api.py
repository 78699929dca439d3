"""`GET /api/exports/csv` (a ForeFlight or MyFlightbook file to download) and `POST /api/imports/csv` (a logbook file)."""

from __future__ import annotations

from typing import Literal

from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from flightbridge import heavy_requests
from flightbridge.api_types import IsoDate

from flightbridge.jobs import exports
from flightbridge.jobs.models import SyncJob
from flightbridge.jobs.schemas import ExportJobOut, JobOut

from . import jobs, services

router = Router(tags=["logbook files"])


class CsvExportFilter(Schema):
    format: Literal["foreflight", "myflightbook"] = Field(
        ..., description="foreflight (its 2026 import template) or myflightbook")
    date_from: IsoDate | None = Field(None, alias="from", description="first logbook date to include (YYYY-MM-DD)")
    date_to: IsoDate | None = Field(None, alias="to", description="last logbook date to include (YYYY-MM-DD)")
    include_myflightbook: bool = Field(
        False, description="MyFlightbook format: also the flights that came from your MyFlightbook account")
    hhmm: bool = Field(
        False, description="MyFlightbook format: times as H:MM (1:20), which MyFlightbook reads in every language; "
                           "it reads decimals in the browser's language, where 1.5 may be 15 hours")


_CSV_FILE = {"responses": {"200": {"description": "The CSV file (Content-Disposition names it)",
                                   "content": {"text/csv": {"schema": {"type": "string"}}}},
                           "429": heavy_requests.BUSY_RESPONSE}}


def export_answer(owner, filters: CsvExportFilter):
    """The file streamed under the pilot's one-heavy-request guard (held to the last line), or beyond
    FLIGHTBRIDGE_EXPORT_INLINE_MAX_FLIGHTS flights the queued job that writes it (a `SyncJob`)."""
    params = jobs.export_params(filters.format, date_from=filters.date_from, date_to=filters.date_to,
                                include_myflightbook=filters.include_myflightbook, hhmm=filters.hhmm)
    return exports.answer(owner, "This CSV export", jobs.export_csv_job, params, lambda: jobs.open_export(owner, params))


@router.get("/exports/csv", response={202: ExportJobOut}, openapi_extra=_CSV_FILE,
            summary="Your flights as a ForeFlight or MyFlightbook CSV file: 200 streamed, or beyond "
                    "FLIGHTBRIDGE_EXPORT_INLINE_MAX_FLIGHTS flights 202 with the job that writes the same file "
                    "(poll status_url, then GET download_url)")
def export_csv(request, filters: Query[CsvExportFilter]):
    answer = export_answer(request.auth, filters)
    return Status(202, answer) if isinstance(answer, SyncJob) else answer


class RowProblemOut(Schema):
    row: int | None
    column: str | None
    reason: str


class RowOut(Schema):
    line: int
    outcome: str
    label: str
    flight_id: int | None
    problems: list[RowProblemOut]
    flight_check: list[dict] = Field(description="what the flight check finds in the row, [{field, reason}]: "
                                                 "it is imported as sent, and flagged")


class CsvCounts(Schema):
    created: int
    updated: int
    unchanged: int
    linked: int
    duplicate: int = Field(0, description="the same flight from another source is in the logbook already: not added")
    skipped: int
    failed: int


class CsvImportOut(Schema):
    id: int | None = Field(None, description="the import run (absent for a preview)")
    status: str | None = None
    preview: bool
    format: str
    version: str
    message: str
    counts: CsvCounts
    rows: list[RowOut]
    rows_not_listed: int
    notes: list[RowProblemOut]
    flagged: int = Field(description="rows the flight check flagged (imported as sent, listed on the Flight check page)")


def result_dict(result: services.CsvImportResult) -> dict:
    run = result.run
    return {"id": run.pk if run else None, "status": run.status if run else None, "preview": result.preview,
            "format": result.format, "version": result.version, "message": result.message, "counts": result.counts,
            "rows": [row.as_dict() for row in result.rows], "rows_not_listed": result.rows_not_listed,
            "notes": result.notes, "flagged": result.flagged}


_IMPORT_STATUSES = {"responses": {"429": {
    **heavy_requests.BUSY_RESPONSE,
    "description": "Another upload or export of yours is being read, or another file of yours is still importing: "
                   "send this one when it has ended"}}}


@router.post("/imports/csv", response={200: CsvImportOut, 202: JobOut}, openapi_extra=_IMPORT_STATUSES,
             summary="Import a ForeFlight, MyFlightbook or LogTen Pro file: 202 with the background job that imports it "
                     "(poll /api/jobs/{id}; its result names the import run), or with preview=true 200 with what would "
                     "happen, nothing saved")
def import_csv(request, file: File[UploadedFile],
               format: Form[Literal["foreflight", "myflightbook", "logten"] | None] = None,
               preview: Form[bool] = False):
    with heavy_requests.one_at_a_time(request.auth, "This upload"):
        data = file.read(services.MAX_UPLOAD_BYTES + 1)
        if preview:
            return result_dict(services.import_csv(request.auth, data, format, preview=True))
        return Status(202, jobs.start_import(request.auth, data, format))
