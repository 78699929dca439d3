"""Server-rendered pages. Views gather data from services and render; they decide nothing."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from flightbridge import metrics
from flightbridge.errors import FlightBridgeError, InputError
from flightbridge.logbook import services as logbook_services
from flightbridge.logbook.models import Flight, LogbookImport
from flightbridge.web.forms import FlightForm

IMPORTS_PER_PAGE = 50


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
def flight(request, flight_id: int):
    row = get_object_or_404(Flight.objects.select_related("import_batch", "aircraft__aircraft_model"), pk=flight_id,
                            owner=request.user)
    form = FlightForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            logbook_services.edit_flight(request.user, row.pk, changes)
        except InputError as exc:
            for problem in exc.problems:
                form.add_error(problem["field"] if problem.get("field") in form.fields else None, problem["reason"])
        else:
            labels = ", ".join(str(form.fields[name].label or name) for name in form.changed_data)
            messages.success(request, f"Saved your changes: {labels}." if labels else "Nothing had changed.")
            return redirect("flight", flight_id=row.pk)
    return render(request, "web/flight.html", {
        "flight": row, "form": form, "origin": logbook_services.flight_origin(row),
        "raw": json.dumps(row.raw, indent=2, ensure_ascii=False, sort_keys=True) if row.raw is not None else "",
    })


@login_required
def imports(request):
    runs = LogbookImport.objects.filter(owner=request.user)
    page_number = request.GET.get("page")
    run = request.GET.get("run", "")
    if run.isdigit() and len(run) <= 18:
        # A flight page links to its run: open the page of the list that holds it.
        newer = runs.filter(started_at__gt=runs.filter(pk=int(run)).values("started_at")[:1]).count()
        page_number = newer // IMPORTS_PER_PAGE + 1
    page = Paginator(runs, IMPORTS_PER_PAGE).get_page(page_number)
    return render(request, "web/imports.html", {"page": page, "runs": logbook_services.describe_runs(page.object_list)})


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
