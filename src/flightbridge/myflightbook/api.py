"""`/api/integrations/myflightbook…`: connection routes here; the sync routes come from sync_api.

Thin: each route calls one function in `link`. The authorize and callback routes are visited
by the browser (session auth), so they answer with redirects and a message on the logbook page,
never with a token in a body or a URL.
"""

from datetime import datetime
from decimal import Decimal

from django.contrib import messages
from django.http import HttpResponseRedirect
from ninja import Router, Schema

from flightbridge.errors import FatalError
from flightbridge.myflightbook import link, sync_status
from flightbridge.myflightbook.sync_api import router as sync_router

router = Router(tags=["myflightbook"])

LOGBOOK_PAGE = "/logbook/"


class ConnectionOut(Schema):
    """The connection as the pilot may see it. Sync counts are added by the sync routes' extension point."""

    status: str  # not_configured | disconnected | connected | needs_reconnect
    message: str
    scopes: list[str]
    connected_at: datetime | None
    expires_at: datetime | None
    account_name: str
    base_url: str
    # Added by the sync: what the last syncs brought in, so the pilot can tell the right account is linked.
    synced_flights: int = 0
    synced_aircraft: int = 0
    synced_hours: Decimal = Decimal("0")
    last_sync_at: datetime | None = None
    last_sync_status: str = ""
    last_sync_message: str = ""
    sync_job_id: int | None = None
    sync_job_status: str = ""


def connection_payload(user) -> dict:
    """The status response as a dict; the sync side may add keys (synced counts) to what this returns."""
    return {**link.connection_status(user).as_dict(), **sync_status.synced_counts(user)}


@router.get("/integrations/myflightbook", response=ConnectionOut, summary="MyFlightbook connection status")
def connection_status(request):
    return connection_payload(request.auth)


@router.get("/integrations/myflightbook/authorize", response={302: None}, summary="Start connecting MyFlightbook (browser)")
def authorize(request):
    try:
        url = link.start_authorization(request.auth)
    except FatalError as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(LOGBOOK_PAGE)
    return HttpResponseRedirect(url)


@router.get("/integrations/myflightbook/callback", response={302: None}, summary="MyFlightbook's redirect back (browser)")
def callback(request, code: str = "", state: str = "", error: str = ""):
    try:
        link.complete_authorization(request.auth, code=code, state=state, error=error)
    except link.ConnectionFailed as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "MyFlightbook is connected. The first sync has started.")
    return HttpResponseRedirect(LOGBOOK_PAGE)


@router.post("/integrations/myflightbook/disconnect", response=ConnectionOut, summary="Forget the MyFlightbook tokens")
def disconnect(request):
    link.disconnect(request.auth)
    return connection_payload(request.auth)


router.add_router("", sync_router)
