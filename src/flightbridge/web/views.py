"""Server-rendered pages. Views gather data from services and render; they decide nothing."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render

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
