"""The logbook-file pages: download a ForeFlight or MyFlightbook CSV; upload a file, see the preview, then save."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from pydantic import ValidationError

from flightbridge import heavy_requests, staging
from flightbridge.errors import Busy, InputError, TransientError
from flightbridge.jobs import exports
from flightbridge.jobs.models import SyncJob
from flightbridge.logbook.models import LogbookImport

from . import jobs, services
from .api import CsvExportFilter, export_answer


def _said(error: dict) -> str:
    """A form error in words: "From: must be a date written YYYY-MM-DD"."""
    field = ".".join(map(str, error["loc"])).capitalize()
    return f"{field}: {error['msg'].removeprefix('Value error, ')}"


@login_required
def export_page(request):
    query = request.GET
    context = {"query": query, "format": query.get("format", "foreflight"),
               "include_myflightbook": query.get("include_myflightbook") in ("1", "on", "true"),
               "hhmm": query.get("hhmm") in ("1", "on", "true")}
    if "download" in query:
        try:
            # The page's form is the API's query: one schema validates both.
            filters = CsvExportFilter.model_validate({key: value for key, value in query.items()
                                                      if value and key != "download"})
            answer = export_answer(request.user, filters)
            if not isinstance(answer, SyncJob):
                return answer
            context["export_job"] = answer  # too big for the request: the page follows its job (export-job.js)
        except ValidationError as exc:
            context["error"] = "; ".join(_said(error) for error in exc.errors())
        except (InputError, Busy) as exc:
            context["error"] = str(exc)
    if "export_job" not in context and (waiting := exports.waiting_for_the_pilot(request.user, jobs.export_csv_job)):
        context["export_job"] = waiting  # an export started earlier: still running, or its file not yet downloaded
    context["export_minutes"] = settings.FLIGHTBRIDGE_EXPORT_FILE_MINUTES
    return render(request, "interchange/export.html", context)


@login_required
def import_page(request):
    """Upload → a preview (the import run dry) → Save, which starts the import as a background job the page
    follows (import-job.js); `?run=<id>` then shows the run's outcome."""
    context: dict = {"staged_minutes": settings.FLIGHTBRIDGE_STAGED_UPLOAD_MINUTES}
    if request.method == "POST":
        try:
            with heavy_requests.one_at_a_time(request.user, "This upload"):
                _import_page_post(request, context)
        except (InputError, Busy) as exc:
            context["error"] = str(exc)
            context["problems"] = getattr(exc, "problems", [])
    elif request.GET.get("run", "").isdigit():
        context["run"] = LogbookImport.objects.filter(owner=request.user, source__startswith="csv:",
                                                      pk=int(request.GET["run"])).first()
    return render(request, "interchange/import.html", context)


def _import_page_post(request, context: dict) -> None:
    if "discard" in request.POST:  # the pilot does not want the previewed file: it goes now, not in half an hour
        staging.discard(request.user, request.POST.get("token") or None)
        context["discarded"] = True
        return
    if "token" in request.POST:  # the pilot saw the preview and saves it: the import runs as a job
        data = staging.read(request.user, request.POST["token"])
        context["job"] = jobs.start_import(request.user, data, request.POST.get("format") or None)
        staging.discard(request.user, request.POST["token"])  # the job keeps its own copy until it ends
        return
    upload = request.FILES.get("file")
    if upload is None:
        raise InputError("Choose a file to import.", [{"field": "file", "reason": "missing"}])
    data = upload.read(services.MAX_UPLOAD_BYTES + 1)
    result = services.import_csv(request.user, data, request.POST.get("format") or None, preview=True)
    context["result"] = result
    context["filename"] = upload.name
    try:
        context["token"] = staging.stage(request.user, data)
    except TransientError as exc:  # the preview stands; only saving it later needs the file again
        context["staging_refused"] = str(exc)
