"""How a pilot wants hours written on the pages: MyFlightbook's decimal-display preference, ported.

MyFlightbook keeps one choice per pilot (PrefsController.cs SetDecimalPref, `prefDecimalDisplay` with
`Profile.UsesHHMM`): hours:minutes, or decimals, "Adaptive" (its default), one decimal or two
(MFBExtensions.cs `DecimalFormat`, `FormatDecimal`, `ToHHMM`). The same four are offered here, each
written as MyFlightbook writes it:

- decimals use .NET's custom formats `#,##0.0#`, `#,##0.0`, `#,##0.00`, which round half away from zero;
- H:MM is `ToHHMM`: `Math.Round(hours * 60)` — .NET's default, half to even — then whole hours and
  two-digit minutes, from the exact stored value (1.3333 → 1:20; 0.875, exactly 52.5 minutes, → 0:52).

Presentation only: stored values and the API keep their exact decimals; nothing here is ever parsed back.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models

from flightbridge.logbook.rounding import hhmm


class HoursFormat(models.TextChoices):
    """MyFlightbook's DecimalFormat values and its HHMM, by the example each shows for 1.3333 hours."""

    TWO_DECIMALS = "two_decimals", "Two decimals (1.33, 1.50)"
    ONE_DECIMAL = "one_decimal", "One decimal (1.3, 1.5)"
    ADAPTIVE = "adaptive", "One or two decimals, as needed (1.33, 1.5)"
    HHMM = "hhmm", "Hours and minutes (1:20, 1:30)"


#: What FlightBridge wrote before pilots could choose (MyFlightbook's own default is ADAPTIVE): a column of
#: two-decimal numbers lines up.
DEFAULT_HOURS_FORMAT = HoursFormat.TWO_DECIMALS

_PLACES = {HoursFormat.TWO_DECIMALS: (2, 2), HoursFormat.ONE_DECIMAL: (1, 1), HoursFormat.ADAPTIVE: (1, 2)}


def hours_format(value) -> HoursFormat:
    """`value` as a HoursFormat; anything else (a missing template variable, an unknown word) is the default."""
    try:
        return HoursFormat(str(value))  # str(): templates pass a lazy value (web/context_processors.py)
    except ValueError:
        return DEFAULT_HOURS_FORMAT


def format_hours(value, style=DEFAULT_HOURS_FORMAT, *, grouped: bool = True) -> str:
    """`value` hours in `style`, thousands grouped unless `grouped=False` (a form's box, read back by the
    logbook's parser, takes no commas). Text that is not a number is returned as it is."""
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return str(value)
    if not hours.is_finite():
        return str(value)
    style = hours_format(style)
    sign = "-" if hours < 0 else ""
    hours = abs(hours)
    if style == HoursFormat.HHMM:
        text = hhmm(hours, grouped=grouped)
        return sign + text if text != "0:00" else text
    least, most = _PLACES[style]
    rounded = hours.quantize(Decimal(1).scaleb(-most), rounding=ROUND_HALF_UP)  # .NET: half away from zero
    if least < most and rounded == rounded.quantize(Decimal(1).scaleb(-least)):
        rounded = rounded.quantize(Decimal(1).scaleb(-least))  # "#,##0.0#": the optional digit only when needed
    text = f"{rounded:,f}" if grouped else f"{rounded:f}"
    return sign + text if rounded else text
