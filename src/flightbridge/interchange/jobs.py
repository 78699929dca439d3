"""The `interchange.import_csv` job kind: import a logbook file (ForeFlight, MyFlightbook, LogTen Pro) in the
background, on the same queue as the syncs.

The upload request only checks the file can be read (its size and format), keeps it in the data
directory (`jobs/files.py`, 0600) and requests the job (`start_import`): it answers at once, whatever
the file's length. The handler imports it through `services.import_csv` (the logbook's ingest, the run
recorded against the job, so a dead worker's run is closed `failed` by the reaper and Undo removes what
it stored) and removes the file when it ends. One import job per pilot at a time, as one sync.
"""

from __future__ import annotations

from flightbridge.jobs import files
from flightbridge.jobs.services import JobContext, job_kind

from . import services


@job_kind("interchange.import_csv")
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
