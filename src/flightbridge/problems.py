"""How a refused request is answered, for every layer that refuses one: an RFC 9457 problem (`problem`) for
the API, and `refusal` for a request refused before any view ran (too large, locked out): the problem
under /api/, where clients parse JSON, and a small readable page everywhere else.

A low-level module: the API (`api.py`), the middleware, the login lockout and the 404 handler all use it,
and it imports nothing of FlightBridge, so none of them has to import the API that mounts every app.
The page is plain HTML with no script and no template, so it renders even when the refusal happens
before the template context exists.
"""

from __future__ import annotations

from html import escape

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Schema


class Problem(Schema):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[dict] = []


TITLES = {400: "Bad request", 401: "Not authenticated", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
          409: "Conflict", 411: "Length required", 413: "Request too large", 422: "Invalid input", 429: "Too many requests", 500: "Internal error", 503: "Unavailable"}


def problem(status: int, detail: str, errors_: list[dict] | None = None, *, code: str | None = None) -> JsonResponse:
    body = {"type": f"urn:flightbridge:problem:{code}" if code else "about:blank", "title": TITLES.get(status, "Error"),
            "status": status, "detail": detail}
    if errors_:
        body["errors"] = errors_
    return JsonResponse(body, status=status, content_type="application/problem+json")


def refusal(request: HttpRequest, status: int, *, heading: str, detail: str, code: str, back: tuple[str, str]) -> HttpResponse:
    if request.path.startswith("/api/"):
        return problem(status, detail, code=code)
    href, label = back
    return HttpResponse(
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<meta name=viewport content='width=device-width, initial-scale=1'><title>{escape(heading)}</title></head>"
        f"<body><main><h1>{escape(heading)}</h1><p>{escape(detail)}</p>"
        f"<p><a href='{escape(href)}'>{escape(label)}</a></p></main></body></html>",
        status=status, content_type="text/html; charset=utf-8")
