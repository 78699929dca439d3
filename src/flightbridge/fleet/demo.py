"""The demo's aircraft model sources: the sandbox as a child process and a data source pointing at it, and
the built-in FAA aircraft reference over the registry sample the demo loads (synced at once, so the demo
pilot's registered aircraft link to their FAA models on their first MyFlightbook sync).

Idempotent: a second `flightbridge demo` reuses the data sources (same names, so the models they already
synced still match) and only points the sandbox's at the new port with the new key. Never touches real sources.
"""

from __future__ import annotations

import os
import secrets
import socket
import sys

from flightbridge.fleet.management.commands.model_source_sandbox import API_KEY_ENV
from flightbridge.fleet.models import AuthType, DataSourceConfig, Direction, SourceKind, SyncFrequency

ALLOWLIST_ENV = "FLIGHTBRIDGE_SOURCE_ALLOWLIST"
DEMO_SOURCE_NAME = "Demo model source"
DEMO_MODELS = 40
FAA_SOURCE_NAME = "FAA aircraft reference"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def ensure_demo_source(endpoint: str, api_key: str) -> DataSourceConfig:
    source = DataSourceConfig.objects.filter(name=DEMO_SOURCE_NAME).first() or DataSourceConfig(name=DEMO_SOURCE_NAME)
    source.endpoint = endpoint
    source.auth_type = AuthType.API_KEY
    source.direction = Direction.OUTBOUND
    if source.pk is None:
        source.sync_frequency = SyncFrequency.MANUAL
    source.set_secret("api_key", api_key)
    source.save()
    return source


def ensure_faa_source() -> DataSourceConfig:
    """The FAA aircraft reference source, created if missing (an operator's own one of that name is kept)."""
    source = DataSourceConfig.objects.filter(name=FAA_SOURCE_NAME).first()
    if source is None:
        source = DataSourceConfig.objects.create(name=FAA_SOURCE_NAME, kind=SourceKind.FAA_REFERENCE,
                                                 auth_type=AuthType.NONE, sync_frequency=SyncFrequency.DAILY)
    return source


def prepare(context) -> None:
    port = free_port(context.host if context.host not in ("0.0.0.0", "") else "127.0.0.1")
    api_key = secrets.token_urlsafe(24)
    # The key reaches the sandbox through its own environment variable, never a command line (ps shows those).
    context.env[API_KEY_ENV] = api_key
    # Data sources may not reach loopback (SSRF guard, fleet/outbound.py) unless allowlisted: the demo
    # opens exactly its own sandbox's address, keeping whatever the operator already allowed.
    allowed = [item for item in os.environ.get(ALLOWLIST_ENV, "").split(",") if item.strip()]
    context.env[ALLOWLIST_ENV] = ",".join(dict.fromkeys([*allowed, "127.0.0.1"]))
    context.processes["aircraft model source sandbox"] = [
        sys.executable, "-m", "flightbridge", "model_source_sandbox", "--host", "127.0.0.1", "--port", str(port),
        "--models", str(DEMO_MODELS), "--quiet",
    ]
    ensure_demo_source(f"http://127.0.0.1:{port}/models", api_key)
    faa = ensure_faa_source()
    from flightbridge.registry.services import current_generation

    # The registry app's demo loads its sample before this runs: the catalogue is there to read.
    if faa.is_faa_reference and faa.is_syncable and current_generation() is not None:
        from flightbridge.fleet.runs import sync_source

        result = sync_source(faa.pk)
        context.notes.append(f"FAA aircraft reference: {result['message']} Sync MyFlightbook, then open "
                             f"{context.public_url}/logbook/aircraft/ to see your aircraft linked to their FAA models.")
    context.notes.append(
        f"Aircraft model sync: open {context.public_url}/fleet/sync/ and press “Sync all” "
        f"({DEMO_MODELS} models from the local sandbox at http://127.0.0.1:{port}/models)."
    )
