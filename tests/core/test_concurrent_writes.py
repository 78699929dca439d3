"""A web process and a worker write at once: SQLite (WAL, busy timeout, IMMEDIATE) must not say "locked"."""

import subprocess
import sys

import pytest

from flightbridge.logbook.models import Flight
from tests.conftest import REPO_ROOT, child_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.multiprocess]

WRITER = """
import django, sys
django.setup()
from datetime import date, timedelta
from decimal import Decimal
from django.db import transaction
from flightbridge.logbook.models import Flight
tag, user_id, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(count):
    with transaction.atomic():  # read-then-write transactions, like a sync's dedupe lookup then insert
        Flight.objects.filter(owner_id=user_id, external_id=f"{tag}:{i}").exists()
        flight = Flight.objects.create(owner_id=user_id, date=date(2024, 1, 1) + timedelta(days=i % 365),
                                       total_flight_time=Decimal("1.0"), external_id=f"{tag}:{i}")
        Flight.objects.filter(pk=flight.pk).update(remarks=f"written by {tag}")
print("done", tag)
"""


def test_two_processes_writing_at_once_lose_nothing(user):
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, tag, str(user.pk), "150"], env=child_env(), cwd=REPO_ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for tag in ("web", "worker", "other")]
    outputs = [writer.communicate(timeout=120) for writer in writers]
    for writer, (out, err) in zip(writers, outputs):
        assert writer.returncode == 0, err[-2000:]
        assert "locked" not in err
    for tag in ("web", "worker", "other"):
        assert Flight.objects.filter(owner=user, external_id__startswith=f"{tag}:", remarks=f"written by {tag}").count() == 150
