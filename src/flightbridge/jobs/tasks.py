"""huey tasks for jobs: load the id, call the service. Nothing else lives here."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, on_startup

from flightbridge.jobs import exports, files, services


@db_task(retries=0)
def run_job_task(job_id: int) -> None:
    services.run_job(job_id)


@db_periodic_task(crontab(minute="*"))
def watch_jobs_task() -> None:
    services.reap_stale_jobs()
    services.resend_lost_jobs()
    files.sweep()
    exports.sweep()


@on_startup()
def reap_on_worker_start() -> None:
    # A worker that starts after a crash frees the pilot from the dead worker's job at once.
    from django.db import close_old_connections

    close_old_connections()
    services.reap_stale_jobs()
