"""The one vocabulary of failures every integration raises (after Airbyte's response models).

- `TransientError`: worth retrying with backoff (timeouts, 5xx, 429).
- `NeedsReauth`: the grant is gone; tell the pilot to reconnect, never retry blindly.
- `TokenRejected` (a NeedsReauth): the service refused the access token (expired, corrupt, foreign,
  or short of a scope). Refresh it once and try again; refused again, it is NeedsReauth. Never a
  transient retry: the same token would be refused the same way.
- `BadRecord`: one source record cannot be stored; skip it, count it, log it, go on.
- `FatalError`: the run cannot go on; fail it with a message a pilot understands.
- `BlockedCall`: a write to a read-only system was attempted; fatal, message starts with BLOCKED:.
- `InputError`: a caller sent something we cannot accept (names the record and field).

Messages here are shown to users and written to job rows: they must never contain a secret.
"""

from __future__ import annotations


class FlightBridgeError(Exception):
    """Base class; `str(error)` is safe to show a user."""

    code = "error"


class TransientError(FlightBridgeError):
    code = "transient"

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class NeedsReauth(FlightBridgeError):
    code = "needs_reauth"


class TokenRejected(NeedsReauth):
    """The access token was refused; `scope` names a missing permission when that was the reason."""

    def __init__(self, message: str, *, scope: str | None = None):
        super().__init__(message)
        self.scope = scope


class FatalError(FlightBridgeError):
    code = "fatal"


class BlockedCall(FatalError):
    code = "blocked"

    def __init__(self, message: str):
        if not message.startswith("BLOCKED:"):
            message = f"BLOCKED: {message}"
        super().__init__(message)


class BadRecord(FlightBridgeError):
    """One record is unusable; `record` identifies it (e.g. `mfb:123`), `field` names the culprit."""

    code = "bad_record"

    def __init__(self, reason: str, *, record: str | None = None, field: str | None = None):
        self.reason = reason
        self.record = record
        self.field = field
        where = " ".join(part for part in (f"record {record}" if record else "", f"field {field}" if field else "") if part)
        super().__init__(f"{where}: {reason}" if where else reason)

    def as_dict(self) -> dict:
        return {"record": self.record, "field": self.field, "reason": self.reason}


class InputError(FlightBridgeError):
    """Invalid input from a caller; carries per-field problems for a 422 response."""

    code = "invalid_input"

    def __init__(self, message: str, problems: list[dict] | None = None):
        super().__init__(message)
        self.problems = problems or []


class NotFound(FlightBridgeError):
    code = "not_found"


class PermissionDenied(FlightBridgeError):
    code = "forbidden"


class Conflict(FlightBridgeError):
    code = "conflict"


class Busy(FlightBridgeError):
    """The caller already has heavy work under way (an export, an upload being read): 429, try again
    when it has ended. Refused at once rather than queued, so one pilot never holds several request threads."""

    code = "busy"
