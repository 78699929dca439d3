"""Full-stop landing columns, and every MyFlightbook flight's landings and takeoffs recounted (issue 12).

MyFlightbook's `FullStopLandings` is day full-stop landings only and `Landings` every landing (reference
§8), so the counts stored under seed 000's rule (`FullStopLandings − NightLandings`) were short. Each
MyFlightbook row is recounted from its stored raw record with the same function the sync uses. A Logger
entry is one leg and Logger has no touch-and-go count, so its landings are taken as full-stop landings.
Rows entered here keep their counts; nothing else on any row changes.
"""

from django.db import migrations, models

BATCH = 500
COLUMNS = ("day_landings", "night_landings", "day_full_stop_landings", "night_full_stop_landings",
           "day_takeoffs", "night_takeoffs")


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
            counts = landing_counts_for(flight.raw, record_label(flight.raw))
        except BadRecord:
            continue  # the sync stored it, so this cannot happen; if it does, the row keeps its counts
        for column, value in counts.as_fields().items():
            setattr(flight, column, value)
        batch.append(flight)
        if len(batch) >= BATCH:
            Flight.objects.bulk_update(batch, COLUMNS)
            batch = []
    if batch:
        Flight.objects.bulk_update(batch, COLUMNS)
    Flight.objects.filter(source="logger").update(day_full_stop_landings=models.F("day_landings"),
                                                  night_full_stop_landings=models.F("night_landings"))


class Migration(migrations.Migration):
    dependencies = [("logbook", "0002_ingest_run_bookkeeping")]

    operations = [
        migrations.AddField(model_name="flight", name="day_full_stop_landings", field=models.PositiveIntegerField(default=0)),
        migrations.AddField(model_name="flight", name="night_full_stop_landings", field=models.PositiveIntegerField(default=0)),
        migrations.RunPython(recount, migrations.RunPython.noop),
    ]
