"""`flightbridge registry load|lookup|status|sample` and the demo hook."""

from __future__ import annotations

import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from flightbridge.registry import demo, sample
from flightbridge.registry.models import RegistryGeneration


def run(*args) -> str:
    out = StringIO()
    call_command("registry", *args, stdout=out)
    return out.getvalue()


def test_load_lookup_status(db):
    assert "No FAA registry loaded" in run("status")
    output = run("load", str(sample.SAMPLE_PATH), "--show-problems", "2")
    assert "24 aircraft from 29 MASTER rows, 4 deregistered" in output
    # Skipped rows come first, with their line numbers.
    assert "MASTER.txt line 26 field N-NUMBER: '0123A' is not a valid US registration mark (row skipped)" in output
    assert "… and 7 more" in output
    assert run("status").startswith("FAA registry of 2026-11-02 (24 aircraft, current)")
    lookup = run("lookup", "n9876x")
    assert lookup.startswith("N9876X: PIPER PA-28-181, registration valid until 2032-04-30.")
    assert "  mode_s_hex: ADC865" in lookup
    assert "not a US registration" in run("lookup", "G-ABCD")


def test_load_of_a_missing_file_is_a_command_error(db, tmp_path):
    with pytest.raises(CommandError, match="no such file or folder"):
        run("load", str(tmp_path / "ReleasableAircraft.zip"))
    assert not RegistryGeneration.objects.exists()


def test_sample_command_writes_the_sample(tmp_path):
    out = tmp_path / "s.zip"
    assert run("sample", str(out)).strip() == str(out)
    with zipfile.ZipFile(out) as archive:
        assert "DEREG.txt" in archive.namelist()


def test_demo_loads_the_sample(db):
    class Context:
        public_url = "http://127.0.0.1:8000"

        def __init__(self):
            self.notes: list[str] = []

    context = Context()
    demo.prepare(context)
    assert RegistryGeneration.objects.get(is_current=True).aircraft == 24
    assert "24 aircraft" in context.notes[0] and "/api/registry/N172SP" in context.notes[0]
    assert Path(sample.SAMPLE_PATH).exists()
