"""After an import or an undo every section of the logbook page tells the truth on the next render: the
totals, the 12-month rollup (computed as the page renders, not only stored by a sync) and the flights."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from flightbridge.logbook import services
from flightbridge.logbook.models import Flight, ImportStatus, LogbookImport

pytestmark = pytest.mark.django_db


def rollup_value(html: str, key: str) -> str:
    section = html[html.index('data-totals-source="computed-local"'):]
    return re.search(rf'data-key="{key}"><td>[^<]*</td><td class="num">([^<]*)</td>', section).group(1)


def test_an_import_then_its_undo_show_on_every_section(client, user):
    client.force_login(user)
    assert "No flights yet" in client.get("/logbook/").content.decode()
    run = LogbookImport.objects.create(owner=user, source="logger")
    today = timezone.now().date()
    for days in (3, 40):
        Flight.objects.create(owner=user, date=today - timedelta(days=days), departure="KPAO", destination="KHAF",
                              total_flight_time=Decimal("1.25"), pic=Decimal("1.25"), day_landings=2,
                              source="logger", import_batch=run, created_by_run=run)
    LogbookImport.objects.filter(pk=run.pk).update(imported=2)
    services.finish_import(run, ImportStatus.COMPLETED, message="Logger package: 2 imported.")

    html = client.get("/logbook/").content.decode()
    assert html.count("data-flight-id=") == 2 and "No flights yet" not in html
    assert 'data-total="total_flight_time">2.50<' in html
    assert (rollup_value(html, "flights"), rollup_value(html, "total_time"), rollup_value(html, "landings")) == ("2", "2.50", "4")

    services.revert_import(user, run.pk)
    html = client.get("/logbook/").content.decode()
    assert "No flights yet" in html and 'data-total="flights">0<' in html
    assert 'data-totals-source="computed-local"' not in html or rollup_value(html, "flights") == "0"
    imports = client.get("/logbook/imports/").content.decode()
    assert "Reverted: removed 2 flight(s)" in imports and "data-undo" not in imports
