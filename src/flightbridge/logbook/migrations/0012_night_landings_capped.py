"""Night landings capped as MyFlightbook caps them (issue 20): night = min(NightLandings + prop 397, Landings),
day = Landings − night. Every MyFlightbook row is recounted from its stored raw record by the sync's rule of
the time (a sync skips a flight whose record did not change, so it would never recount it), frozen in
`_frozen_mfb_record.py` so a later change to the sync's mapping never changes what this migration does (issue
21). Only the landing and takeoff counts change; rows from elsewhere are left alone.
"""

from django.db import migrations

from flightbridge.logbook.migrations._frozen_mfb_record import Unreadable, landing_counts_for

BATCH = 500
COLUMNS = ("day_landings", "night_landings", "day_full_stop_landings", "night_full_stop_landings",
           "day_takeoffs", "night_takeoffs", "takeoffs_inferred")


def recount(apps, schema_editor):
    Flight = apps.get_model("logbook", "Flight")
    batch = []
    rows = Flight.objects.filter(source="myflightbook", raw__isnull=False).only("id", "raw", *COLUMNS)
    for flight in rows.iterator(chunk_size=BATCH):
        if not isinstance(flight.raw, dict):
            continue
        try:
            counts = landing_counts_for(flight.raw).as_fields()
        except Unreadable:
            continue  # the sync stored it, so this cannot happen; if it does, the row keeps its counts
        if all(getattr(flight, column) == counts[column] for column in COLUMNS):
            continue
        for column in COLUMNS:
            setattr(flight, column, counts[column])
        batch.append(flight)
        if len(batch) >= BATCH:
            Flight.objects.bulk_update(batch, COLUMNS)
            batch = []
    if batch:
        Flight.objects.bulk_update(batch, COLUMNS)


class Migration(migrations.Migration):
    dependencies = [("logbook", "0011_flight_aircraft_index")]

    operations = [migrations.RunPython(recount, migrations.RunPython.noop)]
