"""The job queue as Prometheus sees it: counters around `run_job`, queue depth read at scrape time.

Queue depth is the number of `SyncJob` rows waiting (`queued`), by kind, read from the database when
scraped, so it is the same whichever process answers and whichever queue storage carries the messages.
A job's `mode` label (`quick`/`full`) is the mode it was asked for (its params, else `quick`, the sync
job's default), the same on `started`, `finished` and `failed`, so started − finished − failed per mode
is the number running. What ran is counted apart: `flightbridge_syncs_ran_full_total` counts the syncs
asked quick that walked the whole logbook (a pilot's first sync, or one the tripwire escalated), by why.
"""

from __future__ import annotations

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily

from flightbridge import metrics
from flightbridge.jobs.models import JobStatus, SyncJob


def job_mode(job: SyncJob) -> str:
    """The mode the job was asked for."""
    params = job.params if isinstance(job.params, dict) else {}
    if params.get("mode") in ("quick", "full"):
        return params["mode"]
    full = params.get("full")
    if isinstance(full, bool):  # asked as ?full=true|false
        return "full" if full else "quick"
    return "quick"


def job_started(job: SyncJob) -> None:
    metrics.SYNCS_STARTED.labels(kind=job.kind, mode=job_mode(job)).inc()


def job_finished(job: SyncJob, result: dict) -> None:
    asked = job_mode(job)
    metrics.SYNCS_FINISHED.labels(kind=job.kind, mode=asked).inc()
    if asked == "quick" and result.get("mode") == "full":
        metrics.SYNCS_RAN_FULL.labels(kind=job.kind, why="escalated" if result.get("escalated") else "first sync").inc()
    imported = result.get("imported") if job.kind == "myflightbook.sync" else None
    if isinstance(imported, int) and imported > 0:
        metrics.FLIGHTS_IMPORTED.inc(imported)


def job_failed(job: SyncJob, progress: dict, error: str) -> None:
    metrics.SYNCS_FAILED.labels(kind=job.kind, mode=job_mode(job), error=error or "internal").inc()


class QueueCollector:
    def collect(self):
        depth = GaugeMetricFamily("flightbridge_job_queue_depth", "Jobs waiting for a worker, by kind", labels=["kind"])
        running = GaugeMetricFamily("flightbridge_jobs_running", "Jobs running now, by kind", labels=["kind"])
        counts = SyncJob.objects.filter(status__in=(JobStatus.QUEUED, JobStatus.RUNNING)).values("kind", "status")
        for row in counts.annotate(n=Count("pk")).order_by("kind"):
            (depth if row["status"] == JobStatus.QUEUED else running).add_metric([row["kind"]], row["n"])
        yield depth
        yield running
