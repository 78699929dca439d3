"""Server-rendered pages. Views gather data from services and render; they decide nothing."""

import json
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from flightbridge import metrics
from flightbridge.accounts import services as account_services
from flightbridge.errors import FlightBridgeError, InputError
from flightbridge.logbook import currency_feed, currency_report, entry
from flightbridge.logbook import services as logbook_services
from flightbridge.logbook.models import HOURS_PLACES, Flight, LogbookImport, UserAircraft
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
        {"page": page, "summary": logbook_services.summarize(flights, places=HOURS_PLACES)},
    )


@dataclass
class Refused:
    """A refused entry or correction, as the top of the page says it."""

    message: str
    problems: list[dict]
    note: str


def _refused(form: FlightForm, exc: InputError, note: str) -> Refused:
    form.show_problems(exc.problems)
    return Refused(message=str(exc), note=note, problems=[
        {"field": problem.get("field"), "text": f"{form.fields[problem['field']].label}: {problem['reason']}"
         if problem.get("field") in form.fields else problem["reason"]} for problem in exc.problems])


def _form_context(request, form: FlightForm, refused: Refused | None) -> dict:
    return {"form": form, "refused": refused, "my_aircraft": UserAircraft.objects.filter(owner=request.user)}


@login_required
def currency(request):
    return render(request, "web/currency.html", _currency_context(request))


def _currency_context(request, new_feed_token: str = "") -> dict:
    url = request.build_absolute_uri(currency_feed.feed_path(new_feed_token)) if new_feed_token else ""
    return {**currency_report.currency_page(request.user), "feed": currency_feed.feed_of(request.user),
            "new_feed_url": url, "new_feed_webcal": "webcal://" + url.split("://", 1)[1] if url else ""}


@login_required
@require_POST
def currency_feed_change(request):
    """Turn the calendar feed on (or give it a new link) or off. The new URL is shown on this response only:
    only its digest is kept, so it is rendered here rather than carried through a redirect."""
    if request.POST.get("action") == "off":
        if currency_feed.turn_off_feed(request.user):
            messages.success(request, "Calendar feed turned off: its link no longer works.")
        return redirect("currency")
    token = currency_feed.turn_on_feed(request.user)
    response = render(request, "web/currency.html", _currency_context(request, token))
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def currency_calendar(request, token: str):
    """The private feed: no login, the token is the key; unknown or revoked tokens are a plain 404."""
    owner = currency_feed.owner_of(token)
    if owner is None:
        return HttpResponse("No such calendar feed (it may have been turned off).\n", status=404,
                            content_type="text/plain; charset=utf-8")
    response = HttpResponse(currency_feed.calendar_for(owner), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="flightbridge-currency.ics"'
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
def flight(request, flight_id: int):
    row = get_object_or_404(Flight.objects.select_related("import_batch", "aircraft__aircraft_model"), pk=flight_id, owner=request.user)
    # The form never touches `row`: the facts beside it show what is stored, whatever was typed.
    form = FlightForm(request.POST or None, flight=row, hours_format=account_services.hours_format_of(request.user))
    refused = None
    if request.method == "POST":
        changes = form.typed()
        try:
            entry.edit_flight(request.user, row.pk, changes)
        except InputError as exc:
            refused = _refused(form, exc, "The flight is as it was; the form holds what you typed.")
        else:
            labels = ", ".join(str(form.fields[name].label) for name in changes)
            messages.success(request, f"Saved your changes: {labels}." if labels else "Nothing had changed.")
            return redirect("flight", flight_id=row.pk)
    return render(request, "web/flight.html", {
        **_form_context(request, form, refused), "flight": row, "origin": logbook_services.flight_origin(row),
        "raw": json.dumps(row.raw, indent=2, ensure_ascii=False, sort_keys=True) if row.raw is not None else "",
    })


@login_required
def log_flight(request):
    form = FlightForm(request.POST or None)
    refused = None
    if request.method == "POST":
        try:
            logged = entry.log_flight(request.user, form.typed())
        except InputError as exc:
            refused = _refused(form, exc, "Nothing was stored; the form holds what you typed.")
        else:
            messages.success(request, f"Logged {entry.describe(vars(logged))}.")
            return redirect("flight", flight_id=logged.pk)
    return render(request, "web/log_flight.html", _form_context(request, form, refused))


#: What the settings page shows in each format: 1 h 20 min (MyFlightbook's 4-decimal cross-country), 52½ minutes, a big total.
HOURS_SAMPLES = (Decimal("1.3333"), Decimal("0.875"), Decimal("1234.5"))


@login_required
def pilot_settings(request):
    """The pilot's settings. A POST (the form without JavaScript) saves and goes back to the page it came from."""
    if request.method == "POST":
        try:
            account_services.set_hours_format(request.user, request.POST.get("hours_format", ""))
        except InputError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Saved: hours are shown the way you chose on every page.")
        back = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=request.is_secure()):
            return redirect(back)
        return redirect("settings")
    return render(request, "web/settings.html", {"samples": HOURS_SAMPLES})


@login_required
def flight_check(request):
    flagged = logbook_services.flagged_flights(request.user)
    page = Paginator(flagged, 100).get_page(request.GET.get("page"))
    return render(request, "web/flight_check.html", {"page": page})


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
    refusal = metrics.scrape_refusal(request, settings.CONFIG.metrics_token,
                                     require_token=settings.CONFIG.metrics_require_token)
    if refusal is not None:
        status, message = refusal
        response = HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(metrics.exposition(), content_type=metrics.CONTENT_TYPE_LATEST)
