"""`{% myflightbook_sync as sync %}`: what the logbook page shows of the sync (counts, job, currency, totals)."""

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
