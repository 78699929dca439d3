"""Glider instrument currency (§61.57(c)(3)) needs MyFlightbook's properties 56 (glider IFR maneuvers, hours)
and 57 (the maneuvers to carry passengers) as columns, like the flight review and IPC markers: the currency
read never opens a flight's properties. Flights already stored get them from their stored properties, with
the same function an import uses."""

from decimal import Decimal

from django.db import migrations, models

BATCH = 500
COLUMNS = ("glider_instrument_maneuvers", "glider_passenger_maneuvers")


def fill(apps, schema_editor):
    from flightbridge.logbook.property_types import markers_for

    Flight = apps.get_model("logbook", "Flight")
    batch = []
    for flight in Flight.objects.exclude(custom_properties=[]).only("id", "custom_properties").iterator(chunk_size=BATCH):
        if not isinstance(flight.custom_properties, list):
            continue
        markers = markers_for(flight.custom_properties)
        if not (markers.glider_instrument_maneuvers or markers.glider_passenger_maneuvers):
            continue
        flight.glider_instrument_maneuvers = markers.glider_instrument_maneuvers
        flight.glider_passenger_maneuvers = markers.glider_passenger_maneuvers
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
