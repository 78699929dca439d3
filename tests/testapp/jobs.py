"""Job kinds that exist only under the test settings (registered by `TestAppConfig.ready`, so worker
processes started by tests know them too)."""

import time

from flightbridge.errors import FatalError
from flightbridge.jobs.services import job_kind


@job_kind("test.sleep")
def sleep_job(context):
    seconds = float(context.params.get("seconds", 0))
    deadline = time.monotonic() + seconds
    ticks = 0
    while time.monotonic() < deadline:
        time.sleep(0.05)
        ticks += 1
    context.report(phase="slept", ticks=ticks)
    return {"slept": seconds, "message": f"Slept {seconds}s."}


@job_kind("test.fail")
def failing_job(context):
    raise FatalError("The source said no: try again later.")


@job_kind("test.crash")
def crashing_job(context):
    raise RuntimeError("secret-internal-detail")
