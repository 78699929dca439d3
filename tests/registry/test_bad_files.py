"""`registry load` of hostile or damaged files (issue 13 item 4): one clear message naming the file,
no traceback, nothing loaded, and memory bounded whatever the file expands to.

The ZIP bomb is built in the test (a few MB of commas that deflate to a few KB) with the caps lowered
through settings, so the check is cheap; the memory ceiling is tracemalloc's peak during the load.
"""

from __future__ import annotations

import io
import shutil
import tracemalloc
import zipfile
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from flightbridge.registry import sample
from flightbridge.registry.models import RegistryGeneration

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_caps(settings):
    settings.FLIGHTBRIDGE_REGISTRY_MAX_MEMBER_BYTES = 2 * 1024 * 1024
    settings.FLIGHTBRIDGE_REGISTRY_MAX_TOTAL_BYTES = 3 * 1024 * 1024
    settings.FLIGHTBRIDGE_REGISTRY_MAX_LINE_CHARS = 4096


def load(path) -> str:
    out = StringIO()
    call_command("registry", "load", str(path), stdout=out)
    return out.getvalue()


def refused_with_peak_memory(path) -> tuple[str, int]:
    """The CommandError's message for loading `path`, and tracemalloc's peak while it ran (bytes)."""
    tracemalloc.start()
    try:
        with pytest.raises(CommandError) as caught:
            load(path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return str(caught.value), peak


def sample_members() -> dict[str, bytes]:
    with zipfile.ZipFile(sample.SAMPLE_PATH) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_zip(path, members: dict[str, bytes], *, lie_about_size: bool = False) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    if lie_about_size:
        # Rewrite the central directory's and local headers' uncompressed size to 1 KB: the reader
        # must count the bytes it really inflates, not trust the header.
        raw = bytearray(path.read_bytes())
        with zipfile.ZipFile(io.BytesIO(bytes(raw))) as archive:
            for info in archive.infolist():
                if info.filename == "MASTER.txt":
                    size_bytes = info.file_size.to_bytes(4, "little")
                    raw = raw.replace(size_bytes, (1024).to_bytes(4, "little"))
        path.write_bytes(bytes(raw))


def test_a_zip_bomb_is_refused_by_its_declared_size(tmp_path, small_caps):
    members = sample_members()
    members["MASTER.txt"] = members["MASTER.txt"] + b"," * (8 * 1024 * 1024)
    bomb = tmp_path / "ReleasableAircraft.zip"
    write_zip(bomb, members)
    assert bomb.stat().st_size < 100_000
    with pytest.raises(CommandError) as caught:
        load(bomb)
    assert str(caught.value) == (f"{bomb}: MASTER.txt would unpack to {len(members['MASTER.txt'])} bytes, over the "
                                 "2097152-byte cap for one file (a ZIP bomb, or not the FAA file)")
    assert not RegistryGeneration.objects.exists()


def test_a_zip_bomb_that_lies_about_its_size_stops_at_the_cap_in_bounded_memory(tmp_path, small_caps):
    members = sample_members()
    # Short lines, so the line cap does not stop it first: the byte count must.
    members["MASTER.txt"] = members["MASTER.txt"] + b",,,,\r\n" * (2 * 1024 * 1024)
    bomb = tmp_path / "ReleasableAircraft.zip"
    write_zip(bomb, members, lie_about_size=True)
    message, peak = refused_with_peak_memory(bomb)
    assert message.startswith(f"{bomb}: MASTER.txt ")
    assert "more than 2097152 bytes" in message or "cannot be read" in message  # the cap, or the size mismatch zipfile sees
    assert peak < 8 * 1024 * 1024, f"peak {peak} bytes"
    assert not RegistryGeneration.objects.exists()


def test_a_huge_field_is_refused_by_the_line_cap_in_bounded_memory(tmp_path, small_caps):
    members = sample_members()
    members["MASTER.txt"] = members["MASTER.txt"] + b"N1" + b"x" * (1024 * 1024) + b",\r\n"
    path = tmp_path / "ReleasableAircraft.zip"
    write_zip(path, members)
    message, peak = refused_with_peak_memory(path)
    lines = members["MASTER.txt"].count(b"\n")
    assert message == (f"MASTER.txt line {lines} is longer than 4096 characters; this is not a registry file "
                                 "FlightBridge can read (or it is damaged)")
    assert peak < 8 * 1024 * 1024, f"peak {peak} bytes"
    assert not RegistryGeneration.objects.exists()


def test_corrupt_deflate_is_one_message_naming_the_file(tmp_path):
    path = tmp_path / "ReleasableAircraft.zip"
    write_zip(path, sample_members())
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("MASTER.txt")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for offset in range(start + 10, start + 60):  # scribble over the deflate stream, headers intact
        raw[offset] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(CommandError) as caught:
        load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: MASTER.txt cannot be read (")
    assert "the file is damaged or truncated, download it again" in message
    assert "Traceback" not in message
    assert not RegistryGeneration.objects.exists()


def test_a_truncated_zip_is_an_error_not_the_master_txt_beside_it(tmp_path):
    full = tmp_path / "full.zip"
    shutil.copy(sample.SAMPLE_PATH, full)
    folder = tmp_path / "download"
    folder.mkdir()
    truncated = folder / "ReleasableAircraft.zip"
    truncated.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    for name, data in sample_members().items():  # an old unpacked copy lying beside the download
        (folder / name).write_bytes(data)
    with pytest.raises(CommandError) as caught:
        load(truncated)
    assert str(caught.value).startswith(f"{truncated}: not a readable ZIP file (")
    assert str(caught.value).endswith("it may be truncated or damaged, download ReleasableAircraft.zip again")
    assert not RegistryGeneration.objects.exists()


def test_a_file_that_is_not_a_zip_at_all_is_named(tmp_path):
    path = tmp_path / "ReleasableAircraft.zip"
    path.write_text("<html>503 Service Unavailable</html>")
    with pytest.raises(CommandError, match=r"ReleasableAircraft.zip: not a readable ZIP file \(File is not a zip file\)"):
        load(path)


def test_the_command_line_exits_2_with_one_line_and_no_traceback(tmp_path, spawn):
    path = tmp_path / "ReleasableAircraft.zip"
    path.write_bytes(b"PK\x03\x04 truncated")
    child = spawn("registry", "load", str(path))
    assert child.process.wait(timeout=60) != 0
    output = child.output()
    assert "not a readable ZIP file" in output and str(path) in output
    assert "Traceback" not in output
