"""What every page's template may need about the signed-in pilot: how hours are to be written.

Read once per request, and only when a template asks (a lazy value): a page without hours costs no query.
"""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from flightbridge.accounts.display import HoursFormat
from flightbridge.accounts.services import hours_format_of


def pilot_preferences(request) -> dict:
    user = getattr(request, "user", None)
    return {
        # `hours` and `total_value` (web/templatetags/logbook_numbers.py) take it as their argument
        "hours_format": SimpleLazyObject(lambda: hours_format_of(user)),
        "hours_formats": HoursFormat.choices,
    }
