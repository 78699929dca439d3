"""The `myflightbook.sync` job kind: sync the job owner's logbook through their stored connection.

Declared here, next to its handler, and registered in `MyFlightbookConfig.ready`; everything that
starts a sync asks this kind (`sync_logbook_job.request(owner=...)`). Thin: the work is in
`sync.sync_user`, which is handed the pilot's `LinkedAccount` instead of reaching for the stored
connection itself. Never run inside a request; `request_job` enqueues it after commit and keeps at
most one sync per pilot. The job's `params["mode"]` is `quick` (the default) or `full`; a first sync
is full whatever was asked. The mode is also the sync's priority in the deployment's call budget.
"""

from flightbridge.jobs.services import JobContext, job_kind
from flightbridge.myflightbook import sync, tokens
from flightbridge.myflightbook.remote_memory import FULL, QUICK


@job_kind("myflightbook.sync")
def sync_logbook_job(context: JobContext) -> dict:
    mode = FULL if context.params.get("mode") == FULL else QUICK
    return sync.sync_user(context.owner, tokens.LinkedAccount(context.owner, mode=mode), job=context.job, report=context.report,
                          mode=mode)
