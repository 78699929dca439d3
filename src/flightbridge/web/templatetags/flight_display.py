"""How the flight page writes a MyFlightbook custom property (a dict of ids and typed values) for a pilot:
by its title in MyFlightbook's own property table (`logbook/property_types.py`), never its id."""

from datetime import datetime

from django import template

from flightbridge.logbook.property_types import property_type

register = template.Library()

# CustomFlightProperty's value fields, in the order MyFlightbook fills them by property type.
VALUE_FIELDS = ("TextValue", "DecValue", "IntValue", "DateValue", "BoolValue")


def _value_text(value, kind: str) -> str:
    """A property's value as the flight page writes the rest: dates YYYY-MM-DD, clock times in UTC."""
    if isinstance(value, str) and kind in ("date", "datetime"):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        return moment.strftime("%Y-%m-%d") if kind == "date" else moment.strftime("%Y-%m-%d %H:%M UTC")
    return str(value)


@register.filter
def property_text(prop) -> str:
    if not isinstance(prop, dict):
        return str(prop)
    for name in ("display", "name"):
        if isinstance(prop.get(name), str) and prop[name].strip():
            label = prop[name].strip()
            value = prop.get("value")
            return f"{label}: {value}" if value not in (None, "") else label
    known = property_type(prop.get("PropTypeID"))
    value = next((prop[name] for name in VALUE_FIELDS if prop.get(name) not in (None, "", 0, False)), None)
    if known is None:
        # Not in the table this version ships: MyFlightbook's own words if it sent them, else its id.
        display = prop.get("DisplayString")
        if isinstance(display, str) and display.strip():
            return display.strip()
        kind = prop.get("PropTypeID", "?")
        return f"MyFlightbook property {kind}: {value}" if value is not None else f"MyFlightbook property {kind}"
    if known.type == "boolean" or value is None or value is True:
        return known.title
    return f"{known.title}: {_value_text(value, known.type)}"


@register.filter
def field_label(name) -> str:
    """A flight field's name as the flight form labels it ("pic" → "PIC")."""
    from flightbridge.web.forms import LABELS

    return LABELS.get(str(name), str(name))
