"""Admin lists for aircraft model sync. The API key is never shown; status is not editable here."""

from django.contrib import admin

from flightbridge.fleet.models import AircraftModel, DataSourceConfig, SyncLog


@admin.register(AircraftModel)
class AircraftModelAdmin(admin.ModelAdmin):
    list_display = ("name", "manufacturer", "model_number", "external_data_source", "external_id", "last_synced_at")
    list_filter = ("external_data_source",)
    search_fields = ("name", "manufacturer", "model_number", "external_id")


@admin.register(DataSourceConfig)
class DataSourceConfigAdmin(admin.ModelAdmin):
    list_display = ("name", "endpoint", "status", "direction", "auth_type", "sync_frequency", "last_sync_at",
                    "last_sync_status", "error_count")
    readonly_fields = ("status", "last_sync_at", "last_sync_status", "last_sync_message", "error_count", "api_key_state")
    exclude = ("api_key",)

    @admin.display(description="API key")
    def api_key_state(self, source):
        return "set (change it through the API)" if source.has_secret("api_key") else "not set"


@admin.register(SyncLog)
class SyncLogAdmin(admin.ModelAdmin):
    list_display = ("created_at", "data_source_name", "external_id", "action", "success")
    list_filter = ("action", "success", "data_source_name")
    readonly_fields = [f.name for f in SyncLog._meta.fields]
