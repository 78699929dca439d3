"""The stored MyFlightbook connection: the one place a token response is written, and the tokens handed out.

Home Assistant splits OAuth into the token endpoint (ours: `oauth.py`, which only turns HTTP into a
`TokenGrant`) and the stored session (this module). `store_grant` is the only code that writes a
token response into an `IntegrationToken`, for the first sign-in, a reconnect and every refresh
alike, and it always stores the newest refresh token: MyFlightbook sends a new one with every token
response while the old one keeps working (reference §8), so keeping the old one would only stay
correct by luck. `StoredTokenProvider` hands the client the access token for one request and
refreshes it under the `MFB_TOKEN_REFRESH` lock, so two workers sharing a connection never both
spend the refresh token. `LinkedAccount` is what the sync is given: a client, and the two things the
sync reports back (the account name it saw, a grant that is gone). `invalid_grant` or a missing
refresh token moves the connection to `needs_reconnect`, and nothing retries blindly.

Nothing here may log a token, a code or the client secret.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from flightbridge.errors import FatalError, NeedsReauth
from flightbridge.locks import MFB_TOKEN_REFRESH, hold
from flightbridge.myflightbook import oauth
from flightbridge.myflightbook.client import MyFlightbookClient
from flightbridge.myflightbook.models import PROVIDER, ConnectionStatus, IntegrationToken
from flightbridge.myflightbook.pacing import gate_for

log = logging.getLogger(__name__)

#: Refresh this long before the recorded expiry, so a token never expires mid-call.
REFRESH_LEEWAY = timedelta(seconds=60)

NOT_CONFIGURED_HELP = (
    "MyFlightbook is not configured on this server. The operator must register an OAuth client on "
    "MyFlightbook (https://myflightbook.com/logbook/mvc/oAuth) and set MFB_CLIENT_ID and MFB_CLIENT_SECRET "
    "(and MFB_BASE_URL for a sandbox or staging server); see the README, \"Connecting MyFlightbook\"."
)


def token_for(user) -> IntegrationToken | None:
    return IntegrationToken.objects.filter(owner=user, provider=PROVIDER).first()


def store_grant(owner_id: int, grant: oauth.TokenGrant, *, connected: bool) -> IntegrationToken:
    """Write a token response into the pilot's connection row (created if missing) and commit it.

    `connected=True` for a sign-in or reconnect: the row becomes connected again and `connected_at`
    restarts. `connected=False` for a refresh: only the tokens, expiry, scopes and `refreshed_at`
    change. The refresh token stored is always the one in this response (or, if MyFlightbook left it
    out, the one just spent: `oauth` puts that into the grant).
    """
    with transaction.atomic():
        row = IntegrationToken.objects.select_for_update().filter(owner_id=owner_id, provider=PROVIDER).first()
        if row is None:
            if not connected:
                raise NeedsReauth("MyFlightbook was disconnected; connect it again to sync.")
            row = IntegrationToken(owner_id=owner_id, provider=PROVIDER)
        row.set_secret("access_token", grant.access_token)
        row.set_secret("refresh_token", grant.refresh_token)
        row.expires_at = grant.expires_at
        row.scopes = " ".join(grant.scopes)
        if connected:
            row.move_to(ConnectionStatus.CONNECTED)
            row.connected_at = timezone.now()
            row.refreshed_at = None
        else:
            row.refreshed_at = timezone.now()
        row.save()
    return row


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
    """Hands `MyFlightbookClient` the stored access token, refreshing it under the connection's lock.

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
        with hold(MFB_TOKEN_REFRESH, str(self.token_id)):
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
            store_grant(row.owner_id, grant, connected=False)  # committed before the lock is released
            log.info("MyFlightbook connection %s: access token refreshed", row.pk)
            self._token, self._expires_at = grant.access_token, grant.expires_at
            return grant.access_token


def client_for(user, **options: Any) -> MyFlightbookClient:
    """A paced, read-only client for `user`'s connection. NeedsReauth when not connected, FatalError when not configured.

    `mode` (`quick` by default, or `full`) is the sync's priority in the call budget; the other
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
    # The sync's mode is its priority in the deployment's call budget (a full walk yields to quick syncs).
    mode = options.pop("mode", "quick")
    # Pacing is per MyFlightbook account; one connection row is one account for this pilot.
    options.setdefault("gate", gate_for(f"connection-{row.pk}", min_interval_ms, mode=mode))
    return MyFlightbookClient(
        config.mfb_base_url, StoredTokenProvider(row.pk, http=options.pop("token_http", None)), min_interval_ms, **options
    )


class LinkedAccount:
    """`user`'s stored MyFlightbook connection as the sync sees it (the sync's `AccountPort`).

    The sync is handed this instead of importing the connection code: it asks for a client and
    reports what it learns, and never writes the connection row itself.
    """

    def __init__(self, user, **client_options: Any):
        self.user = user
        self._client_options = client_options

    def __repr__(self) -> str:
        return f"LinkedAccount(user={self.user.pk})"

    def client(self) -> MyFlightbookClient:
        # Looked up at call time, so tests can swap `client_for` for one with shorter waits.
        return client_for(self.user, **self._client_options)

    def record_account_name(self, name: str) -> None:
        record_account_name(self.user, name)

    def mark_needs_reconnect(self, message: str) -> None:
        row = token_for(self.user)
        if row is not None:
            mark_needs_reconnect(row.pk, message)
