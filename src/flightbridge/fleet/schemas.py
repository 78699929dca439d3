"""Request and response shapes of the aircraft model sync API. No shape here carries an API key out."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from ninja import Field, Schema
from pydantic import field_validator

from flightbridge.api_types import ObjectBody
from flightbridge.fleet.models import DataSourceConfig


class AircraftModelOut(Schema):
    id: int
    name: str
    manufacturer: str
    model_number: str
    description: str
    specifications: dict
    maintenance_requirements: list | dict
    external_id: str
    external_data_source: str
    has_external_source: bool
    last_synced_at: datetime | None
    created_at: datetime
    updated_at: datetime


class AircraftModelIn(ObjectBody):
    name: str | None = Field(None, max_length=200)
    manufacturer: str | None = Field(None, max_length=200)
    model_number: str | None = Field(None, max_length=100)
    description: str | None = None
    specifications: dict | None = None
    maintenance_requirements: list | dict | None = None
    external_id: str | None = Field(None, max_length=200)
    external_data_source: str | None = Field(None, max_length=100)
    preview: bool = Field(False, description="true: return the changes that would be applied and save nothing")

    @field_validator("name", "manufacturer", "model_number", "external_id", "external_data_source")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return value.strip() if isinstance(value, str) else value


class ModelChangeOut(Schema):
    preview: bool
    action: str = Field(description="create / update / unchanged in a preview; created / updated / unchanged otherwise")
    id: int | None
    changes: dict[str, dict] = Field(description='{field: {"old": …, "new": …}}; "old" only with read permission')
    model: AircraftModelOut | None = Field(None, description="the saved model, for callers who may read models")


SourceStatusIn = Literal["active", "inactive"]
DirectionIn = Literal["outbound", "inbound"]
FrequencyIn = Literal["manual", "hourly", "daily", "weekly"]
AuthTypeIn = Literal["api_key", "bearer", "basic", "none"]
KindIn = Literal["http", "faa_reference"]


class DataSourcePatch(ObjectBody):
    name: str | None = Field(None, min_length=1, max_length=100)
    endpoint: str | None = Field(None, max_length=500)
    status: SourceStatusIn | None = None
    direction: DirectionIn | None = None
    sync_frequency: FrequencyIn | None = None
    auth_type: AuthTypeIn | None = None
    username: str | None = Field(None, max_length=200)
    api_key: str | None = Field(None, max_length=4000, description='write-only; "" removes it, absent keeps it')

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is None:
            return value
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
        return value

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if not value:
            return value
        value = value.strip()
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL")
        return value


class DataSourceIn(DataSourcePatch):
    name: str = Field(min_length=1, max_length=100)
    kind: KindIn | None = Field(None, description='"http" (default): an endpoint in the feed format; "faa_reference": '
                                                 "the ACFTREF models of the loaded FAA registry (no endpoint, no key)")


class DataSourceOut(Schema):
    id: int
    name: str
    kind: str
    endpoint: str
    status: str
    direction: str
    sync_frequency: str
    auth_type: str
    username: str
    api_key: str | None = Field(description='"set" when the connection has an API key, else null; never the key')
    has_api_key: bool
    last_sync_at: datetime | None
    last_sync_status: str
    last_sync_message: str
    error_count: int
    next_sync_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_api_key(source: DataSourceConfig) -> str | None:
        return "set" if source.has_secret("api_key") else None

    @staticmethod
    def resolve_has_api_key(source: DataSourceConfig) -> bool:
        return source.has_secret("api_key")

    @staticmethod
    def resolve_next_sync_at(source: DataSourceConfig) -> datetime | None:
        from flightbridge.fleet.sources import next_sync_at

        return next_sync_at(source)


class ConnectionTestOut(Schema):
    ok: bool
    message: str
    count: int | None = None
    sample: list[str] | None = None


class SourcePreviewOut(Schema):
    source: str
    records: int
    pages: int
    counts: dict[str, int]
    items: list[dict[str, Any]]
    truncated: bool


class JobRef(Schema):
    source_id: int
    source: str
    job_id: int
    status: str
    created: bool = Field(description="false when a sync of this source was already queued or running")


class SyncAllOut(Schema):
    jobs: list[JobRef]


class SourceSummary(Schema):
    id: int
    name: str
    status: str
    direction: str
    sync_frequency: str
    last_sync_at: datetime | None
    last_sync_status: str
    last_sync_message: str
    error_count: int
    next_sync_at: datetime | None
    models: int


class SyncStatusOut(Schema):
    status: str = Field(description="active / inactive / degraded")
    connections: int
    active_connections: int
    last_sync_at: datetime | None
    last_sync_status: str
    last_sync_source: str | None
    error_count: int
    recent_error_count: int = Field(description="failed sync logs in the last 24 hours")
    models_with_sync: int
    sources: list[SourceSummary]


class SyncLogOut(Schema):
    id: int
    aircraft_model_id: int | None
    aircraft_model_name: str | None
    data_source_id: int | None
    data_source_name: str
    external_id: str
    action: str
    success: bool
    changes: dict
    error: str
    job_id: int | None
    created_at: datetime

    @staticmethod
    def resolve_aircraft_model_name(entry) -> str | None:
        return entry.aircraft_model.name if entry.aircraft_model_id and entry.aircraft_model else None
