"""Pages for the MyFlightbook card: the Disconnect button posts a plain form here (CSRF-protected)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from flightbridge.myflightbook import link


@login_required
@require_POST
def disconnect(request):
    if link.disconnect(request.user):
        messages.success(request, "MyFlightbook is disconnected: its tokens were deleted. Your imported flights stay.")
    else:
        messages.info(request, "MyFlightbook was not connected.")
    return redirect("logbook")
