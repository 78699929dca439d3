"""The administrators' page `/fleet/sync/`: gathers what the user may see and renders it; decides nothing.

Buttons on the page post to the JSON API (same permissions, same CSRF protection) and follow the
jobs they start by polling `/api/jobs/{id}`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from flightbridge.errors import FlightBridgeError
from flightbridge.fleet import permissions, runs, sources, status
from flightbridge.fleet.forms import DataSourceForm
from flightbridge.fleet.models import DataSourceConfig
from flightbridge.fleet.schemas import DataSourceIn, DataSourcePatch

PAGE_ACTIONS = ("read integration connections", "read aircraft model sync logs", "read aircraft models")


@login_required
@ensure_csrf_cookie
def sync_page(request):
    can = {action.replace(" ", "_"): permissions.allowed(request.user, action)
           for action in (*PAGE_ACTIONS, "test integration connections", "sync aircraft models",
                          "preview a data source sync", "create integration connections",
                          "update integration connections")}
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


def _require(user, action: str) -> None:
    if not permissions.allowed(user, action):
        raise PermissionDenied(f"This needs the permission to {action}.")


def _problems(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return [f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()]
    return [str(exc)]


@login_required
def source_form(request, source_id: int | None = None):
    """Create a data source (`/fleet/sources/new`) or edit one (`/fleet/sources/{id}/edit`), through the same
    checks as `POST`/`PATCH /api/data-sources`."""
    source = get_object_or_404(DataSourceConfig, pk=source_id) if source_id is not None else None
    _require(request.user, "update integration connections" if source else "create integration connections")
    form = DataSourceForm(request.POST or None, source=source)
    refused: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            if source is None:
                saved = sources.create_source(DataSourceIn(**form.api_data()).dict())
            else:
                saved = sources.update_source(source, DataSourcePatch(**form.api_data()).dict(exclude_unset=True))
        except (ValidationError, FlightBridgeError) as exc:
            refused = _problems(exc)
        else:
            messages.success(request, f"Saved the data source {saved.name!r}"
                             + (" (its API key is stored sealed and never shown)." if saved.has_secret("api_key") else "."))
            return redirect("fleet-sync")
    return render(request, "fleet/source_form.html", {"form": form, "source": source, "refused": refused,
                                                      "wide_fields": ("name", "endpoint", "direction", "auth_type", "api_key")})


@login_required
@require_POST
def source_preview(request, source_id: int):
    """What a sync of this source would do, read from the source now; writes nothing. Old values are shown
    only to those who may read aircraft models (the seed's read rule), as in the API."""
    _require(request.user, "preview a data source sync")
    source = get_object_or_404(DataSourceConfig, pk=source_id)
    include_old = permissions.allowed(request.user, "read aircraft models")
    try:
        preview = runs.preview_source(source, include_old=include_old)
    except FlightBridgeError as exc:
        messages.error(request, f"Preview of {source.name!r} failed: {exc}")
        return redirect("fleet-sync")
    return render(request, "fleet/preview.html", {"source": source, "preview": preview, "include_old": include_old})
