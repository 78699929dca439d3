"""Sync routes: `POST /api/integrations/myflightbook/sync`, `GET /api/currency`, `GET /api/totals`.

Thin edges: start (or join) the pilot's one sync job, and read what the last sync stored. A sync never
runs inside a request; these routes return at once.
"""

from datetime import date, datetime
from decimal import Decimal

from ninja import Router, Schema, Status

from flightbridge.jobs.schemas import JobOut
from flightbridge.myflightbook import sync_status

router = Router(tags=["myflightbook"])


class CurrencyOut(Schema):
    kind: str
    label: str
    category: str
    status: str
    value: str
    discrepancy: str
    ipc_required: bool
    expires_on: date | None
    source: str
    synced_at: datetime


class TotalOut(Schema):
    source: str
    period: str
    dimension: str
    key: str
    description: str
    value: Decimal
    unit: str
    computed_at: datetime


@router.post(
    "/integrations/myflightbook/sync",
    response={202: JobOut},
    summary="Start a MyFlightbook sync (or get the one already queued or running)",
)
def start_sync(request):
    job, _created = sync_status.request_sync(request.auth)
    return Status(202, job)


@router.get("/currency", response=list[CurrencyOut], summary="Your FAA currency, as MyFlightbook reported it on the last sync")
def list_currency(request):
    return sync_status.currency_for(request.auth)


@router.get(
    "/totals",
    response=list[TotalOut],
    summary="Your totals: MyFlightbook's lifetime snapshot and the local trailing-12-month rollup",
)
def list_totals(request, source: str | None = None):
    return sync_status.totals_for(request.auth, source)
