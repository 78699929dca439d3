"""The administrators' page `/fleet/sync/`: gathers what the user may see and renders it; decides nothing.

Buttons on the page post to the JSON API (same permissions, same CSRF protection) and follow the
jobs they start by polling `/api/jobs/{id}`.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from flightbridge.fleet import permissions, status
from flightbridge.fleet.models import DataSourceConfig

PAGE_ACTIONS = ("read integration connections", "read aircraft model sync logs", "read aircraft models")


@login_required
@ensure_csrf_cookie
def sync_page(request):
    can = {action.replace(" ", "_"): permissions.allowed(request.user, action)
           for action in (*PAGE_ACTIONS, "test integration connections", "sync aircraft models")}
    if not any(can[action.replace(" ", "_")] for action in PAGE_ACTIONS):
        raise PermissionDenied("The aircraft model sync page needs at least one of: read integration connections, "
                               "read aircraft model sync logs, read aircraft models.")
    context = {"can": can}
    if can["read_integration_connections"]:
        context["status"] = status.sync_status()
        context["sources"] = list(DataSourceConfig.objects.order_by("name"))
    if can["read_aircraft_model_sync_logs"]:
        context["logs"] = list(status.sync_logs()[:50])
        context["errors"] = status.recent_errors(20)
    if can["read_aircraft_models"]:
        # How many pilots' aircraft are linked to each model (Count over the logbook's reverse link).
        context["models"] = list(status.models_with_sync().annotate(aircraft_count=Count("aircraft"))
                                 .order_by("external_data_source", "name")[:200])
    return render(request, "fleet/sync.html", context)
