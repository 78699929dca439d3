"""The aircraft-model sync job kinds: sync one data source, sync one model. Load ids, call `runs`.

Declared here, next to their handlers, and registered in `FleetConfig.ready`; `schedule` requests
them through the kinds (`sync_source_job.request(...)`), so their names are written only here.
"""

from flightbridge.fleet import runs
from flightbridge.jobs.services import JobContext, job_kind


@job_kind("fleet.sync_source")
def sync_source_job(context: JobContext) -> dict:
    return runs.sync_source(int(context.params["source_id"]), context=context)


@job_kind("fleet.sync_model")
def sync_model_job(context: JobContext) -> dict:
    return runs.sync_model(int(context.params["model_id"]), context=context)
