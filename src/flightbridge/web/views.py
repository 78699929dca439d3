"""Server-rendered pages. Views gather data from services and render; they decide nothing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from flightbridge import metrics
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


@require_GET
def metrics_page(request):
    """`/metrics` for Prometheus: loopback, or `Authorization: Bearer $FLIGHTBRIDGE_METRICS_TOKEN`."""
    refusal = metrics.scrape_refusal(request, settings.CONFIG.metrics_token)
    if refusal is not None:
        status, message = refusal
        response = HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics.exposition(), content_type=metrics.CONTENT_TYPE_LATEST)
