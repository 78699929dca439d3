"""The demo's Logger part: a sample package that is valid and imports as described."""

from datetime import date
from decimal import Decimal

import pytest

from flightbridge.logbook.models import Flight
from flightbridge.logger import services


@pytest.mark.django_db
def test_demo_sample_package_is_valid_and_imports(user, tmp_path):
    from types import SimpleNamespace

    from flightbridge.logger import demo

    context = SimpleNamespace(data_dir=tmp_path, public_url="http://127.0.0.1:8000", notes=[])
    demo.prepare(context)
    assert "/logbook/import/logger" in context.notes[0]
    result = services.import_package(user, (tmp_path / demo.SAMPLE_FILE).read_text())
    assert [r.status for r in result.entries] == ["imported"] * 3
    night = Flight.objects.get(external_id="logger:demo-logger-2")
    assert night.date == date(2024, 6, 1) and night.night == Decimal("1.25")  # 03:30 UTC is the evening before in California
