"""`{% myflightbook_connection as mfb %}`: the card's view of the pilot's connection (no token, ever)."""

from django import template

from flightbridge.myflightbook import link

register = template.Library()


@register.simple_tag(takes_context=True)
def myflightbook_connection(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return link.connection_status(user)
