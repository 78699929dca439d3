"""A flight's route text → its departure and destination, for every importer (MyFlightbook's `Route`, a
CSV file's route column).

Pure functions on text: no database, no source's own types. It lived in the MyFlightbook app, which made
the CSV reader import the sync's mapping; it belongs to the logbook, whose columns it fills (issue 21).
"""

from __future__ import annotations

import re

AIRPORT_LENGTH = 4  # the seed: "truncated to 4 characters"
_ROUTE_SEPARATORS = re.compile(r"[\s,;\-]+")


def normalize_airport(token: str) -> str:
    """One route token → an airport identifier: runway qualifier stripped (`KJFK/28R` → `KJFK`), then
    truncated to 4 characters, as the seed says (a 5-letter identifier keeps its first four)."""
    code = token.strip().split("/", 1)[0].strip().upper()
    return code[:AIRPORT_LENGTH]


def split_route(route: str) -> tuple[str, str]:
    """Route → (departure, destination): the first and last tokens, each normalized. A one-airport route
    (a local flight) departs from and returns to the same place."""
    tokens = [token for token in _ROUTE_SEPARATORS.split(route or "") if token]
    if not tokens:
        return "", ""
    return normalize_airport(tokens[0]), normalize_airport(tokens[-1])
