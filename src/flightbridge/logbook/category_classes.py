"""MyFlightbook's categories and classes (`categoryclass` table, CategoryClass.cs `CatClassID`), by id.

Plain data: a flight's `CatClassOverride` and an aircraft's `CatClassID` are these ids; the names are
MyFlightbook's own `CatClass` column (MyFlightbook.Web/Support/MinimalDB-2026-01-29.sql). Id 6 is unused.
"""

from __future__ import annotations

import re
from typing import Any

CATEGORY_CLASSES: dict[int, str] = {
    1: "ASEL", 2: "AMEL", 3: "ASES", 4: "AMES", 5: "Glider", 7: "Helicopter", 8: "Gyroplane", 9: "Powered Lift",
    10: "Airship", 11: "Hot Air Balloon", 12: "Gas Balloon", 13: "Powered Parachute - Land",
    14: "Powered Parachute - Sea", 15: "Weight-shift Control - Land", 16: "Weight-shift Control - Sea",
    17: "Unmanned Aerial System", 18: "Powered Paraglider",
}

# CatClassDisplay is the cat/class plus " (<type>)" for a type-rated model: "AMEL (B737)" (LogbookEntry.cs).
_TYPE_SUFFIX = re.compile(r"\s*\([^()]*\)\s*$")


def category_class_name(cat_class_id: Any) -> str:
    """An idCatClass → MyFlightbook's name for it; "" for 0 (not overridden) or an id it does not define."""
    try:
        return CATEGORY_CLASSES.get(int(cat_class_id), "")
    except (TypeError, ValueError):
        return ""


def category_class_of(display: str) -> str:
    """`AMEL (B737)` → `AMEL`: the category/class of a CatClassDisplay, without the type rating."""
    return _TYPE_SUFFIX.sub("", display or "").strip()


TYPE_NAME_LENGTH = 32  # Flight.type_name


def type_name_of(display: Any, category_class: str) -> str:
    """`AMEL (B737)` in class AMEL → `B737`: the type rating a CatClassDisplay names after the flight's class;
    "" when it names none, or names another class than the flight is counted in (an override)."""
    if not (isinstance(display, str) and category_class and display.endswith(")")
            and display.startswith(category_class + " (")):
        return ""
    return display[len(category_class) + 2:-1].strip()[:TYPE_NAME_LENGTH]
