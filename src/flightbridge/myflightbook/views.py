"""Pages for MyFlightbook: the card's Disconnect button and taking MyFlightbook's version of flights a
sync listed as changed there (forms, CSRF-protected), and the staff fleet page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from flightbridge.errors import FlightBridgeError
from flightbridge.myflightbook import changes, fleet_status, link


@login_required
@require_POST
def disconnect(request):
    if link.disconnect(request.user):
        messages.success(request, "MyFlightbook is disconnected: its tokens were deleted. Your imported flights stay.")
    else:
        messages.info(request, "MyFlightbook was not connected.")
    return redirect("logbook")


@login_required
@require_POST
def take_myflightbook(request, import_id: int):
    flight_id = request.POST.get("flight_id", "")
    try:
        result = changes.take_myflightbook_versions(
            request.user, import_id, [int(flight_id)] if flight_id.isdigit() and len(flight_id) <= 18 else None)
    except FlightBridgeError as exc:
        messages.error(request, str(exc))
    else:
        if result.taken:
            messages.success(request, f"Took MyFlightbook's version of {len(result.taken)} flight(s). "
                                      "Undo of that import puts your copy back.")
        for item in result.not_taken[:5]:
            messages.warning(request, f"Flight {item['flight_id']} not taken: {item['reason']}.")
    if flight_id.isdigit() and len(flight_id) <= 18:
        return redirect("flight", flight_id=int(flight_id))
    return redirect("imports")


@login_required
def fleet_page(request):
    """`/fleet/myflightbook/`: the deployment's syncs at a glance, for staff only."""
    if not request.user.is_staff:
        raise PermissionDenied("The MyFlightbook fleet page is for staff.")
    config = settings.CONFIG
    return render(request, "myflightbook/fleet.html", {
        "overview": fleet_status.fleet_overview(),
        "auto_sync_minutes": config.mfb_auto_sync_minutes,
        "budget": config.mfb_max_calls_per_second,
        "interval_ms": config.mfb_min_call_interval_ms,
    })
