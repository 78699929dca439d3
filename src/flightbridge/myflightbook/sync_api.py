"""Sync route: `POST /api/integrations/myflightbook/sync`.

Thin edge: start (or join) the pilot's one sync job. A sync never runs inside a request; this route
returns at once. What a sync stored (currency, totals) is read from the logbook app's routes.
"""

from ninja import Router, Status

from flightbridge.jobs.schemas import JobOut
from flightbridge.myflightbook import sync_status

router = Router(tags=["myflightbook"])


@router.post(
    "/integrations/myflightbook/sync",
    response={202: JobOut},
    summary="Start a MyFlightbook sync (or get the one already queued or running)",
)
def start_sync(request):
    job, _created = sync_status.request_sync(request.auth)
    return Status(202, job)
