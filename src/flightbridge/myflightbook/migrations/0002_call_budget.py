from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("myflightbook", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="CallBudget",
            fields=[
                ("name", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("next_slot", models.FloatField(help_text="seconds since the epoch, database clock: the next free call slot")),
            ],
        ),
        migrations.CreateModel(
            name="CallBudgetToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=64)),
                ("position", models.PositiveIntegerField()),
                ("free_at", models.FloatField(default=0)),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("name", "position"), name="one_budget_token_per_position")],
            },
        ),
    ]
