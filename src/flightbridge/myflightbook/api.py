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
from pydantic import StrictBool

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
    last_sync_mode: str = ""  # quick | full
    last_sync_escalated: bool = False  # a quick sync that walked the whole logbook (docs/sync.md)
    auto_sync: bool = True  # the pilot's choice; off stops the scheduled syncs for this pilot
    auto_sync_minutes: int | None = None  # the deployment's period (MFB_AUTO_SYNC); null when off
    next_sync_at: datetime | None = None
    next_full_sync_at: datetime | None = None


class ConnectionSettingsIn(Schema):
    """What the pilot may change on the connection."""

    auto_sync: StrictBool  # true or false only: 0, "no" or "maybe" are refused, not guessed


def connection_payload(user) -> dict:
    """The status response as a dict; the sync side may add keys (synced counts) to what this returns."""
    return {**link.connection_status(user).as_dict(), **sync_status.synced_counts(user)}


@router.get("/integrations/myflightbook", response=ConnectionOut, summary="MyFlightbook connection status")
def connection_status(request):
    return connection_payload(request.auth)


@router.patch("/integrations/myflightbook", response=ConnectionOut, summary="Turn scheduled syncs on or off for you")
def update_connection(request, payload: ConnectionSettingsIn):
    sync_status.set_auto_sync(request.auth, payload.auto_sync)
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
