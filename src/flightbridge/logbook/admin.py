from django.contrib import admin

from flightbridge.logbook.models import CurrencyRecord, Flight, LogbookImport, LogbookTotal, UserAircraft


@admin.register(Flight)
class FlightAdmin(admin.ModelAdmin):
    list_display = ("date", "owner", "departure", "destination", "tail_number", "total_flight_time", "source")
    list_filter = ("source", "simulator_type")
    search_fields = ("tail_number", "departure", "destination", "remarks", "external_id")
    date_hierarchy = "date"
    raw_id_fields = ("owner", "import_batch")
    readonly_fields = ("created_by_run",)  # Undo's record of the run that created it: never edited by hand


@admin.register(UserAircraft)
class UserAircraftAdmin(admin.ModelAdmin):
    list_display = ("registration", "owner", "model", "device_class", "source", "manual")
    list_filter = ("source", "manual", "device_class")


@admin.register(LogbookImport)
class LogbookImportAdmin(admin.ModelAdmin):
    list_display = ("id", "owner", "source", "status", "imported", "updated", "unchanged", "skipped", "failed", "started_at")
    list_filter = ("source", "status")
    readonly_fields = ("status",)


@admin.register(CurrencyRecord)
class CurrencyRecordAdmin(admin.ModelAdmin):
    list_display = ("label", "owner", "kind", "status", "expires_on")
    list_filter = ("kind", "status")


@admin.register(LogbookTotal)
class LogbookTotalAdmin(admin.ModelAdmin):
    list_display = ("description", "owner", "source", "dimension", "value", "unit", "period")
    list_filter = ("source", "dimension", "period")
