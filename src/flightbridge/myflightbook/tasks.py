"""huey tasks for MyFlightbook: the scheduled-sync tick. Nothing else lives here (the job kind is in jobs.py).

Periodic tasks run in the worker's consumer (`flightbridge worker`, and the worker `flightbridge serve`
starts), whose scheduler is on; `MyFlightbookConfig.ready` imports this module so the task is known in
every process.
"""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from flightbridge.myflightbook import autosync


@db_periodic_task(crontab(minute="*"))
def schedule_logbook_syncs_task() -> None:
    # Every worker may run this each minute; the claim in schedule_due_syncs makes a second run a no-op.
    autosync.schedule_due_syncs()
