"""One answer for a request refused before any view ran (too large, locked out): an RFC 9457 problem
under /api/, where clients parse JSON, and a small readable page everywhere else.

The page is plain HTML with no script and no template, so it renders even when the refusal happens
before the template context exists.
"""

from __future__ import annotations

from html import escape

from django.http import HttpRequest, HttpResponse


def refusal(request: HttpRequest, status: int, *, heading: str, detail: str, code: str, back: tuple[str, str]) -> HttpResponse:
    if request.path.startswith("/api/"):
        from flightbridge.api import problem

        return problem(status, detail, code=code)
    href, label = back
    return HttpResponse(
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<meta name=viewport content='width=device-width, initial-scale=1'><title>{escape(heading)}</title></head>"
        f"<body><main><h1>{escape(heading)}</h1><p>{escape(detail)}</p>"
        f"<p><a href='{escape(href)}'>{escape(label)}</a></p></main></body></html>",
        status=status, content_type="text/html; charset=utf-8")
