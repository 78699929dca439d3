"""Sync routes: `POST /api/integrations/myflightbook/sync`, `POST /api/imports/{id}/take-myflightbook`.

Thin edges: start (or join) the pilot's one sync job (a sync never runs inside a request; this route
returns at once), and take MyFlightbook's version of flights a sync listed as changed there (no call to
MyFlightbook: the sync kept the version). What a sync stored (currency, totals) is read from the logbook
app's routes.
"""

from ninja import Field, Router, Schema, Status

from flightbridge.jobs.schemas import JobOut
from flightbridge.logbook.schemas import ImportSummaryOut
from flightbridge.logbook.services import import_run_summary
from flightbridge.myflightbook import changes, sync_status

router = Router(tags=["myflightbook"])


@router.post(
    "/integrations/myflightbook/sync",
    response={202: JobOut},
    summary="Start a MyFlightbook sync (or get the one already queued or running)",
)
def start_sync(request):
    job, _created = sync_status.request_sync(request.auth)
    return Status(202, job)


class TakeIn(Schema):
    flight_ids: list[int] | None = Field(None, description="flights to take; omitted (`{}`): every flight the run lists as changed")


class NotTakenOut(Schema):
    flight_id: int
    reason: str


class TakeOut(Schema):
    run: ImportSummaryOut
    taken: list[int] = Field(description="flights now holding MyFlightbook's version (Undo of the run puts yours back)")
    not_taken: list[NotTakenOut]


@router.post(
    "/imports/{import_id}/take-myflightbook",
    response=TakeOut,
    summary="Take MyFlightbook's version of flights this sync listed as changed on MyFlightbook",
)
def take_myflightbook(request, import_id: int, body: TakeIn):
    result = changes.take_myflightbook_versions(request.auth, import_id, body.flight_ids)
    return {"run": import_run_summary(result.run), "taken": result.taken, "not_taken": result.not_taken}
