"""The writers: ForeFlight's 2026 template exactly, MyFlightbook's import columns, formula guarding, golden output."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

from flightbridge.interchange import columns
from flightbridge.interchange.reading import AircraftFacts, read_logbook
from flightbridge.interchange.values import safe_text, unguard
from flightbridge.interchange.writing import landing_counts, write_foreflight, write_myflightbook

GOLDEN = Path(__file__).parent / "golden"
ZERO = Decimal("0")


@dataclass
class FlightData:
    """The attributes a `Flight` has, as plain data (the writers take anything shaped like a Flight)."""

    date: date
    tail_number: str = ""
    departure: str = ""
    destination: str = ""
    route: str = ""
    aircraft_type: str = ""
    simulator_type: str = "REAL"
    total_flight_time: Decimal = ZERO
    pic: Decimal = ZERO
    sic: Decimal = ZERO
    cross_country: Decimal = ZERO
    night: Decimal = ZERO
    imc: Decimal = ZERO
    simulated_ifr: Decimal = ZERO
    dual: Decimal = ZERO
    cfi: Decimal = ZERO
    ground_sim: Decimal = ZERO
    day_landings: int = 0
    night_landings: int = 0
    day_full_stop_landings: int = 0
    night_full_stop_landings: int = 0
    day_takeoffs: int = 0
    night_takeoffs: int = 0
    approaches: int = 0
    holds: int = 0
    approach_type: str = ""
    block_out: datetime | None = None
    takeoff_at: datetime | None = None
    landing_at: datetime | None = None
    block_in: datetime | None = None
    pic_name: str = ""
    sic_name: str = ""
    instructor_name: str = ""
    student_name: str = ""
    remarks: str = ""
    custom_properties: list = field(default_factory=list)
    takeoffs_inferred: bool = False
    hobbs_start: Decimal | None = None
    hobbs_end: Decimal | None = None
    tach_start: Decimal | None = None
    tach_end: Decimal | None = None
    engine_start: datetime | None = None
    engine_end: datetime | None = None
    category_class: str = ""
    flight_review: bool = False
    ipc: bool = False
    checkride: bool = False


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


SAMPLE = [
    FlightData(date(2026, 3, 14), "N12345", "KPDX", "KSEA", "KPDX BTG KSEA", "C172", total_flight_time=Decimal("1.5"),
               pic=Decimal("1.5"), night=Decimal("0.4"), cross_country=Decimal("1.5"), imc=Decimal("0.3"),
               day_landings=3, night_landings=2, day_full_stop_landings=1, night_full_stop_landings=1, day_takeoffs=3,
               night_takeoffs=1, approaches=2, approach_type="ILS", holds=1,
               block_out=utc(2026, 3, 14, 23, 5), takeoff_at=utc(2026, 3, 14, 23, 15), landing_at=utc(2026, 3, 15, 0, 25),
               block_in=utc(2026, 3, 15, 0, 35), instructor_name="Jane Doe", student_name="Sam Roe",
               remarks='=SUM(A1) "gusty"\nsecond line', custom_properties=[{"PropTypeID": 41, "BoolValue": True}],
               ipc=True),
    FlightData(date(2026, 3, 20), "SIM-G1000", "KPDX", "KPDX", aircraft_type="TD2", simulator_type="AATD",
               ground_sim=Decimal("1.2"), simulated_ifr=Decimal("1.0"), approaches=3, approach_type="VOR",
               remarks="-sim session"),
]
AIRCRAFT = {
    "N12345": AircraftFacts("N12345", model="172S Skyhawk SP", make="Cessna", type_code="C172", year=1998,
                            category_class="airplane_single_engine_land", gear="FT", engine="Piston"),
    "SIM-G1000": AircraftFacts("SIM-G1000", device_class="AATD", model="TD2", make="Redbird",
                               category_class="airplane_single_engine_land"),
}


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_foreflight_output_is_the_2026_template_with_the_tables_filled():
    text = "".join(write_foreflight(SAMPLE, AIRCRAFT))
    written = rows_of(text)
    template = rows_of((GOLDEN / "foreflight/template-2026.csv").read_text())
    assert all(len(row) == 79 for row in written)
    # Rows 1–5 of the template, then the two aircraft, then template rows 6–15, then the flights.
    assert written[:5] == template[:5]
    assert [row[:2] for row in written[5:7]] == [["N12345", "aircraft"], ["SIM-G1000", "aatd"]]
    assert written[7:17] == template[5:15]
    assert len(written) == 19
    assert written[6][8] == ""  # a simulator has no category/class in ForeFlight
    assert written[5][:9] == ["N12345", "aircraft", "C172", "1998", "Cessna", "172S Skyhawk SP", "FT", "Piston",
                              "airplane_single_engine_land"]


def test_foreflight_flight_row_counts_packed_cells_booleans_and_dates():
    header = list(columns.FOREFLIGHT_FLIGHT_HEADER_2026)
    row = dict(zip(header, rows_of("".join(write_foreflight(SAMPLE, AIRCRAFT)))[17]))
    assert row["Date"] == "2026-03-14"
    assert (row["TimeOut"], row["TimeIn"]) == ("23:05", "00:35")
    assert (row["Takeoff Day"], row["Takeoff Night"]) == ("3", "1")
    assert (row["Landing Full-Stop Day"], row["Landing Full-Stop Night"]) == ("1", "1")
    assert (row["Landing Touch-and-Go Day"], row["Landing Touch-and-Go Night"]) == ("2", "1")
    assert row["Approach1"] == "2;ILS;;;"
    assert (row["Person1"], row["Person2"]) == ("Jane Doe;Instructor;;", "Sam Roe;Student;;")
    assert (row["IPC"], row["Flight Review"], row["Checkride"]) == ("TRUE", "", "")  # by the flags (issue 20)
    assert row["PilotComments"] == "'=SUM(A1) \"gusty\"\nsecond line"


def test_golden_foreflight_export():
    text = "".join(write_foreflight(SAMPLE, AIRCRAFT))
    assert text == (GOLDEN / "foreflight/expected-export-2026.csv").read_text()


def test_golden_myflightbook_export():
    text = "".join(write_myflightbook(SAMPLE))
    assert text == (GOLDEN / "myflightbook/expected-export.csv").read_text()
    header, first, sim = rows_of(text)
    assert header[:19] == list(columns.MYFLIGHTBOOK_TEMPLATE)
    row = dict(zip(header, first))
    assert (row["Landings"], row["FS Day Landings"], row["FS Night Landings"]) == ("5", "1", "1")
    assert (row["Takeoffs (any)"], row["Takeoffs - Night"], row["Hold"]) == ("4", "1", "Yes")
    assert (row["Block Out Time"], row["Flight End"]) == ("2026-03-14 23:05:00Z", "2026-03-15 00:25:00Z")
    assert dict(zip(header, sim))["Comments"] == "'-sim session"


def test_formula_cells_stay_text_and_read_back():
    for value in ("=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_text(value) == "'" + value and unguard(safe_text(value)) == value
    assert safe_text("KPDX") == "KPDX" and unguard("'plain") == "'plain"


def test_the_written_foreflight_file_reads_back():
    logbook = read_logbook("".join(write_foreflight(SAMPLE, AIRCRAFT)).encode())
    rows = list(logbook.rows())
    assert (logbook.format, logbook.version) == ("foreflight", "2026")
    assert rows[0].flight.fields["remarks"] == SAMPLE[0].remarks
    assert rows[1].flight.fields["simulator_type"] == "AATD"


def test_landing_counts_never_count_more_full_stops_than_landings():
    flight = FlightData(date(2024, 1, 1), day_landings=2, night_landings=1, day_full_stop_landings=5,
                        night_full_stop_landings=1)
    counts = landing_counts(flight)
    assert (counts.day_full_stop, counts.night_full_stop, counts.day_touch_and_go, counts.night_touch_and_go) == (2, 1, 0, 0)
