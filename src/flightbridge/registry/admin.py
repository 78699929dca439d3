from django.contrib import admin

from flightbridge.registry.models import RegistryGeneration


@admin.register(RegistryGeneration)
class RegistryGenerationAdmin(admin.ModelAdmin):
    """Loads are made by `flightbridge registry load`; the admin only shows what each load reported."""

    list_display = ("id", "file_date", "loaded_at", "is_current", "aircraft", "deregistered", "bad_rows", "warnings", "seconds")
    readonly_fields = [f.name for f in RegistryGeneration._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
