"""The MyFlightbook sandbox server: MyFlightbook's OAuth2 endpoints and OAuthResource API on localhost.

It speaks the real protocol (reference §1, §2, §5, §8), and its defaults are MyFlightbook's real
behaviour: an authorize page with Approve / Deny that posts to CommitAuth, a token endpoint with
single-use codes, a new refresh token in every token response while the old ones keep working (only
the grant is checked), configurable access-token lifetime and `invalid_grant` after a revoke (as
HTTP 200, like MyFlightbook), and resource methods with MyFlightbook's errors: `Error: …` text, the
method name resolved (case-sensitive) before the token is looked at, HTTP 500 with DNOA's own texts
for an expired ("The message expired at …"), foreign ("Message signature was incorrect.") or
undecodable (.NET's Base-64 FormatException) token, and 401 for a missing scope.
Unlike MyFlightbook it accepts http:// redirect URIs, so it runs offline. Fault switches (latency,
5xx, hangs, 429, malformed or truncated JSON, token failures) are set with flags or `POST /sandbox/faults`.
Every resource call is logged, and every write method separately: the sandbox exists to prove
FlightBridge never writes. It must never hold real MyFlightbook data or credentials.
"""

from __future__ import annotations

import html
import json
import logging
import os
import random
import re
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from flightbridge.myflightbook.sandbox import resources
from flightbridge.myflightbook.sandbox.logbook import Account, generate_account, iso_date, mdy
from flightbridge.myflightbook.sandbox.serialize import dumps, dumps_xml

log = logging.getLogger(__name__)

#: Every write method that reached any sandbox in this process (each sandbox also keeps its own
#: `writes`). With FLIGHTBRIDGE_SANDBOX_WRITE_LOG set, each is also appended to that file as a JSON
#: line, so sandboxes in child processes are seen too; the test suite asserts the log stays empty.
WRITE_LOG: list[dict] = []
_write_log_lock = threading.Lock()


def record_write(entry: dict) -> None:
    """Add one write call to the process-wide log (and the shared file, when configured)."""
    # Under pytest, which test sent it: the suite allows writes only from the tests proving they are logged.
    record = {"method": entry["method"], "at": entry["at"], "pid": os.getpid(),
              "test": os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0]}
    with _write_log_lock:
        WRITE_LOG.append(record)
        path = os.environ.get("FLIGHTBRIDGE_SANDBOX_WRITE_LOG")
        if path:
            with open(path, "a", encoding="utf-8") as shared:
                shared.write(json.dumps(record) + "\n")


def read_write_log(path: str | None = None) -> list[dict]:
    """The shared write log file's entries (every process), or this process's when no file is set."""
    path = path or os.environ.get("FLIGHTBRIDGE_SANDBOX_WRITE_LOG")
    if not path:
        return list(WRITE_LOG)
    try:
        with open(path, encoding="utf-8") as shared:
            return [json.loads(line) for line in shared if line.strip()]
    except FileNotFoundError:
        return []

SCOPE_TEXT = {
    "currency": "Retrieve your flying currency",
    "totals": "Retrieve your flying totals",
    "addflight": "Add/Modify flights in your account",
    "readflight": "Retrieve flights in your account",
    "addaircraft": "Add/Modify aircraft in your account",
    "readaircraft": "Retrieve aircraft in your account",
    "visited": "Retrieve visited airports",
    "images": "Modify Images for your flights or aircraft",
    "namedqueries": "Create, view, and update named queries",
}
DENIED_TEXT = "User did not authorize you"
#: DNOA's answer for a token that decodes but was not signed by this server (a foreign or altered one).
BAD_SIGNATURE_TEXT = "Message signature was incorrect."
#: .NET's FormatException for a token that is not even Base-64 (DNOA decodes before it checks).
NOT_BASE64_TEXT = ("The input is not a valid Base-64 string as it contains a non-base 64 character, more than two "
                   "padding characters, or an illegal character among the padding characters.")
_BASE64ISH = re.compile(r"^[A-Za-z0-9+/_=-]+$")
CODE_LIFETIME = timedelta(minutes=10)

#: Names accepted in a fault script (one entry is used per resource call, in order).
SCRIPTED_FAULTS = ("5xx", "500", "timeout", "drop", "malformed", "truncated", "429", "token_500", "token_401", "scope_401")


@dataclass
class Faults:
    """What can go wrong, switched at start-up (flags) or at run time (`POST /sandbox/faults`)."""

    latency_ms: int = 0
    error_rate: float = 0.0  # share of resource calls answered 503
    timeout_rate: float = 0.0  # share of resource calls that hang for hang_seconds
    hang_seconds: float = 10.0
    malformed_rate: float = 0.0
    truncate_rate: float = 0.0
    rate_limit_rate: float = 0.0  # share answered 429 with Retry-After
    retry_after: float = 1.0
    token_lifetime: int = 14 * 24 * 3600  # MyFlightbook's access tokens live 14 days
    # DNOA puts a new refresh token into every token response (the old ones stay valid); False
    # leaves it out of refresh answers, as some OAuth servers do.
    rotate_refresh_tokens: bool = True
    token_endpoint_down: bool = False
    date_style: str = "iso"  # "mdy" writes flight dates as M/D/YYYY
    script: list[str] = field(default_factory=list)

    def update(self, values: dict[str, Any]) -> None:
        known = {f.name: f for f in fields(self)}
        for name, value in values.items():
            if name not in known:
                raise ValueError(f"unknown fault switch {name!r}; known: {', '.join(sorted(known))}")
            if name == "script":
                bad = [item for item in value if item not in SCRIPTED_FAULTS]
                if bad:
                    raise ValueError(f"unknown scripted fault(s) {bad}; known: {', '.join(SCRIPTED_FAULTS)}")
                value = list(value)
            elif name == "date_style" and value not in ("iso", "mdy"):
                raise ValueError("date_style must be iso or mdy")
            else:
                value = type(getattr(self, name))(value)
            setattr(self, name, value)


@dataclass
class Grant:
    grant_id: int
    client_id: str
    scopes: tuple[str, ...]
    revoked: bool = False


@dataclass
class AccessToken:
    grant_id: int
    expires_at: float
    scopes: tuple[str, ...]


class SandboxState:
    """The sandbox's data and bookkeeping; shared by request threads under one lock."""

    def __init__(self, *, flights: int = 250, seed: int = 1, client_id: str = "flightbridge-sandbox",
                 client_secret: str = "sandbox-secret", redirect_uris: list[str] | None = None,
                 client_scopes: tuple[str, ...] | None = None, today: date | None = None, username: str = "pilotjane",
                 faults: Faults | None = None, rounding_unit: int = 60, canned_currency: bool = False):
        self.lock = threading.RLock()
        self.seed = seed
        self.faults = faults or Faults()
        self.account: Account = generate_account(flights=flights, seed=seed, today=today, username=username,
                                                 date_style=self.faults.date_style, rounding_unit=rounding_unit,
                                                 canned_currency=canned_currency)
        self.client_id, self.client_secret = client_id, client_secret
        self.redirect_uris = list(redirect_uris or [])
        self.client_scopes = tuple(client_scopes or SCOPE_TEXT)
        self.codes: dict[str, dict] = {}
        self.grants: dict[int, Grant] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, int] = {}
        self.calls: list[dict] = []
        self.writes: list[dict] = []
        self.token_requests: list[dict] = []
        self._rng = random.Random(f"faults|{seed}")

    # ---- tokens --------------------------------------------------------------------------------

    def issue(self, grant: Grant, *, with_refresh: bool = True) -> dict:
        access = "sbx-at-" + secrets.token_urlsafe(24)
        self.access_tokens[access] = AccessToken(grant.grant_id, time.time() + self.faults.token_lifetime, grant.scopes)
        body: dict[str, Any] = {"access_token": access, "token_type": "bearer", "expires_in": self.faults.token_lifetime}
        if with_refresh:
            refresh = "sbx-rt-" + secrets.token_urlsafe(24)
            self.refresh_tokens[refresh] = grant.grant_id
            body["refresh_token"] = refresh
        body["scope"] = " ".join(grant.scopes)
        return body

    def new_grant(self, scopes: tuple[str, ...]) -> Grant:
        grant = Grant(len(self.grants) + 1, self.client_id, scopes)
        self.grants[grant.grant_id] = grant
        return grant

    def set_faults(self, values: dict[str, Any]) -> None:
        with self.lock:
            self.faults.update(values)
            if "date_style" in values:  # flight dates are pre-rendered: re-render them in the new style
                for flight in self.account.flights:
                    day = self.account.flight_dates[flight["FlightID"]]
                    flight["Date"] = mdy(day) if self.faults.date_style == "mdy" else iso_date(day)

    def issue_tokens(self, scopes: tuple[str, ...] | None = None) -> dict:
        """A token pair without the browser dance (for tests of the client): the token endpoint's JSON."""
        with self.lock:
            return self.issue(self.new_grant(tuple(scopes or self.client_scopes)))

    def revoke(self, *, expire_access_tokens: bool = True) -> None:
        """The pilot removed FlightBridge in MyFlightbook's preferences: refresh → invalid_grant.

        MyFlightbook lets already-issued access tokens run to their expiry; by default the sandbox
        also kills them, so the next call shows the revoke at once.
        """
        with self.lock:
            for grant in self.grants.values():
                grant.revoked = True
            if expire_access_tokens:
                self.access_tokens.clear()

    def expire_access_tokens(self) -> None:
        with self.lock:
            for token in self.access_tokens.values():
                token.expires_at = time.time() - 1

    # ---- faults --------------------------------------------------------------------------------

    def next_fault(self) -> str | None:
        with self.lock:
            if self.faults.script:
                return self.faults.script.pop(0)
            draw = self._rng.random
            f = self.faults
            for name, rate in (("timeout", f.timeout_rate), ("5xx", f.error_rate), ("429", f.rate_limit_rate),
                               ("malformed", f.malformed_rate), ("truncated", f.truncate_rate)):
                if rate and draw() < rate:
                    return name
        return None

    def summary(self) -> dict:
        with self.lock:
            return {
                "faults": asdict(self.faults), "calls": len(self.calls), "writes": len(self.writes),
                "flights": len(self.account.flights), "aircraft": len(self.account.aircraft),
                "username": self.account.username, "client_id": self.client_id,
            }


class SandboxHandler(BaseHTTPRequestHandler):
    server_version = "MyFlightbookSandbox/1.0"
    protocol_version = "HTTP/1.1"

    @property
    def state(self) -> SandboxState:
        return self.server.state  # type: ignore[attr-defined]

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the stdlib's name
        log.debug("sandbox: " + format, *args)

    # ---- plumbing ------------------------------------------------------------------------------

    def _params(self) -> tuple[str, dict[str, str], dict[str, str]]:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        form: dict[str, str] = {}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if raw and "application/x-www-form-urlencoded" in (self.headers.get("Content-Type") or ""):
            form = {k: v[-1] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
        return parts.path, query, form

    def _send(self, status: int, body: str | bytes, content_type: str = "text/plain; charset=utf-8",
              headers: dict[str, str] | None = None, declared_length: int | None = None) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(declared_length if declared_length is not None else len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if declared_length is not None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str) -> None:
        # MyFlightbook's error shape: text/plain "Error: <message>\r\n".
        self._send(status, f"Error: {message}\r\n")

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def _dispatch(self, verb: str) -> None:
        path, query, form = self._params()
        lower = path.lower().rstrip("/")
        try:
            if lower == "/logbook/mvc/oauth/authorize" and verb == "GET":
                return self._authorize(query)
            if lower == "/logbook/mvc/oauth/commitauth" and verb == "POST":
                return self._commit_auth(form)
            if lower == "/logbook/mvc/oauth/oauthtoken":
                if verb != "POST":
                    return self._error(404, "The token endpoint accepts POST only.")
                return self._token({**query, **form})
            if lower.startswith("/logbook/mvc/oauth/oauthresource") or lower.startswith("/logbook/oauth/oauthtoken.aspx/"):
                tail = path.rstrip("/").rsplit("/", 1)[-1]
                method = query.get("action") if lower.endswith("oauthresource") else tail
                # Request[name]: query string first, then form fields, then server variables (the culture).
                variables = {"HTTP_ACCEPT_LANGUAGE": self.headers.get("Accept-Language") or ""}
                return self._resource(method, {**variables, **form, **query})
            if lower.startswith("/sandbox"):
                return self._control(verb, lower, form, query)
            if lower in ("", "/"):
                return self._index()
        except BrokenPipeError:
            return None
        self._send(404, "Not found\r\n")

    # ---- OAuth ---------------------------------------------------------------------------------

    def _page(self, status: int, title: str, body: str) -> None:
        page = (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
                "<style>body{font-family:sans-serif;max-width:36rem;margin:3rem auto}button{font-size:1rem;margin-right:1rem}</style>"
                f"</head><body><h1>{html.escape(title)}</h1>{body}</body></html>")
        self._send(status, page, "text/html; charset=utf-8")

    def _callback_allowed(self, redirect_uri: str) -> bool:
        parts = urlsplit(redirect_uri)
        if parts.scheme not in ("http", "https", "com") or not (parts.netloc or parts.scheme == "com"):
            return False
        if not self.state.redirect_uris:
            return True
        # MyFlightbook compares host, port, path and query case-insensitively, not the scheme.
        def key(uri: str) -> tuple:
            p = urlsplit(uri)
            return (p.hostname or "").lower(), p.port, p.path.lower(), p.query.lower()
        return any(key(redirect_uri) == key(allowed) for allowed in self.state.redirect_uris)

    def _check_authorize(self, params: dict[str, str]) -> tuple[str | None, tuple[str, ...]]:
        state = self.state
        if params.get("client_id") != state.client_id:
            return f"Unknown client: {params.get('client_id') or '(none)'}", ()
        if params.get("response_type", "code") != "code":
            return "Public clients must use the PKCE flow", ()
        redirect_uri = params.get("redirect_uri", "")
        if not redirect_uri or not self._callback_allowed(redirect_uri):
            return f'Callback URL "{redirect_uri}" is not allowed for this service.', ()
        scopes = tuple(params.get("scope", "").split())
        if not scopes or any(s not in state.client_scopes for s in scopes):
            return "Request is for scopes that the service is not authorized to have.", ()
        return None, scopes

    def _authorize(self, query: dict[str, str]) -> None:
        problem, scopes = self._check_authorize(query)
        if problem:
            return self._page(400, "Authorization problem", f"<p class='error'>{html.escape(problem)}</p>")
        hidden = "".join(
            f"<input type='hidden' name='{name}' value='{html.escape(query.get(name, ''), quote=True)}'>"
            for name in ("client_id", "redirect_uri", "scope", "state")
        )
        items = "".join(f"<li>{html.escape(SCOPE_TEXT.get(s, s))}</li>" for s in scopes)
        body = (
            f"<p>Signed in to the MyFlightbook sandbox as <strong>{html.escape(self.state.account.username)}</strong>.</p>"
            f"<p><strong>{html.escape(self.state.client_id)}</strong> would like to:</p><ul>{items}</ul>"
            f"<form method='post' action='/logbook/mvc/oAuth/CommitAuth'>{hidden}"
            "<button type='submit' name='decision' value='approve' id='approve'>Approve</button>"
            "<button type='submit' name='decision' value='deny' id='deny'>Deny</button></form>"
            "<p><small>This is a local sandbox, not myflightbook.com. No real account is involved.</small></p>"
        )
        self._page(200, "Authorize access to MyFlightbook", body)

    def _commit_auth(self, form: dict[str, str]) -> None:
        problem, scopes = self._check_authorize(form)
        if problem:
            return self._page(400, "Authorization problem", f"<p class='error'>{html.escape(problem)}</p>")
        redirect_uri = form["redirect_uri"]
        joiner = "&" if urlsplit(redirect_uri).query else "?"
        extra = {"state": form["state"]} if form.get("state") else {}
        if form.get("decision") != "approve":
            return self._redirect(redirect_uri + joiner + urlencode({"error": DENIED_TEXT, **extra}))
        code = "sbx-code-" + secrets.token_urlsafe(18)
        with self.state.lock:
            self.state.codes[code] = {"redirect_uri": redirect_uri, "scopes": scopes, "client_id": form["client_id"],
                                      "expires_at": time.time() + CODE_LIFETIME.total_seconds()}
        self._redirect(redirect_uri + joiner + urlencode({"code": code, **extra}))

    def _token(self, params: dict[str, str]) -> None:
        state = self.state
        with state.lock:
            state.token_requests.append({"grant_type": params.get("grant_type", ""), "at": time.time()})
        if state.faults.token_endpoint_down:
            return self._send(503, "Service Unavailable\r\n")
        client_id = params.get("client_id")
        if not client_id:
            # MyFlightbook reads client_id before its OAuth library runs.
            return self._send(400, "Value cannot be null.\r\nParameter name: client_id\r\n")
        if client_id != state.client_id:
            return self._send(400, f"Unknown client: {client_id}\r\n")
        if params.get("client_secret") != state.client_secret:
            return self._json(200, {"error": "invalid_client"})
        grant_type = params.get("grant_type")
        with state.lock:
            if grant_type == "authorization_code":
                code = state.codes.pop(params.get("code", ""), None)  # single use, even when it fails
                if (code is None or code["expires_at"] < time.time() or code["redirect_uri"] != params.get("redirect_uri")
                        or code["client_id"] != client_id):
                    return self._json(200, {"error": "invalid_grant"})  # HTTP 200: MFB drops DNOA's status
                return self._json(200, state.issue(state.new_grant(code["scopes"])))
            if grant_type == "refresh_token":
                grant_id = state.refresh_tokens.get(params.get("refresh_token", ""))
                grant = state.grants.get(grant_id) if grant_id else None
                if grant is None or grant.revoked:
                    return self._json(200, {"error": "invalid_grant"})
                # The refresh token just spent stays valid (DNOA checks only the grant behind it).
                return self._json(200, state.issue(grant, with_refresh=state.faults.rotate_refresh_tokens))
        return self._json(200, {"error": "unsupported_grant_type"})

    def _json(self, status: int, body: Any) -> None:
        self._send(status, json.dumps(body), "application/json; charset=utf-8")

    # ---- resources -----------------------------------------------------------------------------

    def _bearer(self, params: dict[str, str]) -> str | None:
        header = self.headers.get("Authorization") or ""
        if header.lower().startswith("bearer "):
            return header[7:].strip()
        return params.get("access_token") or None

    def _resource(self, method: str | None, params: dict[str, str]) -> None:
        state = self.state
        arrived = time.time()
        entry = {"method": method or "", "at": arrived, "status": None, "fault": None,
                 "params": {k: v for k, v in params.items() if k != "access_token"}}
        spec = resources.METHODS.get(method or "")
        with state.lock:
            state.calls.append(entry)
            if method in resources.WRITE_METHODS:
                state.writes.append(entry)
                record_write(entry)
        if state.faults.latency_ms:
            time.sleep(state.faults.latency_ms / 1000)

        def finish(status: int) -> None:
            entry["status"] = status

        # MyFlightbook resolves the method name (.NET Enum.Parse, case-sensitive) before DNOA reads the token.
        if not method:
            finish(500)
            return self._error(500, "Requested service 'null' is not recognized.")
        if spec is None:
            finish(500)
            return self._error(500, f"Requested value '{method}' was not found.")
        token_text = self._bearer(params)
        if not token_text:
            finish(500)
            return self._error(500, "Missing access token.")
        with state.lock:
            token = state.access_tokens.get(token_text)
        if token is None:
            finish(500)
            return self._error(500, BAD_SIGNATURE_TEXT if _BASE64ISH.match(token_text) else NOT_BASE64_TEXT)
        entry["grant"] = token.grant_id  # which connection called: per-account pacing is checked from this log
        now = time.time()
        if token.expires_at < now:
            finish(500)
            # DNOA's expiry message, as a 500 (not a 401) the way MyFlightbook answers it.
            stamp = lambda t: datetime.fromtimestamp(t, timezone.utc).strftime("%m/%d/%Y %H:%M:%S")  # noqa: E731
            return self._error(500, f"The message expired at {stamp(token.expires_at)} and it is now {stamp(now)}.")
        fault = state.next_fault()
        entry["fault"] = fault
        if fault:
            finish({"timeout": 0, "drop": 0, "429": 429, "token_401": 401, "scope_401": 401}.get(fault, 500 if fault != "5xx" else 503))
            return self._fault(fault, method)
        scope, function, type_name, _is_write = spec
        if scope not in token.scopes:
            finish(401)
            return self._error(401, f'Requested action requires scope "{scope}", which is not granted.')
        try:
            with state.lock:
                result = function(state.account, params)
                body = None if result is resources.NONE else (dumps(result) if self._wants_json(params) else dumps_xml(result, type_name))
        except resources.MethodError as exc:
            finish(exc.status)
            return self._error(exc.status, str(exc))
        finish(200)
        if body is None:
            return self._send(200, b"", "application/json; charset=utf-8")
        if self._wants_json(params):
            callback = params.get("callback")
            if callback:
                return self._send(200, f"{callback}({body})", "application/javascript; charset=utf-8")
            return self._send(200, body, "application/json; charset=utf-8")
        return self._send(200, body, "text/xml; charset=utf-8")

    @staticmethod
    def _wants_json(params: dict[str, str]) -> bool:
        try:
            return int(params.get("json", "0")) != 0  # json=true fails int.TryParse: XML, as on MyFlightbook
        except ValueError:
            return False

    def _fault(self, fault: str, method: str) -> None:
        faults = self.state.faults
        if fault == "timeout":
            time.sleep(faults.hang_seconds)
            self.close_connection = True
            return None
        if fault == "drop":
            self.close_connection = True
            return None
        if fault == "5xx":
            return self._send(503, "<html><body><h1>Service Unavailable</h1></body></html>", "text/html")
        if fault == "500":
            return self._error(500, "Object reference not set to an instance of an object.")
        if fault == "429":
            return self._send(429, "Too many requests\r\n", headers={"Retry-After": f"{faults.retry_after:g}"})
        if fault == "token_500":
            return self._error(500, "oAuth2 - Token has expired!")
        if fault == "token_401":
            return self._error(401, "oAuth2 - Token has expired!")
        if fault == "scope_401":
            return self._error(401, 'Requested action requires scope "readflight", which is not granted.')
        if fault == "malformed":
            return self._send(200, '[{"AircraftID":12,"TailNumber":"N1', "application/json; charset=utf-8")
        if fault == "truncated":
            body = b'[{"AircraftID":12,"TailNumber":"N12345"},{"Aircr'
            return self._send(200, body, "application/json; charset=utf-8", declared_length=len(body) + 400)
        return self._error(500, f"unknown fault {fault}")

    # ---- control -------------------------------------------------------------------------------

    def _control(self, verb: str, path: str, form: dict[str, str], query: dict[str, str]) -> None:
        state = self.state
        if path == "/sandbox/state" and verb == "GET":
            return self._json(200, state.summary())
        if path == "/sandbox/calls" and verb == "GET":
            with state.lock:
                return self._json(200, list(state.calls))
        if path == "/sandbox/writes" and verb == "GET":
            with state.lock:
                return self._json(200, list(state.writes))
        if path == "/sandbox/faults" and verb == "POST":
            length_body = form or query
            try:
                raw = length_body.get("faults")
                values = json.loads(raw) if raw else {k: json.loads(v) if v[:1] in "[{" else v for k, v in length_body.items()}
                state.set_faults(values)
            except (ValueError, TypeError) as exc:
                return self._json(400, {"error": str(exc)})
            return self._json(200, state.summary())
        if path == "/sandbox/revoke" and verb == "POST":
            state.revoke()
            return self._json(200, state.summary())
        if path == "/sandbox/tokens" and verb == "POST":
            # A token pair without the browser dance, for a sandbox in another process (benchmarks).
            return self._json(200, state.issue_tokens())
        if path == "/sandbox/expire-tokens" and verb == "POST":
            state.expire_access_tokens()
            return self._json(200, state.summary())
        return self._send(404, "Not found\r\n")

    def _index(self) -> None:
        s = self.state.summary()
        body = (f"<p>A local stand-in for myflightbook.com: {s['flights']} flights and {s['aircraft']} aircraft for "
                f"<strong>{html.escape(s['username'])}</strong>. OAuth client id <code>{html.escape(s['client_id'])}</code>.</p>"
                "<p>Control: GET /sandbox/state, /sandbox/calls, /sandbox/writes; POST /sandbox/faults, /sandbox/revoke, "
                "/sandbox/expire-tokens, /sandbox/tokens.</p>")
        self._page(200, "MyFlightbook sandbox", body)


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # a hanging "timeout" fault must not keep the process alive
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: SandboxState):
        super().__init__(address, SandboxHandler)
        self.state = state


class SandboxServer:
    """The sandbox on 127.0.0.1 in a background thread, for tests: `with SandboxServer(flights=40) as mfb: mfb.url`.

    `state` gives the generated account, the call and write logs and the fault switches.
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, **state_options: Any):
        self._server = serve(host=host, port=port, **state_options)
        self.state = self._server.state
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def account(self) -> Account:
        return self.state.account

    @property
    def calls(self) -> list[dict]:
        return self.state.calls

    @property
    def writes(self) -> list[dict]:
        return self.state.writes

    @property
    def faults(self) -> Faults:
        return self.state.faults

    @property
    def client_id(self) -> str:
        return self.state.client_id

    @property
    def client_secret(self) -> str:
        return self.state.client_secret

    def set_faults(self, **values: Any) -> None:
        self.state.set_faults(values)

    def issue_tokens(self, scopes: tuple[str, ...] | None = None) -> dict:
        return self.state.issue_tokens(scopes)

    def revoke(self, *, expire_access_tokens: bool = True) -> None:
        self.state.revoke(expire_access_tokens=expire_access_tokens)

    def expire_access_tokens(self) -> None:
        self.state.expire_access_tokens()

    def start(self) -> "SandboxServer":
        self._thread = threading.Thread(target=self._server.serve_forever, name="mfb-sandbox", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "SandboxServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def serve(*, host: str = "127.0.0.1", port: int = 8765, **state_options: Any) -> SandboxHTTPServer:
    """Build (not start) a sandbox HTTP server; `serve_forever()` runs it."""
    fault_names = {f.name for f in fields(Faults)}
    faults = Faults()
    faults.update({k: state_options.pop(k) for k in list(state_options) if k in fault_names})
    return SandboxHTTPServer((host, port), SandboxState(faults=faults, **state_options))
