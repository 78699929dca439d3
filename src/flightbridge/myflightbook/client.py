"""`MyFlightbookClient`: the one way FlightBridge talks to MyFlightbook's OAuth resource API.

Read-only by construction: a method name that is not on the read whitelist raises `BlockedCall`
("BLOCKED: …") before a token is looked at or a byte is sent, because aircraft records on
MyFlightbook are shared between pilots and one stray write could change someone else's data.
Calls for one account are spaced by a gate (see `pacing`), transient failures are retried with
bounded exponential backoff, an expired, corrupt or under-scoped token is refreshed once (never
retried as if it were an outage), and everything else fails with the method name and MyFlightbook's
own message. It must never log, raise or return a
token, and never call a write method.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from datetime import date, datetime, timezone
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Protocol

import httpx

from flightbridge import metrics
from flightbridge.errors import BlockedCall, FatalError, FlightBridgeError, NeedsReauth, TokenRejected, TransientError
from flightbridge.myflightbook.pacing import CallGate, LocalCallGate
from flightbridge.redaction import redact

log = logging.getLogger(__name__)

RESOURCE_PATH = "/logbook/mvc/oAuth/OAuthResource/"

#: The only methods FlightBridge may call. Exact, case-sensitive names: MyFlightbook resolves method
#: names with .NET Enum.Parse, and numeric strings or comma lists would parse there too, so nothing
#: but these exact strings may ever reach the wire.
READ_METHODS = frozenset(
    {
        "AircraftForUser",
        "FlightsWithQueryAndOffset",
        "GetCurrencyForUser",
        "TotalsForUserWithQuery",
        "VisitedAirports",
        "GetNamedQueries",
        "PropertiesForFlight",
        "AvailablePropertyTypesForUser",
        "FlightPathForFlight",
        "MakesAndModels",
        "ModelsWithIDs",
    }
)

#: Every write method in MyFlightbook's OAuth method table (reference §2). Listed for tests and
#: docs only: the guard is the whitelist above, so a write added to MyFlightbook later is blocked too.
WRITE_METHODS = (
    "AddAircraftForUser",
    "DeleteAircraftForUser",
    "UpdateMaintenanceForAircraftWithFlagsAndNotes",
    "CommitFlightWithOptions",
    "addFlight",
    "DeleteLogbookEntry",
    "DeletePropertiesForFlight",
    "CreatePendingFlight",
    "UpdatePendingFlight",
    "DeletePendingFlight",
    "CommitPendingFlight",
    "AddNamedQuery",
    "DeleteNamedQuery",
    "UpdateImageAnnotation",
    "DeleteImage",
    "UploadImage",
)

# A 500 is MyFlightbook's answer to every exception, so its text decides what it means (reference §5, §8).
# These name a refused token: DNOA's expiry ("The message expired at …"), a corrupt or foreign token
# ("Message signature was incorrect.", or .NET's Base-64 FormatException when it cannot even be
# decoded), a missing one, and MyFlightbook's own checks. A refresh may cure them; a retry cannot.
_TOKEN_FAILURE = re.compile(
    r"(?i)message expired|message signature|base-64|access token|token has expired|oauth token|authorization header"
)
# These are deterministic mistakes in our request; retrying them would only load MyFlightbook.
_DETERMINISTIC_500 = re.compile(r"(?i)required parameter|requested value '.*' was not found|is not recognized|does not belong to you")
_MISSING_SCOPE = re.compile(r'(?i)requires scope "?([a-z]+)"?')


#: The `outcome` label of `flightbridge_mfb_calls` for each class of failed answer.
_OUTCOMES = {TokenRejected: "token_rejected", TransientError: "transient", FatalError: "fatal"}


def classify_failure(method: str, status: int, message: str, retry_after: str | None = None) -> FlightBridgeError:
    """What a non-200 answer from OAuthResource means, in the errors vocabulary. Pure: no I/O.

    - `TokenRejected`: any 401, and a 500 whose text names a token problem: refresh once.
    - `TransientError`: 429 and other 5xx: retry with backoff.
    - `FatalError`: everything else (a business error, a bad parameter): fail with MyFlightbook's text.
    """
    scope = _MISSING_SCOPE.search(message)
    if status == 401 and scope:
        return TokenRejected(
            f"MyFlightbook {method}: the connection lacks the {scope.group(1)!r} permission; "
            "disconnect and connect MyFlightbook again, approving every permission.",
            scope=scope.group(1),
        )
    if status == 401 or (status >= 500 and _TOKEN_FAILURE.search(message)):
        return TokenRejected(f"MyFlightbook {method}: the access token was rejected ({message})")
    if status == 429:
        return TransientError(f"MyFlightbook {method}: too many requests", retry_after=_retry_after_seconds(retry_after))
    if status >= 500 and not _DETERMINISTIC_500.search(message):
        return TransientError(f"MyFlightbook {method} failed (HTTP {status}): {message}")
    return FatalError(f"MyFlightbook {method} failed (HTTP {status}): {message}")


class MyFlightbookCalls(Protocol):
    """The small interface the sync needs from MyFlightbook: the real client and the in-memory fake
    (`sandbox.fake.FakeMyFlightbook`) both implement it."""

    min_interval_ms: int

    def call(self, method: str, **params: Any) -> Any:
        """One read method's parsed JSON (None for an empty body); BlockedCall for anything but a read."""

    def close(self) -> None:
        """Release the connection pool (if any)."""


def call_for_list(client: MyFlightbookCalls, method: str, **params: Any) -> list:
    """A read method whose answer is a list (the sync's four all are): anything else stops the sync."""
    value = client.call(method, **params)
    if value is None:
        return []  # MyFlightbook answers an empty body for null
    if not isinstance(value, list):
        raise FatalError(f"MyFlightbook {method} returned {type(value).__name__}, not a list; the sync stopped.")
    return value


class TokenProvider(Protocol):
    """Supplies access tokens; the client never stores one beyond a single request."""

    def access_token(self) -> str:
        """A token valid for at least the next minute (refreshing first if needed)."""

    def refresh_after_rejection(self, rejected: str) -> str:
        """MyFlightbook rejected `rejected`: refresh (unless another process already did) and return the new one."""


class StaticTokenProvider:
    """A fixed token (tests, scripts); a rejection means the pilot must reconnect."""

    def __init__(self, token: str):
        self._token = token

    def __repr__(self) -> str:
        return "StaticTokenProvider(<token>)"

    def access_token(self) -> str:
        return self._token

    def refresh_after_rejection(self, rejected: str) -> str:
        raise NeedsReauth("MyFlightbook rejected the access token and there is no way to refresh it; reconnect MyFlightbook.")


def encode_params(params: dict[str, Any]) -> dict[str, str]:
    """MyFlightbook reads form fields only: complex arguments go as JSON text inside a field."""
    form: dict[str, str] = {}
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            form[name] = "true" if value else "false"
        elif isinstance(value, (dict, list, tuple)):
            form[name] = json.dumps(value, default=_json_default, separators=(",", ":"))
        else:
            form[name] = str(value)
    return form


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S") + ("Z" if value.tzinfo else "")
    if isinstance(value, date):
        # Dates go unzoned: an offset would be converted to the server's local time and may shift the day.
        return value.strftime("%Y-%m-%dT00:00:00")
    raise TypeError(f"cannot send {type(value).__name__} to MyFlightbook")


def parse_body(text: str) -> Any:
    """MyFlightbook's JSON body: empty means null; numbers with a point become Decimal with their scale."""
    if not text.strip():
        return None
    return json.loads(text, parse_float=Decimal)


def _error_text(response: httpx.Response) -> str:
    """MyFlightbook's message from a `text/plain` "Error: <message>" body, cut to something showable."""
    try:
        text = response.text
    except Exception:  # undecodable bytes: say what we can
        text = ""
    text = re.sub(r"<[^>]+>", " ", text)  # an IIS/HTML error page: keep only its words
    text = " ".join(text.split())
    if text.lower().startswith("error:"):
        text = text[6:].strip()
    return (text[:300] + "…") if len(text) > 300 else (text or f"HTTP {response.status_code}")


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, (moment - datetime.now(timezone.utc)).total_seconds())


class MyFlightbookClient:
    """Calls OAuthResource methods for one account. `call("AircraftForUser")` → parsed JSON."""

    def __init__(
        self,
        base_url: str,
        token_provider: TokenProvider,
        min_interval_ms: int = 500,
        *,
        http: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        gate: CallGate | None = None,
        timeout: float = 30.0,
        max_attempts: int = 4,
        backoff_base: float = 0.5,
        backoff_max: float = 8.0,
        retry_after_max: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.base_url = base_url.rstrip("/")
        self.tokens = token_provider
        self.min_interval_ms = min_interval_ms
        self.gate = gate if gate is not None else LocalCallGate(min_interval_ms)
        self.max_attempts = max(1, max_attempts)
        self.backoff_base, self.backoff_max, self.retry_after_max = backoff_base, backoff_max, retry_after_max
        self._sleep = sleep
        self._owns_http = http is None
        self.http = http or httpx.Client(transport=transport, timeout=timeout, follow_redirects=False)
        self._urls: dict[str, httpx.URL] = {}

    def __repr__(self) -> str:
        return f"MyFlightbookClient({self.base_url!r})"

    def __enter__(self) -> "MyFlightbookClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    @staticmethod
    def check_method(method: Any) -> str:
        """Return `method` if it is a whitelisted read; otherwise raise BlockedCall. Pure: no I/O."""
        if not isinstance(method, str) or method not in READ_METHODS:
            shown = method if isinstance(method, str) else type(method).__name__
            raise BlockedCall(
                f"BLOCKED: {shown[:80]!r} is not a MyFlightbook read method FlightBridge may call; "
                "FlightBridge never writes to MyFlightbook. The run was stopped."
            )
        return method

    def call(self, method: str, **params: Any) -> Any:
        """Call one read method; returns the parsed JSON (list, dict, bool, str) or None for an empty body."""
        method = self.check_method(method)  # before anything else: no token read, no socket opened
        form = {**encode_params(params), "json": "1"}
        url = self._urls.get(method)
        if url is None:  # parsed once per method: httpx would parse the text on every call
            url = self._urls[method] = httpx.URL(self.base_url + RESOURCE_PATH + method)
        refreshed = False
        attempt = 0
        token = self.tokens.access_token()
        while True:
            attempt += 1
            try:
                with self.gate.turn():
                    started = time.perf_counter()
                    try:
                        response = self.http.post(
                            url, data=form, headers={"Authorization": f"Bearer {token}", "Accept": "application/json", "Accept-Language": "en-US"}
                        )
                        body = response.text if response.status_code == 200 else None
                    finally:
                        metrics.MFB_CALL_SECONDS.labels(method=method).observe(time.perf_counter() - started)
            except httpx.TimeoutException:
                metrics.MFB_CALLS.labels(method=method, outcome="timeout").inc()
                failure = TransientError(f"MyFlightbook {method}: timed out")
            except httpx.TransportError as exc:
                metrics.MFB_CALLS.labels(method=method, outcome="connection_failed").inc()
                failure = TransientError(f"MyFlightbook {method}: connection failed ({type(exc).__name__})")
            else:
                status = response.status_code
                if status == 200:
                    try:
                        parsed = parse_body(body)
                    except ValueError:
                        # A body cut short by a proxy or a dropped connection: worth another try.
                        metrics.MFB_CALLS.labels(method=method, outcome="bad_body").inc()
                        failure = TransientError(f"MyFlightbook {method}: the response was not valid JSON")
                    else:
                        metrics.MFB_CALLS.labels(method=method, outcome="ok").inc()
                        return parsed
                else:
                    message = self._clean(_error_text(response), token)
                    failure = classify_failure(method, status, message, response.headers.get("Retry-After"))
                    metrics.MFB_CALLS.labels(method=method, outcome=_OUTCOMES.get(type(failure), "fatal")).inc()
                    if isinstance(failure, TokenRejected):
                        if refreshed:
                            if failure.scope:
                                raise NeedsReauth(str(failure))
                            raise NeedsReauth(
                                f"MyFlightbook {method}: the access token was rejected again after a refresh "
                                f"({message}); reconnect MyFlightbook."
                            )
                        log.info("MyFlightbook %s: token rejected (HTTP %s); refreshing once", method, status)
                        token = self.tokens.refresh_after_rejection(token)
                        refreshed = True
                        attempt -= 1  # the refresh retry is not a transient retry
                        continue
                    if not isinstance(failure, TransientError):
                        raise failure
            if attempt >= self.max_attempts:
                raise TransientError(f"{failure} (gave up after {attempt} attempts)", retry_after=failure.retry_after)
            delay = self._backoff(attempt, failure.retry_after)
            log.warning("%s; retrying in %.2fs (attempt %d of %d)", failure, delay, attempt + 1, self.max_attempts)
            self._sleep(delay)
            token = self.tokens.access_token()

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.retry_after_max)
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))
        # "Full jitter": workers sharing an outage do not come back in lockstep.
        return random.uniform(ceiling / 2, ceiling)

    @staticmethod
    def _clean(message: str, token: str) -> str:
        if token and token in message:
            message = message.replace(token, "[redacted]")
        return redact(message)
