"""The demo's Logger part: a sample package to paste, and where the export and import pages are.

Logger is an iPhone app with no server, so there is nothing to run; the demo only writes a small,
valid v1.2 package (two flights and a simulator session, UTC times) into the data directory. It must
never write anything into the pilot's logbook by itself: importing stays the pilot's choice.
"""

from __future__ import annotations

import json

from . import codec

SAMPLE_FILE = "logger-sample-package.json"


def sample_package() -> dict:
    entries = [
        {"importId": "demo-logger-1", "entryType": "Flight", "departureDate": "2024-06-01", "departureTime": "1605",
         "takeOffTime": "16:14", "landingTime": "17:02", "arrivalTime": "1710", "departureAirport": "KPAO",
         "arrivalAirport": "KMRY", "aircraftType": "C172", "aircraftRegistration": "N738CL", "picName": "Self",
         "picTime": "1:05", "crossCountryTime": "1:05", "numberOfDayLandings": 1, "numberOfDayTakeOffs": 1,
         "flightRules": "VFR", "remark": "Coastal route", "hobbsIn": 1234.5, "hobbsOut": 1235.6},
        {"importId": "demo-logger-2", "entryType": "Flight", "departureDate": "2024-06-02", "departureTime": "0330",
         "arrivalTime": "0445", "departureAirport": "KMRY", "arrivalAirport": "KPAO", "aircraftType": "C172",
         "aircraftRegistration": "N738CL", "picTime": "1:15", "nightTime": "1:15", "numberOfNightLandings": 3,
         "numberOfNightTakeOffs": 3, "remark": "Night currency (local evening of 1 June)"},
        {"importId": "demo-logger-3", "entryType": "Simulator", "departureDate": "2024-06-05", "simTime": "1:30",
         "simulatedInstrumentTime": "1:30", "numberOfApproaches": 6, "numberOfHolds": 1, "approachType": "RNP",
         "pilotInstructorName": "Ivy Instructor"},
    ]
    return codec.build_package(entries, codec.build_metadata(is_utc=True, app_version="1.0", app_name="FlightBridge demo"))


def prepare(context) -> None:
    path = context.data_dir / SAMPLE_FILE
    path.write_text(json.dumps(sample_package(), indent=2) + "\n", encoding="utf-8")
    context.notes.append(f"Logger: export links at {context.public_url}/logbook/export/logger; "
                         f"paste {path} at {context.public_url}/logbook/import/logger to try an import.")
