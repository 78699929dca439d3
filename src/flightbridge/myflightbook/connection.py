"""A pilot's MyFlightbook connection: status, the OAuth handshake, the token lifecycle, `client_for(user)`.

Plain service functions; the routes in api.py only call these. Tokens are sealed in `IntegrationToken`
and only ever leave it inside `StoredTokenProvider`, which hands them to the client for one request.
A refresh happens under a per-connection lock that holds across processes, so two workers sharing a
connection never both spend the refresh token. `invalid_grant` or a missing refresh token moves the
connection to `needs_reconnect` and nothing retries blindly. Nothing here may log a token, a code or
the client secret.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from flightbridge.errors import FatalError, NeedsReauth, TransientError
from flightbridge.myflightbook import oauth
from flightbridge.myflightbook.client import MyFlightbookClient
from flightbridge.myflightbook.locks import connection_lock, gate_for
from flightbridge.myflightbook.models import PROVIDER, ConnectionStatus, IntegrationToken, OAuthState

log = logging.getLogger(__name__)

STATE_LIFETIME = timedelta(minutes=10)
#: Refresh this long before the recorded expiry, so a token never expires mid-call.
REFRESH_LEEWAY = timedelta(seconds=60)
CALLBACK_PATH = "/api/integrations/myflightbook/callback"
SYNC_JOB_KIND = "myflightbook.sync"

NOT_CONFIGURED_HELP = (
    "MyFlightbook is not configured on this server. The operator must register an OAuth client on "
    "MyFlightbook (https://myflightbook.com/logbook/mvc/oAuth) and set MFB_CLIENT_ID and MFB_CLIENT_SECRET "
    "(and MFB_BASE_URL for a sandbox or staging server); see the README, \"Connecting MyFlightbook\"."
)


class ConnectionFailed(FatalError):
    """The handshake did not complete; the message is for the pilot's eyes. Nothing was stored."""


def is_configured() -> bool:
    return settings.CONFIG.mfb_configured


def redirect_uri() -> str:
    return settings.PUBLIC_URL.rstrip("/") + CALLBACK_PATH


def token_for(user) -> IntegrationToken | None:
    return IntegrationToken.objects.filter(owner=user, provider=PROVIDER).first()


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
    with transaction.atomic():
        row = IntegrationToken.objects.select_for_update().filter(owner=user, provider=PROVIDER).first()
        if row is None:
            row = IntegrationToken(owner=user, provider=PROVIDER)
        row.set_secret("access_token", grant.access_token)
        row.set_secret("refresh_token", grant.refresh_token)
        row.expires_at = grant.expires_at
        row.scopes = " ".join(grant.scopes)
        row.move_to(ConnectionStatus.CONNECTED)
        row.connected_at = timezone.now()
        row.refreshed_at = None
        row.save()
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
    """Request the first (or next) sync job for `user`; the sync app registers the handler in tasks.py."""
    from flightbridge.jobs.services import request_job

    try:  # make sure the handler is registered in this (web) process too
        importlib.import_module("flightbridge.myflightbook.tasks")
    except ModuleNotFoundError as exc:
        if exc.name != "flightbridge.myflightbook.tasks":
            raise
    return request_job(SYNC_JOB_KIND, owner=user)


def record_account_name(user, name: str) -> None:
    """Remember the MyFlightbook username once a response reveals it (LogbookEntry `User`)."""
    if name:
        IntegrationToken.objects.filter(owner=user, provider=PROVIDER).exclude(account_name=name).update(account_name=name[:150])


def mark_needs_reconnect(token_id: int, message: str) -> None:
    with transaction.atomic():
        row = IntegrationToken.objects.select_for_update().filter(pk=token_id).first()
        if row is not None:
            row.move_to(ConnectionStatus.NEEDS_RECONNECT, message)
            row.save(update_fields=["status", "status_message", "updated_at"])
    log.warning("MyFlightbook connection %s needs a reconnect: %s", token_id, message)


class StoredTokenProvider:
    """Hands `MyFlightbookClient` the stored access token, refreshing it under the connection lock.

    Call the client outside an open transaction: a refreshed token must be committed before the lock
    is released, or a second process would spend the old refresh token.
    """

    def __init__(self, token_id: int, *, http: httpx.Client | None = None):
        self.token_id = token_id
        self._http = http
        self._token: str | None = None
        self._expires_at: datetime | None = None

    def __repr__(self) -> str:
        return f"StoredTokenProvider(connection={self.token_id})"

    def _fresh(self, expires_at: datetime | None) -> bool:
        return expires_at is None or expires_at - REFRESH_LEEWAY > timezone.now()

    def _load(self) -> IntegrationToken:
        row = IntegrationToken.objects.filter(pk=self.token_id).first()
        if row is None:
            raise NeedsReauth("MyFlightbook was disconnected; connect it again to sync.")
        if row.status == ConnectionStatus.NEEDS_RECONNECT:
            raise NeedsReauth(row.status_message or "Reconnect MyFlightbook.")
        return row

    def access_token(self) -> str:
        if self._token is not None and self._fresh(self._expires_at):
            return self._token
        row = self._load()
        secret = row.get_secret("access_token")
        if secret is not None and self._fresh(row.expires_at):
            self._token, self._expires_at = secret.reveal(), row.expires_at
            return self._token
        return self._refresh(rejected=None)

    def refresh_after_rejection(self, rejected: str) -> str:
        return self._refresh(rejected=rejected)

    def _refresh(self, rejected: str | None) -> str:
        with connection_lock(f"refresh-{self.token_id}"):
            row = self._load()  # re-read under the lock: another process may have refreshed already
            current = row.get_secret("access_token")
            current_value = current.reveal() if current is not None else None
            if current_value is not None:
                if rejected is None and self._fresh(row.expires_at):
                    self._token, self._expires_at = current_value, row.expires_at
                    return current_value
                if rejected is not None and current_value != rejected:
                    self._token, self._expires_at = current_value, row.expires_at
                    return current_value
            refresh_secret = row.get_secret("refresh_token")
            if refresh_secret is None:
                message = "MyFlightbook gave no refresh token and the access token expired; reconnect MyFlightbook."
                mark_needs_reconnect(row.pk, message)
                raise NeedsReauth(message)
            config = settings.CONFIG
            try:
                grant = oauth.refresh_grant(
                    config.mfb_base_url, refresh_token=refresh_secret.reveal(), client_id=config.mfb_client_id,
                    client_secret=config.mfb_client_secret, scopes=tuple(row.scope_list) or oauth.READ_SCOPES,
                    http=self._http,
                )
            except oauth.GrantRevoked as exc:
                mark_needs_reconnect(row.pk, str(exc))
                raise
            with transaction.atomic():
                row.set_secret("access_token", grant.access_token)
                row.set_secret("refresh_token", grant.refresh_token)
                row.expires_at = grant.expires_at
                row.scopes = " ".join(grant.scopes)
                row.refreshed_at = timezone.now()
                row.save(update_fields=["access_token", "refresh_token", "expires_at", "scopes", "refreshed_at", "updated_at"])
            log.info("MyFlightbook connection %s: access token refreshed", row.pk)
            self._token, self._expires_at = grant.access_token, grant.expires_at
            return grant.access_token


def client_for(user, **options: Any) -> MyFlightbookClient:
    """A paced, read-only client for `user`'s connection. NeedsReauth when not connected, FatalError when not configured.

    `options` go to MyFlightbookClient (e.g. `transport`, `max_attempts` in tests).
    """
    config = settings.CONFIG
    if not config.mfb_configured:
        raise FatalError(NOT_CONFIGURED_HELP)
    row = token_for(user)
    if row is None:
        raise NeedsReauth("MyFlightbook is not connected; connect it from the logbook page first.")
    if row.status == ConnectionStatus.NEEDS_RECONNECT:
        raise NeedsReauth(row.status_message or "Reconnect MyFlightbook.")
    min_interval_ms = options.pop("min_interval_ms", config.mfb_min_call_interval_ms)
    # Pacing is per MyFlightbook account; one connection row is one account for this pilot.
    options.setdefault("gate", gate_for(f"connection-{row.pk}", min_interval_ms))
    return MyFlightbookClient(
        config.mfb_base_url, StoredTokenProvider(row.pk, http=options.pop("token_http", None)), min_interval_ms, **options
    )
