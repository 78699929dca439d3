"""FlightBridge: move a pilot's records between MyFlightbook, Logger and a self-hosted logbook."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("flightbridge")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
