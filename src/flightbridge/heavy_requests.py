"""One heavy request per pilot at a time: exports, and uploads being read.

The web tier has a few request threads (8 by default). Work that grows with a pilot's logbook or file
(an export of every flight, a CSV upload read and previewed) takes the pilot's `PILOT_HEAVY_REQUEST`
lock without waiting, for the length of the request — to the last byte of a streamed answer. A second
one from the same pilot while the first runs is refused at once with `Busy` (429), so a pilot, or
someone holding their session, can occupy one thread at most, never queue up several. Work that is
longer still runs as a job, under the jobs' own one-active-job guard.

It never waits for the lock and never holds a database transaction open while it is held.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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
