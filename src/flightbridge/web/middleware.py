"""The request-size cap for every route and page: a body over FLIGHTBRIDGE_MAX_REQUEST_BYTES is answered
413 before anything reads it, and a chunked body (no length to check) 411.

Django's own DATA_UPLOAD_MAX_MEMORY_SIZE raises RequestDataTooBig only while a view reads the body
(the API turned that into a 500) and does not cover file uploads; this looks at Content-Length first
and also turns a late RequestDataTooBig (a chunked body) into the same answer.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

from flightbridge.problems import refusal


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB ({size} bytes)"


def too_large_response(request: HttpRequest) -> HttpResponse:
    limit = settings.FLIGHTBRIDGE_MAX_REQUEST_BYTES
    detail = (f"The request body is larger than this server accepts: at most {_megabytes(limit)} "
              "(FLIGHTBRIDGE_MAX_REQUEST_BYTES). Split a Logger package into several links or files.")
    return refusal(request, 413, heading="That was too large", detail=detail, code="request_too_large",
                   back=("/logbook/", "Back to the logbook"))


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.META.get("HTTP_TRANSFER_ENCODING"):
            # A WSGI server hands Django a chunked body with no length, which Django reads as empty: the route
            # then said "body: Field required" (422), which sends a client looking for the wrong mistake.
            return refusal(request, 411, heading="Length required", code="length_required", detail=(
                "Send the request body with a Content-Length header: this server does not take chunked "
                "(Transfer-Encoding) bodies."), back=("/logbook/", "Back to the logbook"))
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.FLIGHTBRIDGE_MAX_REQUEST_BYTES:
            return too_large_response(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, RequestDataTooBig):
            return too_large_response(request)
        return None
