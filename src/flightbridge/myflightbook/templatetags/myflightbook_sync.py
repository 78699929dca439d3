"""`{% myflightbook_sync as sync %}`: what the logbook page shows of the sync (counts, job, currency, totals)."""

import re
from datetime import date

from django import template

from flightbridge.myflightbook import sync_status

register = template.Library()

STATUS_CLASS = {"CURRENT": "status-ok", "EXPIRING_SOON": "status-warn", "NON_COMPLIANT": "status-bad", "UNKNOWN": "muted"}


@register.simple_tag(takes_context=True)
def myflightbook_sync(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return sync_status.page_view(user)


@register.filter
def currency_class(status: str) -> str:
    return STATUS_CLASS.get(status, "muted")


_US_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_IPC_WORDS = re.compile(r"\s*IPC is required\.?\s*", re.IGNORECASE)


def _iso(match: re.Match) -> str:
    month, day, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return match.group(0)


@register.filter
def currency_details(item) -> str:
    """A currency item's details once, in the page's words: MyFlightbook's M/D/YYYY dates as YYYY-MM-DD (the
    Expires column's form), no second "IPC is required." beside the "IPC required" mark, and nothing when
    the text only says again the date already in the Expires column ("Expires: 8/5/2026")."""
    text = (item.discrepancy or item.value or "").strip()
    if item.ipc_required:
        text = _IPC_WORDS.sub(" ", text).strip()
    text = _US_DATE.sub(_iso, text)
    if item.expires_on and re.fullmatch(rf"[^0-9]*{item.expires_on.isoformat()}\.?", text):
        return ""
    return text
