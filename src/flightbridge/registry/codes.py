"""The FAA releasable database's code tables (ardata.pdf), as plain data, and what a status code means to a pilot.

Only words here: no parsing, no database. An unknown code must decode to itself, never raise: the
FAA adds codes over the years and an old table must not break a load.
"""

from __future__ import annotations

from datetime import date

TYPE_AIRCRAFT = {
    "1": "Glider",
    "2": "Balloon",
    "3": "Blimp/Dirigible",
    "4": "Fixed wing single engine",
    "5": "Fixed wing multi engine",
    "6": "Rotorcraft",
    "7": "Weight-shift-control",
    "8": "Powered Parachute",
    "9": "Gyroplane",
    "H": "Hybrid Lift",
    "O": "Other",
}

TYPE_ENGINE = {
    "0": "None",
    "1": "Reciprocating",
    "2": "Turbo-prop",
    "3": "Turbo-shaft",
    "4": "Turbo-jet",
    "5": "Turbo-fan",
    "6": "Ramjet",
    "7": "2 Cycle",
    "8": "4 Cycle",
    "9": "Unknown",
    "10": "Electric",
    "11": "Rotary",
}

TYPE_REGISTRANT = {
    "1": "Individual",
    "2": "Partnership",
    "3": "Corporation",
    "4": "Co-Owned",
    "5": "Government",
    "7": "LLC",
    "8": "Non Citizen Corporation",
    "9": "Non Citizen Co-Owned",
}

AIRCRAFT_CATEGORY = {"1": "Land", "2": "Sea", "3": "Amphibian"}
BUILDER_CERTIFICATION = {"0": "Type certificated", "1": "Not type certificated", "2": "Light sport"}

STATUS_CODE = {
    "A": "Triennial Aircraft Registration form was mailed and has not been returned by the Post Office",
    "D": "Expired Dealer",
    "E": "Certificate of Registration has been revoked by enforcement action",
    "M": "Aircraft registered to the manufacturer under their Dealer Certificate",
    "N": "Non-citizen Corporations which have not returned their flight hour reports",
    "R": "Registration pending",
    "S": "Second Triennial Aircraft Registration Form has been mailed and has not been returned by the Post Office",
    "T": "Valid Registration from a Trainee",
    "V": "Valid Registration",
    "W": "Certificate of Registration has been deemed Ineffective or Invalid",
    "X": "Enforcement Letter",
    "Z": "Permanent Reserved",
    "1": "Triennial Aircraft Registration form was returned by the Post Office as undeliverable",
    "2": "N-Number Assigned – but has not yet been registered",
    "3": "N-Number assigned as a Non Type Certificated aircraft - but has not yet been registered",
    "4": "N-Number assigned as import - but has not yet been registered",
    "5": "Reserved N-Number",
    "6": "Administratively canceled",
    "7": "Sale reported",
    "8": "A second attempt has been made at mailing a Triennial Aircraft Registration form to the owner with no response",
    "9": "Certificate of Registration has been revoked",
    "10": "N-Number assigned, has not been registered and is pending cancellation",
    "11": "N-Number assigned as a Non Type Certificated (Amateur) but has not been registered that is pending cancellation",
    "12": "N-Number assigned as import but has not been registered that is pending cancellation",
    "13": "Registration Expired",
    "14": "First Notice for Re-Registration/Renewal",
    "15": "Second Notice for Re-Registration/Renewal",
    "16": "Registration Expired – Pending Cancellation",
    "17": "Sale Reported – Pending Cancellation",
    "18": "Sale Reported – Canceled",
    "19": "Registration Pending – Pending Cancellation",
    "20": "Registration Pending – Canceled",
    "21": "Revoked – Pending Cancellation",
    "22": "Revoked – Canceled",
    "23": "Expired Dealer (Pending Cancellation)",
    "24": "Third Notice for Re-Registration/Renewal",
    "25": "First Notice for Registration Renewal",
    "26": "Second Notice for Registration Renewal",
    "27": "Registration Expired",
    "28": "Third Notice for Registration Renewal",
    "29": "Registration Expired – Pending Cancellation",
}

# Only V and T are a valid registration; these say the registration has run out.
VALID_STATUS_CODES = frozenset({"V", "T"})
EXPIRED_STATUS_CODES = frozenset({"13", "27", "16", "29", "D", "23"})

VALID, EXPIRED, DEREGISTERED, INVALID = "valid", "expired", "deregistered", "invalid"


def decode(table: dict[str, str], code: str) -> str:
    code = (code or "").strip()
    if not code:
        return ""
    # TYPE ENGINE is 2 wide and sometimes zero-padded ("05"): try the number too.
    return table.get(code) or table.get(code.lstrip("0") or "0") or code


def registration_status(status_code: str, expiration: date | None, *, deregistered: bool, today: date) -> str:
    """valid / expired / deregistered, or invalid for every other code (pending, revoked, sale reported…).

    The expiration date wins over a stale V: the file is a snapshot, and a registration whose date has
    passed is expired whatever its code said that day.
    """
    if deregistered:
        return DEREGISTERED
    code = (status_code or "").strip()
    if code in EXPIRED_STATUS_CODES or (expiration is not None and expiration < today):
        return EXPIRED
    if code in VALID_STATUS_CODES:
        return VALID
    return INVALID
