"""Aircraft model sync records: shared `AircraftModel`s, the `DataSourceConfig`s they come from, `SyncLog`s.

An `AircraftModel` is reference data about a type (a Cessna 172S), not a pilot's aircraft: it has no
owner. Models from a source are identified by `(external_data_source, external_id)`, and the source's
`name` *is* that `external_data_source` value, so one source can never touch another's models.
A data source's API key lives only sealed in the vault; nothing here may return, log or repr it.
Its `status` is a state machine (`SOURCE_TRANSITIONS`), moved only by `sources.move_source_status`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from flightbridge.vault.crypto import PREFIX as SEALED_PREFIX
from flightbridge.vault.models import SealedSecretsModel

#: the fields a data source may set on an aircraft model (the seed's "syncable fields")
SYNCABLE_FIELDS = ("name", "manufacturer", "model_number", "description", "specifications", "maintenance_requirements")


class AircraftModel(models.Model):
    name = models.CharField(max_length=200)
    manufacturer = models.CharField(max_length=200, blank=True, default="")
    model_number = models.CharField(max_length=100, blank=True, default="")
    description = models.TextField(blank=True, default="")
    specifications = models.JSONField(default=dict, blank=True)
    maintenance_requirements = models.JSONField(default=list, blank=True)
    external_id = models.CharField(max_length=200, blank=True, default="", help_text="the model's id at its data source")
    external_data_source = models.CharField(
        max_length=100, blank=True, default="", help_text="the name of the data source configuration it came from"
    )
    last_synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "aircraft model"
        ordering = ["manufacturer", "name", "id"]
        constraints = [
            # Blank external ids are hand-made models; only sourced models must be unique per source.
            models.UniqueConstraint(
                fields=["external_data_source", "external_id"],
                condition=~Q(external_id=""),
                name="one_model_per_source_and_external_id",
            )
        ]
        indexes = [models.Index(fields=["external_data_source", "external_id"], name="fleet_model_source_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def has_external_source(self) -> bool:
        return bool(self.external_id and self.external_data_source)


class SourceStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    DEGRADED = "degraded", "Degraded"


#: degraded is not a switch an administrator flips: a sync run with failures moves an active source
#: there and a clean run moves it back; deactivating is allowed from either.
SOURCE_TRANSITIONS: dict[str, frozenset[str]] = {
    SourceStatus.ACTIVE: frozenset({SourceStatus.INACTIVE, SourceStatus.DEGRADED}),
    SourceStatus.DEGRADED: frozenset({SourceStatus.ACTIVE, SourceStatus.INACTIVE}),
    SourceStatus.INACTIVE: frozenset({SourceStatus.ACTIVE}),
}

#: statuses a sync may run from (a degraded source is still configured to sync; that is how it recovers)
SYNCABLE_STATUSES = (SourceStatus.ACTIVE, SourceStatus.DEGRADED)


class Direction(models.TextChoices):
    OUTBOUND = "outbound", "Outbound (FlightBridge pulls from the endpoint)"
    INBOUND = "inbound", "Inbound (the source pushes; not synced by FlightBridge)"


class AuthType(models.TextChoices):
    API_KEY = "api_key", "API key header (X-API-Key)"
    BEARER = "bearer", "Bearer token (Authorization: Bearer)"
    BASIC = "basic", "HTTP basic (username + API key as password)"
    NONE = "none", "None"


#: auth types that cannot work without the connection's own API key
AUTH_TYPES_NEEDING_KEY = (AuthType.API_KEY, AuthType.BEARER, AuthType.BASIC)


class SyncFrequency(models.TextChoices):
    MANUAL = "manual", "Manual only"
    HOURLY = "hourly", "Every hour"
    DAILY = "daily", "Every day"
    WEEKLY = "weekly", "Every week"


FREQUENCY_MINUTES = {SyncFrequency.HOURLY: 60, SyncFrequency.DAILY: 24 * 60, SyncFrequency.WEEKLY: 7 * 24 * 60}


class LastSyncStatus(models.TextChoices):
    NEVER = "never", "Never synced"
    SUCCEEDED = "succeeded", "Succeeded"
    PARTIAL = "partial", "Some records failed"
    FAILED = "failed", "Failed"


class SourceKind(models.TextChoices):
    HTTP = "http", "Web endpoint (the aircraft model feed format)"
    #: built in: reads the ACFTREF rows of the loaded FAA registry; no endpoint, no key (`fleet.faa`)
    FAA_REFERENCE = "faa_reference", "FAA aircraft reference (ACFTREF of the loaded FAA registry)"


class DataSourceConfig(SealedSecretsModel):
    """An integration connection to an external aircraft model source."""

    sealed_fields = ("api_key",)

    name = models.CharField(max_length=100, unique=True, help_text="also the external_data_source value models match on")
    kind = models.CharField(max_length=16, choices=SourceKind.choices, default=SourceKind.HTTP)
    endpoint = models.URLField(max_length=500, blank=True, default="")
    status = models.CharField(max_length=16, choices=SourceStatus.choices, default=SourceStatus.ACTIVE, editable=False)
    direction = models.CharField(max_length=16, choices=Direction.choices, default=Direction.OUTBOUND)
    sync_frequency = models.CharField(max_length=16, choices=SyncFrequency.choices, default=SyncFrequency.MANUAL)
    auth_type = models.CharField(max_length=16, choices=AuthType.choices, default=AuthType.API_KEY)
    username = models.CharField(max_length=200, blank=True, default="", help_text="for HTTP basic authentication only")
    api_key = models.TextField(blank=True, default="", editable=False, help_text="sealed by the vault; never shown")
    last_sync_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_sync_status = models.CharField(
        max_length=16, choices=LastSyncStatus.choices, default=LastSyncStatus.NEVER, editable=False
    )
    last_sync_message = models.TextField(blank=True, default="", editable=False)
    #: when the scheduler last claimed a run; the conditional update on it is what stops double scheduling
    last_scheduled_at = models.DateTimeField(null=True, blank=True, editable=False)
    error_count = models.PositiveIntegerField(default=0, editable=False, help_text="failures since the last clean sync")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "integration connection"
        ordering = ["name"]
        # view/add/change/delete come by default ("read", "create/update" integration connections);
        # managing (test, sync) is its own permission, deliberately not implied by any of them.
        permissions = [("manage_datasourceconfig", "Can manage integration connections (test, sync)")]

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<DataSourceConfig {self.pk} {self.name!r} {self.status}>"

    def clean(self) -> None:
        # The admin's form: the same SSRF check the API makes (`fleet.outbound`), named on the field.
        from django.core.exceptions import ValidationError

        from flightbridge.fleet.outbound import RefusedAddress, check_endpoint

        if self.endpoint:
            try:
                check_endpoint(self.endpoint)
            except RefusedAddress as exc:
                raise ValidationError({"endpoint": str(exc)}) from None

    def save(self, *args, **kwargs) -> None:
        # A key assigned in clear (`DataSourceConfig(api_key="…")`, a shell session) is sealed here, so
        # plaintext can never reach the table whichever way the row was made.
        if self.api_key and not self.api_key.startswith(f"{SEALED_PREFIX}."):
            self.set_secret("api_key", self.api_key)
        super().save(*args, **kwargs)

    @property
    def needs_api_key(self) -> bool:
        return self.kind == SourceKind.HTTP and self.auth_type in AUTH_TYPES_NEEDING_KEY

    @property
    def is_faa_reference(self) -> bool:
        return self.kind == SourceKind.FAA_REFERENCE

    @property
    def is_syncable(self) -> bool:
        return self.status in SYNCABLE_STATUSES and self.direction == Direction.OUTBOUND


class SyncAction(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    UNCHANGED = "unchanged", "Unchanged"
    FAILED = "failed", "Failed"


class SyncLog(models.Model):
    """One record's outcome in one sync (or the whole run's failure, with no model)."""

    aircraft_model = models.ForeignKey(
        AircraftModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="sync_logs"
    )
    data_source = models.ForeignKey(
        DataSourceConfig, null=True, blank=True, on_delete=models.SET_NULL, related_name="sync_logs"
    )
    #: kept when the source or model is deleted, so old logs still say where a change came from
    data_source_name = models.CharField(max_length=100, blank=True, default="")
    external_id = models.CharField(max_length=200, blank=True, default="")
    action = models.CharField(max_length=16, choices=SyncAction.choices)
    success = models.BooleanField(default=True)
    changes = models.JSONField(default=dict, blank=True, help_text="{field: [old, new]}")
    error = models.TextField(blank=True, default="")
    job_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "aircraft model sync log"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["success", "-created_at"], name="fleet_log_success_idx"),
            models.Index(fields=["data_source", "-created_at"], name="fleet_log_source_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.data_source_name}:{self.external_id} {self.action}"
