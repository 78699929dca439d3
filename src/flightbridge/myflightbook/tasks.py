"""The `myflightbook.sync` job kind: load the job's owner, run the sync, report progress on the job row.

Thin: the work is in `sync.sync_user`. Never called inside a request; `request_job` enqueues it after
commit and guarantees at most one active sync per pilot.
"""

from flightbridge.jobs.services import JobContext, job_handler
from flightbridge.myflightbook import sync

SYNC_JOB_KIND = "myflightbook.sync"


@job_handler(SYNC_JOB_KIND)
def run_sync(context: JobContext) -> dict:
    return sync.sync_user(context.owner, job=context.job, report=context.report)
