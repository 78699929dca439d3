"""The column vocabularies of the three logbook files, from `logbook-interchange.md` and the templates.

Every header is matched by name, never by position: `header_key` folds case, spacing and punctuation and
drops ForeFlight's " (FAA)" export suffix, so `Landing Full-Stop Day`, `landing full-stop day` and
`LandingFullStopDay` are one column. Each reader maps the names it knows onto one internal key per
logbook fact (`day_fs` = day full-stop landings, …); what no key claims stays in the flight's `raw`.
"""

from __future__ import annotations

import re

FOREFLIGHT = "foreflight"
MYFLIGHTBOOK = "myflightbook"
LOGTEN = "logten"
FORMATS = (FOREFLIGHT, MYFLIGHTBOOK, LOGTEN)
EXPORT_FORMATS = (FOREFLIGHT, MYFLIGHTBOOK)

_FOLD = re.compile(r"[^0-9a-z\[\]]+")


def header_key(header: str) -> str:
    """`Landing Full-Stop Day ` → `landingfullstopday`; `equipType (FAA)` → `equiptype`."""
    text = header.strip().lower()
    if text.endswith("(faa)"):
        text = text[: -len("(faa)")]
    return _FOLD.sub("", text)


# --- ForeFlight (one file, two tables) ------------------------------------------------------------

FOREFLIGHT_MARKER = "ForeFlight Logbook Import"
FOREFLIGHT_FIRST_ROW = (
    "ForeFlight Logbook Import ", "This row is required for importing into ForeFlight. Do not delete or modify. ",
)
AIRCRAFT_TABLE = "Aircraft Table"
FLIGHTS_TABLE = "Flights Table"

# The 2026 template (40ae375 in RFT's copy of ForeFlight's download), in its order.
FOREFLIGHT_AIRCRAFT_TYPES_2026 = (
    "Text", "Text", "Text", "YYYY", "Text", "Text", "Text", "Text", "Text", "Boolean", "Boolean", "Boolean", "Boolean",
    "Text", "Text", "Boolean", "Boolean", "Boolean",
)
FOREFLIGHT_AIRCRAFT_HEADER_2026 = (
    "AircraftID", "equipType", "TypeCode", "Year", "Make", "Model", "GearType", "EngineType", "Category/Class",
    "complexAircraft", "highPerformance", "pressurized", "taa", "equipType (EASA)", "Category/Class (EASA)",
    "complexAircraft (EASA)", "multiPilot (EASA)", "sphp (EASA)",
)
FOREFLIGHT_FLIGHT_HEADER_2026 = (
    "Date", "AircraftID", "From", "To", "Route", "TimeOut", "TimeOff", "TimeOn", "TimeIn", "OnDuty", "OffDuty",
    "TotalTime", "PIC", "SIC", "Night", "Solo", "CrossCountry", "PICUS", "MultiPilot", "IFR", "Examiner", "NVG",
    "NVGOps", "Distance", "Takeoff Day", "Takeoff Night", "Landing Full-Stop Day", "Landing Full-Stop Night",
    "Landing Touch-and-Go Day", "Landing Touch-and-Go Night", "ActualInstrument", "SimulatedInstrument",
    "GroundTraining", "GroundTrainingGiven", "HobbsStart", "HobbsEnd", "TachStart", "TachEnd", "Holds",
    "Approach1", "Approach2", "Approach3", "Approach4", "Approach5", "Approach6", "DualGiven", "DualReceived",
    "SimulatedFlight", "InstructorName", "InstructorComments", "Person1", "Person2", "Person3", "Person4", "Person5",
    "Person6", "PilotComments", "Flight Review", "IPC", "Checkride", "FAA 61.58", "NVG Proficiency",
    "[Text]CustomFieldName", "[Numeric]CustomFieldName", "[Hours]CustomFieldName", "[Counter]CustomFieldName",
    "[Date]CustomFieldName", "[DateTime]CustomFieldName", "[Toggle]CustomFieldName", "Takeoff Day Towered",
    "Takeoff Night Towered", "Landing Full-Stop Day Towered", "Landing Touch-and-Go Day Towered",
    "Landing Full-Stop Night Towered", "Landing Touch-and-Go Night Towered", "Initial Check (EASA)",
    "Proficiency Check (EASA)", "IR Proficiency Check (EASA)", "Refresher Training (EASA)",
)
FOREFLIGHT_FLIGHT_TYPES_2026 = (
    ("Date",) + ("Text",) * 4 + ("HH:MM",) * 6 + ("Decimal or HH:MM",) * 11 + ("Number", "Decimal") + ("Number",) * 6
    + ("Decimal or HH:MM",) * 4 + ("Decimal",) * 4 + ("Number",) + ("Packed Detail",) * 6 + ("Decimal or HH:MM",) * 3
    + ("Text", "Text") + ("Packed Detail",) * 6 + ("Text",) + ("Boolean",) * 5
    + ("Text", "Decimal", "Decimal or HH:MM", "Number", "Date", "DateTime", "Boolean") + ("Number",) * 6 + ("Boolean",) * 4
)
FOREFLIGHT_WIDTH = len(FOREFLIGHT_FLIGHT_HEADER_2026)  # 79: every row is padded to it
# The hint row above the flights header: packed-cell layouts over Approach1 and Person1.
FOREFLIGHT_HINTS = {"Approach1": "#;type;runway;airport;comments", "Person1": "name;role;email;phone"}
FOREFLIGHT_BLANK_ROWS_AFTER_AIRCRAFT = 7  # rows 6–12 of the template

# Internal key → every ForeFlight header (2022, 2025, 2026, and the export's "(FAA)" names) that means it.
FOREFLIGHT_FLIGHT_COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("Date",), "tail": ("AircraftID",), "from": ("From",), "to": ("To",), "route": ("Route",),
    "time_out": ("TimeOut",), "time_off": ("TimeOff",), "time_on": ("TimeOn",), "time_in": ("TimeIn",),
    "total": ("TotalTime",), "pic": ("PIC",), "sic": ("SIC",), "night": ("Night",), "xc": ("CrossCountry",),
    "imc": ("ActualInstrument",), "sim_inst": ("SimulatedInstrument",), "ground_sim": ("SimulatedFlight",),
    "dual": ("DualReceived",), "cfi": ("DualGiven",),
    "day_takeoffs": ("Takeoff Day", "DayTakeoffs"), "night_takeoffs": ("Takeoff Night", "NightTakeoffs"),
    "day_fs": ("Landing Full-Stop Day", "DayLandingsFullStop"),
    "night_fs": ("Landing Full-Stop Night", "NightLandingsFullStop"),
    "day_tg": ("Landing Touch-and-Go Day",), "night_tg": ("Landing Touch-and-Go Night",),
    "all_landings": ("AllLandings",), "holds": ("Holds",),
    **{f"approach{n}": (f"Approach{n}",) for n in range(1, 7)},
    **{f"person{n}": (f"Person{n}",) for n in range(1, 7)},
    "instructor_name": ("InstructorName",), "remarks": ("PilotComments",),
    "hobbs_start": ("HobbsStart",), "hobbs_end": ("HobbsEnd",), "tach_start": ("TachStart",), "tach_end": ("TachEnd",),
    "flight_review": ("Flight Review", "FlightReview"), "ipc": ("IPC",), "checkride": ("Checkride",),
}
FOREFLIGHT_AIRCRAFT_COLUMNS: dict[str, tuple[str, ...]] = {
    "tail": ("AircraftID",), "equip_type": ("equipType", "EquipmentType"), "type_code": ("TypeCode",),
    "year": ("Year",), "make": ("Make",), "model": ("Model",), "gear": ("GearType",), "engine": ("EngineType",),
    "category_class": ("Category/Class", "aircraftClass"), "category": ("Category",), "class": ("Class",),
}
# ForeFlight's equipType → our device class (§61.57(c) credits them differently); blank means an aircraft.
EQUIP_TYPES = {"": "REAL", "aircraft": "REAL", "ffs": "FFS", "ftd": "FTD", "aatd": "AATD", "batd": "FLAPS"}
DEVICE_EQUIP_TYPES = {"REAL": "aircraft", "FFS": "ffs", "FTD": "ftd", "AATD": "aatd", "FLAPS": "batd"}
PERSON_ROLES = {"pic": "pic_name", "sic": "sic_name", "instructor": "instructor_name", "student": "student_name"}

# --- MyFlightbook ---------------------------------------------------------------------------------

# The downloadable template (MyFlightbook.Web/Public/ImportTemplate.csv), in its order.
MYFLIGHTBOOK_TEMPLATE = (
    "Date", "Tail Number", "Total Flight Time", "Approaches", "Hold", "Landings", "FS Day Landings", "FS Night Landings",
    "X-Country", "Night", "IMC", "Simulated Instrument", "Ground Simulator", "Dual Received", "CFI", "SIC", "PIC",
    "Route", "Comments",
)
# Property titles MyFlightbook's importer resolves by name (CSVImporter.cs PropNameAliases and columns).
MYFLIGHTBOOK_PROPERTIES = (
    "Model", "Takeoffs (any)", "Takeoffs - Night", "Block Out Time", "Block In Time", "Flight Start", "Flight End",
    "Name of PIC", "Name of SIC", "Instructor Name", "Student Name", "Approach Name(s)",
    # Issue 20: the rest of the record, by the names MyFlightbook's importer knows (CSVImporter.cs ~106-112, and
    # the property titles of the custompropertytypes table).
    "Landings - Touch and Go (Night)", "Hobbs Start", "Hobbs End", "Engine Start", "Engine End", "Tachometer Start",
    "Tachometer End", "Cat/Class Override",
)
# The flight's category/class as MyFlightbook's own export names the column (Backup.cs; CatClassDisplay without
# the type rating): the importer derives it from the aircraft, other readers (and ours) take it from here.
MYFLIGHTBOOK_AIRCRAFT = ("Category/Class",)
MYFLIGHTBOOK_HEADER = MYFLIGHTBOOK_TEMPLATE + MYFLIGHTBOOK_PROPERTIES + MYFLIGHTBOOK_AIRCRAFT
# Properties with a column of their own above (or read into the flight's fields): never repeated as a
# carried-property column. 73/93 takeoffs, 186/187 block times, 92/166/183/184 names, 267 approach names,
# 95/96 tach, 397 night touch-and-goes.
MYFLIGHTBOOK_PROPERTY_COLUMNS_TAKEN = frozenset({73, 93, 92, 95, 96, 166, 183, 184, 186, 187, 267, 397})
# What a flight marked by hand (or by a file that only says "flight review") is written as, when it carries no
# property of that kind: MyFlightbook's generic titles.
MYFLIGHTBOOK_MARKER_PROPERTIES = {"flight_review": 164, "ipc": 41, "checkride": 43}

# Internal key → MyFlightbook's header aliases, highest priority first (CSVImporter.cs 83–180).
MYFLIGHTBOOK_COLUMNS: dict[str, tuple[str, ...]] = {
    "flight_id": ("Flight ID",),
    "date": ("Date", "FLT_DATE", "Date Flown", "flight_date"),
    "tail": ("Tail Number", "Registration", "Tail", "Ident", "ACFT", "Aircraft Ident", "Reg", "Reg.",
             "AIRCRAFT REGISTRATION", "aircraft_registration", "tailNo", "aircraft_tail_number", "Tail #", "Display Tail"),
    "total": ("Total Flight Time", "Total Time", "TotalDuration", "Total Duration", "Flt Time", "Block", "HRS",
              "TIME FLOWN", "FltTime", "Total", "total_time", "totalFlightTime", "flight_time", "total_flight_time",
              "Duration", "Flight Time", "TotalTime"),
    "approaches": ("Approaches", "NumApproaches", "Inst App", "IAP", "instrumentApproaches", "Approaches Instrument"),
    "hold": ("Hold", "Holds", "Holding", "Holding Patterns", "nbr_hold"),
    "all_landings": ("Landings", "LAND_STD", "Lnd", "AllLandings"),
    "night_fs": ("FS Night Landings", "Night Ldg", "Night Ldgs", "Ngt Ldgs", "Full-Stop Night Landings",
                 "LANDINGS NIGHT", "Night Landings", "LandsNight", "landings_night", "ldgs_night", "Ldg Night",
                 "nightLandings", "night_landings", "Night Landing", "NightLandingsFullStop"),
    "day_fs": ("FS Day Landings", "Day Ldg", "Day Ldgs", "Full-Stop Day Landings", "LANDINGS DAY", "Day Landings",
               "LandsDay", "landings_day", "ldgs_day", "dayLandings", "day_landings", "Ldg Day", "Day Landing",
               "DayLandingsFullStop"),
    "xc": ("X-Country", "XCountry", "XC", "X-C", "X CNTY", "X/Ctry", "X/C", "CROSS COUNTRY", "CrossCountry",
           "Cross Country Duration", "cross_country"),
    "night": ("Night", "Night Duration", "nightTime", "Night Time"),
    "imc": ("IMC", "Actual Inst", "INSTRUMENT", "Actual Instrument Duration", "Instr", "Instr.", "Inst",
            "Actual Instrument", "actualInstrument", "actual_instrument", "ActualInstrument"),
    "sim_inst": ("Simulated Instrument", "Hood", "Sim Inst", "Simulated Instrument Duration", "simulated_instrument",
                 "Simulated Instrument (Hood)", "SimulatedInstrument"),
    "ground_sim": ("Ground Simulator", "Sim/FTD", "SIMULATOR", "Simulator Duration", "SimTime", "synthetic_training",
                   "simulator_time", "Flight Simulator", "SimulatedFlight"),
    "dual": ("Dual Received", "Dualreceived", "Dual Recd", "Dual", "Dual Received Duration", "dual_received",
             "Dual Received (Student)", "DualReceived"),
    "cfi": ("CFI", "DualGiven", "Dual Given", "Dual Given Duration", "instructor", "as_instructor", "As Instr.", "IP",
            "Instructor (PIC)"),
    "sic": ("SIC", "SECOND IN COMMAND", "SIC Duration", "CoPlt", "Co-Plt", "co_pilot", "copilot", "Co-Pilot"),
    "pic": ("PIC", "PILOT IN COMMAND", "PIC Duration", "pilot_in_command_time", "Pilot in CMD"),
    "route": ("Route", "Via", "ROUTE OF FLIGHT", "LOC_INTM", "Route of Flight Via"),
    "from": ("From", "Departure", "Origin", "LOC_FROM", "DepPlace", "departure_airport", "departureAirport",
             "Route of Flight From", "ADEP"),
    "to": ("To", "Arrival", "Dest", "Destination", "LOC_TO", "ArrPlace", "arrival_airport", "arrivalAirport",
           "Route of Flight To", "ADES"),
    "remarks": ("Comments", "Remarks", "remarks_and_endorsements", "Comment", "Remark", "PilotComments"),
    "flight_start": ("Flight Start", "FLT_BEGIN", "Time Off", "departure_time", "Flight Departure"),
    "flight_end": ("Flight End", "FLT_END", "Time On", "arrival_time", "Flight Arrival"),
    "model": ("Model", "Aircraft Type", "MakeModel", "MAKE & MODEL", "A/C Type", "AIRCRAFT MAKE & MODEL", "ACType",
              "type_of_aircraft", "acModel", "aircraft_type"),
    "category_class": ("Category/Class",),
    # Properties by title, then their aliases (PropNameAliases).
    "pic_name": ("Name of PIC", "PIC/P1 Crew", "Captain", "PIC Name", "PICName", "name_of_pilot_in_command", "pic_name",
                 "Name PIC", "Crew Captain"),
    "sic_name": ("Name of SIC", "SIC/P2 Crew", "First Officer"),
    "instructor_name": ("Instructor Name", "instructor_name", "CFI Name"),
    "student_name": ("Student Name", "Student"),
    "night_takeoffs": ("Takeoffs - Night", "Night T/O", "Night Takeoffs", "TKoffsNight", "to_night", "T/O Night",
                       "Night T-O"),
    "any_takeoffs": ("Takeoffs (any)", "to_day", "T/O Day", "Day T-O", "Day Takeoffs"),
    "block_out": ("Block Out Time", "Block Out", "Off Block", "DepTime", "Departure Time", "off_block", "block_start",
                  "departureTime", "Block Off", "Time Out"),
    "block_in": ("Block In Time", "Block In", "On Block", "ArrTime", "Arrival Time", "on_block", "block_end",
                 "arrivalTime", "Block On", "Time In"),
    "approach_names": ("Approach Name(s)",),
    **{f"approach{n}": (f"Approach {n}",) for n in range(1, 11)},
    # Issue 20: MyFlightbook's own export (Backup.cs) carries these; CSVImporter.cs ~106-112 names the fields.
    "night_tg": ("Landings - Touch and Go (Night)",),
    "hobbs_start": ("Hobbs Start", "Hobbs Out", "HobbsStart"), "hobbs_end": ("Hobbs End", "Hobbs In", "HobbsEnd"),
    "engine_start": ("Engine Start",), "engine_end": ("Engine End",),
    "tach_start": ("Tachometer Start",), "tach_end": ("Tachometer End",),
    "cat_class_override": ("Cat/Class Override", "Alternate Cat/Class", "CatClassOverride"),
}

# --- LogTen Pro (tab-delimited, native keys; MFB LogTenPro.cs) ------------------------------------

LOGTEN_REQUIRED = ("flight_flightDate", "aircraft_aircraftID")
LOGTEN_COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("flight_flightDate",), "tail": ("aircraft_aircraftID",), "type_code": ("aircraftType_type",),
    "make": ("aircraftType_make",), "model": ("aircraftType_model",), "category": ("aircraftType_selectedCategory",),
    "class": ("aircraftType_selectedAircraftClass",), "engine": ("aircraftType_selectedEngineType",),
    "from": ("flight_from",), "to": ("flight_to",), "route": ("flight_route",),
    "time_out": ("flight_actualDepartureTime",), "time_off": ("flight_takeoffTime",), "time_on": ("flight_landingTime",),
    "time_in": ("flight_actualArrivalTime",),
    "total": ("flight_totalTime",), "pic": ("flight_pic",), "sic": ("flight_sic",), "night": ("flight_night",),
    "xc": ("flight_crossCountry",), "imc": ("flight_actualInstrument",), "sim_inst": ("flight_simulatedInstrument",),
    "dual": ("flight_dualReceived",), "cfi": ("flight_dualGiven",), "ground_sim": ("flight_simulator",),
    "day_takeoffs": ("flight_dayTakeoffs",), "night_takeoffs": ("flight_nightTakeoffs",),
    "day_landings": ("flight_dayLandings",), "night_landings": ("flight_nightLandings",),
    "full_stops": ("flight_fullStops",), "holds": ("flight_holds",), "approaches": ("flight_totalApproaches",),
    **{f"approach{n}": (f"flight_selectedApproach{n}",) for n in range(1, 11)},
    "pic_name": ("flight_selectedCrewPIC",), "sic_name": ("flight_selectedCrewSIC",),
    "instructor_name": ("flight_selectedCrewInstructor",), "student_name": ("flight_selectedCrewStudent",),
    "remarks": ("flight_remarks",),
}
