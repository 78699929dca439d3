"""The pilot's Aircraft pages: every registration they flew, each aircraft with its model and time, add one,
pick a model. Views gather and render; `logbook.pilot_aircraft` decides and writes. Actions are plain form
posts that redirect back, so every section is re-read after each one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from flightbridge.errors import FlightBridgeError, NotFound
from flightbridge.logbook import pilot_aircraft, services
from flightbridge.logbook.models import HOURS_PLACES, CategoryClass, EngineType, SimulatorType

FACT_LABELS = {"aircraft_model": "model", "category_class": "category/class", "engine_type": "engine",
               "device_class": "device", "is_complex": "complex", "is_high_performance": "high performance",
               "is_tailwheel": "tailwheel", "is_turbine": "turbine", "is_multi_engine": "multi-engine"}
ORIGIN_WORDS = {"pilot": "you", "registry": "the FAA registry", "myflightbook": "MyFlightbook"}
FLAG_LABELS = {"is_complex": "Complex", "is_high_performance": "High performance", "is_tailwheel": "Tailwheel",
               "is_turbine": "Turbine", "is_multi_engine": "Multi-engine"}


def _choices(request) -> dict:
    query = request.GET.get("q", "").strip()[:200]
    return {"q": query, "model_choices": pilot_aircraft.search_models(query) if query else []}


@login_required
def aircraft_list(request):
    flown = pilot_aircraft.flown_registrations(request.user)
    aircraft = list(pilot_aircraft.aircraft_with_time(request.user))
    for item in aircraft:
        item.features = [label for name, label in FLAG_LABELS.items() if getattr(item, name)]
    return render(request, "web/aircraft.html", {
        "aircraft": aircraft,
        "classes": pilot_aircraft.time_by_category_class(services.flights_for(request.user)),
        "unrecorded": [item for item in flown if item.aircraft is None],
        "flag_labels": FLAG_LABELS, **_choices(request),
    })


@login_required
def aircraft_detail(request, aircraft_id: str):
    aircraft_id = int(aircraft_id)
    try:
        aircraft = pilot_aircraft.get_aircraft(request.user, aircraft_id)
    except NotFound:
        raise Http404("No such aircraft in your logbook.") from None
    flights = services.flights_for(request.user, aircraft_id=aircraft.pk)
    return render(request, "web/aircraft_detail.html", {
        "aircraft": aircraft, "page": Paginator(flights, 100).get_page(request.GET.get("page")),
        "summary": services.summarize(flights, places=HOURS_PLACES), "flag_labels": FLAG_LABELS,
        "flags": [(name, label, getattr(aircraft, name)) for name, label in FLAG_LABELS.items()],
        "origins": [(FACT_LABELS.get(key, key), ORIGIN_WORDS.get(origin, origin))
                    for key, origin in pilot_aircraft.origin_of(aircraft).items()],
        "category_classes": CategoryClass.choices,
        "engine_types": EngineType.choices, "device_classes": SimulatorType.choices, **_choices(request),
    })


def _model_id(value: str) -> int | None:
    return int(value) if value and value.isdigit() and len(value) <= 18 else None


@login_required
@require_POST
def add_aircraft(request):
    try:
        if request.POST.get("flown"):
            aircraft = pilot_aircraft.add_flown_registration(request.user, request.POST["flown"])
        else:
            aircraft = pilot_aircraft.create_aircraft(request.user, request.POST.get("registration", ""),
                                                      model_id=_model_id(request.POST.get("model_id", "")))
    except FlightBridgeError as exc:
        messages.error(request, str(exc))
        return redirect("aircraft")
    messages.success(request, f"Added {aircraft.registration}: {aircraft.flight_count} flight(s) in it.")
    return redirect("aircraft")


@login_required
@require_POST
def change_aircraft(request, aircraft_id: str):
    aircraft_id = int(aircraft_id)
    post = request.POST
    try:
        if "model_id" in post:
            change = pilot_aircraft.AircraftChange(model_id=_model_id(post["model_id"]), clear_model=post["model_id"] == "")
        else:
            # Only what the pilot changed becomes theirs: saving the form must not claim every value.
            current = pilot_aircraft.get_aircraft(request.user, aircraft_id)
            given = {name: post[name] for name in ("category_class", "engine_type", "device_class")
                     if name in post and post[name] != getattr(current, name)}
            for name in FLAG_LABELS:
                wanted = {"yes": True, "no": False}.get(post.get(name, ""))
                if wanted is not None and wanted != getattr(current, name):
                    given[name] = wanted
            change = pilot_aircraft.AircraftChange(values=pilot_aircraft.pilot_values(given))
        aircraft = pilot_aircraft.change_aircraft(request.user, aircraft_id, change)
    except FlightBridgeError as exc:
        messages.error(request, str(exc))
    else:
        model = aircraft.aircraft_model.name if aircraft.aircraft_model else "no model"
        messages.success(request, f"Saved {aircraft.registration} ({model}).")
    return redirect("aircraft-detail", aircraft_id=aircraft_id)
