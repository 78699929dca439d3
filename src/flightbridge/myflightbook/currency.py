"""Map a MyFlightbook `CurrencyStatusItem` (GetCurrencyForUser) to one of our FAA currency kinds.

Pure functions on plain data. Recognised: the labels MyFlightbook really produces (reference §8, checked
against its source; docs/myflightbook.md has the table): flight review (§61.56, and "Flight Review
(SFAR73/R22)"), the §61.58 PIC and §61.55 SIC proficiency checks (MyFlightbook files them in its
FlightReview group, but they are not flight reviews), the §61.195(a) instructing limit, instrument
(§61.57(c), per category, glider passengers included; "IPC is required." in its Discrepancy is kept as
`ipc_required`), 1st/2nd/3rd-class medical privileges (§61.23) and BasicMed (§61.113(i)), the CFI
certificate, endorsements, and the §61.57(a)/(b) 90-day day and night passenger currency per
category/class (`ASEL - Passengers`, `AMEL (B737) - Night`, tailwheel).

Safety rule, never to be broken: an item is never reported as a pass unless MyFlightbook said so.
MyFlightbook's JSON omits default values, so a NotCurrent (= 0) item arrives with no `Status` at all:
absent means NON_COMPLIANT, not unknown. NoDate (3) is UNKNOWN. Anything we cannot map comes back as
`UnmappedCurrency` for the caller to log and skip; it is never stored as a status.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from collections.abc import Mapping
from typing import Any

# CurrencyState (MyFlightbook.Currency/CurrencyConstants.cs) → CurrencyRecord.status
STATUS_BY_STATE: dict[int, str] = {0: "NON_COMPLIANT", 1: "EXPIRING_SOON", 2: "CURRENT", 3: "UNKNOWN"}
STATE_NAMES: dict[str, int] = {"notcurrent": 0, "gettingclose": 1, "ok": 2, "nodate": 3}

# CurrencyGroups
GROUP_NONE, FLIGHT_EXPERIENCE, FLIGHT_REVIEW, AIRCRAFT, AIRCRAFT_DEADLINE = 0, 1, 2, 3, 4
CERTIFICATES, MEDICAL, DEADLINE, CUSTOM = 5, 6, 7, 8
GROUP_NAMES: dict[str, int] = {
    "none": 0, "flightexperience": 1, "flightreview": 2, "aircraft": 3, "aircraftdeadline": 4,
    "certificates": 5, "medical": 6, "deadline": 7, "customcurrency": 8,
}
# Aircraft inspections and deadlines are the airplane's, not the pilot's currency.
NOT_PILOT_GROUPS = frozenset({AIRCRAFT, AIRCRAFT_DEADLINE, DEADLINE})

_DATE_US = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")

# "<category/class> - Passengers", "<category/class> - Night": §61.57(a) and (b), per category.
_PASSENGERS = re.compile(r"^(?P<category>.+?)\s+-\s+passengers?\b", re.IGNORECASE)
_NIGHT = re.compile(r"^(?P<category>.+?)\s+-\s+night\b(?!\s*vision)", re.IGNORECASE)
_TAILWHEEL = re.compile(r"^(?P<category>.+?)\s+-\s+tailwheel\b", re.IGNORECASE)
# "IFR - Airplane", "IFR - Rotorcraft", "IFR - Glider", "IFR - Glider - (Passengers)" / "- (No Passengers)"
_IFR = re.compile(r"^(?:IFR|instrument)(?:\s+-\s+(?P<category>.+?))?(?:\s+-)?(?:\s+\((?:no\s+)?passengers\))?\s*$", re.IGNORECASE)
# "PIC Proficiency Check (61.58): B737" (per type) and "SIC Proficiency (61.55) - AMEL" (per category/class)
_PIC_6158 = re.compile(r"(?:61\.58|pic\s+proficiency)[^:]*(?::\s*(?P<category>.+))?$", re.IGNORECASE)
_SIC_6155 = re.compile(r"(?:61\.55|sic\s+proficiency)[^-]*(?:-\s*(?P<category>.+))?$", re.IGNORECASE)
# "Flight Review (SFAR73/R22)", "Flight Review (SFAR73/R44)" (and older "(R44)" spellings)
_SFAR73 = re.compile(r"\((?:SFAR\s*73\s*/\s*)?(R22|R44)\)", re.IGNORECASE)
# Instrument currency's Discrepancy when more than 6 calendar months lapsed (Currency.resx IPCRequired)
_IPC_REQUIRED = re.compile(r"\bIPC is required\b", re.IGNORECASE)
# Non-FAA rules and limits MyFlightbook can show (EASA, LAPL, Canada, Australia, Part 117/125/135, NVG,
# 61.217 ground instructor, UAS 107.65): not tracked here.
_NOT_TRACKED = re.compile(
    r"night\s+vision|^nv\s|\bfar 117\b|\b(?:117|125|135)\.\d|61\.217|\beasa\b|\blapl\b|\bfcl\b|\bsfcl\b"
    r"|\(fi\)|\bcasa\b|\buas\b|107\.65|oro\.ftl", re.IGNORECASE)
# Australian instrument items (Currency.cs ~866-891, 1037): "IFR - " + a key such as "Instrument,  General IFR",
# "Instrument,  IFR in <category>", "Instrument, 2D/3D approaches". CASA's rules, not §61.57(c): they would
# otherwise read as "IFR - <category>".
_AUSTRALIAN_IFR = re.compile(r"^IFR\s+-\s+Instrument\s*,", re.IGNORECASE)
AUSTRALIAN_IFR_REASON = "an Australian (CASA) instrument item, not FAA instrument currency: tracked on MyFlightbook"
_ENDORSEMENTS: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"\bhigh[\s-]*performance\b", re.I), "endorsement_high_performance"),
    (re.compile(r"\bcomplex\b", re.I), "endorsement_complex"),
    (re.compile(r"\btail[\s-]*wheel\b", re.I), "endorsement_tailwheel"),
    (re.compile(r"\bhigh[\s-]*altitude\b|\bpressuri[sz]ed\b", re.I), "endorsement_high_altitude"),
    (re.compile(r"\bsolo\b", re.I), "endorsement_solo"),
)


@dataclass(frozen=True)
class MappedCurrency:
    """What becomes a `CurrencyRecord` (label is MyFlightbook's Attribute, verbatim: the unique key)."""

    kind: str
    label: str
    category: str
    status: str
    value: str
    discrepancy: str
    expires_on: date | None
    ipc_required: bool = False  # "IPC is required." in an instrument item's Discrepancy (§61.57(d))


@dataclass(frozen=True)
class UnmappedCurrency:
    label: str
    reason: str


def _enum(value: Any, names: Mapping[str, int]) -> int | None:
    """A Json.NET enum: a number, or (accepted by Json.NET, seen in XML) its name."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return int(text)
        return names.get(text.replace(" ", "").lower())
    return None


def status_for(item: Mapping) -> str | None:
    """The item's status; None when MyFlightbook sent a state we do not know (never a pass)."""
    if item.get("Status") is None:
        return STATUS_BY_STATE[0]  # omitted = CurrencyState.NotCurrent, the default Json.NET drops
    return STATUS_BY_STATE.get(_enum(item["Status"], STATE_NAMES))


def parse_expiry(value: str) -> date | None:
    """The date in `Current Until: 10/14/2026`, `Expired: 8/5/2026` or a bare `8/31/2026` (en-US, which
    we ask MyFlightbook for); ISO dates too. None when there is no date (`Never current!`, `4,620.5`)."""
    if not isinstance(value, str):
        return None
    for pattern, order in ((_DATE_US, (2, 0, 1)), (_DATE_ISO, (0, 1, 2))):
        match = pattern.search(value)
        if match:
            parts = [int(part) for part in match.groups()]
            year, month, day = (parts[index] for index in order)
            try:
                return date(year, month, day)
            except ValueError:
                return None
    return None


def _medical_kind(label: str) -> str | None:
    """The FAA medical class a Medical-group label speaks of (ProfileCurrency.cs, BasicMed.cs).

    After a 1st class lapses MyFlightbook lists what it still allows: "Commercial or ATC Medical
    Privileges" (second-class privileges under §61.23(d)) and "3rd Class Medical Privileges". An FAA 3rd
    class and any "other" medical are a plain "Medical". EASA, LAPL, Canadian and Australian medicals
    ("Class 1 Medical", "PPL Medical", "Commercial/ATP Medical", …) are not FAA medicals: unmapped.
    """
    text = " ".join(label.lower().split())
    if "basicmed" in text.replace(" ", ""):
        return "basicmed"  # "Medical Due (BasicMed)", "Medical (BASICMED ONLY)"
    if re.search(r"\b(easa|lapl|icao|casa)\b|\bclass [12]\b|commercial transport|commercial/atp|\bppl\b|glider/ultralight", text):
        return None
    if re.search(r"\b(1st|first)\b", text):
        return "medical_1st"
    if re.search(r"\b(2nd|second)\b", text) or "commercial or atc" in text:
        return "medical_2nd"
    if re.search(r"\b(3rd|third)\b", text):
        return "medical_3rd"
    if "medical" in text:
        return "medical"  # MyFlightbook's plain "Medical" (FAA 3rd class, or a medical of another kind)
    return None


def _category(match: re.Match | None) -> str:
    return ((match.group("category") if match else "") or "").strip()


def classify(label: str, group: int | None) -> tuple[str, str] | None:
    """(kind, category) for an Attribute label within its CurrencyGroup, or None when we cannot map it."""
    text = " ".join(label.split())
    lower = text.lower()
    if group in NOT_PILOT_GROUPS:
        return None
    if group == MEDICAL or (group in (None, GROUP_NONE) and ("medical" in lower or "basicmed" in lower.replace(" ", ""))):
        kind = _medical_kind(text)
        return (kind, "") if kind else None
    if _NOT_TRACKED.search(text) or _AUSTRALIAN_IFR.match(text):
        return None
    # Before the flight review: MyFlightbook puts both checks in its FlightReview group (Currency.cs).
    if "61.58" in lower or "pic proficiency" in lower:
        return ("pic_proficiency_check", _category(_PIC_6158.search(text)))
    if "61.55" in lower or "sic proficiency" in lower:
        return ("sic_proficiency_check", _category(_SIC_6155.search(text)))
    if "61.195" in lower:
        # "FAR 61.195(a) - CFI Limit": at most 8 hours of instruction in 24 hours, not the CFI certificate.
        return ("cfi_instruction_limit", "")
    if group == FLIGHT_REVIEW or "flight review" in lower or re.search(r"\bbfr\b", lower):
        sfar = _SFAR73.search(text)
        return ("flight_review", sfar.group(1).upper() if sfar else "")
    if re.search(r"\bipc\b|instrument proficiency check", lower) and "required" not in lower:
        return ("instrument_proficiency_check", "")
    ifr = _IFR.match(text)
    if ifr:
        return ("instrument", _category(ifr))
    for pattern, kind in ((_PASSENGERS, "passenger_day_90"), (_NIGHT, "passenger_night_90")):
        match = pattern.match(text)
        if match:
            category = match.group("category").strip()
            if kind == "passenger_day_90" and category.lower() == "night":
                return ("passenger_night_90", "")  # "Night - Passengers"
            return (kind, category)
    tailwheel = _TAILWHEEL.match(text)
    if tailwheel:
        # §61.57(a)(1)(ii): tailwheel passenger currency needs full-stop landings in a tailwheel airplane.
        return ("passenger_day_90", f"{tailwheel.group('category').strip()} (tailwheel)")
    if group == CERTIFICATES or group in (None, GROUP_NONE, CUSTOM):
        if re.search(r"\bcfi\b|flight instructor", lower):
            return ("cfi_certificate", "")
        if "endorse" in lower or group == CERTIFICATES:
            for pattern, kind in _ENDORSEMENTS:
                if pattern.search(lower):
                    return (kind, "")
    return None


def ipc_required(kind: str, discrepancy: str) -> bool:
    """MyFlightbook has no separate IPC item: an instrument item lapsed past 6 calendar months says
    "IPC is required." in its Discrepancy (§61.57(d)); the pilot must see it on that item."""
    return kind == "instrument" and bool(_IPC_REQUIRED.search(discrepancy or ""))


def map_currency_item(item: Any) -> MappedCurrency | UnmappedCurrency:
    """One CurrencyStatusItem → `MappedCurrency`, or `UnmappedCurrency` with the reason it was skipped."""
    if not isinstance(item, Mapping):
        return UnmappedCurrency(label=str(item)[:80], reason="not a JSON object")
    label = item.get("Attribute")
    if not isinstance(label, str) or not label.strip():
        return UnmappedCurrency(label="", reason="no Attribute label")
    group = _enum(item.get("CurrencyGroup", GROUP_NONE), GROUP_NAMES)
    if _AUSTRALIAN_IFR.match(" ".join(label.split())):
        return UnmappedCurrency(label=label, reason=AUSTRALIAN_IFR_REASON)
    classified = classify(label, group)
    if classified is None:
        return UnmappedCurrency(label=label, reason=f"not an FAA pilot currency we track (CurrencyGroup {group})")
    status = status_for(item)
    if status is None:
        return UnmappedCurrency(label=label, reason=f"unknown Status {item.get('Status')!r}")
    kind, category = classified
    value = item.get("Value") if isinstance(item.get("Value"), str) else ""
    discrepancy = item.get("Discrepancy") if isinstance(item.get("Discrepancy"), str) else ""
    return MappedCurrency(
        kind=kind,
        label=label[:255],
        category=category[:128],
        status=status,
        value=value[:255],
        discrepancy=discrepancy,
        expires_on=parse_expiry(value),
        ipc_required=ipc_required(kind, discrepancy),
    )


map_currency = map_currency_item  # the short name, as the sync's other mappers (`map_flight`, `map_total`)
