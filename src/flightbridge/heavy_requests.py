"""One heavy request per pilot at a time: exports, and uploads being read.

The web tier has a few request threads (8 by default). Work that grows with a pilot's logbook or file
(an export of every flight, a CSV upload read and previewed) takes the pilot's `PILOT_HEAVY_REQUEST`
lock without waiting, for the length of the request — to the last byte of a streamed answer. A second
one from the same pilot while the first runs is refused at once with `Busy` (429), so a pilot, or
someone holding their session, can occupy one thread at most, never queue up several. Work that is
longer still runs as a job, under the jobs' own one-active-job guard.

It never waits for the lock and never holds a database transaction open while it is held.

Across pilots, `UploadGateMiddleware` lets each web process read at most
FLIGHTBRIDGE_UPLOADS_PER_PROCESS uploads at once (default 1) and answers the others 429 before their body
is read: 8 pilots uploading at once used to take every request thread and slow everyone's pages to 11 s.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.http import StreamingHttpResponse

from flightbridge.errors import Busy
from flightbridge.locks import PILOT_HEAVY_REQUEST, TryLock

#: The OpenAPI response of a route under the guard.
BUSY_RESPONSE = {"description": "Another export or upload of yours is still running: try again when it has finished",
                 "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def begin(owner, what: str) -> TryLock:
    """Take `owner`'s heavy-request lock, or raise `Busy` naming what is refused. The caller releases it."""
    guard = TryLock(PILOT_HEAVY_REQUEST, str(owner.pk))
    if not guard.acquire():
        raise Busy(f"{what} is refused while another export or upload of yours is still running: "
                   "try again when it has finished.")
    return guard


@contextmanager
def one_at_a_time(owner, what: str) -> Iterator[None]:
    """`begin` … release, for a request whose answer is complete when the block ends (a page)."""
    guard = begin(owner, what)
    try:
        yield
    finally:
        guard.release()


class GuardedStreamingResponse(StreamingHttpResponse):
    """A streamed answer that lets the pilot's heavy-request lock go when it is closed (after its last
    byte, or when the client went away), before Django's request_finished closes the connection that
    holds the lock on PostgreSQL."""

    def __init__(self, chunks, *args, guard: TryLock, **kwargs):
        super().__init__(_releasing(chunks, guard), *args, **kwargs)
        self._guard = guard

    def close(self):
        self._guard.release()
        super().close()


def _releasing(chunks, guard: TryLock):
    # Released at the last chunk as well as at close(): a caller that reads the body but never closes the
    # response (some WSGI test clients) must not leave the pilot locked out.
    try:
        yield from chunks
    finally:
        guard.release()


def streamed(owner, what: str, start) -> GuardedStreamingResponse:
    """Take the lock, then `start()` → (chunks, content_type, headers); the response releases the lock.

    `start` runs under the lock and may raise (a bad query): the lock is released and the error goes up
    before any byte is sent.
    """
    guard = begin(owner, what)
    try:
        chunks, content_type, headers = start()
        response = GuardedStreamingResponse(chunks, content_type=content_type, guard=guard)
    except BaseException:
        guard.release()
        raise
    for name, value in headers.items():
        response[name] = value
    return response


#: Routes whose request body is a pilot's file: reading and checking it is the heavy part.
UPLOAD_PATHS = frozenset({"/api/imports/csv", "/logbook/import/csv", "/logbook/import/csv/",
                          "/api/imports/logger", "/logbook/import/logger", "/logbook/import/logger/"})
_gate: threading.BoundedSemaphore | None = None
_gate_size = 0
_gate_lock = threading.Lock()


def _upload_gate() -> threading.BoundedSemaphore:
    global _gate, _gate_size
    size = max(1, settings.FLIGHTBRIDGE_UPLOADS_PER_PROCESS)
    with _gate_lock:
        if _gate is None or _gate_size != size:
            _gate, _gate_size = threading.BoundedSemaphore(size), size
        return _gate


class UploadGateMiddleware:
    """At most FLIGHTBRIDGE_UPLOADS_PER_PROCESS uploads read at once in this process; the rest get 429 at once,
    so the other request threads stay free for pages and API reads."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST" or request.path not in UPLOAD_PATHS:
            return self.get_response(request)
        gate = _upload_gate()
        if not gate.acquire(blocking=False):
            from flightbridge.problems import refusal

            response = refusal(request, 429, heading="Busy reading other files", code="busy", detail=(
                "The server is reading other pilots' files right now; send yours again in a few seconds."),
                back=("/logbook/", "Back to the logbook"))
            response["Retry-After"] = "2"
            return response
        try:
            return self.get_response(request)
        finally:
            gate.release()
