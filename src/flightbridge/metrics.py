"""Every Prometheus metric FlightBridge exports, in one table, and the `/metrics` exposition.

Counters and histograms are kept with the official `prometheus_client` in multiprocess mode: each
gunicorn and worker process writes its own files in `PROMETHEUS_MULTIPROC_DIR` (set in settings to
`DATA_DIR/metrics`; `flightbridge serve` empties it at start and every process that exits is marked
dead), and a scrape adds them up. Figures that live in the database (queue depth, connections, the
oldest due schedule) are read at scrape time by collectors the apps register here, so they are right
whichever process answers. Nothing here may carry a token, a pilot's name or any other personal value:
labels are method names, modes, outcomes and states only.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import Collector

__all__ = ["CONTENT_TYPE_LATEST", "exposition", "register_collector", "scrape_refusal"]

SYNCS_STARTED = Counter("flightbridge_syncs_started", "Background jobs claimed by a worker", ["kind", "mode"])
SYNCS_FINISHED = Counter("flightbridge_syncs_finished", "Background jobs that succeeded", ["kind", "mode"])
SYNCS_FAILED = Counter("flightbridge_syncs_failed", "Background jobs that failed", ["kind", "mode", "error"])
SYNCS_RAN_FULL = Counter("flightbridge_syncs_ran_full", "Syncs asked quick that walked the whole logbook, by why",
                         ["kind", "why"])
FLIGHTS_IMPORTED = Counter("flightbridge_flights_imported", "Flights added to logbooks by MyFlightbook syncs")
MFB_CALLS = Counter(
    "flightbridge_mfb_calls", "HTTP requests to MyFlightbook's resource API, each attempt", ["method", "outcome"]
)
MFB_CALL_SECONDS = Histogram(
    "flightbridge_mfb_call_seconds", "Time MyFlightbook took to answer one request (pacing waits excluded)", ["method"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
)
MFB_BUDGET_WAIT = Histogram(
    "flightbridge_mfb_budget_wait_seconds", "Time a call waited for a slot in the deployment-wide call budget",
    ["mode"], buckets=(0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)

#: The classic text format (0.0.4) that `generate_latest` writes and every Prometheus version reads.
CONTENT_TYPE_LATEST = "text/plain; version=0.0.4; charset=utf-8"

_collectors: list[Collector] = []


def register_collector(collector: Collector) -> None:
    """Add a scrape-time collector (an app's database figures); called from an AppConfig.ready."""
    if not any(type(existing) is type(collector) for existing in _collectors):
        _collectors.append(collector)


def exposition() -> bytes:
    """The text every scrape gets: all processes' counters and histograms, then the database figures."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:  # a process without the directory (never under serve/worker): its own values
        from prometheus_client import REGISTRY

        registry = REGISTRY
    text = generate_latest(registry)
    if _collectors:
        extra = CollectorRegistry(auto_describe=False)
        for collector in _collectors:
            extra.register(collector)
        text += generate_latest(extra)
    return text


def forget_process(pid: int) -> None:
    """A process exited: drop its live-gauge files (its counters stay in the totals, as Prometheus expects)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        mark_process_dead(pid)


def clear_directory(path) -> int:
    """Empty the metrics directory before any process writes to it (serve's start). Returns files removed."""
    removed = 0
    for entry in os.scandir(path):
        if entry.is_file() and entry.name.endswith(".db"):
            os.unlink(entry.path)
            removed += 1
    return removed


def _is_loopback(request) -> bool:
    # Behind a reverse proxy on the same machine every request comes from 127.0.0.1, so a request
    # that names a forwarded client is not treated as local, whatever its socket address.
    if request.META.get("HTTP_X_FORWARDED_FOR") or request.META.get("HTTP_FORWARDED"):
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def scrape_refusal(request, token: str, *, require_token: bool = False) -> tuple[int, str] | None:
    """None when `request` may read /metrics, else (status, message): 401 without credentials, 403 with wrong ones.

    `require_token` trusts loopback no more: behind a TLS-passthrough proxy on the same machine every request
    arrives from 127.0.0.1 with no X-Forwarded-For to tell it apart (FLIGHTBRIDGE_METRICS_REQUIRE_TOKEN)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header[:7].lower() == "bearer ":
        offered = header[7:].strip()
        if token and hmac.compare_digest(offered.encode(), token.encode()):
            return None
        return 403, "This bearer token may not read the metrics."
    if _is_loopback(request) and not require_token:
        return None
    if not token:
        return 403, "Metrics are served to loopback only; set FLIGHTBRIDGE_METRICS_TOKEN to scrape from elsewhere."
    return 401, "Metrics need Authorization: Bearer <FLIGHTBRIDGE_METRICS_TOKEN>."

