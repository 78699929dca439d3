"""The demo's MyFlightbook: the sandbox as a child process, and the service configured to use it.

A new pilot clicks "Connect MyFlightbook", approves on the sandbox's consent page and gets a generated
logbook, all offline. The client secret is fresh each run and reaches the sandbox through the
environment (MFB_CLIENT_SECRET, read by its settings), never its command line. Never points at the
real MyFlightbook.
"""

from __future__ import annotations

import secrets
import socket
import sys

from flightbridge.myflightbook import remote_memory, schedule
from flightbridge.myflightbook.link import CALLBACK_PATH
from flightbridge.myflightbook.models import IntegrationToken

DEMO_CLIENT_ID = "flightbridge-demo"
DEMO_FLIGHTS = 400
DEMO_AUTO_SYNC_MINUTES = 15  # short enough that a visitor sees a scheduled quick sync happen


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare(context) -> None:
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    context.env.update({
        "MFB_CLIENT_ID": DEMO_CLIENT_ID,
        "MFB_CLIENT_SECRET": secrets.token_urlsafe(24),
        "MFB_BASE_URL": base_url,
        # The sandbox is local: no need to wait half a second between calls.
        "MFB_MIN_CALL_INTERVAL_MS": "100",
        "MFB_AUTO_SYNC": str(DEMO_AUTO_SYNC_MINUTES),
    })
    context.processes["MyFlightbook sandbox"] = [
        sys.executable, "-m", "flightbridge", "mfb_sandbox", "--host", "127.0.0.1", "--port", str(port),
        "--flights", str(DEMO_FLIGHTS), "--seed", "1", "--client-id", DEMO_CLIENT_ID,
        "--redirect-uri", context.public_url + CALLBACK_PATH, "--quiet",
    ]
    # The sandbox keeps its grants in memory: tokens from an earlier demo run cannot work any more.
    IntegrationToken.objects.filter(owner=context.pilot).delete()
    # A new sandbox logbook: the first sync is full again, and the pilot syncs on the schedule by itself.
    remote_memory.Manifest(context.pilot).forget_all()
    # In the demo's period, not this process's: the service runs with MFB_AUTO_SYNC set above, this
    # command without it (a daily slot here put the first "every 15 minutes" sync hours away).
    schedule.set_auto_sync(context.pilot, True, period=schedule.quick_period(DEMO_AUTO_SYNC_MINUTES))
    context.notes.append(
        f"MyFlightbook: on the logbook page press “Connect MyFlightbook” and approve on the local sandbox ({base_url}); "
        f"it holds {DEMO_FLIGHTS} generated flights. The first sync is full; after that a quick sync runs every "
        f"{DEMO_AUTO_SYNC_MINUTES} minutes by itself (the card shows the last mode and the next sync; “Full sync” walks it all)."
    )
