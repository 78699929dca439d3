"""What the export and the import tell a pilot, in plain words: one note per airport Logger cannot take,
the dates each link holds, and a package that is not JSON explained without the parser's wording."""

from datetime import date
from decimal import Decimal

import pytest

from flightbridge.logbook.models import Flight
from flightbridge.logger import codec, services

pytestmark = pytest.mark.django_db


def test_an_faa_identifier_is_noted_once_per_airport_not_once_per_flight(user):
    for day in (1, 2, 3):
        Flight.objects.create(owner=user, date=date(2024, 5, day), departure="S43", destination="KPAE",
                              total_flight_time=Decimal("1.0"))
    Flight.objects.create(owner=user, date=date(2024, 5, 4), departure="KPAE", destination="7S3X9")
    result = services.export_flights(user)
    assert result.warnings == [
        "7S3X9 is left out of 1 flight: Logger takes only IATA or ICAO airport codes, and 7S3X9 is neither "
        "(FAA identifiers such as S43 have no ICAO code).",
        "S43 is left out of 3 flights: Logger takes only IATA or ICAO airport codes, and S43 is neither "
        "(FAA identifiers such as S43 have no ICAO code).",
    ]
    entries = [entry for link in result.links for entry in codec.parse_package(link.url).entries]
    assert [entry.get("departureAirport") for entry in entries] == [None, None, None, "KPAE"]
    assert [entry.get("arrivalAirport") for entry in entries] == ["KPAE", "KPAE", "KPAE", None]


def test_each_link_says_which_dates_it_holds(user):
    for day in range(1, 31):
        Flight.objects.create(owner=user, date=date(2024, 6, day), departure="KPAO", destination="KSQL",
                              remarks="x" * 300, total_flight_time=Decimal("1.0"))
    result = services.export_flights(user, max_length=4000)
    assert len(result.links) > 2
    assert result.link_dates[0][0] == date(2024, 6, 1) and result.link_dates[-1][1] == date(2024, 6, 30)
    for (link, first, last), (_next, following, _end) in zip(result.link_rows, result.link_rows[1:]):
        assert first <= last < following  # consecutive, no overlap, oldest first
        assert len(codec.parse_package(link.url).entries) == link.entries
    held = sum(link.entries for link, _first, _last in result.link_rows)
    assert held == 30


@pytest.mark.parametrize("text, where", [("not json at all", None), ('{\n  "entries": [,]\n}', "line 2, character 15")])
def test_text_that_is_not_json_is_explained_in_plain_words(user, text, where):
    with pytest.raises(codec.PackageError) as caught:
        services.import_package(user, text)
    message = str(caught.value)
    assert message.startswith("This is not a Logger package: the text is not valid JSON.")
    assert "Expecting" not in message and "`" not in message
    assert (f"line {where.split('line ')[1]}" in message) if where else "line" not in message
