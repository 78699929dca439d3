"""`flightbridge export_logger USERNAME [--from] [--to] [--local] [--out FILE]`."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from flightbridge.logbook.models import Flight
from flightbridge.logger import codec


@pytest.mark.django_db
def test_export_logger_prints_links_or_writes_a_file(user, tmp_path):
    for day in (1, 2, 3):
        Flight.objects.create(owner=user, date=date(2024, 8, day), departure="KPAO", total_flight_time=Decimal("1.0"),
                              pic=Decimal("1.0"))
    out, err = StringIO(), StringIO()
    call_command("export_logger", "alice", "--from", "2024-08-02", stdout=out, stderr=err)
    (line,) = out.getvalue().splitlines()
    parsed = codec.parse_package(line)
    assert [e["departureDate"] for e in parsed.entries] == ["2024-08-02", "2024-08-03"] and parsed.is_utc
    assert "2 flight(s) in 1 link(s), UTC times" in err.getvalue()

    target = tmp_path / "links.txt"
    call_command("export_logger", "alice", "--local", "--to", "2024-08-01", "--out", str(target), stdout=StringIO(),
                 stderr=StringIO())
    (line,) = target.read_text().splitlines()
    assert codec.parse_package(line).is_utc is False and len(codec.parse_package(line).entries) == 1


@pytest.mark.django_db
def test_export_logger_errors_name_the_problem(user):
    with pytest.raises(CommandError, match="no user 'nobody'"):
        call_command("export_logger", "nobody")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("export_logger", "alice", "--from", "2024/01/01")
