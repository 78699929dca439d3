"""The `interchange.import_csv` job kind: import a logbook file (ForeFlight, MyFlightbook, LogTen Pro) in the
background, on the same queue as the syncs.

The upload request only checks the file can be read (its size and format), keeps it in the data
directory (`jobs/files.py`, 0600) and requests the job (`start_import`): it answers at once, whatever
the file's length. The handler imports it through `services.import_csv` (the logbook's ingest, the run
recorded against the job, so a dead worker's run is closed `failed` by the reaper and Undo removes what
it stored) and removes the file when it ends. One import job per pilot at a time, as one sync.

`interchange.export_csv`: a big export's file written by a worker (issue 22, `jobs/exports.py`).
"""

from __future__ import annotations

from datetime import date

from flightbridge.jobs import exports, files
from flightbridge.logbook.models import source_label
from flightbridge.jobs.services import FILE_WORK, JobContext, job_kind

from . import services


@job_kind("interchange.import_csv", guard=FILE_WORK)
def import_csv_job(context: JobContext) -> dict:
    name = context.params.get(files.PARAM)
    try:
        result = services.import_csv(context.owner, files.read(name), context.params.get("format") or None,
                                     job=context.job, report=context.report)
    finally:
        files.remove(name)
    return {"message": result.message, "run_id": result.run.pk, "format": result.format, "counts": result.counts,
            "flagged": result.flagged}


def start_import(owner, data: bytes, file_format: str | None = None):
    """Check the file can be read, keep it and queue its import; returns the job (queued). `Busy` when the
    pilot's previous file is still importing (this one is not kept: send it again when that one ended)."""
    logbook = services.read_upload(data, file_format, head_only=True)
    return files.request_with_file(
        import_csv_job, owner, data, params={"format": logbook.format}, message=f"Importing a {logbook.format} file.",
        busy="Another logbook file of yours is still importing (job {job}); send this one when it has ended.")


def export_params(file_format: str, *, date_from: date | None = None, date_to: date | None = None,
                  include_myflightbook: bool = False, hhmm: bool = False) -> dict:
    """An export's query as a job's params (plain JSON)."""
    return {"format": file_format, "from": date_from.isoformat() if date_from else None,
            "to": date_to.isoformat() if date_to else None, "include_myflightbook": include_myflightbook, "hhmm": hhmm}


def open_export(owner, params: dict) -> exports.ExportStream:
    """The CSV file `params` asks for, flights counted, with the headers `GET /api/exports/csv` sends."""
    date_from, date_to = (date.fromisoformat(params[key]) if params.get(key) else None for key in ("from", "to"))
    export = services.export_csv(owner, params.get("format"), date_from=date_from, date_to=date_to,
                                 include_myflightbook=bool(params.get("include_myflightbook")), hhmm=bool(params.get("hhmm")))
    return exports.ExportStream(
        flights=export.flights, chunks=export.lines, content_type="text/csv; charset=utf-8", filename=export.filename,
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"', "X-Flight-Count": str(export.flights),
                 "X-Left-Out-MyFlightbook": str(export.left_out_myflightbook)},
        written=lambda: export.written, what=f"a {source_label('csv:' + export.format)}")


@job_kind("interchange.export_csv", guard=FILE_WORK)
def export_csv_job(context: JobContext) -> dict:
    return exports.write_file(context, open_export(context.owner, context.params))
