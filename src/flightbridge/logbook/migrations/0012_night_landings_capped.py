"""Night landings capped as MyFlightbook caps them (issue 20): night = min(NightLandings + prop 397, Landings),
day = Landings − night. Every MyFlightbook row is recounted from its stored raw record with the sync's own
function (a sync skips a flight whose record did not change, so it would never recount it). Only the landing
and takeoff counts change; rows from elsewhere are left alone.
"""

from django.db import migrations

BATCH = 500
COLUMNS = ("day_landings", "night_landings", "day_full_stop_landings", "night_full_stop_landings",
           "day_takeoffs", "night_takeoffs", "takeoffs_inferred")


def recount(apps, schema_editor):
    from flightbridge.errors import BadRecord
    from flightbridge.myflightbook.mapping import landing_counts_for, record_label

    Flight = apps.get_model("logbook", "Flight")
    batch = []
    rows = Flight.objects.filter(source="myflightbook", raw__isnull=False).only("id", "raw", *COLUMNS)
    for flight in rows.iterator(chunk_size=BATCH):
        if not isinstance(flight.raw, dict):
            continue
        try:
            counts = landing_counts_for(flight.raw, record_label(flight.raw)).as_fields()
        except BadRecord:
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
