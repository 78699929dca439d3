"""The US N-number rule, checked against an independent reading of the FAA text with hypothesis."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from flightbridge.registry.nnumber import (
    is_valid_n_number,
    mode_s_hex,
    mode_s_octal_to_hex,
    normalize_n_number,
)

ALLOWED_LETTERS = [c for c in string.ascii_uppercase if c not in "IO"]


def faa_rule(mark: str) -> bool:
    """The rule as the FAA states it, written without a regex: N + 1–5 characters, first 1–9,
    digits then at most two letters (never I or O), and at most 5 characters in all."""
    if not mark.startswith("N"):
        return False
    body = mark[1:]
    if not 1 <= len(body) <= 5 or body[0] not in "123456789":
        return False
    digits = len(body) - len(body.lstrip(string.digits))
    letters = body[digits:]
    return len(letters) <= 2 and all(c in ALLOWED_LETTERS for c in letters)


valid_marks = st.builds(
    lambda first, rest, letters: "N" + first + rest + letters,
    st.sampled_from("123456789"),
    st.text(alphabet=string.digits, max_size=4),
    st.text(alphabet=ALLOWED_LETTERS, max_size=2),
).filter(lambda mark: len(mark) <= 6)


@given(st.text(alphabet="N0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=0, max_size=8))
def test_regex_agrees_with_the_rule_on_any_string(mark):
    assert is_valid_n_number(mark) == faa_rule(mark)


@given(valid_marks)
def test_every_constructed_mark_is_valid_and_normalizes_to_itself(mark):
    assert is_valid_n_number(mark)
    assert normalize_n_number(mark) == mark
    assert normalize_n_number(f" {mark.lower()} ") == mark
    assert normalize_n_number(mark[0] + "-" + mark[1:]) == mark


@given(valid_marks)
def test_mode_s_address_is_in_the_us_block(mark):
    address = int(mode_s_hex(mark), 16)
    assert 0xA00001 <= address <= 0xADF7C7


@given(valid_marks, valid_marks)
def test_mode_s_address_is_one_to_one(first, second):
    assert (mode_s_hex(first) == mode_s_hex(second)) == (first == second)


def test_examples_of_the_rule():
    for mark in ("N1", "N12345", "N1234Z", "N123AZ", "N1A", "N99999", "N172SP", "N747BA", "N9876X"):
        assert is_valid_n_number(mark), mark
    for mark in (
        "N01Z",  # first character 0
        "N123456",  # six characters
        "N12I",  # I is never used
        "N12O",  # nor O
        "N1ABC",  # three letters
        "N1A2",  # a digit after a letter
        "NA12",  # a letter first
        "N",
        "12345",  # no N
        "N1234AB",  # 4 digits + 2 letters is 6 characters
        "G-ABCD",
        "C-FABC",
    ):
        assert not is_valid_n_number(mark), mark
        assert normalize_n_number(mark) is None, mark


def test_normalization_of_what_pilots_type():
    assert normalize_n_number("n172sp") == "N172SP"
    assert normalize_n_number("N 12345") == "N12345"
    assert normalize_n_number("N-123.AB") == "N123AB"
    # NC / NX / NR / NL are display variants (14 CFR 45.22) of the same mark.
    assert normalize_n_number("NC12345") == "N12345"
    assert normalize_n_number("NX211") == "N211"
    assert normalize_n_number("NL1A") == "N1A"
    assert normalize_n_number("") is None
    assert normalize_n_number(None) is None


def test_mode_s_matches_the_faa_examples():
    assert mode_s_hex("N1801U") == "A1433A"  # the registry's own row for N1801U
    assert mode_s_hex("N1") == "A00001"
    assert mode_s_hex("N99999") == "ADF7C7"  # the end of the US block
    assert mode_s_hex("G-ABCD") is None
    assert mode_s_octal_to_hex("50241472") == "A1433A"
    assert mode_s_octal_to_hex("") == ""
    assert mode_s_octal_to_hex("9999") == ""
