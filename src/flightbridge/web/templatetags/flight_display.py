"""How the flight page writes a MyFlightbook custom property (a dict of ids and typed values) for a pilot."""

from django import template

register = template.Library()

# CustomFlightProperty's value fields, in the order MyFlightbook fills them by property type.
VALUE_FIELDS = ("TextValue", "DecValue", "IntValue", "DateValue", "BoolValue")


@register.filter
def property_text(prop) -> str:
    if not isinstance(prop, dict):
        return str(prop)
    for name in ("DisplayString", "display", "name"):
        if isinstance(prop.get(name), str) and prop[name].strip():
            label = prop[name].strip()
            value = prop.get("value")
            return f"{label}: {value}" if value not in (None, "") and name != "DisplayString" else label
    value = next((prop[name] for name in VALUE_FIELDS if prop.get(name) not in (None, "", 0, False)), None)
    kind = prop.get("PropTypeID", "?")
    return f"Property type {kind}: {value}" if value is not None else f"Property type {kind}"


@register.filter
def field_label(name) -> str:
    """A flight field's name as the flight form labels it ("pic" → "PIC")."""
    from flightbridge.web.forms import LABELS

    return LABELS.get(str(name), str(name))
