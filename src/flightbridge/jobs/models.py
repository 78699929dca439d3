"""`SyncJob`: the row users and the API see for every background job. huey only carries the work.

Status is a state machine: `TRANSITIONS` is the only place that says which moves are allowed, and
`services.transition` the only code that moves it. At most one job per guard key (kind, owner,
scope) may be active, enforced by a partial unique index that SQLite and PostgreSQL both honour.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)
FINAL_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED)

TRANSITIONS: dict[str, frozenset[str]] = {
    JobStatus.QUEUED: frozenset({JobStatus.RUNNING, JobStatus.FAILED}),
    JobStatus.RUNNING: frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED}),
    JobStatus.SUCCEEDED: frozenset(),
    JobStatus.FAILED: frozenset(),
}


class SyncJob(models.Model):
    kind = models.CharField(max_length=64)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="jobs")
    scope = models.CharField(max_length=128, blank=True, default="", help_text="what the job is about, e.g. a data source")
    guard_key = models.CharField(max_length=255, editable=False)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, editable=False)
    phase = models.CharField(max_length=64, blank=True, default="")
    progress = models.JSONField(default=dict, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True, default="", help_text="what a pilot reads about the outcome")
    error = models.TextField(blank=True, default="", help_text="error code from flightbridge.errors")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["guard_key"],
                condition=Q(status__in=["queued", "running"]),
                name="one_active_job_per_guard_key",
            )
        ]
        indexes = [models.Index(fields=["owner", "kind", "-created_at"]), models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES
