"""Linking a pilot's MyFlightbook account: the card's status, the OAuth handshake, disconnecting.

Plain service functions; the routes in api.py and the card's views only call these. The handshake
burns its single-use `state`, trades the code at the token endpoint (`oauth`), stores the answer
through `tokens.store_grant` (the one place a token response is written) and requests the first
sync. Nothing here may log a token, a code or the client secret.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from flightbridge.errors import FatalError, TransientError
from flightbridge.myflightbook import oauth
from flightbridge.myflightbook.jobs import sync_logbook_job
from flightbridge.myflightbook.models import PROVIDER, ConnectionStatus, IntegrationToken, OAuthState
from flightbridge.myflightbook.tokens import NOT_CONFIGURED_HELP, store_grant, token_for

log = logging.getLogger(__name__)

STATE_LIFETIME = timedelta(minutes=10)
CALLBACK_PATH = "/api/integrations/myflightbook/callback"


class ConnectionFailed(FatalError):
    """The handshake did not complete; the message is for the pilot's eyes. Nothing was stored."""


def is_configured() -> bool:
    return settings.CONFIG.mfb_configured


def redirect_uri() -> str:
    return settings.PUBLIC_URL.rstrip("/") + CALLBACK_PATH


@dataclass(frozen=True)
class ConnectionInfo:
    """What the card and `GET /api/integrations/myflightbook` show. Never carries a token."""

    status: str  # not_configured | disconnected | connected | needs_reconnect
    message: str = ""
    scopes: tuple[str, ...] = ()
    connected_at: datetime | None = None
    expires_at: datetime | None = None
    account_name: str = ""
    base_url: str = ""

    @property
    def is_connected(self) -> bool:
        return self.status == ConnectionStatus.CONNECTED

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "message": self.message,
            "scopes": list(self.scopes),
            "connected_at": self.connected_at,
            "expires_at": self.expires_at,
            "account_name": self.account_name,
            "base_url": self.base_url,
        }


def connection_status(user) -> ConnectionInfo:
    base_url = settings.CONFIG.mfb_base_url
    if not is_configured():
        return ConnectionInfo(status="not_configured", message=NOT_CONFIGURED_HELP, base_url=base_url)
    row = token_for(user)
    if row is None:
        return ConnectionInfo(status="disconnected", message="Not connected to MyFlightbook.", base_url=base_url)
    message = row.status_message if row.status == ConnectionStatus.NEEDS_RECONNECT else ""
    return ConnectionInfo(
        status=row.status,
        message=message or ("Connected." if row.status == ConnectionStatus.CONNECTED else "Reconnect MyFlightbook."),
        scopes=tuple(row.scope_list),
        connected_at=row.connected_at,
        expires_at=row.expires_at,
        account_name=row.account_name,
        base_url=base_url,
    )


def _hash_state(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def start_authorization(user) -> str:
    """A fresh single-use `state` bound to `user`; returns MyFlightbook's authorize URL to redirect to."""
    if not is_configured():
        raise FatalError(NOT_CONFIGURED_HELP)
    now = timezone.now()
    state = secrets.token_urlsafe(32)
    with transaction.atomic():
        OAuthState.objects.filter(expires_at__lt=now).delete()  # housekeeping: abandoned attempts
        OAuthState.objects.create(
            owner=user, state_hash=_hash_state(state), redirect_uri=redirect_uri(), expires_at=now + STATE_LIFETIME
        )
    return oauth.authorization_url(
        settings.CONFIG.mfb_base_url, client_id=settings.CONFIG.mfb_client_id, redirect_uri=redirect_uri(), state=state
    )


def _consume_state(user, state: str) -> OAuthState:
    """Check and burn `state`: it works once, for the user who started it, within 10 minutes."""
    if not state:
        raise ConnectionFailed("MyFlightbook's answer had no state parameter, so it cannot be trusted. Start connecting again.")
    row = OAuthState.objects.filter(state_hash=_hash_state(state)).first()
    if row is None:
        raise ConnectionFailed(
            "This MyFlightbook sign-in link was already used or is unknown. Start connecting again from the logbook page."
        )
    if row.owner_id != user.pk:
        # Someone else's handshake: do not burn it, do not complete it.
        raise ConnectionFailed("This MyFlightbook sign-in was started by another FlightBridge user. Start connecting again.")
    # Conditional delete: of two racing callbacks with the same state only one gets a row count of 1.
    if OAuthState.objects.filter(pk=row.pk).delete()[0] != 1:
        raise ConnectionFailed("This MyFlightbook sign-in link was already used. Start connecting again.")
    if row.expires_at < timezone.now():
        raise ConnectionFailed("The MyFlightbook sign-in took longer than 10 minutes and expired. Start connecting again.")
    return row


def complete_authorization(user, *, code: str = "", state: str = "", error: str = "", http: httpx.Client | None = None) -> IntegrationToken:
    """Finish the handshake from the callback's query; raises ConnectionFailed with a message for the pilot.

    The state is burnt first (even when MyFlightbook refused), so a link never works twice. Tokens are
    stored only when every check passed; then the first sync is requested.
    """
    if not is_configured():
        raise ConnectionFailed(NOT_CONFIGURED_HELP)
    pending = _consume_state(user, state)
    if error:
        # MyFlightbook sends human text here ("User did not authorize you"), not an OAuth code.
        raise ConnectionFailed(f"MyFlightbook did not connect: {error.strip()[:200]}")
    if not code:
        raise ConnectionFailed("MyFlightbook's answer had no authorization code. Start connecting again.")
    config = settings.CONFIG
    try:
        grant = oauth.exchange_code(
            config.mfb_base_url, code=code, redirect_uri=pending.redirect_uri, client_id=config.mfb_client_id,
            client_secret=config.mfb_client_secret, http=http,
        )
    except FatalError as exc:
        raise ConnectionFailed(f"{exc} Start connecting again.") from None
    except TransientError as exc:  # network trouble or a 5xx: a message on the page, never a 500
        raise ConnectionFailed(f"Could not finish connecting to MyFlightbook. {exc}") from None
    missing = sorted(set(oauth.READ_SCOPES) - set(grant.scopes))
    row = store_grant(user.pk, grant, connected=True)
    if missing:
        log.info("MyFlightbook connection for user %s lacks scopes %s", user.pk, ",".join(missing))
    start_sync(user)
    return row


def disconnect(user) -> bool:
    """Forget the tokens (imported flights stay). True when there was a connection."""
    with transaction.atomic():
        OAuthState.objects.filter(owner=user).delete()
        deleted, _ = IntegrationToken.objects.filter(owner=user, provider=PROVIDER).delete()
    return deleted > 0


def start_sync(user):
    """Request the first (or next) sync job for `user` (a double click joins the one already queued)."""
    return sync_logbook_job.request(owner=user)
