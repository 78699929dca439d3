"""MyFlightbook's property-type table lives in the logbook (`logbook/property_types.py`): the logbook stores
MyFlightbook-shaped properties and every app reads them, and the CSV reader must not import the MyFlightbook
app (issue 21's import graph). This name stays for code written against it while issue 20 landed."""

from flightbridge.logbook.property_types import *  # noqa: F401,F403
