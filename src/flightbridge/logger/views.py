"""The Logger pages: links to open on the phone (with a QR code for one flight), and a box to paste a package."""

from __future__ import annotations

from datetime import date

import segno
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.safestring import mark_safe

from flightbridge import heavy_requests
from flightbridge.api_types import MAX_ROW_ID
from flightbridge.errors import Busy, FlightBridgeError, InputError
from flightbridge.jobs import exports
from flightbridge.logbook import services as logbook_services
from flightbridge.logbook.import_report import ImportReport
from flightbridge.logbook.models import Flight, FlightSource, LogbookImport

from . import codec, jobs, services

QR_FLIGHT_CHOICES = 20  # flights per page of the picker


def _date(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"The {name.capitalize()} date must be written as year-month-day, for example 2026-03-09.",
                         [{"field": name, "reason": "YYYY-MM-DD"}]) from None


def _flight_ids(value: str) -> list[int] | None:
    """`flight` from the query: one flight id, range-checked (a 23-digit id used to overflow the database: 500)."""
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_ROW_ID:
        raise InputError(f"`flight` must be a flight id, a whole number from 1 to {MAX_ROW_ID}",
                         [{"field": "flight", "reason": "not a flight id"}])
    return [int(value)]


def _qr_svg(url: str) -> str | None:
    try:
        # segno escapes nothing it does not generate itself: the SVG is only paths, safe to inline.
        return segno.make(url, error="l", micro=False).svg_inline(scale=3)
    except segno.DataOverflowError:
        return None


@login_required
def export_page(request):
    query = request.GET
    context = {"query": query, "local": query.get("local") in ("1", "on", "true")}
    try:
        date_from, date_to = _date(query.get("from", ""), "from"), _date(query.get("to", ""), "to")
        flight_ids = _flight_ids(query.get("flight", ""))
        with heavy_requests.one_at_a_time(request.user, "This Logger export"):
            params = jobs.export_params(date_from=date_from, date_to=date_to, local=context["local"],
                                        flight=flight_ids[0] if flight_ids else None)
            export = jobs.open_export(request.user, params)
            if export.flights > exports.inline_max_flights() and "export" not in query:
                result = None  # too many to pack on every visit: the pilot asks for them (Show links), as a job
                context["too_many"] = export.flights
            elif (job := exports.queue_if_big(request.user, jobs.export_job, params, export)) is not None:
                result = None
                context["export_job"] = job  # the page follows it and shows the links it wrote (export-job.js)
            else:
                result = services.export_flights(request.user, date_from=date_from, date_to=date_to,
                                                 local=context["local"], flight_ids=flight_ids)
        context["result"] = result
        if flight_ids:
            # The QR code's caption names the flight it holds, so a pilot scans the right one.
            context["qr_flight"] = logbook_services.flights_for(request.user).filter(pk=flight_ids[0]).first()
        if result is not None and result.flights == 1 and result.links:
            svg = _qr_svg(result.links[0].url)
            context["qr_svg"] = mark_safe(svg) if svg else None
            context["qr_too_big"] = svg is None
        choices = logbook_services.flights_for(request.user, date_from, date_to)
        context["choices"] = Paginator(choices, QR_FLIGHT_CHOICES).get_page(query.get("pick"))
        context["keep"] = _kept_query(query, drop=("pick", "flight"))
    except FlightBridgeError as exc:
        context["error"] = str(exc)
    if "export_job" not in context and (waiting := exports.waiting_for_the_pilot(request.user, jobs.export_job)):
        context["export_job"] = waiting  # links asked for earlier: still being written, or written and not yet shown
    return render(request, "logger/export.html", context)


def _kept_query(query, drop: tuple[str, ...]) -> str:
    """The page's filters (dates, local) for the picker's links, without the parameters a link sets itself."""
    kept = query.copy()
    for name in drop:
        kept.pop(name, None)
    return kept.urlencode()


@login_required
def import_page(request):
    """Paste a package: it is read here and imported by a background job the page follows (import-job.js);
    `?run=<id>` then lists what became of each entry."""
    context = {"text": ""}
    if request.method == "POST":
        text = request.POST.get("link", "")
        context["text"] = text
        try:
            context["job"] = jobs.start_import(request.user, text)
        except (InputError, Busy) as exc:
            context["error"] = str(exc)
            context["problems"] = getattr(exc, "problems", [])
    elif request.GET.get("run", "").isdigit():
        run = LogbookImport.objects.filter(owner=request.user, source=FlightSource.LOGGER, pk=int(request.GET["run"])).first()
        if run is not None:
            context["run"] = run
            context["rows"] = run_entry_rows(run, request.user)
    return render(request, "logger/import.html", context)


def run_entry_rows(run: LogbookImport, owner) -> list[dict]:
    """Each entry of a finished run as the page lists it: its number from 1, the flight's date and route (or the
    entry's label when nothing was stored), its result, the reasons the run kept for it, and what the flight
    check flagged in the stored flight."""
    report = ImportReport.of(run).logger
    entries = report.entries if report else []
    reasons: dict[str, list[dict]] = {}
    for reason in run.reasons or []:
        reasons.setdefault(reason.get("record"), []).append(reason)
    stored = {pk: (day, departure, destination, problems) for pk, day, departure, destination, problems in
              Flight.objects.filter(owner=owner, pk__in=[entry.flight_id for entry in entries if entry.flight_id])
              .values_list("id", "date", "departure", "destination", "flight_check")}
    rows = []
    for entry in entries:
        record = f"logger:{entry.import_id}" if entry.import_id else f"entries[{entry.index}]"
        found = stored.get(entry.flight_id)
        result = {"status": entry.status, "flight_id": entry.flight_id,
                  "problems": [{"field": reason.get("field"), "reason": reason.get("reason")}
                               for reason in reasons.get(record, [])]}
        rows.append({"number": entry.index + 1, "result": result, "label": entry.label,
                     "date": found[0].isoformat() if found else "",
                     "route": "–".join(code for code in found[1:3] if code) if found else "",
                     "flight_check": found[3] if found else []})
    return rows
