"""huey tasks and job kinds for aircraft model sync: load ids, call the service. Nothing else lives here."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from flightbridge.fleet import services
from flightbridge.jobs.services import JobContext, job_handler


@job_handler(services.SYNC_SOURCE_JOB)
def sync_source_job(context: JobContext) -> dict:
    return services.sync_source(int(context.params["source_id"]), context=context)


@job_handler(services.SYNC_MODEL_JOB)
def sync_model_job(context: JobContext) -> dict:
    return services.sync_model(int(context.params["model_id"]), context=context)


@db_periodic_task(crontab(minute="*"))
def schedule_model_syncs_task() -> None:
    # Every worker may run this; the claim in schedule_due_syncs makes a second run a no-op.
    services.schedule_due_syncs()
