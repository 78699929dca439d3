"""Round trip on pure data: flights → ForeFlight CSV → read gives back every field both sides carry; same for
MyFlightbook CSV (minus what its columns cannot say: night touch-and-goes, the number of holds, device class)."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flightbridge.interchange.reading import AircraftFacts, read_logbook
from flightbridge.interchange.writing import write_foreflight, write_myflightbook

from .test_writing import FlightData

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
airport = st.text(LETTERS, min_size=3, max_size=4)
hours = st.decimals(min_value=0, max_value=Decimal("999.99"), places=2)
small = st.integers(min_value=0, max_value=30)
name = st.text(LETTERS + "abcdefghijklmnopqrstuvwxyz .'-", max_size=30).map(str.strip)
remark_text = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029\x85")
                      | st.sampled_from("\n,;\"'=+-@"), max_size=80).map(str.strip)


@st.composite
def flights(draw):
    day = draw(st.dates(min_value=datetime(2000, 1, 1).date(), max_value=datetime(2030, 12, 31).date()))
    departure, destination = draw(airport), draw(airport)
    via = draw(st.text(LETTERS, min_size=3, max_size=5))
    # Clock times of one flight: each after the one before, within a day of the first (minutes only, as files carry).
    start = datetime.combine(day, time(0, 0), tzinfo=timezone.utc) + timedelta(minutes=draw(st.integers(0, 1439)))
    steps = draw(st.lists(st.integers(0, 300), min_size=3, max_size=3))
    moments = [start, start + timedelta(minutes=steps[0]), start + timedelta(minutes=sum(steps[:2])),
               start + timedelta(minutes=sum(steps))]
    present = draw(st.lists(st.booleans(), min_size=4, max_size=4))
    if any(present):
        first = present.index(True)
        moments[first:] = [m - (moments[first] - start) for m in moments[first:]]  # the first time is on the flight date
    times = [moment if keep else None for moment, keep in zip(moments, present)]
    day_landings, night_landings = draw(small), draw(small)
    approaches = draw(small)
    return FlightData(
        date=day, tail_number="N" + draw(st.text("0123456789", min_size=1, max_size=4)) + draw(st.text(LETTERS, max_size=2)),
        departure=departure, destination=destination, route=draw(st.sampled_from(["", f"{departure} {via} {destination}"])),
        aircraft_type=draw(st.text(LETTERS + "0123456789 -", max_size=20).map(str.strip)),
        simulator_type=draw(st.sampled_from(["REAL", "FFS", "FTD", "AATD", "FLAPS"])),
        total_flight_time=draw(hours), pic=draw(hours), sic=draw(hours), cross_country=draw(hours), night=draw(hours),
        imc=draw(hours), simulated_ifr=draw(hours), dual=draw(hours), cfi=draw(hours), ground_sim=draw(hours),
        day_landings=day_landings, night_landings=night_landings,
        day_full_stop_landings=draw(st.integers(0, day_landings)), night_full_stop_landings=draw(st.integers(0, night_landings)),
        day_takeoffs=draw(small), night_takeoffs=draw(small), approaches=approaches,
        approach_type=draw(st.text(LETTERS + " ()", max_size=32).map(str.strip)) if approaches else "",
        holds=draw(small), block_out=times[0], takeoff_at=times[1], landing_at=times[2], block_in=times[3],
        pic_name=draw(name), sic_name=draw(name), instructor_name=draw(name), student_name=draw(name),
        remarks=draw(remark_text),
    )


COMMON = ("date", "tail_number", "departure", "destination", "aircraft_type", "total_flight_time", "pic", "sic",
          "cross_country", "night", "imc", "simulated_ifr", "dual", "cfi", "ground_sim", "day_full_stop_landings",
          "night_full_stop_landings", "approaches", "approach_type", "block_out", "takeoff_at", "landing_at", "block_in",
          "pic_name", "sic_name", "instructor_name", "student_name", "remarks")
unique_tails = st.lists(flights(), min_size=1, max_size=3, unique_by=lambda flight: flight.tail_number)


def read_back(text: str) -> list[dict]:
    rows = list(read_logbook(text.encode("utf-8")).rows())
    assert [row.problems for row in rows] == [[] for _ in rows]
    return [row.flight.fields for row in rows]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unique_tails)
def test_foreflight_round_trip(generated):
    aircraft = {f.tail_number: AircraftFacts(f.tail_number, device_class=f.simulator_type, model=f.aircraft_type)
                for f in generated}
    back = read_back("".join(write_foreflight(generated, aircraft)))
    assert len(back) == len(generated)
    for original, fields in zip(generated, back):
        for name_ in COMMON + ("route", "simulator_type", "day_landings", "night_landings", "day_takeoffs",
                               "night_takeoffs", "holds"):
            assert fields[name_] == getattr(original, name_), name_


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unique_tails)
def test_myflightbook_round_trip(generated):
    back = read_back("".join(write_myflightbook(generated)))
    assert len(back) == len(generated)
    for original, fields in zip(generated, back):
        for name_ in COMMON:
            assert fields[name_] == getattr(original, name_), name_
        if original.route:
            assert fields["route"] == original.route
        # All landings and takeoffs survive, day and night: the night touch-and-goes go out and come back in
        # MyFlightbook's "Landings - Touch and Go (Night)" column (issue 20).
        assert (fields["day_landings"], fields["night_landings"]) == (original.day_landings, original.night_landings)
        assert (fields["day_takeoffs"], fields["night_takeoffs"]) == (original.day_takeoffs, original.night_takeoffs)
        assert fields["holds"] == min(original.holds, 1)
