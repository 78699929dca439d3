"""The culture the sandbox writes currency and totals text in, picked like MyFlightbook picks it.

GetCurrencyForUser and TotalsForUserWithQuery switch to the request's first Accept-Language value
(WebService.cs SetCultureForRequest); without one they keep whatever culture the server thread had. So
labels, dates and numbers inside those answers are localized (reference §2, §8): French has its own
resource strings (Currency.fr.resx, Totals.fr.resx), German has none, so it keeps the English words with
German dates and numbers ("Current Until: 14.10.2026", "1.204 Landings"). The sandbox answers a request
without the header in German, which is what makes a client that forgets `Accept-Language: en-US` fail.
Only the sandbox uses this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from collections.abc import Mapping

#: MyFlightbook's English resource strings (Currency.resx, Profile.resx, Totals.resx) the sandbox uses.
ENGLISH: dict[str, str] = {
    "current": "Current Until: {0}",
    "expired": "Expired: {0}",
    "due_in": "Due in {0} day(s)",
    "expired_ago": "Expired {0} day(s) ago",
    "overdue": "{0} day(s) overdue",
    "short_by": "(Short by {0} {1})",
    "short_by_ifr": "(Short by {0} {1} and {2} {3})",
    "ipc_required": "IPC is required.",
    "passengers": "Passengers",
    "night": "Night",
    "tailwheel": "Tailwheel",
    "ifr": "IFR",
    "ifr_glider": "IFR - Glider",
    "glider_passengers": "(Passengers)",
    "glider_no_passengers": "(No Passengers)",
    # Currency.resx, as it is (its parenthesis is never closed)
    "short_by_glider_ifr": "(Short by {0} hour(s) per 61.57(c)(3)(i)(A) and {1} hour(s) per 61.57(c)(3)(ii)(B)",
    "ipc_may_be_required": "Gap from {0} to {1}; IPC needed?",
    "flight_review": "Flight Review",
    "flight_review_r22": "Flight Review (SFAR73/R22)",
    "flight_review_r44": "Flight Review (SFAR73/R44)",
    "pic_6158": "PIC Proficiency Check (61.58): {0}",
    "sic_6155": "SIC Proficiency (61.55) - {0}",
    "sic_short_landing": "(Short by one full-stop landing)",
    "far195": "FAR 61.195(a) - CFI Limit",
    "far195_status": "{0} hours of instruction given in past 24 hours",
    "far195_remaining": "{0} hours remaining out of 8 hours",
    "cfi_certificate": "CFI Cert. Exp./Recent Experience End",
    "medical": "Medical",
    "medical_1st": "1st Class Medical Privileges",
    "medical_commercial": "Commercial or ATC Medical Privileges",
    "medical_3rd": "3rd Class Medical Privileges",
    "basicmed": "Medical Due (BasicMed)",
    "hold": "Hold",
    "holds": "Holds",
    "landing": "Landing",
    "landings": "Landings",
    "approach": "Approach",
    "approaches": "Approaches",
    "day_landing": "Day",
    "night_landing": "Night",
    "total_time": "Total Time",
    "flights": "Flights",
    "instrument_time": "Instrument Time",
    "instrument_note": "(={0} Actual + {1} Simulated)",
    "group_1": "Times by Category/Class",
    "group_2": "Times by ICAO Code",
    "group_3": "Times by Model",
    "group_4": "Times by Aircraft Features",
    "group_5": "Standard Logbook Times",
    "group_6": "Other Times and Counts",
    "group_7": "Overall",
}

#: Currency.fr.resx / Totals.fr.resx, verbatim; anything missing falls back to English, as .NET does.
FRENCH: dict[str, str] = {
    "current": "A jour jusqu’au: {0}",
    "expired": "Date d’expiration: {0}",
    "short_by_ifr": "(Déficit par {0} {1} et {2} {3})",
    "passengers": "Passagers",
    "night": "Nuit",
    "ifr_glider": "IFR - Planeur",
    "glider_passengers": "(Avec Passagers)",
    "glider_no_passengers": "(Sans Passagers)",
    "flight_review": "Prochaine vol de contrôle",
    "pic_6158": "Prochaine contrôle de la compétence (61.58): {0}",
    "medical": "Prochaine visite médicale",
    "landing": "Atterrissage",
    "landings": "Atterrissages",
    "approach": "Approche",
    "approaches": "Approches",
    "day_landing": "Jour",
    "night_landing": "Nuit",
    "total_time": "Temps Total",
    "instrument_time": "Heure de l'instrument",
    "instrument_note": "(={0} VSV + {1} Simulé)",
    "group_1": "Temps total par catégorie / classe",
    "group_2": "Durée totale par code OACI",
    "group_3": "Temps total par modèle d'aéronef",
    "group_4": "Caractéristiques par aéronef",
    "group_5": "Journal de bord standard",
    "group_6": "Autres totaux",
    "group_7": "Temps total de vol",
}


@dataclass(frozen=True)
class Culture:
    name: str
    date_pattern: str  # str.format pattern over d=day, m=month, y=year (and dd/mm zero-padded)
    group_separator: str
    decimal_separator: str
    texts: Mapping[str, str] = field(default_factory=dict)

    def text(self, key: str, *args: object) -> str:
        return self.texts.get(key, ENGLISH[key]).format(*args)

    def short_date(self, day: date) -> str:
        return self.date_pattern.format(d=day.day, m=day.month, y=day.year, dd=f"{day.day:02d}", mm=f"{day.month:02d}")

    def integer(self, value: int) -> str:
        """`{0:#,##0}`: 1,204 / 1.204 / 1 204."""
        return f"{value:,}".replace(",", self.group_separator)

    def number(self, value: Decimal, decimals: int = 2) -> str:
        """`#,##0.0#`-style: grouped, at least one and at most `decimals` fraction digits."""
        text = f"{Decimal(value).quantize(Decimal(1).scaleb(-decimals)):,f}"
        whole, _, fraction = text.partition(".")
        fraction = fraction.rstrip("0") or "0"
        return whole.replace(",", self.group_separator) + self.decimal_separator + fraction


EN_US = Culture("en-US", "{m}/{d}/{y}", ",", ".")
DE_DE = Culture("de-DE", "{dd}.{mm}.{y}", ".", ",")
FR_FR = Culture("fr-FR", "{dd}/{mm}/{y}", "\u202f", ",", FRENCH)
CULTURES = {culture.name.lower(): culture for culture in (EN_US, DE_DE, FR_FR)}
BY_LANGUAGE = {"en": EN_US, "de": DE_DE, "fr": FR_FR}
#: What a request without Accept-Language gets: the server thread's culture, here German.
DEFAULT = DE_DE


def culture_for(accept_language: str | None) -> Culture:
    """The first Accept-Language value (`de-DE,de;q=0.9,en;q=0.8` → de-DE); none → DEFAULT."""
    first = (accept_language or "").split(",")[0].split(";")[0].strip().lower()
    if not first:
        return DEFAULT
    return CULTURES.get(first) or BY_LANGUAGE.get(first.split("-")[0], DEFAULT)
