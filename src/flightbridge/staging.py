"""Staged uploads: a pilot's file kept in the data directory between a preview and its import.

The one place that decides how long an upload may wait and how much room uploads may take:

- at most one staged file per pilot, the newest: staging another removes the older one;
- removed when it is imported (`take`), discarded (`discard`) or older than
  FLIGHTBRIDGE_STAGED_UPLOAD_MINUTES (`sweep`, run at every staging and by the worker each minute);
- all staged files together stay under FLIGHTBRIDGE_STAGED_UPLOADS_MAX_BYTES: a file that does not fit
  is refused (the preview still shows; saving needs the upload again later) — 20 previews of 4.9 MB from
  one session used to keep 98 MB for a day (issue 22);
- files are 0600 in a 0700 directory: only the service's own user reads a pilot's logbook.

A job that imports a staged file (issue 21) calls `path_of` or `read` with the pilot and token and
`discard` when it ends. Nothing here parses a file or touches the database.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

from django.conf import settings

from flightbridge.errors import InputError, TransientError

DIRECTORY = "csv-uploads"
SUFFIX = ".upload"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def private_folder(name: str) -> Path:
    """`DATA_DIR/name`, made if missing and kept 0700 (also for `jobs/files.py`, the files import jobs read)."""
    path = Path(settings.DATA_DIR) / name
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:  # made wider by an older version, or by hand
        path.chmod(0o700)
    return path


def write_fresh(path: Path, data: bytes) -> None:
    """Write `data` to a new file at `path`, 0600 whatever the process umask says; nothing left if it fails."""
    # O_EXCL: a fresh file, never one planted under the name.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _folder() -> Path:
    return private_folder(DIRECTORY)


def _max_age_seconds() -> float:
    return settings.FLIGHTBRIDGE_STAGED_UPLOAD_MINUTES * 60


def _own_files(folder: Path, owner) -> list[Path]:
    return list(folder.glob(f"{owner.pk}-*{SUFFIX}"))


def path_of(owner, token: str) -> Path:
    """Where `owner`'s staged file for `token` is; InputError for a token this module never made."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise InputError("No previewed file to import; upload it again.", [{"field": "token", "reason": "unknown"}])
    return _folder() / f"{owner.pk}-{token}{SUFFIX}"


def sweep(now: float | None = None) -> int:
    """Remove every staged file older than the time limit (and stray files of older versions); how many."""
    cutoff = (now if now is not None else time.time()) - _max_age_seconds()
    removed = 0
    for path in _folder().iterdir():
        try:
            if path.stat().st_mtime < cutoff or not path.name.endswith(SUFFIX):
                path.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed


def used_bytes(folder: Path) -> int:
    used = 0
    for path in folder.iterdir():
        try:
            used += path.stat().st_size
        except FileNotFoundError:
            pass
    return used


def stage(owner, data: bytes) -> str:
    """Keep `data` as `owner`'s one staged upload (the older one is removed); returns its token.

    Raises TransientError when the directory's total cap leaves no room for it.
    """
    folder = _folder()
    sweep()
    for older in _own_files(folder, owner):
        older.unlink(missing_ok=True)
    cap = settings.FLIGHTBRIDGE_STAGED_UPLOADS_MAX_BYTES
    if used_bytes(folder) + len(data) > cap:
        raise TransientError("The server is holding as many previewed files as it may right now, so this one cannot "
                             f"wait for you to save it; upload it again in {settings.FLIGHTBRIDGE_STAGED_UPLOAD_MINUTES} "
                             "minutes.")
    token = secrets.token_urlsafe(24)
    write_fresh(folder / f"{owner.pk}-{token}{SUFFIX}", data)
    return token


def read(owner, token: str) -> bytes:
    """`owner`'s staged file for `token`, left in place; InputError when it is gone (saved, discarded, expired)."""
    path = path_of(owner, token)
    try:
        if path.stat().st_mtime < time.time() - _max_age_seconds():
            path.unlink(missing_ok=True)
            raise FileNotFoundError(path)
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"The previewed file is no longer here (saved already, replaced by a newer upload, or older "
                         f"than {settings.FLIGHTBRIDGE_STAGED_UPLOAD_MINUTES} minutes); upload it again.",
                         [{"field": "token", "reason": "expired"}]) from None


def take(owner, token: str) -> bytes:
    """`read`, then remove it: the import that takes it is the last to need it."""
    data = read(owner, token)
    discard(owner, token)
    return data


def discard(owner, token: str | None = None) -> None:
    """Remove `owner`'s staged file for `token` (or any of theirs); gone already is fine."""
    if token is None:
        for path in _own_files(_folder(), owner):
            path.unlink(missing_ok=True)
        return
    path_of(owner, token).unlink(missing_ok=True)
