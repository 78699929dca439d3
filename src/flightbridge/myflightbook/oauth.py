"""MyFlightbook's OAuth2 authorization-code flow: the authorize URL, the code exchange and the refresh.

Speaks MyFlightbook's dialect (reference §1): form fields with `client_id` and `client_secret` in the
form (MFB reads `client_id` before its OAuth library runs), errors that arrive as HTTP 200 with an
`error` key, plain-text 400s for bad clients, and an `expires_in` that may not be an integer. Authlib builds
the RFC 6749 requests; reading the answers is ours, because MyFlightbook's do not follow the RFC. It only
turns HTTP into a `TokenGrant` or an error from `flightbridge.errors`; storing it is `tokens.store_grant`'s job.
It must never log or put into an error a code, a secret or a token.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request

from flightbridge.errors import FatalError, NeedsReauth, TransientError

log = logging.getLogger(__name__)

AUTHORIZE_PATH = "/logbook/mvc/oAuth/Authorize"
TOKEN_PATH = "/logbook/mvc/oAuth/OAuthToken"

#: Read-only scopes, space separated as MyFlightbook expects. Never a write scope (addflight, addaircraft, images).
READ_SCOPES = ("currency", "totals", "readflight", "readaircraft", "visited", "namedqueries")

#: MyFlightbook's access tokens live 14 days; used when a response forgets `expires_in`.
DEFAULT_LIFETIME = timedelta(days=14)


class TokenEndpointError(FatalError):
    """The token endpoint refused (`error` says why: invalid_grant, invalid_request, http_400 …)."""

    def __init__(self, message: str, error: str):
        super().__init__(message)
        self.error = error


class GrantRevoked(NeedsReauth):
    """`invalid_grant` on refresh: the pilot revoked access or the grant is gone; only a reconnect helps."""


@dataclass(frozen=True)
class TokenGrant:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime | None
    scopes: tuple[str, ...]


def authorization_url(base_url: str, *, client_id: str, redirect_uri: str, state: str, scopes=READ_SCOPES) -> str:
    return prepare_grant_uri(
        f"{base_url.rstrip('/')}{AUTHORIZE_PATH}", client_id, "code", redirect_uri=redirect_uri,
        scope=" ".join(scopes), state=state,
    )


def _post_token(base_url: str, form: dict[str, str], http: httpx.Client | None, purpose: str) -> dict:
    url = base_url.rstrip("/") + TOKEN_PATH
    # client_secret_post: MyFlightbook reads the client id and secret from the form, not a Basic header.
    body = prepare_token_request(form.pop("grant_type"), **form)
    client = http or httpx.Client(timeout=30.0)
    try:
        response = client.post(url, content=body, headers={
            "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"})
    except httpx.TimeoutException:
        raise TransientError(f"MyFlightbook did not answer the {purpose} in time; try again.") from None
    except httpx.TransportError as exc:
        raise TransientError(f"Could not reach MyFlightbook for the {purpose} ({type(exc).__name__}); try again.") from None
    finally:
        if http is None:
            client.close()
    status = response.status_code
    if status == 429 or status >= 500:
        raise TransientError(f"MyFlightbook's token endpoint failed (HTTP {status}) during the {purpose}; try again.")
    try:
        body = json.loads(response.text) if response.text.strip() else None
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("error"):
        # MFB copies the OAuth library's body but not its status: errors come back as HTTP 200 too.
        error = str(body.get("error"))[:64]
        description = str(body.get("error_description") or "")[:200]
        raise TokenEndpointError(
            f"MyFlightbook refused the {purpose}: {error}" + (f" ({description})" if description else ""), error
        )
    if status != 200:
        text = " ".join(response.text.split())[:200] if response.text else f"HTTP {status}"
        raise TokenEndpointError(f"MyFlightbook refused the {purpose} (HTTP {status}): {text}", f"http_{status}")
    if not isinstance(body, dict) or not body.get("access_token"):
        raise TokenEndpointError(f"MyFlightbook's answer to the {purpose} had no access token.", "invalid_response")
    return body


def grant_from_response(body: dict, *, previous_refresh_token: str = "", requested=READ_SCOPES) -> TokenGrant:
    """A token endpoint's JSON answer as a `TokenGrant` (the newest refresh token wins)."""
    expires_at = None
    raw = body.get("expires_in")
    try:
        seconds = int(float(raw)) if raw not in (None, "") else None
    except (TypeError, ValueError):
        seconds = None
    now = datetime.now(timezone.utc)
    expires_at = now + (timedelta(seconds=seconds) if seconds is not None else DEFAULT_LIFETIME)
    scope_text = body.get("scope")
    scopes = tuple(str(scope_text).replace(",", " ").split()) if scope_text else tuple(requested)
    return TokenGrant(
        access_token=str(body["access_token"]),
        # MyFlightbook sends a new refresh token with every answer (the old one keeps working, reference
        # §8): take the new one. Only an answer without one falls back to the token just spent.
        refresh_token=str(body.get("refresh_token") or previous_refresh_token),
        expires_at=expires_at,
        scopes=scopes,
    )


def exchange_code(
    base_url: str, *, code: str, redirect_uri: str, client_id: str, client_secret: str, http: httpx.Client | None = None
) -> TokenGrant:
    """Trade the callback's `code` for tokens. Raises TransientError or TokenEndpointError."""
    body = _post_token(
        base_url,
        {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
         "client_id": client_id, "client_secret": client_secret},
        http,
        "sign-in",
    )
    return grant_from_response(body)


def refresh_grant(
    base_url: str, *, refresh_token: str, client_id: str, client_secret: str, scopes=READ_SCOPES,
    http: httpx.Client | None = None,
) -> TokenGrant:
    """A new access token from the refresh token. `invalid_grant` → GrantRevoked; 5xx/network → TransientError."""
    try:
        body = _post_token(
            base_url,
            {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id,
             "client_secret": client_secret},
            http,
            "token refresh",
        )
    except TokenEndpointError as exc:
        if exc.error == "invalid_grant":
            raise GrantRevoked(
                "MyFlightbook no longer accepts this connection (the access was revoked or has lapsed); "
                "reconnect MyFlightbook."
            ) from None
        raise
    return grant_from_response(body, previous_refresh_token=refresh_token, requested=scopes)
