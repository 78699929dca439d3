"""US civil registration marks ("N-numbers"): the exact FAA rule, normalization and the Mode S address.

Pure functions on strings, no database. They must never raise on user input: a non-US or malformed
tail is an answer (`None`), because pilots type all kinds of things into a tail-number field.
"""

from __future__ import annotations

import re

# 14 CFR 47.15 and the FAA N-number reservation rules: N + 1–5 characters; the first is a digit
# 1–9; letters only at the end, at most two, never I or O (they read as 1 and 0).
# Exactly 915,399 marks match, the size of the US ICAO 24-bit block A00001–ADF7C7.
N_NUMBER_RE = re.compile(r"N[1-9](?:\d{0,4}|\d{0,3}[A-HJ-NP-Z]|\d{0,2}[A-HJ-NP-Z]{2})")

# NC, NX, NR and NL (standard, experimental, restricted, limited) are no longer issued but may still
# be displayed on older aircraft (14 CFR 45.22); they are display variants of the same mark.
_LEGACY_PREFIX = re.compile(r"N[CXRL](?=[1-9])")
_SEPARATORS = re.compile(r"[\s\-.]")

LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # the 24 letters a mark may use
US_ICAO_FIRST = 0xA00001
US_ICAO_COUNT = 915_399
# Sizes of the sub-blocks in the FAA's allocation of the US ICAO block: after the k-th digit a mark
# may stop (1), take a letter suffix (24 single + 24×24 double = 600), or take another digit.
_BLOCK_AFTER_DIGIT = {1: 101_711, 2: 10_111, 3: 951, 4: 35}
_LETTER_SUFFIXES = 600


def clean_tail(tail: str) -> str:
    """Upper-case, without spaces, dashes or dots: what a pilot meant by `" n-12345 "`."""
    return _SEPARATORS.sub("", str(tail or "")).upper()


def is_valid_n_number(mark: str) -> bool:
    """True for a mark in its canonical form (`N12345`), exactly by the FAA rule."""
    return N_NUMBER_RE.fullmatch(mark or "") is not None


def normalize_n_number(tail: str) -> str | None:
    """`"n-172sp"` → `"N172SP"`, `"NC12345"` → `"N12345"`; None when it is not a valid US mark."""
    mark = _LEGACY_PREFIX.sub("N", clean_tail(tail), count=1)
    return mark if is_valid_n_number(mark) else None


def mode_s_hex(mark: str) -> str | None:
    """The 24-bit ICAO aircraft address the FAA assigns to a mark, as 6 hex digits (`N1801U` → `A1433A`)."""
    if not is_valid_n_number(mark):
        return None
    body = mark[1:]
    offset = (int(body[0]) - 1) * _BLOCK_AFTER_DIGIT[1]
    digits = 1
    rest = body[1:]
    while rest and rest[0].isdigit():
        digits += 1
        if digits == 5:  # a fifth digit ends the mark; it sits after the 24 single-letter suffixes
            offset += 1 + len(LETTERS) + int(rest[0])
        else:
            offset += 1 + _LETTER_SUFFIXES + int(rest[0]) * _BLOCK_AFTER_DIGIT[digits]
        rest = rest[1:]
    if rest:
        first = LETTERS.index(rest[0])
        if digits == 4:  # after four digits only one letter fits
            offset += 1 + first
        else:
            offset += 1 + first * (1 + len(LETTERS))
            if len(rest) == 2:
                offset += 1 + LETTERS.index(rest[1])
    return f"{US_ICAO_FIRST + offset:06X}"


def mode_s_octal_to_hex(octal: str) -> str:
    """MASTER's MODE S CODE is the same address in octal (8 digits); '' when blank or not octal."""
    try:
        return f"{int(octal, 8):06X}" if octal else ""
    except ValueError:
        return ""
