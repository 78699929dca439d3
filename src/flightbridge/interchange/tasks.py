"""huey tasks for logbook files: the minute sweep of staged uploads past their time."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from flightbridge import staging


@db_periodic_task(crontab(minute="*"))
def sweep_staged_uploads_task() -> None:
    staging.sweep()
