"""`CurrencyRecord.ipc_required`: MyFlightbook has no IPC item; an instrument item says "IPC is required."
in its Discrepancy, and the pilot must see that on the item (issue 12). Stored items are flagged from the
Discrepancy they already hold; each sync sets it afresh."""

from django.db import migrations, models


def flag_stored_items(apps, schema_editor):
    CurrencyRecord = apps.get_model("logbook", "CurrencyRecord")
    CurrencyRecord.objects.filter(kind="instrument", discrepancy__icontains="IPC is required").update(ipc_required=True)


class Migration(migrations.Migration):
    dependencies = [("logbook", "0003_landing_counts")]

    operations = [
        migrations.AddField(
            model_name="currencyrecord",
            name="ipc_required",
            field=models.BooleanField(default=False, help_text='instrument currency whose Discrepancy says "IPC is required."'),
        ),
        migrations.RunPython(flag_stored_items, migrations.RunPython.noop),
    ]
