"""Create, check and revoke personal API tokens; read and change a pilot's display preferences."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from flightbridge.accounts.display import DEFAULT_HOURS_FORMAT, HoursFormat
from flightbridge.accounts.models import ApiToken, PilotPreferences
from flightbridge.errors import InputError, NotFound

TOKEN_PREFIX = "fb_"
log = logging.getLogger(__name__)


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
        _touch(row, now)
    return row.user


#: How long the `last_used_at` write may wait for the database's write lock (or the row's) before it is skipped.
TOUCH_LOCK_WAIT_MS = 250


def _touch(row: ApiToken, now) -> None:
    """Record that the token was used, if the database lets us at once: it is bookkeeping, and a read
    must never fail for it. While a long write held SQLite's lock, the touch waited 30 s and then made a
    token-authenticated GET answer 500 "database is locked" (issue 22)."""
    try:
        with _short_lock_wait(), transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:  # a row locked by another writer: give up, do not queue
                    cursor.execute(f"SET LOCAL lock_timeout = '{TOUCH_LOCK_WAIT_MS}ms'")
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    except DatabaseError as exc:
        log.warning("token %s: last use not recorded (%s); the request goes on", row.prefix, type(exc).__name__)


@contextmanager
def _short_lock_wait() -> Iterator[None]:
    """On SQLite, wait at most TOUCH_LOCK_WAIT_MS for the write lock (BEGIN IMMEDIATE takes it), then the
    connection's own busy timeout again."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA busy_timeout = {TOUCH_LOCK_WAIT_MS}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(before)}")


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


def hours_format_of(user) -> HoursFormat:
    """How `user` wants hours written; the default for a pilot who never chose (no row is written for that)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return DEFAULT_HOURS_FORMAT
    stored = PilotPreferences.objects.filter(user=user).values_list("hours_format", flat=True).first()
    return HoursFormat(stored) if stored in HoursFormat.values else DEFAULT_HOURS_FORMAT


def set_hours_format(user, value: str) -> HoursFormat:
    """Remember how `user` wants hours written; an unknown choice is refused, naming the field and the choices."""
    if value not in HoursFormat.values:
        choices = ", ".join(HoursFormat.values)
        raise InputError(f"hours_format: {str(value)[:30]!r} is not one of {choices}",
                         [{"field": "hours_format", "reason": f"must be one of {choices}"}])
    PilotPreferences.objects.update_or_create(user=user, defaults={"hours_format": value})
    return HoursFormat(value)
