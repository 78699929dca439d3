"""The `myflightbook.sync` job kind: sync the job owner's logbook through their stored connection.

Declared here, next to its handler, and registered in `MyFlightbookConfig.ready`; everything that
starts a sync asks this kind (`sync_logbook_job.request(owner=...)`). Thin: the work is in
`sync.sync_user`, which is handed the pilot's `LinkedAccount` instead of reaching for the stored
connection itself. Never run inside a request; `request_job` enqueues it after commit and keeps at
most one sync per pilot.
"""

from flightbridge.jobs.services import JobContext, job_kind
from flightbridge.myflightbook import sync, tokens


@job_kind("myflightbook.sync")
def sync_logbook_job(context: JobContext) -> dict:
    return sync.sync_user(context.owner, tokens.LinkedAccount(context.owner), job=context.job, report=context.report)
