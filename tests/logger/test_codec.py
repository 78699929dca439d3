"""The codec on its own: golden tests on the Logger API v1.2 document's examples, validation, links, rounding, fuzz."""

import json
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flightbridge.logger import codec
from flightbridge.logger.codec import PackageError

FIXTURES = Path(__file__).parent / "fixtures"
META = {"appName": "Test", "appVersion": "1", "isUTC": True}


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


def package(*entries, metadata=None) -> dict:
    return {"entries": list(entries), "metadata": metadata or dict(META)}


def entry(**fields) -> dict:
    return {"importId": "a", "entryType": "Flight", "departureDate": "2024-01-22", **fields}


def problems(parsed) -> list[tuple]:
    return [(p.index, p.import_id, p.field) for p in parsed.problems]


# --- Golden: the document's examples, exactly as printed -----------------------------------------


def test_golden_local_minimal_example():
    parsed = codec.parse_package(fixture("example_local_minimal.txt"))
    assert parsed.problems == [] and parsed.warnings == []
    assert parsed.metadata == {"appName": "Your Third Party App", "appVersion": "1.0.0", "isUTC": False}
    assert [e["importId"] for e in parsed.entries] == [
        "86bff049-d825-4664-9741-5a39475c575a", "139e1797-c9a2-4de2-a0da-13b870b567f6", "0c6842b1-f4c0-4f58-a25a-69433b44bb8c"]
    assert [e["departureDate"] for e in parsed.entries] == ["2024-01-01", "2024-01-02", "2024-01-25"]
    assert {e["entryType"] for e in parsed.entries} == {"Flight"}


def test_golden_update_example_has_a_comment_line_that_the_parser_skips():
    text = fixture("example_update.txt")
    assert "//Same importId is used to invoke the update instead of new import" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text.split("package=", 1)[1])  # strict JSON would refuse it
    parsed = codec.parse_package(text)
    assert parsed.problems == []
    assert parsed.entries == [{"importId": "86bff049-d825-4664-9741-5a39475c575a", "entryType": "Simulator",
                               "departureDate": "2024-01-01"}]


def test_golden_utc_example_is_read_by_its_isutc_flag_and_accepts_nighttime():
    parsed = codec.parse_package(fixture("example_utc_single.txt"))
    assert parsed.problems == []
    assert parsed.is_utc is False  # titled "in UTC" but says false: the flag is what a parser can trust
    (only,) = parsed.entries
    assert only["nightTime"] == "02:00" and only["takeOffTime"] == "08:00" and only["departureTime"] == "0200"
    assert parsed.warnings == []  # nightTime is a known extension, not an unknown field


@pytest.mark.parametrize("name", ["example_local_minimal.txt", "example_update.txt", "example_utc_single.txt"])
def test_golden_examples_parse_the_same_percent_encoded_and_bare(name):
    raw = fixture(name)
    payload = raw.split("package=", 1)[1]
    expected = codec.parse_package(raw)
    encoded_link = codec.LINK_PREFIX + quote(payload, safe="")
    for variant in (encoded_link, payload, quote(payload, safe=""), "  " + raw + "\n"):
        again = codec.parse_package(variant)
        assert again.entries == expected.entries and again.metadata == expected.metadata


def test_golden_example_rebuilt_is_strictly_encoded_and_round_trips():
    parsed = codec.parse_package(fixture("example_utc_single.txt"))
    link = codec.build_deep_link(parsed.entries, parsed.metadata)
    assert link.startswith("loggerapp://import/add?package=%7B%22entries%22%3A%5B")
    assert all(ch.isalnum() or ch in "%-_.~" for ch in link[len(codec.LINK_PREFIX):])
    assert json.loads(unquote(link[len(codec.LINK_PREFIX):])) == {"entries": parsed.entries, "metadata": parsed.metadata}


# --- Validation -----------------------------------------------------------------------------------


def test_required_fields_each_reported_with_index_importid_and_field():
    parsed = codec.parse_package(package(entry(), {"entryType": "Flight", "departureDate": "2024-01-01"},
                                         {"importId": "x", "departureDate": "2024-01-01"},
                                         {"importId": "y", "entryType": "Flight"},
                                         {"importId": "", "entryType": "Flight", "departureDate": "2024-01-01"}))
    assert problems(parsed) == [(1, None, "importId"), (2, "x", "entryType"), (3, "y", "departureDate"),
                                (4, "", "importId")]
    assert [index for index, _ in parsed.valid_entries()] == [0]


def test_importid_must_be_unique_within_the_package():
    parsed = codec.parse_package(package(entry(importId="same"), entry(importId="other"), entry(importId="same")))
    assert problems(parsed) == [(2, "same", "importId")]
    assert "entries[0]" in parsed.problems[0].reason


@pytest.mark.parametrize("value", ["flight", "Deadhead", "FLIGHT", "Sim", "", 3])
def test_entry_type_must_be_one_of_the_eight_exactly(value):
    parsed = codec.parse_package(package(entry(entryType=value)))
    assert problems(parsed) == [(0, "a", "entryType")]


@pytest.mark.parametrize("value", codec.ENTRY_TYPES)
def test_each_of_the_eight_entry_types_is_accepted(value):
    assert codec.parse_package(package(entry(entryType=value))).problems == []


@pytest.mark.parametrize("value", ["2024-02-30", "2023-02-29", "24-01-01", "2024/01/01", "2024-1-1", "20240101", 20240101])
def test_departure_date_must_be_a_real_yyyy_mm_dd_date(value):
    parsed = codec.parse_package(package(entry(departureDate=value)))
    assert problems(parsed) == [(0, "a", "departureDate")]


@pytest.mark.parametrize("field,good,bad", [
    ("departureTime", ["0000", "23:59", "0830", "08:30"], ["2400", "24:00", "8:30", "0860", "08-30", "830", 830]),
    ("offDuty", ["1200"], ["12:5"]),
    ("picTime", ["2:00", "02:00", "0:05", "99:59"], ["2", "200", "2:60", "100:00", "-1:00", 2.0, "2:0"]),
    ("nightTime", ["1:30"], ["1.5"]),
    ("numberOfDayLandings", [0, 3], [-1, 1.0, "1", True]),
    ("numberOfHolds", [2], [-2]),
    ("flightDistance", [0, 123.4, 7], [-1, "12", False]),
    ("pilotFlying", [True, False], [1, "true", "yes"]),
    ("isLocked", [True], [0]),
    ("approachType", list(codec.APPROACH_TYPES), ["ILS", "ils cat i", "RNAV", ""]),
    ("departureAirport", ["JFK", "KJFK", "syd", "EGLL"], ["JF", "KJFKX", "1O2", "K-FK", 12]),
    ("picName", ["John Doe", ""], [5, ["x"]]),
])
def test_field_formats(field, good, bad):
    for value in good:
        assert codec.parse_package(package(entry(**{field: value}))).problems == [], value
    for value in bad:
        assert problems(codec.parse_package(package(entry(**{field: value})))) == [(0, "a", field)], value


def test_null_optional_fields_count_as_not_given():
    assert codec.parse_package(package(entry(remark=None, picTime=None, numberOfDayLandings=None))).problems == []


def test_unknown_fields_are_kept_with_a_warning_not_rejected():
    parsed = codec.parse_package(package(entry(fuelType="Jet A")))
    assert parsed.problems == []
    assert [(w.index, w.field) for w in parsed.warnings] == [(0, "fuelType")]
    assert parsed.entries[0]["fuelType"] == "Jet A"


@pytest.mark.parametrize("metadata,field", [
    (None, "metadata"),
    ({"appVersion": "1", "isUTC": True}, "metadata.appName"),
    ({"appName": "x", "appVersion": None, "isUTC": True}, "metadata.appVersion"),
    ({"appName": "x", "appVersion": "1"}, "metadata.isUTC"),
    ({"appName": "x", "appVersion": "1", "isUTC": "true"}, "metadata.isUTC"),
    ({"appName": "x", "appVersion": 1.0, "isUTC": True}, "metadata.appVersion"),
])
def test_metadata_must_be_present_with_non_null_values(metadata, field):
    body = {"entries": [entry()]}
    if metadata is not None:
        body["metadata"] = metadata
    with pytest.raises(PackageError) as caught:
        codec.parse_package(body)
    assert field in [p["field"] for p in caught.value.problems]


@pytest.mark.parametrize("text", ["", "not json", "{", "[]", '"x"', "loggerapp://import/add?foo=1",
                                  "loggerapp://other/path?package={}", '{"entries": {}, "metadata": {}}',
                                  '{"metadata": {"appName": "a", "appVersion": "1", "isUTC": true}}',
                                  '{"entries": [], "metadata": {"appName": "a", "appVersion": "1", "isUTC": NaN}}',
                                  "%7B%ZZ", "%FF%FE", "[" * 100_000])
def test_package_level_faults_raise_package_error(text):
    with pytest.raises(PackageError):
        codec.parse_package(text)


def test_non_object_entries_are_reported_not_raised():
    parsed = codec.parse_package(package("text", 5, None, entry()))
    assert problems(parsed) == [(0, None, None), (1, None, None), (2, None, None)]
    assert [i for i, _ in parsed.valid_entries()] == [3]


def test_lone_surrogates_are_rejected_as_invalid_text():
    # Issue 13 item 5: the reason now names the field that holds the bad text (it named none before).
    parsed = codec.parse_package('{"entries":[{"importId":"a","entryType":"Flight","departureDate":"2024-01-01",'
                                 '"remark":"\\ud800"}],"metadata":{"appName":"a","appVersion":"1","isUTC":true}}')
    assert problems(parsed) == [(0, "a", "remark")]
    assert parsed.problems[0].reason == "contains text that is not valid Unicode (a lone surrogate)"


def test_a_lone_surrogate_in_the_import_id_is_refused_and_never_echoed():
    parsed = codec.parse_package('{"entries":[{"importId":"\\ud800x","entryType":"Flight","departureDate":"2024-01-01"},'
                                 '{"importId":"b","entryType":"Flight","departureDate":"2024-01-01","\\udc00":1}],'
                                 '"metadata":{"appName":"a","appVersion":"1","isUTC":true}}')
    assert problems(parsed) == [(0, "\ufffdx", "importId"), (1, "b", "\ufffd")]
    assert parsed.entries[0]["importId"] == "\ufffdx"  # what the import reports and stores from here on
    assert not parsed.valid_entries()
    for problem in parsed.problems + parsed.warnings:
        json.dumps(problem.as_dict(), ensure_ascii=False).encode("utf-8")  # storable text, no UnicodeEncodeError


def test_problems_are_grouped_by_entry_once_not_rescanned_per_entry():
    """Issue 13 item 1: problems_for() per failed entry used to rescan every problem (n² for n bad entries)."""

    class CountingList(list):
        passes = 0

        def __iter__(self):
            CountingList.passes += 1
            return super().__iter__()

    parsed = codec.validate_package(package(*([{}] * 2_000)))
    parsed.problems = CountingList(parsed.problems)
    assert len(parsed.problems) == 6_000
    reasons = [parsed.problems_for(index) for index in range(2_000)]
    assert [len(found) for found in reasons] == [3] * 2_000
    assert [p.field for p in reasons[1234]] == ["importId", "entryType", "departureDate"]
    assert parsed.valid_entries() == []
    assert CountingList.passes == 1  # one grouping pass for 2,000 lookups and the valid-entry filter


def test_link_with_raw_json_keeps_percent_signs_and_ampersands_in_values():
    body = package(entry(remark="50% fuel & oil + more"))
    parsed = codec.parse_package(codec.LINK_PREFIX + json.dumps(body))
    assert parsed.entries[0]["remark"] == "50% fuel & oil + more"
    encoded = codec.build_deep_link(body["entries"], body["metadata"])
    assert codec.parse_package(encoded).entries[0]["remark"] == "50% fuel & oil + more"
    assert codec.parse_package(encoded + "&source=mail").entries[0]["remark"] == "50% fuel & oil + more"


def test_comments_inside_strings_are_not_comments():
    text = '{"entries":[{"importId":"http://x/*y*/","entryType":"Flight","departureDate":"2024-01-01", /* c */ \n' \
           '// line\n "remark":"a // b"}],"metadata":{"appName":"a","appVersion":"1","isUTC":true}}'
    only = codec.parse_package(text).entries[0]
    assert only["importId"] == "http://x/*y*/" and only["remark"] == "a // b"


# --- Values ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("hours,text", [("1.25", "1:15"), ("0.1", "0:06"), ("1.5", "1:30"), ("0.01", "0:01"),
                                        ("2.0083", "2:00"), ("2.0084", "2:01"), ("12.99", "12:59"), ("0", "0:00")])
def test_decimal_hours_round_to_the_nearest_minute(hours, text):
    assert codec.format_duration(codec.hours_to_minutes(Decimal(hours))) == text


@given(st.integers(min_value=0, max_value=99 * 60 + 59))
def test_minutes_survive_the_two_decimal_logbook(minutes):
    assert codec.hours_to_minutes(codec.minutes_to_hours(minutes)) == minutes
    assert codec.parse_duration(codec.format_duration(minutes)) == minutes


def test_apportion_keeps_exclusive_parts_within_the_total():
    # 0.01 h PIC + 0.01 h SIC in a 0.02 h flight: 1 + 1 minutes would exceed the 1-minute total.
    minutes = codec.apportion_minutes({"pic": Decimal("0.01"), "sic": Decimal("0.01")}, Decimal("0.02"), [("pic", "sic")])
    assert minutes == {"pic": 1, "sic": 0}
    # a part above the total (inconsistent data) is capped at the total
    assert codec.apportion_minutes({"pic": Decimal("3")}, Decimal("2"))["pic"] == 120
    # zero total: unknown, parts only rounded
    assert codec.apportion_minutes({"pic": Decimal("1.25")}, Decimal("0"))["pic"] == 75


@given(total=st.decimals(min_value="0.01", max_value="30", places=2),
       shares=st.lists(st.decimals(min_value="0", max_value="1", places=3), min_size=2, max_size=2))
def test_apportion_never_exceeds_the_total_and_stays_within_a_minute(total, shares):
    parts = {"pic": (total * shares[0]).quantize(Decimal("0.01")),
             "sic": (total * (1 - shares[0]) * shares[1]).quantize(Decimal("0.01"))}
    if parts["pic"] + parts["sic"] > total:
        parts["sic"] = total - parts["pic"]
    minutes = codec.apportion_minutes(parts, total, [("pic", "sic")])
    limit = codec.hours_to_minutes(total)
    assert minutes["pic"] + minutes["sic"] <= limit
    for name, hours in parts.items():
        assert abs(minutes[name] - hours * 60) <= 1


def test_import_id_is_stable_and_depends_on_identity():
    first = codec.import_id_for(1, 10, "mfb:55")
    assert first == codec.import_id_for(1, 99, "mfb:55")  # the external id, not the row, is the identity
    assert first != codec.import_id_for(2, 10, "mfb:55")
    assert codec.import_id_for(1, 10, None) == codec.import_id_for(1, 10, None) != codec.import_id_for(1, 11, None)


# --- Splitting ------------------------------------------------------------------------------------


def test_links_split_by_length_and_carry_every_entry_exactly_once():
    entries = [entry(importId=f"id-{i}", remark="x" * (i * 37 % 400)) for i in range(300)]
    links = codec.build_deep_links(entries, META, max_length=5_000)
    assert len(links) > 1
    assert all(link.length <= 5_000 for link in links)
    seen = []
    for link in links:
        parsed = codec.parse_package(link.url)
        assert parsed.problems == [] and parsed.metadata == META
        seen.extend(e["importId"] for e in parsed.entries)
        assert list(link.import_ids) == [e["importId"] for e in parsed.entries]
    assert seen == [f"id-{i}" for i in range(300)]


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(sizes=st.lists(st.integers(min_value=0, max_value=3000), max_size=60),
       limit=st.integers(min_value=codec.MIN_MAX_LINK_LENGTH, max_value=20_000))
def test_splitting_property(sizes, limit):
    entries = [entry(importId=f"e{i}", remark="é" * size) for i, size in enumerate(sizes)]
    links = codec.build_deep_links(entries, META, max_length=limit)
    ids = [i for link in links for i in link.import_ids]
    assert ids == [f"e{i}" for i in range(len(sizes))]
    for link in links:
        assert link.length <= limit or (link.oversized and link.entries == 1)
        assert [e["importId"] for e in codec.parse_package(link.url).entries] == list(link.import_ids)
    by_id = {e["importId"]: e for e in entries}
    for a, b in zip(links, links[1:]):  # greedy: the next entry did not fit in the link before it
        together = [by_id[i] for i in a.import_ids] + [by_id[b.import_ids[0]]]
        assert len(codec.build_deep_link(together, META)) > limit


def test_oversized_entry_travels_alone():
    links = codec.build_deep_links([entry(importId="small"), entry(importId="big", remark="x" * 5000),
                                    entry(importId="after")], META, max_length=2_000)
    assert [(link.import_ids, link.oversized) for link in links] == [(("small",), False), (("big",), True),
                                                                      (("after",), False)]


def test_limit_below_minimum_is_an_input_error():
    with pytest.raises(codec.InputError):
        codec.build_deep_links([entry()], META, max_length=10)


# --- Fuzz -----------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
field_names = st.sampled_from(sorted(codec.KNOWN_FIELDS) + ["junk", ""])
fuzzed_entries = st.dictionaries(field_names, json_values | st.sampled_from(
    ["0830", "25:00", "2:00", "KJFK", "Flight", "2024-02-29", "2023-02-29", "ILS CAT I", -1, 0, 2**40]), max_size=8)
fuzzed_packages = st.fixed_dictionaries(
    {"entries": st.lists(fuzzed_entries | json_values, max_size=5)},
    optional={"metadata": st.dictionaries(st.sampled_from(["appName", "appVersion", "isUTC"]), json_values, max_size=3)
              | json_values},
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=fuzzed_packages, form=st.sampled_from(["dict", "json", "link", "encoded"]))
def test_fuzzed_packages_only_ever_raise_package_errors(body, form):
    text = json.dumps(body)
    source = {"dict": body, "json": text, "link": codec.LINK_PREFIX + text, "encoded": quote(text, safe="")}[form]
    try:
        parsed = codec.parse_package(source)
    except PackageError as exc:
        assert exc.problems
        return
    for problem in parsed.problems:
        assert 0 <= problem.index < len(parsed.entries) and problem.reason


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_only_ever_raises_package_errors(text):
    try:
        codec.parse_package(text)
    except PackageError:
        pass
