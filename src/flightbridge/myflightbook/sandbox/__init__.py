"""A local MyFlightbook for tests and the demo: `SandboxServer` in-process, `flightbridge mfb_sandbox` standalone.

It ships with the package (like procrastinate's testing module) so the tests, the demo and an operator
trying FlightBridge offline all talk to the same fake. It is never used against the real MyFlightbook.
"""

from flightbridge.myflightbook.sandbox.logbook import Account, generate_account
from flightbridge.myflightbook.sandbox.resources import WRITE_METHODS
from flightbridge.myflightbook.sandbox.process import SandboxProcess
from flightbridge.myflightbook.sandbox.server import Faults, SandboxServer, SandboxState, serve

__all__ = ["Account", "Faults", "SandboxProcess", "SandboxServer", "SandboxState", "WRITE_METHODS", "generate_account", "serve"]
