"""Staged uploads (issue 22): the newest one per pilot, gone when imported, discarded or expired, a total cap,
0600 files in a 0700 directory."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from flightbridge import staging
from flightbridge.errors import InputError, TransientError

pytestmark = pytest.mark.django_db
GOLDEN = Path(__file__).parents[1] / "interchange" / "golden"


def staged_files() -> list[Path]:
    return sorted((Path(settings.DATA_DIR) / staging.DIRECTORY).iterdir())


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def _empty_staging():
    # The data directory is the whole run's: each test starts with no staged file.
    folder = Path(settings.DATA_DIR) / staging.DIRECTORY
    if folder.exists():
        for path in folder.iterdir():
            path.unlink()


def test_a_staged_file_is_0600_in_a_0700_directory_whatever_the_umask(user):
    folder = Path(settings.DATA_DIR) / staging.DIRECTORY
    folder.mkdir(exist_ok=True)
    folder.chmod(0o755)  # as an older version (or a hand) left it
    previous = os.umask(0o000)
    try:
        staging.stage(user, b"Date\n")
    finally:
        os.umask(previous)
    [path] = staged_files()
    assert (mode(folder), mode(path)) == (0o700, 0o600)


def test_a_pilot_keeps_only_the_newest_upload_and_another_pilots_is_untouched(user, other_user):
    first = staging.stage(user, b"one")
    theirs = staging.stage(other_user, b"theirs")
    second = staging.stage(user, b"two")
    assert len(staged_files()) == 2
    with pytest.raises(InputError, match="no longer here"):
        staging.read(user, first)
    assert staging.read(user, second) == b"two" and staging.read(other_user, theirs) == b"theirs"
    with pytest.raises(InputError):  # a token is the pilot's own: another pilot's token reads nothing
        staging.read(user, theirs)


def test_taken_and_discarded_files_are_removed(user):
    token = staging.stage(user, b"data")
    assert staging.take(user, token) == b"data" and staged_files() == []
    with pytest.raises(InputError, match="no longer here"):
        staging.take(user, token)
    staging.discard(user, staging.stage(user, b"data"))
    assert staged_files() == []
    for token in ("", "../../secret_key", "a" * 200, None):
        with pytest.raises(InputError):
            staging.read(user, token)


def test_an_old_upload_is_swept_and_refused(user, other_user, settings):
    settings.FLIGHTBRIDGE_STAGED_UPLOAD_MINUTES = 30
    old = staging.stage(user, b"old")
    fresh = staging.stage(other_user, b"fresh")
    [old_path] = [path for path in staged_files() if path.name.startswith(f"{user.pk}-")]
    an_hour_ago = time.time() - 3600
    os.utime(old_path, (an_hour_ago, an_hour_ago))
    with pytest.raises(InputError, match="older than 30 minutes"):
        staging.read(user, old)
    staging.stage(user, b"old again")
    [old_path] = [path for path in staged_files() if path.name.startswith(f"{user.pk}-")]
    os.utime(old_path, (an_hour_ago, an_hour_ago))
    assert staging.sweep() == 1 and staging.read(other_user, fresh) == b"fresh"
    (Path(settings.DATA_DIR) / staging.DIRECTORY / "1-x.csv").write_bytes(b"left by an older version")
    assert staging.sweep() == 1 and len(staged_files()) == 1


def test_the_directory_has_a_total_cap(user, other_user, django_user_model, settings):
    settings.FLIGHTBRIDGE_STAGED_UPLOADS_MAX_BYTES = 1000
    staging.stage(user, b"x" * 600)
    with pytest.raises(TransientError, match="as many previewed files as it may"):
        staging.stage(other_user, b"y" * 500)
    staging.stage(user, b"x" * 900)  # the pilot's own older file makes room for the newer one
    assert [path.stat().st_size for path in staged_files()] == [900]


def test_twenty_previews_from_one_session_keep_one_file(client, user):
    """Issue 22: 20 previews of 4.9 MB kept 98 MB for a day; now the newest alone waits, for 30 minutes."""
    client.force_login(user)
    data = (GOLDEN / "foreflight/import-2025.csv").read_bytes()
    tokens = []
    for _ in range(20):
        page = client.post("/logbook/import/csv", {"file": SimpleUploadedFile("ff.csv", data, "text/csv")})
        tokens.append(page.context["token"])
    assert len(staged_files()) == 1 and staging.read(user, tokens[-1]) == data
    assert b"waits 30 minutes" in page.content
    discarded = client.post("/logbook/import/csv", {"token": tokens[-1], "discard": "1"})
    assert b"data-discarded" in discarded.content and staged_files() == []


def test_the_page_still_previews_when_the_cap_is_full(client, user, other_user, settings):
    settings.FLIGHTBRIDGE_STAGED_UPLOADS_MAX_BYTES = 100
    staging.stage(other_user, b"z" * 90)
    client.force_login(user)
    data = (GOLDEN / "foreflight/import-2025.csv").read_bytes()
    page = client.post("/logbook/import/csv", {"file": SimpleUploadedFile("ff.csv", data, "text/csv")})
    assert b'data-row-outcome="created"' in page.content and b"data-staging-refused" in page.content
    assert b"Save these flights" not in page.content and len(staged_files()) == 1
