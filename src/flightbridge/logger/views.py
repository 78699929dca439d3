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
from flightbridge.errors import FlightBridgeError, InputError
from flightbridge.logbook import services as logbook_services
from flightbridge.logbook.models import Flight

from . import codec, services

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
            result = services.export_flights(request.user, date_from=date_from, date_to=date_to, local=context["local"],
                                             flight_ids=flight_ids)
        context["result"] = result
        if flight_ids:
            # The QR code's caption names the flight it holds, so a pilot scans the right one.
            context["qr_flight"] = logbook_services.flights_for(request.user).filter(pk=flight_ids[0]).first()
        if result.flights == 1 and result.links:
            svg = _qr_svg(result.links[0].url)
            context["qr_svg"] = mark_safe(svg) if svg else None
            context["qr_too_big"] = svg is None
        choices = logbook_services.flights_for(request.user, date_from, date_to)
        context["choices"] = Paginator(choices, QR_FLIGHT_CHOICES).get_page(query.get("pick"))
        context["keep"] = _kept_query(query, drop=("pick", "flight"))
    except FlightBridgeError as exc:
        context["error"] = str(exc)
    return render(request, "logger/export.html", context)


def _kept_query(query, drop: tuple[str, ...]) -> str:
    """The page's filters (dates, local) for the picker's links, without the parameters a link sets itself."""
    kept = query.copy()
    for name in drop:
        kept.pop(name, None)
    return kept.urlencode()


@login_required
def import_page(request):
    context = {"text": ""}
    if request.method == "POST":
        text = request.POST.get("link", "")
        context["text"] = text
        try:
            result = services.import_package(request.user, text)
        except InputError as exc:
            context["error"] = str(exc)
            context["problems"] = exc.problems
        else:
            context["result"] = result
            context["rows"] = entry_rows(result, codec.load_package(text), request.user)
    return render(request, "logger/import.html", context)


def _text(value, limit: int = 40) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def entry_rows(result, package: dict, owner) -> list[dict]:
    """Each entry's result with the date and route the pilot knows it by, numbered from 1 as a person counts.

    A stored entry shows its logbook date (the local date of departure, as on every page) and what the
    flight check flagged in it; an entry not stored shows the date as the package wrote it."""
    entries = package.get("entries") if isinstance(package.get("entries"), list) else []
    stored = {pk: (day, problems) for pk, day, problems in Flight.objects.filter(
        owner=owner, pk__in=[item.flight_id for item in result.entries if item.flight_id]).values_list(
        "id", "date", "flight_check")}
    rows = []
    for entry_result in result.entries:
        entry = entries[entry_result.index] if entry_result.index < len(entries) else None
        entry = entry if isinstance(entry, dict) else {}
        route = "–".join(code for code in (_text(entry.get("departureAirport"), 8), _text(entry.get("arrivalAirport"), 8)) if code)
        day, problems = stored.get(entry_result.flight_id, (None, []))
        rows.append({"number": entry_result.index + 1, "route": route, "result": entry_result,
                     "date": day.isoformat() if day else _text(entry.get("departureDate"), 10),
                     "flight_check": problems})
    return rows
