"""Exports beyond a size run as a job, and the finished file waits in the data directory for its owner (issue 22).

An export of up to FLIGHTBRIDGE_EXPORT_INLINE_MAX_FLIGHTS flights streams inside the request, under the pilot's
one-heavy-request lock (`heavy_requests`); a bigger one becomes an export job on the jobs' queue, under the guard
every import and export of a pilot shares (`FILE_WORK`), and the request answers at once with the job
(`answer`, `queue_if_big`). The worker writes the file as the export produces it, chunk by chunk, never whole in
memory (`write_file`), under a partial name that is renamed only once its last byte is written: a download never
sees half a file, and the reaper removes a dead worker's partial file (`remove_for_job`).

A finished file is 0600 in a 0700 directory (`DATA_DIR/exports`), one per pilot; it goes when its owner has
downloaded it, after FLIGHTBRIDGE_EXPORT_FILE_MINUTES (`sweep`), or when the pilot starts another export; all the
files together stay under FLIGHTBRIDGE_EXPORT_FILES_MAX_BYTES (an export that would pass it fails, saying so). Only
the job's owner can download it (`open_download`). This module never builds an export: each app hands it an
`ExportStream` of its own format.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.http import StreamingHttpResponse

from flightbridge import heavy_requests, staging
from flightbridge.errors import NotFound, TransientError
from flightbridge.jobs.models import JobStatus, SyncJob
from flightbridge.jobs.services import JobContext, JobKind, active_job, busy_with

DIRECTORY = "exports"
PARTIAL = ".partial"
FINISHED = ".export"
REPORT_EVERY = 1000  # flights between two progress reports (one UPDATE each)
READ_CHUNK = 256 * 1024
BUSY = "Your export (job {job}) is still running; start this one when it has ended."


@dataclass
class ExportStream:
    """One export of a pilot's flights as its app writes it: how many flights it holds (counted before the first
    byte), its text in chunks, and what a download says about it."""

    flights: int
    chunks: Iterator[str] = field(repr=False)
    content_type: str
    filename: str
    #: sent with the answer, inline and when the job's file is downloaded (Content-Disposition, X-Flight-Count…)
    headers: dict[str, str] = field(default_factory=dict)
    #: flights written so far, while `chunks` is read (the job's progress)
    written: Callable[[], int] = field(default=lambda: 0, repr=False)
    what: str = "export"  # what the pilot reads in the job's messages: "ForeFlight file", "Logger links"


def inline_max_flights() -> int:
    return settings.FLIGHTBRIDGE_EXPORT_INLINE_MAX_FLIGHTS


def status_url(job_id: int) -> str:
    return f"/api/jobs/{job_id}"


def download_url(job_id: int) -> str:
    return f"/api/exports/{job_id}/file"


def _folder() -> Path:
    return staging.private_folder(DIRECTORY)


def _finished(owner_id: int, job_id: int) -> Path:
    return _folder() / f"{owner_id}-{job_id}{FINISHED}"


def _partial(owner_id: int, job_id: int) -> Path:
    return _folder() / f"{owner_id}-{job_id}{PARTIAL}"


# --- the request ------------------------------------------------------------------------------------------


def queue_if_big(owner, kind: JobKind, params: dict, export: ExportStream) -> SyncJob | None:
    """Called under the pilot's heavy-request lock, before any of `export` is read. `Busy` while another import or
    export job of the pilot is active (one heavy request or job at a time); the queued export job when the export's
    flights are beyond the inline size; None when the caller answers inline."""
    running = active_job(kind, owner)
    if running is not None:
        raise busy_with(running, kind, BUSY)
    if export.flights <= inline_max_flights():
        return None
    job, created = kind.request(owner=owner, params={**params, "flights": export.flights},
                                message=f"Exporting {_flights_text(export.flights)} as {export.what}.")
    if not created:  # another request won the race to the guard
        raise busy_with(job, kind, BUSY)
    _remove_other_files(owner.pk, keep=job.pk)  # one export file per pilot: the newest
    return job


def waiting_for_the_pilot(owner, kind: JobKind) -> SyncJob | None:
    """The pilot's newest export of this kind that is still being written, or written and not yet downloaded: a
    pilot who left the export page finds it there again (the page follows it), instead of only in /api/jobs."""
    job = kind.jobs().filter(owner=owner).order_by("-pk").first()
    if job is None:
        return None
    if job.is_active or (job.status == JobStatus.SUCCEEDED and _finished(owner.pk, job.pk).exists()):
        return job
    return None


def answer(owner, what: str, kind: JobKind, params: dict, opened: Callable[[], ExportStream]):
    """An API export: the file streamed inside the request when it is small, else its queued job (a `SyncJob`,
    which the route answers 202). `what` names the export in a refusal ("This CSV export")."""
    guard = heavy_requests.begin(owner, what)
    try:
        export = opened()
        job = queue_if_big(owner, kind, params, export)
        if job is not None:
            guard.release()
            return job
        response = heavy_requests.GuardedStreamingResponse(export.chunks, content_type=export.content_type, guard=guard)
    except BaseException:
        guard.release()
        raise
    for name, value in export.headers.items():
        response[name] = value
    return response


def _flights_text(count: int) -> str:
    return "1 flight" if count == 1 else f"{count:,} flights"


# --- the worker -------------------------------------------------------------------------------------------


def write_file(context: JobContext, export: ExportStream) -> dict:
    """Write `export` to the job's file, chunk by chunk, reporting flights written; rename it finished at the last
    byte. Returns the job's result (the file, its name and headers, the download URL)."""
    job = context.job
    partial, finished = _partial(job.owner_id, job.pk), _finished(job.owner_id, job.pk)
    room = settings.FLIGHTBRIDGE_EXPORT_FILES_MAX_BYTES - staging.used_bytes(_folder())
    context.report(phase="writing", flights=export.flights, flights_written=0)
    written_bytes = reported = 0
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # a fresh file, never one planted there
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in export.chunks:
                data = chunk.encode("utf-8")  # what a streamed answer sends for the same text
                written_bytes += len(data)
                if written_bytes > room:
                    raise TransientError(
                        "The server is holding as many export files as it may right now, so this export stopped; "
                        f"start it again in {settings.FLIGHTBRIDGE_EXPORT_FILE_MINUTES} minutes.")
                handle.write(data)
                if export.written() - reported >= REPORT_EVERY:
                    reported = export.written()
                    context.report(flights_written=reported)
        os.replace(partial, finished)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    context.report(flights_written=export.written())
    minutes = settings.FLIGHTBRIDGE_EXPORT_FILE_MINUTES
    return {"message": f"{_flights_text(export.flights)} exported as {export.what}: download it within {minutes} "
                       "minutes (it is removed once downloaded).",
            "flights": export.flights, "bytes": written_bytes, "filename": export.filename,
            "content_type": export.content_type, "headers": export.headers, "download_url": download_url(job.pk)}


# --- the download -----------------------------------------------------------------------------------------


def open_download(owner, job_id: int) -> StreamingHttpResponse:
    """The finished file of `owner`'s export job, streamed under the pilot's heavy-request lock and removed once
    its last byte is sent. NotFound for a job that is not theirs, not an export or not finished, and for a file
    already downloaded or expired."""
    job = SyncJob.objects.filter(pk=job_id, owner=owner).first()
    result = job.result if job is not None and isinstance(job.result, dict) else {}
    if job is None or job.status != JobStatus.SUCCEEDED or "download_url" not in result:
        raise NotFound(f"You have no finished export {job_id}.")
    path = _finished(owner.pk, job.pk)

    def start():
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise NotFound(f"The file of export {job_id} is gone: it was downloaded already, or it waited more than "
                           f"{settings.FLIGHTBRIDGE_EXPORT_FILE_MINUTES} minutes. Export again.") from None
        headers = {"Content-Disposition": f'attachment; filename="{result["filename"]}"', **result.get("headers", {}),
                   "Content-Length": str(path.stat().st_size)}
        return _read_then_remove(handle, path), result["content_type"], headers

    return heavy_requests.streamed(owner, "This download", start)


def _read_then_remove(handle, path: Path) -> Iterator[bytes]:
    # Removed only once the last byte went out: a download cut short may be tried again until the file expires.
    with handle:
        while data := handle.read(READ_CHUNK):
            yield data
    path.unlink(missing_ok=True)


# --- cleaning up ------------------------------------------------------------------------------------------


def remove_for_job(job_id: int) -> None:
    """The reaper's hook: a dead worker's partial file is never served, and never needed again."""
    for path in _folder().glob(f"*-{job_id}{PARTIAL}"):
        path.unlink(missing_ok=True)


def _remove_other_files(owner_id: int, keep: int) -> None:
    for path in _folder().glob(f"{owner_id}-*{FINISHED}"):
        if path.name != f"{owner_id}-{keep}{FINISHED}":
            path.unlink(missing_ok=True)


def sweep(now: float | None = None) -> int:
    """Remove finished files older than FLIGHTBRIDGE_EXPORT_FILE_MINUTES, and partial files no running job writes
    that are older than the stale period (a worker that died before the reaper saw it). How many."""
    now = now if now is not None else time.time()
    finished_cutoff = now - settings.FLIGHTBRIDGE_EXPORT_FILE_MINUTES * 60
    partial_cutoff = now - settings.FLIGHTBRIDGE_JOB_STALE_SECONDS
    running = {str(pk) for pk in SyncJob.objects.filter(status=JobStatus.RUNNING).values_list("pk", flat=True)}
    removed = 0
    for path in _folder().iterdir():
        try:
            if path.name.endswith(FINISHED):
                stale = path.stat().st_mtime < finished_cutoff
            else:  # partial, or a stray file of no export
                stale = path.stat().st_mtime < partial_cutoff and path.name.removesuffix(PARTIAL).rpartition("-")[2] not in running
            if stale:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed

