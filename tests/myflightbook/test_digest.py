"""A flight's digest is stored (`source_hash`) and compared on every later sync: it must never drift.

If it did, every flight of every pilot would look "changed on MyFlightbook" after an upgrade. The
digest's fast path (`_canonical_record`) is checked against the plain definition below, and the
reference samples' digests are pinned.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from flightbridge.myflightbook.mapping import VOLATILE_KEYS, _canonical_text, map_flight, record_digest, record_hash

SAMPLES = Path(__file__).parent / "fixtures" / "mfb-samples.json"

# Measured with the code that stored the first digests (before the fast path); never edit these.
PINNED = {
    1893451: "722f54664612d5f2540b1f2235d9e0fadb13730366778acaa01763aff2ad3564",
    1892977: "566c96d560d5d6c22185348537bac4154c15d5c11345cd6c16bda67b27ff6788",
    1892540: "7ea16410505707e727561605a7241529690ee01ad4b345aef4b47cb9aaaa0c61",
}


def definition(value: Any) -> Any:
    """The digest's meaning, spelled out: volatile keys dropped, every number as its normalized decimal."""
    if isinstance(value, bool) or isinstance(value, str) or value is None:
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal) and value.is_finite():
        return format(value.normalize(), "f")
    if isinstance(value, dict):
        return {str(key): definition(item) for key, item in value.items() if key not in VOLATILE_KEYS}
    if isinstance(value, list):
        return [definition(item) for item in value]
    raise AssertionError(f"unexpected {type(value).__name__}")


def defined_text(record: dict) -> str:
    return json.dumps(definition(record), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_the_reference_samples_keep_their_digests():
    records = json.loads(SAMPLES.read_text(), parse_float=Decimal)["FlightsWithQueryAndOffset"]
    for record in records:
        assert record_hash(record) == PINNED[record["FlightID"]]
        assert map_flight(record).source_hash == PINNED[record["FlightID"]]
        assert record_digest(record) == (f"mfb:{record['FlightID']}", PINNED[record["FlightID"]])


scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.text(max_size=8),
                    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-10**4, max_value=10**4))
keys = st.one_of(st.sampled_from(["FlightID", "Date", "Comment", "Landings", "TotalFlightTime", *VOLATILE_KEYS]),
                 st.text(max_size=6))
records = st.dictionaries(keys, st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3)), max_leaves=12), max_size=10)


@settings(max_examples=300, deadline=None)
@given(records)
def test_the_fast_path_is_the_definition(record):
    assert _canonical_text(record) == defined_text(record)
