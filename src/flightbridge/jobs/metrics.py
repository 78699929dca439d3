"""The job queue as Prometheus sees it: counters around `run_job`, queue depth read at scrape time.

Queue depth is the number of `SyncJob` rows waiting (`queued`), by kind, read from the database when
scraped, so it is the same whichever process answers and whichever queue storage carries the messages.
A job's mode (`quick`/`full`) is what the job says it ran (its result or progress), else what it was
asked for (its params), else `quick`, the sync job's default. So `started` carries the mode asked and
`finished` the mode that ran (a pilot's first sync, or an escalated quick one, runs full).
"""

from __future__ import annotations

from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily

from flightbridge import metrics
from flightbridge.jobs.models import JobStatus, SyncJob


def job_mode(job: SyncJob, result: dict | None = None) -> str:
    for source in (result or {}, job.progress or {}, job.params or {}):
        mode = source.get("mode") if isinstance(source, dict) else None
        if mode in ("quick", "full"):
            return mode
    full = (job.params or {}).get("full")
    if isinstance(full, bool):  # asked as ?full=true|false
        return "full" if full else "quick"
    return "quick"


def job_started(job: SyncJob) -> None:
    metrics.SYNCS_STARTED.labels(kind=job.kind, mode=job_mode(job)).inc()


def job_finished(job: SyncJob, result: dict) -> None:
    metrics.SYNCS_FINISHED.labels(kind=job.kind, mode=job_mode(job, result)).inc()
    imported = result.get("imported") if job.kind == "myflightbook.sync" else None
    if isinstance(imported, int) and imported > 0:
        metrics.FLIGHTS_IMPORTED.inc(imported)


def job_failed(job: SyncJob, progress: dict, error: str) -> None:
    metrics.SYNCS_FAILED.labels(kind=job.kind, mode=job_mode(job, progress), error=error or "internal").inc()


class QueueCollector:
    def collect(self):
        depth = GaugeMetricFamily("flightbridge_job_queue_depth", "Jobs waiting for a worker, by kind", labels=["kind"])
        running = GaugeMetricFamily("flightbridge_jobs_running", "Jobs running now, by kind", labels=["kind"])
        counts = SyncJob.objects.filter(status__in=(JobStatus.QUEUED, JobStatus.RUNNING)).values("kind", "status")
        for row in counts.annotate(n=Count("pk")).order_by("kind"):
            (depth if row["status"] == JobStatus.QUEUED else running).add_metric([row["kind"]], row["n"])
        yield depth
        yield running
