"""huey tasks for aircraft model sync: the periodic scheduler. Nothing else lives here (the job kinds are in jobs.py)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from flightbridge.fleet import schedule


@db_periodic_task(crontab(minute="*"))
def schedule_model_syncs_task() -> None:
    # Every worker may run this; the claim in schedule_due_syncs makes a second run a no-op.
    schedule.schedule_due_syncs()
