"""How the pages write a logbook number: counts as whole numbers, hours as the pilot prefers, thousands grouped.

Hours take the pilot's choice as their argument, `{{ flight.pic|hours:hours_format }}` (`hours_format`
comes from web/context_processors.py; accounts/display.py writes the number). The argument is required,
so a template that forgets it fails to load instead of quietly showing another format.
A total line's `value` is a Decimal whatever its unit; "402.00 landings" reads as a measurement,
so a count drops its decimals.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from flightbridge.accounts.display import format_hours
from flightbridge.logbook import currency_report

register = template.Library()


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None


@register.filter
def total_value(line, hours_format) -> str:
    """A `LogbookTotal` line's value as a pilot reads it, by its unit; hours in the pilot's format."""
    number = _decimal(line.value)
    if number is None:
        return str(line.value)
    if line.unit == "count":
        return f"{int(number):,}"
    if line.unit == "currency":
        return f"{number:,.2f}"
    return format_hours(number, hours_format) if line.unit == "hours" else f"{number.normalize():,f}"


@register.filter
def hours(value, hours_format) -> str:
    """Hours in the pilot's format, thousands grouped: 1,234.50, 1,234.5 or 1,234:30."""
    return format_hours(value, hours_format)


@register.filter
def whole(value) -> str:
    """A count as a whole number with grouped thousands: 1,075."""
    number = _decimal(value)
    return str(value) if number is None else f"{int(number):,}"


# Computed currency statuses (logbook/currency.py) and MyFlightbook's, as the currency page writes them.
COMPUTED_STATUS = {"current": ("Current", "status-ok"), "expiring": ("Expiring soon", "status-warn"),
                   "expired": ("Expired", "status-bad"), "never": ("Never current", "status-bad"),
                   "unknown": ("No date", "muted")}


@register.filter
def computed_status_text(status: str) -> str:
    return COMPUTED_STATUS.get(status, (status, ""))[0]


@register.filter
def computed_status_class(status: str) -> str:
    return COMPUTED_STATUS.get(status, ("", "muted"))[1]


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def source_name(source: str) -> str:
    return currency_report.source_name(source or "")
