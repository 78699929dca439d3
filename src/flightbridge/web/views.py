"""Server-rendered pages. Views gather data from services and render; they decide nothing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from flightbridge.errors import FlightBridgeError
from flightbridge.logbook.models import LogbookImport

from flightbridge.logbook import services as logbook_services


def home(request):
    return redirect("logbook" if request.user.is_authenticated else "login")


@login_required
def logbook(request):
    flights = logbook_services.flights_for(request.user)
    page = Paginator(flights, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "web/logbook.html",
        {"page": page, "summary": logbook_services.summarize(flights)},
    )


@login_required
def imports(request):
    page = Paginator(LogbookImport.objects.filter(owner=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "web/imports.html", {"page": page})


@login_required
@require_POST
def revert_import(request, import_id: int):
    try:
        result = logbook_services.revert_import(request.user, import_id)
    except FlightBridgeError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, result.batch.message)
        if result.kept_flights:
            kept = ", ".join(f"{flight.date:%Y-%m-%d} {flight.departure}-{flight.destination}" for flight in result.kept_flights[:20])
            messages.warning(request, f"Kept because you edited them after the import: {kept}")
    return redirect("imports")
