"""The aircraft model source sandbox: a local fake of an external source, speaking the documented format.

It serves `GET /models` (paged, see docs/fleet.md), checks credentials exactly as the configured
auth type says, and has fault switches (5xx, bad JSON, records without external_id, slow) set by
`flightbridge model_source_sandbox` flags or at run time by `POST /_control`. Tests run it in-process
(`ModelSourceSandbox().start()`, a random port on 127.0.0.1); the demo runs the command. Its models
are deterministic, so two runs of the same size serve the same data. It only ever binds to the host it
is given (127.0.0.1 by default) and never prints the API key it checks.
"""

from __future__ import annotations

import base64
import hmac
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
MODELS_PATH = "/models"
CONTROL_PATH = "/_control"

# (external_id, manufacturer, name, model_number, seats, engine, horsepower, max takeoff lb, cruise kt, TBO h)
CATALOG: tuple[tuple, ...] = (
    ("cessna-152", "Cessna", "Cessna 152", "152", 2, "Lycoming O-235-L2C", 110, 1670, 107, 2400),
    ("cessna-172s", "Cessna", "Cessna 172S Skyhawk SP", "172S", 4, "Lycoming IO-360-L2A", 180, 2550, 124, 2000),
    ("cessna-182t", "Cessna", "Cessna 182T Skylane", "182T", 4, "Lycoming IO-540-AB1A5", 230, 3100, 145, 2000),
    ("cessna-t206h", "Cessna", "Cessna T206H Turbo Stationair", "T206H", 6, "Lycoming TIO-540-AJ1A", 310, 3600, 164, 2000),
    ("cessna-208b", "Cessna", "Cessna 208B Grand Caravan EX", "208B", 14, "Pratt & Whitney PT6A-140", 867, 8807, 186, 4000),
    ("piper-pa-28-161", "Piper", "Piper PA-28-161 Warrior III", "PA-28-161", 4, "Lycoming O-320-D3G", 160, 2440, 115, 2000),
    ("piper-pa-28-181", "Piper", "Piper PA-28-181 Archer III", "PA-28-181", 4, "Lycoming O-360-A4M", 180, 2550, 128, 2000),
    ("piper-pa-44-180", "Piper", "Piper PA-44-180 Seminole", "PA-44-180", 4, "2 x Lycoming O-360-A1H6", 180, 3800, 162, 2000),
    ("piper-pa-46-500tp", "Piper", "Piper PA-46-500TP Meridian", "PA-46-500TP", 6, "Pratt & Whitney PT6A-42A", 500, 5092, 260, 3600),
    ("piper-j-3c-65", "Piper", "Piper J-3 Cub", "J-3C-65", 2, "Continental A-65-8", 65, 1220, 65, 1800),
    ("cirrus-sr20", "Cirrus", "Cirrus SR20", "SR20", 4, "Continental IO-360-ES", 215, 3150, 155, 2000),
    ("cirrus-sr22", "Cirrus", "Cirrus SR22", "SR22", 5, "Continental IO-550-N", 310, 3600, 183, 2000),
    ("diamond-da40-ng", "Diamond Aircraft", "Diamond DA40 NG", "DA40 NG", 4, "Austro Engine AE300", 168, 2888, 140, 1800),
    ("diamond-da42-vi", "Diamond Aircraft", "Diamond DA42-VI Twin Star", "DA42-VI", 4, "2 x Austro Engine AE300", 168, 4407, 170, 1800),
    ("beechcraft-g36", "Beechcraft", "Beechcraft Bonanza G36", "G36", 6, "Continental IO-550-B", 300, 3650, 176, 1700),
    ("beechcraft-g58", "Beechcraft", "Beechcraft Baron G58", "G58", 6, "2 x Continental IO-550-C", 300, 5500, 200, 1900),
    ("mooney-m20j", "Mooney", "Mooney M20J 201", "M20J", 4, "Lycoming IO-360-A3B6D", 200, 2740, 155, 2000),
    ("grumman-aa-5b", "Grumman American", "Grumman AA-5B Tiger", "AA-5B", 4, "Lycoming O-360-A4K", 180, 2400, 139, 2000),
    ("robinson-r22-beta-ii", "Robinson", "Robinson R22 Beta II", "R22 Beta II", 2, "Lycoming O-360-J2A", 131, 1370, 96, 2200),
    ("robinson-r44-raven-ii", "Robinson", "Robinson R44 Raven II", "R44 II", 4, "Lycoming IO-540-AE1A5", 245, 2500, 113, 2200),
    ("tecnam-p2008-jc", "Tecnam", "Tecnam P2008 JC", "P2008 JC", 2, "Rotax 912 S3", 98, 1430, 108, 2000),
    ("american-champion-8kcab", "American Champion", "American Champion 8KCAB Super Decathlon", "8KCAB", 2,
     "Lycoming AEIO-360-H1B", 180, 1950, 130, 1400),
    ("daher-tbm-960", "Daher", "Daher TBM 960", "TBM 960", 6, "Pratt & Whitney PT6E-66XT", 850, 7615, 330, 5000),
    ("pilatus-pc-12-ngx", "Pilatus", "Pilatus PC-12 NGX", "PC-12/47E", 9, "Pratt & Whitney PT6E-67XP", 1200, 10450, 290, 5000),
)


def catalog_model(index: int) -> dict[str, Any]:
    """The `index`-th model of the deterministic feed (0-based); past the catalog, numbered fleet variants."""
    base = CATALOG[index % len(CATALOG)]
    external_id, manufacturer, name, model_number, seats, engine, horsepower, mtow, cruise, tbo = base
    variant = index // len(CATALOG)
    if variant:
        external_id, name, model_number = f"{external_id}-v{variant}", f"{name} (variant {variant})", f"{model_number}-{variant}"
    return {
        "external_id": external_id,
        "name": name,
        "manufacturer": manufacturer,
        "model_number": model_number,
        "description": f"{name}: {seats} seats, {engine}, about {cruise} kt cruise.",
        "specifications": {"seats": seats, "engine": engine, "horsepower": horsepower,
                           "max_takeoff_weight_lb": mtow, "cruise_speed_kt": cruise},
        "maintenance_requirements": [
            {"task": "Annual inspection", "interval_months": 12, "reference": "14 CFR 91.409(a)"},
            {"task": "100-hour inspection (when used for hire or instruction)", "interval_hours": 100,
             "reference": "14 CFR 91.409(b)"},
            {"task": "Engine overhaul (manufacturer's TBO)", "interval_hours": tbo},
        ],
    }


def catalog_models(count: int) -> list[dict[str, Any]]:
    return [catalog_model(index) for index in range(count)]


@dataclass
class SandboxFaults:
    #: answer the next N requests with HTTP 503; -1 = every request until switched off
    fail_5xx: int = 0
    bad_json: bool = False
    #: add this many records without an external_id, spread through the feed
    missing_external_id: int = 0
    #: seconds to wait before each answer
    slow: float = 0.0
    #: answer every page with a valid feed padded to this many bytes, without a Content-Length (a hostile source)
    huge_page: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"fail_5xx": self.fail_5xx, "bad_json": self.bad_json,
                "missing_external_id": self.missing_external_id, "slow": self.slow, "huge_page": self.huge_page}


@dataclass
class SandboxState:
    models: list[dict[str, Any]]
    auth_type: str = "api_key"
    api_key: str = field(default="", repr=False)
    username: str = ""
    faults: SandboxFaults = field(default_factory=SandboxFaults)
    requests: int = 0
    #: every credential value presented (in-process only, for tests proving which key was sent)
    seen_credentials: list[str] = field(default_factory=list, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def feed(self) -> list[dict[str, Any]]:
        """The models served, with the fault's id-less records spread evenly through them."""
        records = list(self.models)
        extra = self.faults.missing_external_id
        if extra:
            step = max(1, len(records) // (extra + 1))
            for number in range(extra, 0, -1):
                records.insert(min(number * step, len(records)),
                               {"name": f"Unidentified model {number}", "manufacturer": "Unknown",
                                "model_number": f"X-{number}"})
        return records


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        if self.server.verbose:
            super().log_message(format, *args)  # method, path, status: never a header

    def do_GET(self) -> None:  # noqa: N802 - stdlib API
        state = self.server.state
        parts = urlsplit(self.path)
        if parts.path == CONTROL_PATH:
            return self._send(200, self._control_view())
        if parts.path.rstrip("/") != MODELS_PATH:
            return self._send(404, {"detail": f"no such path; the models are at {MODELS_PATH}"})
        with state.lock:
            state.requests += 1
            faults = SandboxFaults(**state.faults.as_dict())
            if state.faults.fail_5xx > 0:
                state.faults.fail_5xx -= 1
        if faults.slow:
            time.sleep(faults.slow)
        if not self._authorized():
            return self._send(401, {"detail": f"missing or wrong credentials for auth type {state.auth_type}"})
        if faults.fail_5xx:
            return self._send(503, {"detail": "sandbox fault: service unavailable"})
        if faults.bad_json:
            return self._send_raw(200, b'{"results": [{"external_id": "broken", ', "application/json")
        if faults.huge_page:
            return self._send_unsized(faults.huge_page)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        try:
            page = max(1, int(query.get("page", "1")))
            page_size = min(MAX_PAGE_SIZE, max(1, int(query.get("page_size", DEFAULT_PAGE_SIZE))))
        except ValueError:
            return self._send(400, {"detail": "page and page_size must be integers"})
        with state.lock:
            records = state.feed()
        wanted = query.get("external_id")
        if wanted is not None:
            records = [record for record in records if record.get("external_id") == wanted]
        start = (page - 1) * page_size
        chunk = records[start:start + page_size]
        next_url = None
        if start + page_size < len(records):
            host = self.headers.get("Host") or f"{self.server.server_address[0]}:{self.server.server_address[1]}"
            next_url = f"http://{host}{MODELS_PATH}?{urlencode({**query, 'page': page + 1, 'page_size': page_size})}"
        self._send(200, {"count": len(records), "page": page, "page_size": page_size, "next": next_url, "results": chunk})

    def do_POST(self) -> None:  # noqa: N802 - stdlib API
        if urlsplit(self.path).path != CONTROL_PATH:
            return self._send(405, {"detail": "the sandbox is read-only except for its control endpoint"})
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
            self.server.sandbox.control(body)
        except (ValueError, TypeError, KeyError) as exc:
            return self._send(400, {"detail": f"bad control request: {exc}"})
        self._send(200, self._control_view())

    def _control_view(self) -> dict[str, Any]:
        state = self.server.state
        with state.lock:
            return {"faults": state.faults.as_dict(), "models": len(state.models), "requests": state.requests,
                    "auth_type": state.auth_type}

    def _authorized(self) -> bool:
        state = self.server.state
        presented = self.headers.get("X-API-Key") or self.headers.get("Authorization") or ""
        if presented:
            with state.lock:
                state.seen_credentials.append(presented)
        if state.auth_type == "none":
            return True
        expected = state.api_key
        if state.auth_type == "api_key":
            given = self.headers.get("X-API-Key", "")
        elif state.auth_type == "bearer":
            given = self.headers.get("Authorization", "")
            expected = f"Bearer {state.api_key}"
        elif state.auth_type == "basic":
            given = self.headers.get("Authorization", "")
            expected = "Basic " + base64.b64encode(f"{state.username}:{state.api_key}".encode()).decode()
        else:
            return False
        return bool(state.api_key) and hmac.compare_digest(given.encode(), expected.encode())

    def _send(self, status: int, body: Any) -> None:
        self._send_raw(status, json.dumps(body).encode(), "application/json")

    def _send_unsized(self, size: int) -> None:
        """A valid, empty feed padded with spaces to `size` bytes, streamed with no Content-Length (the
        connection's end marks the body's), as a source that does not say how much it will send."""
        head, tail = b'{"count": 0, "next": null, "results": [', b"]}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            self.wfile.write(head)
            left = max(0, size - len(head) - len(tail))
            while left:
                piece = min(left, 64 * 1024)
                self.wfile.write(b" " * piece)
                left -= piece
            self.wfile.write(tail)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading at its cap, as it should

    def _send_raw(self, status: int, payload: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, sandbox: "ModelSourceSandbox", verbose: bool):
        self.sandbox, self.state, self.verbose = sandbox, sandbox.state, verbose
        super().__init__(address, _Handler)

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return  # the client gave up waiting (the "slow" fault does this on purpose)
        super().handle_error(request, client_address)


class ModelSourceSandbox:
    """A fake aircraft model source. `start()` runs it on a thread; `serve_forever()` in the foreground."""

    def __init__(self, *, models: int = 40, api_key: str = "", auth_type: str = "api_key", username: str = "",
                 host: str = "127.0.0.1", port: int = 0, faults: SandboxFaults | None = None, verbose: bool = False):
        if auth_type not in ("api_key", "bearer", "basic", "none"):
            raise ValueError(f"auth_type must be api_key, bearer, basic or none, not {auth_type!r}")
        if auth_type != "none" and not api_key:
            raise ValueError(f"auth type {auth_type} needs an API key")
        self.state = SandboxState(models=catalog_models(models), auth_type=auth_type, api_key=api_key,
                                  username=username, faults=faults or SandboxFaults())
        self._initial_count = models
        self._server = _Server((host, port), self, verbose)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self._server.server_address[0]}:{self.port}"

    @property
    def url(self) -> str:
        """The endpoint to configure on a data source."""
        return f"{self.base_url}{MODELS_PATH}"

    @property
    def faults(self) -> SandboxFaults:
        return self.state.faults

    def start(self) -> "ModelSourceSandbox":
        # A short poll interval so stop() (tests stop one per test) returns at once.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="model-source-sandbox", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> "ModelSourceSandbox":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<ModelSourceSandbox {self.base_url} {len(self.state.models)} models>"

    def update_model(self, external_id: str, **fields: Any) -> None:
        """Change a served model (as the real source would between two syncs)."""
        with self.state.lock:
            for record in self.state.models:
                if record.get("external_id") == external_id:
                    record.update(fields)
                    return
        raise KeyError(external_id)

    def add_model(self, record: dict[str, Any]) -> None:
        with self.state.lock:
            self.state.models.append(dict(record))

    def remove_model(self, external_id: str) -> None:
        with self.state.lock:
            self.state.models = [r for r in self.state.models if r.get("external_id") != external_id]

    def control(self, body: dict[str, Any]) -> None:
        """Apply a control request: fault switches, `reset`, `update` {external_id, …fields}, `models` N."""
        if not isinstance(body, dict):
            raise TypeError("the control body must be a JSON object")
        with self.state.lock:
            if body.get("reset"):
                self.state.faults = SandboxFaults()
                self.state.models = catalog_models(self._initial_count)
            if "models" in body:
                self.state.models = catalog_models(int(body["models"]))
            faults = self.state.faults
            if "fail_5xx" in body:
                faults.fail_5xx = int(body["fail_5xx"])
            if "bad_json" in body:
                faults.bad_json = bool(body["bad_json"])
            if "missing_external_id" in body:
                faults.missing_external_id = max(0, int(body["missing_external_id"]))
            if "slow" in body:
                faults.slow = max(0.0, float(body["slow"]))
            if "huge_page" in body:
                faults.huge_page = max(0, int(body["huge_page"]))
        if "update" in body:
            update = dict(body["update"])
            self.update_model(str(update.pop("external_id")), **update)
