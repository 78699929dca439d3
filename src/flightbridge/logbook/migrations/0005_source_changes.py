"""A flight deleted or changed at its source (issue 12): marked for the pilot, never deleted or overwritten
unasked. Both start empty; the next full sync fills them."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("logbook", "0004_currency_ipc_required")]

    operations = [
        migrations.AddField(
            model_name="flight", name="deleted_at_source",
            field=models.DateTimeField(blank=True, editable=False, null=True,
                                       help_text="when a full sync of its source first no longer found it (kept here)"),
        ),
        migrations.AddField(
            model_name="flight", name="source_update",
            field=models.JSONField(blank=True, editable=False, null=True,
                                   help_text="the source's newer version of this record, until the pilot takes it"),
        ),
    ]
