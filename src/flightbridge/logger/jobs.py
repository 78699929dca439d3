"""The `logger.import_package` job kind: import a Logger package in the background, on the same queue as the
syncs; and `logger.export`: a big export's links written to a file (issue 22, `jobs/exports.py`).

The request reads the package (a link or its JSON) and refuses one that is not a package or has too many
entries at once, or that Logger itself would refuse as a whole (`start_import`); it keeps the decoded package in the data directory (`jobs/files.py`,
0600) and answers with the job. The handler validates and stores it through `services.import_package`
(the run recorded against the job, so the reaper closes a dead worker's run `failed` and Undo removes
what it stored) and removes the file when it ends. One Logger import per pilot at a time.
"""

from __future__ import annotations

import json
from datetime import date

from flightbridge.jobs import exports, files
from flightbridge.jobs.services import FILE_WORK, JobContext, job_kind

from . import codec, services


@job_kind("logger.import_package", guard=FILE_WORK)
def import_package_job(context: JobContext) -> dict:
    name = context.params.get(files.PARAM)
    try:
        package = json.loads(files.read(name))
        result = services.import_package(context.owner, package, job=context.job, report=context.report)
    finally:
        files.remove(name)
    batch = result.batch
    return {"message": batch.message, "run_id": batch.pk, "counts": {
        "imported": batch.imported, "updated": batch.updated, "unchanged": batch.unchanged, "skipped": batch.skipped,
        "failed": batch.failed}}


def start_import(owner, source: str | dict):
    """Read the package, keep it and queue its import; returns the job (queued). `InputError` for something that
    is not a package or is too big (nothing kept); `Busy` while the pilot's previous package is importing."""
    package = codec.load_package(source)
    services.check_size(package, services.default_max_entries())
    codec.validate_package(package)  # a package Logger itself would refuse is refused here, in memory (linear)
    # \u escapes: a lone surrogate in the package survives the file.
    return files.request_with_file(
        import_package_job, owner, json.dumps(package).encode("ascii"), message="Importing a Logger package.",
        busy="Another Logger package of yours is still importing (job {job}); send this one when it has ended.")


def export_params(*, date_from: date | None = None, date_to: date | None = None, local: bool = False,
                  flight: int | None = None, max_length: int | None = None) -> dict:
    """An export's query as a job's params (plain JSON)."""
    return {"from": date_from.isoformat() if date_from else None, "to": date_to.isoformat() if date_to else None,
            "local": local, "flight": flight, "max_length": max_length}


def open_export(owner, params: dict) -> exports.ExportStream:
    """The export `params` asks for, as `GET /api/exports/logger` answers it (ExportOut's JSON), flights counted."""
    date_from, date_to = (date.fromisoformat(params[key]) if params.get(key) else None for key in ("from", "to"))
    export = services.LoggerExport(owner, date_from=date_from, date_to=date_to, local=bool(params.get("local")),
                                   flight_ids=[params["flight"]] if params.get("flight") else None,
                                   max_length=params.get("max_length"))
    span = "-".join(day.isoformat() for day in (date_from, date_to) if day) or "all"
    return exports.ExportStream(flights=export.count(), chunks=services.export_json_chunks(export),
                                content_type="application/json", filename=f"flightbridge-logger-{span}.json",
                                written=lambda: export.flights, what="Logger links")


@job_kind("logger.export", guard=FILE_WORK)
def export_job(context: JobContext) -> dict:
    return exports.write_file(context, open_export(context.owner, context.params))
