"""`SandboxProcess`: the HTTP sandbox in a process of its own, driven over its control endpoints.

Benchmarks measure FlightBridge's own CPU time; a sandbox in the same process would add its JSON
rendering to the figure (and fight for the same interpreter lock). This has the attributes
`connect_to_sandbox` needs (`url`, `client_id`, `client_secret`, `issue_tokens()`) plus the call log.
Never pointed at the real MyFlightbook: it starts `flightbridge mfb-sandbox` on a free local port.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import httpx

CLIENT_ID, CLIENT_SECRET = "flightbridge-sandbox", "sandbox-secret"


class SandboxProcess:
    def __init__(self, *, flights: int = 250, seed: int = 1, latency_ms: int = 0, startup_timeout: float = 120.0,
                 rounding_unit: int = 60):
        self.flights, self.seed, self.latency_ms, self.rounding_unit = flights, seed, latency_ms, rounding_unit
        self.startup_timeout = startup_timeout
        self.client_id, self.client_secret = CLIENT_ID, CLIENT_SECRET
        self.url = ""
        self._process: subprocess.Popen | None = None
        self._http = httpx.Client(timeout=120.0)

    def __repr__(self) -> str:
        return f"SandboxProcess({self.url or 'not started'}, flights={self.flights})"

    def start(self) -> "SandboxProcess":
        env = {**os.environ, "MFB_CLIENT_ID": CLIENT_ID, "MFB_CLIENT_SECRET": CLIENT_SECRET, "PYTHONUNBUFFERED": "1"}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "flightbridge", "mfb-sandbox", "--port", "0", "--flights", str(self.flights),
             "--seed", str(self.seed), "--latency-ms", str(self.latency_ms), "--rounding-unit", str(self.rounding_unit)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            line = self._process.stdout.readline()
            if not line:
                break
            found = re.search(r"MyFlightbook sandbox on (http://\S+)", line)
            if found:
                self.url = found.group(1)
                return self
        self.stop()
        raise RuntimeError("the MyFlightbook sandbox process did not start")

    def stop(self) -> None:
        self._http.close()
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def __enter__(self) -> "SandboxProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def issue_tokens(self, scopes=None) -> dict:
        return self._http.post(f"{self.url}/sandbox/tokens").raise_for_status().json()

    @property
    def calls(self) -> list[dict]:
        return self._http.get(f"{self.url}/sandbox/calls").raise_for_status().json()

    @property
    def writes(self) -> list[dict]:
        return self._http.get(f"{self.url}/sandbox/writes").raise_for_status().json()

    def cpu_seconds(self) -> float:
        """The sandbox process's CPU time so far (Linux /proc), to show it is not in FlightBridge's figure."""
        with open(f"/proc/{self._process.pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
