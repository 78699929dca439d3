"""Pages' forms for MyFlightbook (CSRF-protected): the card's Disconnect button, and taking MyFlightbook's
version of flights a sync listed as changed there (the imports page and the flight page)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from flightbridge.errors import FlightBridgeError
from flightbridge.myflightbook import changes, link


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
