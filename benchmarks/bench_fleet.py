"""Aircraft model sync: 10,000 models from the model source sandbox, first sync, re-sync and preview.

The sandbox runs as its own process (`flightbridge model_source_sandbox`), so the peak memory the
runner reports is FlightBridge's side alone; each phase also reports how much it raised the peak.
"""

import os
import resource
import socket
import subprocess
import sys
import time


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _start_sandbox(models: int, key: str):
    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "MODEL_SOURCE_SANDBOX_API_KEY": key}
    process = subprocess.Popen([sys.executable, "-m", "flightbridge", "model_source_sandbox", "--port", str(port),
                                "--models", str(models), "--quiet"], env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/models"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, headers={"X-API-Key": key}, timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the model source sandbox did not start")


def bench_model_sync(ctx):
    from flightbridge.fleet import runs
    from flightbridge.fleet.models import AircraftModel, DataSourceConfig, SyncLog

    count = ctx.scale(10_000, 300)
    key = "bench-key-0123456789"
    process, url = _start_sandbox(count, key)
    try:
        source = DataSourceConfig(name="Bench catalog", endpoint=url)
        source.set_secret("api_key", key)
        source.save()
        rows = []

        def phase(label, run):
            before = _peak_mb()
            started = time.perf_counter()
            result = run()
            seconds = time.perf_counter() - started
            rows.append({"metric": f"{label}: seconds for {count:,} models", "value": round(seconds, 2)})
            rows.append({"metric": f"{label}: models/s", "value": round(count / seconds, 1)})
            rows.append({"metric": f"{label}: peak MB raised by", "value": round(_peak_mb() - before, 1)})
            return result

        first = phase("first sync (all created)", lambda: runs.sync_source(source.pk))
        assert first["created"] == count and AircraftModel.objects.count() == count, first
        preview = phase("preview (all unchanged)", lambda: runs.preview_source(source, include_old=True))
        assert preview["counts"]["unchanged"] == count, preview["counts"]
        again = phase("re-sync (all unchanged)", lambda: runs.sync_source(source.pk))
        assert again["unchanged"] == count, again
        assert SyncLog.objects.count() == 2 * count
        rows.append({"metric": "peak MB (FlightBridge process, all phases)", "value": round(_peak_mb(), 1)})
        return rows
    finally:
        process.terminate()
        process.wait(timeout=10)
