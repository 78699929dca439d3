"""Undo's bookkeeping: the run that created a flight, kept apart from the last run that wrote it, and
an `unchanged` count per run. Existing flights get their creating run from the old rule (the run that
wrote them last, when they were created while it was open)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F


def fill_created_by_run(apps, schema_editor):
    Flight = apps.get_model("logbook", "Flight")
    Flight.objects.filter(import_batch__isnull=False, created_at__gte=F("import_batch__started_at")).update(
        created_by_run=F("import_batch"))


class Migration(migrations.Migration):

    dependencies = [
        ("logbook", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="logbookimport",
            name="unchanged",
            field=models.PositiveIntegerField(default=0, help_text="records already in the logbook exactly as sent"),
        ),
        migrations.AddField(
            model_name="flight",
            name="created_by_run",
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name="created_flights", to="logbook.logbookimport"),
        ),
        migrations.RunPython(fill_created_by_run, migrations.RunPython.noop),
    ]
