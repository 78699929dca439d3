"""Full-stop landing columns, and every MyFlightbook flight's landings and takeoffs recounted (issue 12).

MyFlightbook's `FullStopLandings` is day full-stop landings only and `Landings` every landing (reference
§8), so the counts stored under seed 000's rule (`FullStopLandings − NightLandings`) were short. Each
MyFlightbook row is recounted from its stored raw record by the sync's rule of the time (`landing_counts_for`
in myflightbook/mapping.py as of commit c463b73), frozen below: a migration must do what it did when it
was written, whatever the sync's code becomes, and must not import an app's live code (issue 21). A Logger
entry is one leg and Logger has no touch-and-go count, so its landings are taken as full-stop landings.
Rows entered here keep their counts; nothing else on any row changes.
"""

from decimal import Decimal, InvalidOperation

from django.db import migrations, models

BATCH = 500
COLUMNS = ("day_landings", "night_landings", "day_full_stop_landings", "night_full_stop_landings",
           "day_takeoffs", "night_takeoffs")
COUNT_MAX = 2_147_483_647  # PositiveIntegerField
NIGHT_TAKEOFFS, TAKEOFFS_ANY, NIGHT_TOUCH_AND_GO = 73, 93, 397  # MyFlightbook's property type ids


class Unreadable(Exception):
    """A count this recount cannot read: the row keeps the counts it has."""


def count(value) -> int:
    """A count field as the sync read it then: omitted is 0; a whole, non-negative number within the column."""
    if value is None:
        return 0
    if isinstance(value, bool):
        raise Unreadable
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(
            value.strip().replace(",", "") if isinstance(value, str) else value)
    except (InvalidOperation, TypeError, ValueError):
        raise Unreadable from None
    if not number.is_finite() or number != number.to_integral_value() or not 0 <= number <= COUNT_MAX:
        raise Unreadable
    return int(number)


def property_count(properties: list, prop_type: int) -> int | None:
    total = None
    for prop in properties:
        if isinstance(prop, dict) and prop.get("PropTypeID") == prop_type:
            value = count(prop.get("IntValue"))
            total = value if total is None else total + value
    return total


def landing_columns(record: dict) -> dict[str, int]:
    """Issue 12's rule (reference §8): Landings is every landing, FullStopLandings day full stops only,
    NightLandings night full stops; night touch-and-goes are property 397, night takeoffs 73, all takeoffs 93."""
    properties = record.get("CustomProperties")
    properties = properties if isinstance(properties, list) else []
    landings, full_stop, night = count(record.get("Landings")), count(record.get("FullStopLandings")), count(
        record.get("NightLandings"))
    night_all = night + (property_count(properties, NIGHT_TOUCH_AND_GO) or 0)
    day_all = max(0, landings - night_all)
    night_takeoffs, takeoffs_any = property_count(properties, NIGHT_TAKEOFFS), property_count(properties, TAKEOFFS_ANY)
    night_off = night_all if night_takeoffs is None else night_takeoffs
    day_off = day_all if takeoffs_any is None else max(0, takeoffs_any - night_off)
    return {"day_landings": day_all, "night_landings": night_all, "day_full_stop_landings": full_stop,
            "night_full_stop_landings": night, "day_takeoffs": day_off, "night_takeoffs": night_off}


def recount(apps, schema_editor):
    Flight = apps.get_model("logbook", "Flight")
    batch = []
    rows = Flight.objects.filter(source="myflightbook", raw__isnull=False).only("id", "raw", *COLUMNS)
    for flight in rows.iterator(chunk_size=BATCH):
        if not isinstance(flight.raw, dict):
            continue
        try:
            counts = landing_columns(flight.raw)
        except Unreadable:
            continue  # the sync stored it, so this cannot happen; if it does, the row keeps its counts
        for column, value in counts.items():
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
