"""A flight's type rating as a column (issue 25): currency is kept per type (§61.57(a)), and reading it from each
stored MyFlightbook record (its CatClassDisplay, "AMEL (B737)") was a fifth of a 50,000-flight currency read.
Flights already stored get it from their record, by the rule frozen here as the mapping had it that day
(logbook.category_classes.type_name_of): the type the display names after the flight's class."""

from django.db import migrations, models

BATCH = 500
LENGTH = 32


def type_name_of(display, category_class: str) -> str:
    if not (isinstance(display, str) and category_class and display.endswith(")")
            and display.startswith(category_class + " (")):
        return ""
    return display[len(category_class) + 2:-1].strip()[:LENGTH]


def fill(apps, schema_editor):
    Flight = apps.get_model("logbook", "Flight")
    batch = []
    rows = Flight.objects.exclude(raw=None).exclude(category_class="").only("id", "raw", "category_class")
    for flight in rows.iterator(chunk_size=BATCH):
        display = flight.raw.get("CatClassDisplay") if isinstance(flight.raw, dict) else None
        flight.type_name = type_name_of(display, flight.category_class)
        if flight.type_name:
            batch.append(flight)
        if len(batch) >= BATCH:
            Flight.objects.bulk_update(batch, ["type_name"])
            batch = []
    if batch:
        Flight.objects.bulk_update(batch, ["type_name"])


class Migration(migrations.Migration):
    dependencies = [("logbook", "0013_glider_instrument_maneuvers")]

    operations = [
        migrations.AddField(
            model_name="flight", name="type_name",
            field=models.CharField(blank=True, default="", max_length=32,
                                   help_text="the type rating the aircraft needs, as MyFlightbook names it after the class: B737 in 'AMEL (B737)'"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
