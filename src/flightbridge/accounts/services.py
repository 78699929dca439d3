"""Create, check and revoke personal API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from flightbridge.accounts.models import ApiToken
from flightbridge.errors import NotFound

TOKEN_PREFIX = "fb_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(username: str, name: str = "") -> tuple[ApiToken, str]:
    """Return the stored row and the token itself (the only time it exists in clear)."""
    try:
        user = get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise NotFound(f"no user named {username!r}") from None
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiToken.objects.create(user=user, name=name, prefix=prefix, digest=_digest(token))
    return row, token


def authenticate_token(token: str):
    """The active user a token belongs to, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if row is None:
        return None
    now = timezone.now()
    # Touch last_used at most once a minute: a polling page must not turn every read into a write.
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


def list_tokens(username: str | None = None):
    query = ApiToken.objects.select_related("user")
    if username:
        query = query.filter(user__username=username)
    return list(query)


def revoke_token(prefix: str) -> ApiToken:
    prefix = prefix.removeprefix(TOKEN_PREFIX).split("_", 1)[0]
    row = ApiToken.objects.filter(prefix=prefix).first()
    if row is None:
        raise NotFound(f"no token with prefix {prefix!r}")
    if row.revoked_at is None:
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
    return row
