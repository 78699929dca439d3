"""Map MyFlightbook `TotalsItem`s (TotalsForUserWithQuery) to `LogbookTotal` lines.

Pure functions on plain data. Each item is bucketed by dimension (total time, role, conditions, counts,
category/class) under a normalized key so it sits next to our own trailing-12-month rollup. A
description we cannot map is kept verbatim under `OTHER`: a total is never dropped, renamed or rounded
beyond the column's cents. The landing and approach counts MyFlightbook only puts in the "Total Time"
line's SubDescription (`1,316 Landings (445 Day, 51 Night), 117 Approaches`) become count lines too: the
first number is every landing, "Day" and "Night" are full-stop landings (Totals.cs sums FullStopLandings
and NightLandings there), and a part that is zero is left out of the text, so it counts as 0. Numbers are
en-US (`1,204`): the client asks for en-US, because MyFlightbook formats this text in the request's culture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from collections.abc import Iterable, Mapping
from typing import Any

from flightbridge.myflightbook.mapping import to_decimal, to_jsonable

# TotalsGroup {None=0, CategoryClass=1, ICAO=2, Model=3, Capabilities=4, CoreFields=5, Properties=6, Total=7}
GROUP_CATEGORY_CLASS = 1
# NumType {Integer=0, Decimal=1, Time=2, Currency=3}; integer counts omit NumericType (default value).
UNITS = {0: "count", 1: "decimal", 2: "hours", 3: "currency"}

VALUE_QUANTUM = Decimal("0.01")  # LogbookTotal.value is DecimalField(12, 2)
VALUE_LIMIT = Decimal(10) ** 10  # ... so it holds less than this
DESCRIPTION_LIMIT = 255
KEY_LIMIT = 64

# MyFlightbook's descriptions (Totals.cs, en-US) → (dimension, key). Matched case- and space-insensitively.
KNOWN: dict[str, tuple[str, str]] = {
    "total time": ("TOTAL_TIME", "total_time"),
    "total flight time": ("TOTAL_TIME", "total_time"),
    "pic": ("ROLE", "pic"),
    "sic": ("ROLE", "sic"),
    "dual received": ("ROLE", "dual"),
    "dual": ("ROLE", "dual"),
    "instructor": ("ROLE", "cfi"),
    "cfi": ("ROLE", "cfi"),
    "cross country": ("CONDITIONS", "cross_country"),
    "cross-country": ("CONDITIONS", "cross_country"),
    "night": ("CONDITIONS", "night"),
    "imc": ("CONDITIONS", "imc"),
    "actual instrument": ("CONDITIONS", "imc"),
    "simulated instrument": ("CONDITIONS", "simulated_ifr"),
    "simulated ifr": ("CONDITIONS", "simulated_ifr"),
    "instrument time": ("CONDITIONS", "instrument"),
    "ground simulator": ("CONDITIONS", "ground_sim"),
    "ground sim": ("CONDITIONS", "ground_sim"),
    "flights": ("COUNTS", "flights"),
    "landings": ("COUNTS", "landings"),
    "approaches": ("COUNTS", "approaches"),
    "holds": ("COUNTS", "holds"),
}

_NUMBER = r"\d{1,3}(?:,\d{3})+|\d+"  # en-US, with or without thousands separators
# "1,204 Landings (388 Day, 47 Night)", "1 Landing", "112 Landings (4 Night)"; Totals.cs SubDescFromLandings
_LANDINGS = re.compile(rf"(?P<total>{_NUMBER})\s+Landings?\b(?:\s*\((?P<parts>[^)]*)\))?", re.IGNORECASE)
_LANDING_PART = re.compile(rf"(?P<count>{_NUMBER})\s+(?P<kind>Day|Night)\b", re.IGNORECASE)
_APPROACHES = re.compile(rf"(?P<count>{_NUMBER})\s+Approach(?:es)?\b", re.IGNORECASE)

# The count lines made from a SubDescription: key → description.
SUBDESCRIPTION_LINES = {
    "landings": "Landings",
    "day_full_stop_landings": "Day full-stop landings",
    "night_full_stop_landings": "Night full-stop landings",
    "approaches": "Approaches",
}


@dataclass(frozen=True)
class MappedTotal:
    dimension: str
    key: str
    description: str
    value: Decimal
    unit: str
    raw: dict = field(default_factory=dict, compare=False)


def slug(text: str) -> str:
    return (re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "total")[:KEY_LIMIT]


def unit_for(item: Mapping) -> str:
    if item.get("IsTime") is True:
        return "hours"
    if item.get("IsCurrency") is True:
        return "currency"
    if item.get("IsInt") is True:
        return "count"
    numeric = item.get("NumericType", 0)
    if isinstance(numeric, str):
        numeric = {"integer": 0, "decimal": 1, "time": 2, "currency": 3}.get(numeric.strip().lower(), 0)
    return UNITS.get(numeric, "decimal") if isinstance(numeric, int) else "decimal"


def map_total(item: Any) -> MappedTotal | None:
    """One TotalsItem → a line; None only when it carries no description, or no value it can store."""
    if not isinstance(item, Mapping):
        return None
    description = item.get("Description")
    if not isinstance(description, str) or not description.strip():
        return None
    try:
        value = to_decimal(item.get("Value", 0))
    except ValueError:
        return None
    value = storable(value)
    if value is None:
        return None
    unit = unit_for(item)
    normalized = " ".join(description.lower().split())
    known = KNOWN.get(normalized)
    group = item.get("Group")
    if known and (known[1] != "flights" or unit == "count"):
        dimension, key = known
    elif group == GROUP_CATEGORY_CLASS:
        dimension, key = "CATEGORY", slug(description)
    else:
        dimension, key = "OTHER", slug(description)  # kept verbatim, never dropped
    return MappedTotal(dimension=dimension, key=key, description=description[:DESCRIPTION_LIMIT], value=value,
                       unit=unit, raw=to_jsonable(dict(item)))


def storable(value: Decimal) -> Decimal | None:
    """`value` as `LogbookTotal.value` holds it (to the hundredth), or None when it is too large for the
    column: a sync stores what it can rather than fail on one absurd total."""
    if not abs(value) < VALUE_LIMIT:
        return None
    return value.quantize(VALUE_QUANTUM, rounding=ROUND_HALF_UP)


def _count(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def parse_landings_line(sub_description: str) -> dict[str, Decimal]:
    """`1,204 Landings (388 Day, 47 Night), 96 Approaches` → {landings, day_full_stop_landings,
    night_full_stop_landings, approaches}. MyFlightbook leaves a zero part out, so a part missing from a
    line that has the others is 0; a line with none of them (no subtotals shown) gives {}."""
    text = sub_description or ""
    landings = _LANDINGS.search(text)
    approaches = _APPROACHES.search(text)
    if landings is None and approaches is None:
        return {}
    counts = dict.fromkeys(SUBDESCRIPTION_LINES, Decimal(0))
    if landings is not None:
        counts["landings"] = _count(landings.group("total"))
        for part in _LANDING_PART.finditer(landings.group("parts") or ""):
            key = "day_full_stop_landings" if part.group("kind").lower() == "day" else "night_full_stop_landings"
            counts[key] = _count(part.group("count"))
    if approaches is not None:
        counts["approaches"] = _count(approaches.group("count"))
    return counts


def counts_from_subdescription(total_line: MappedTotal, sub_description: str) -> list[MappedTotal]:
    """Landing and approach count lines from the Total Time line's SubDescription."""
    raw = {"from": total_line.description, "SubDescription": sub_description}
    counts = {key: storable(value) for key, value in parse_landings_line(sub_description).items()}
    return [MappedTotal("COUNTS", key, SUBDESCRIPTION_LINES[key], value, "count", raw)
            for key, value in counts.items() if value is not None]


def map_totals(items: Iterable[Any]) -> tuple[list[MappedTotal], list[dict]]:
    """All TotalsItems → (lines, skipped). Lines are unique per (dimension, description), as the table
    requires: a repeated description gets its MyFlightbook group name appended rather than replacing
    the first."""
    lines: list[MappedTotal] = []
    skipped: list[dict] = []
    seen: set[tuple[str, str]] = set()
    derived: list[MappedTotal] = []
    for item in items or []:
        line = map_total(item)
        if line is None:
            skipped.append({"record": str((item or {}).get("Description", "?")) if isinstance(item, Mapping) else "?",
                            "field": "Value", "reason": "no description, or a value unreadable or too large to store"})
            continue
        identity = (line.dimension, line.description.lower())
        if identity in seen:
            group_name = item.get("GroupName") or f"group {item.get('Group', 0)}"
            line = MappedTotal(line.dimension, line.key, f"{line.description} ({group_name})"[:DESCRIPTION_LIMIT],
                               line.value, line.unit, line.raw)
            identity = (line.dimension, line.description.lower())
            if identity in seen:
                skipped.append({"record": line.description, "field": "Description", "reason": "repeated total"})
                continue
        seen.add(identity)
        lines.append(line)
        if line.key == "total_time" and isinstance(item.get("SubDescription"), str):
            derived.extend(counts_from_subdescription(line, item["SubDescription"]))
    for line in derived:  # MyFlightbook's own count lines, when present, win over the parsed ones
        identity = (line.dimension, line.description.lower())
        if identity not in seen and not any(existing.key == line.key and existing.dimension == line.dimension
                                            for existing in lines):
            seen.add(identity)
            lines.append(line)
    return lines, skipped
