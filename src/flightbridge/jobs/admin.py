from django.contrib import admin

from flightbridge.jobs.models import SyncJob


@admin.register(SyncJob)
class SyncJobAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "owner", "scope", "status", "phase", "created_at", "finished_at")
    list_filter = ("kind", "status")
    readonly_fields = [f.name for f in SyncJob._meta.fields]

    def has_add_permission(self, request):
        return False
