"""A job's input file: an upload kept in the data directory from the request that starts the job until
the job ends (a CSV file or a Logger package to import, issue 21).

The request writes the file (`keep`) and puts its name in the job's params; the handler reads it
(`read`) and removes it when it ends, whatever the outcome (`remove`); a job whose worker died has its
file removed by the reaper (`remove_for_job`, wired in `JobsConfig.ready`), and `sweep` removes any file
no active job names (a crash between writing the file and creating the job). Files are 0600 in a 0700
directory (`DATA_DIR/job-files`): only the service's own user reads a pilot's logbook. It never parses a
file: the importers do.

Kept apart from the previewed uploads waiting for "Save" (issue 22's staging), whose one-per-pilot rule
must never remove a file a running import still needs.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from django.conf import settings

from flightbridge import staging
from flightbridge.errors import InputError
from flightbridge.jobs.models import ACTIVE_STATUSES, SyncJob
from flightbridge.jobs.services import busy_with

DIRECTORY = "job-files"
SUFFIX = ".upload"
PARAM = "file"  # the job's params key naming its file
_NAME = re.compile(r"[0-9]+-[A-Za-z0-9_-]{16,64}\.upload")


def _folder() -> Path:
    return staging.private_folder(DIRECTORY)


def _path(name: str) -> Path:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InputError("This job names no file it may read.", [{"field": PARAM, "reason": "unknown"}])
    return _folder() / name


def keep(owner, data: bytes) -> str:
    """Write `data` as a new file for one of `owner`'s jobs; returns its name (for the job's params)."""
    name = f"{owner.pk}-{secrets.token_urlsafe(24)}{SUFFIX}"
    staging.write_fresh(_folder() / name, data)
    return name


def request_with_file(kind, owner, data: bytes, *, params: dict | None = None, message: str = "", busy: str):
    """Keep `data` and request a job of `kind` that reads it (its params name the file); returns the queued
    job. `Busy` with `busy` (which may name the running job: `{job}`) when the owner's job of this kind is
    still active (or another sentence when it is another import or export sharing its guard): this file is then not kept, and the request is not joined to the running job, which reads
    another file."""
    name = keep(owner, data)
    try:
        job, created = kind.request(owner=owner, params={**(params or {}), PARAM: name}, message=message)
    except BaseException:
        remove(name)
        raise
    if not created:
        remove(name)
        raise busy_with(job, kind, busy)
    return job


def read(name: str) -> bytes:
    try:
        return _path(name).read_bytes()
    except FileNotFoundError:
        raise InputError("The uploaded file is no longer here (the job ran already); upload it again.",
                         [{"field": PARAM, "reason": "gone"}]) from None


def remove(name: str | None) -> None:
    if name:
        _path(name).unlink(missing_ok=True)


def remove_for_job(job_id: int) -> None:
    """The reaper's hook: a dead worker's job never needs its file again."""
    params = SyncJob.objects.filter(pk=job_id).values_list("params", flat=True).first() or {}
    remove(params.get(PARAM))


def sweep() -> int:
    """Remove the files no queued or running job names (left by a crash before the job existed). A file
    younger than the stale period is left alone: its job may be a moment from being created."""
    folder = _folder()
    cutoff = time.time() - settings.FLIGHTBRIDGE_JOB_STALE_SECONDS
    wanted = {params.get(PARAM) for params in SyncJob.objects.filter(status__in=ACTIVE_STATUSES)
              .values_list("params", flat=True) if isinstance(params, dict)}
    removed = 0
    for path in folder.iterdir():
        try:
            if path.name not in wanted and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed
