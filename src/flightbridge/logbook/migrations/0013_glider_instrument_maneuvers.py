"""Glider instrument currency (§61.57(c)(3)) needs MyFlightbook's properties 56 (glider IFR maneuvers, hours)
and 57 (the maneuvers to carry passengers) as columns, like the flight review and IPC markers: the currency
read never opens a flight's properties. Flights already stored get them from their stored properties.

The rule is frozen here as it was when this migration was written (logbook.property_types.markers_for of
that day): a migration must do the same thing whatever the live code becomes (scripts/import_graph.py)."""

from decimal import Decimal

from django.db import migrations, models

BATCH = 500
COLUMNS = ("glider_instrument_maneuvers", "glider_passenger_maneuvers")
GLIDER_INSTRUMENT_MANEUVERS = 56  # "Glider - IFR Maneuvers Time": hours, its DecValue (flag 0x400)
GLIDER_INSTRUMENT_PASSENGERS = 57  # "Glider - IFR Maneuvers to carry Passengers": a boolean (flag 0x800)


def _type_id(value):
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _hours(value) -> Decimal:
    """A DecValue as hours: a number or numeric text, never negative; anything else is none."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        return Decimal(0)
    try:
        hours = Decimal(str(value).strip())
    except ArithmeticError:
        return Decimal(0)
    return hours if hours.is_finite() and hours > 0 else Decimal(0)


def glider_markers(properties) -> tuple[Decimal, bool]:
    """(glider instrument maneuver hours, passenger maneuvers flown) of a flight's CustomProperties. A boolean
    property counts only with BoolValue true (MyFlightbook emits it only when true)."""
    maneuvers, passengers = Decimal(0), False
    for prop in properties or ():
        if not isinstance(prop, dict):
            continue
        kind = _type_id(prop.get("PropTypeID"))
        if kind == GLIDER_INSTRUMENT_MANEUVERS:
            maneuvers += _hours(prop.get("DecValue"))
        elif kind == GLIDER_INSTRUMENT_PASSENGERS:
            value = prop.get("BoolValue")
            passengers = passengers or value is True or (type(value) is int and value == 1)
    return maneuvers, passengers


def fill(apps, schema_editor):
    Flight = apps.get_model("logbook", "Flight")
    batch = []
    for flight in Flight.objects.exclude(custom_properties=[]).only("id", "custom_properties").iterator(chunk_size=BATCH):
        if not isinstance(flight.custom_properties, list):
            continue
        maneuvers, passengers = glider_markers(flight.custom_properties)
        if not (maneuvers or passengers):
            continue
        flight.glider_instrument_maneuvers = maneuvers
        flight.glider_passenger_maneuvers = passengers
        batch.append(flight)
        if len(batch) >= BATCH:
            Flight.objects.bulk_update(batch, COLUMNS)
            batch = []
    if batch:
        Flight.objects.bulk_update(batch, COLUMNS)


class Migration(migrations.Migration):
    dependencies = [("logbook", "0012_night_landings_capped")]

    operations = [
        migrations.AddField(
            model_name="flight", name="glider_instrument_maneuvers",
            field=models.DecimalField(decimal_places=4, default=Decimal("0"), max_digits=9,
                                      help_text="hours of glider instrument maneuvers (§61.57(c)(3)(i)(B))"),
        ),
        migrations.AddField(
            model_name="flight", name="glider_passenger_maneuvers",
            field=models.BooleanField(default=False,
                                      help_text="the glider instrument maneuvers to carry passengers (§61.57(c)(3)(ii)(B))"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
