"""Fetching the next page of MyFlightbook flights while this one is stored (one helper thread).

Only one call is ever in flight, so the client's pacing and the call order stay exactly as without it:
it overlaps MyFlightbook's wait with our own work, never two requests. It never stores anything and
never decides what is fetched: the flights walk (`flights.py`) hands it the fetch.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

from django.db import connection

PREFETCH_MIN_INTERVAL_MS = 50  # below this the pacing wait is too short for a helper thread to pay off


def worth_prefetching(client: Any) -> bool:
    """Whether the client's pacing leaves time to fetch a page while the last one is stored."""
    return getattr(client, "min_interval_ms", 0) >= PREFETCH_MIN_INTERVAL_MS


class PagePrefetcher:
    """Fetches page n+1 on one helper thread while page n is being stored.

    The helper's database connection (the client's pacing gate and token refresh may use one) is closed
    when the prefetcher is.
    """

    def __init__(self, fetch: Callable[[int], Any], enabled: bool):
        self.fetch = fetch
        self.enabled = enabled
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mfb-prefetch") if enabled else None
        self._pending: tuple[int, Future] | None = None

    def start(self, offset: int) -> None:
        if self._pool is not None:
            self._pending = (offset, self._pool.submit(self.fetch, offset))

    def get(self, offset: int) -> Any:
        if self._pending is not None and self._pending[0] == offset:
            _, future = self._pending
            self._pending = None
            return future.result()
        return self.fetch(offset)

    def close(self) -> None:
        if self._pool is None:
            return
        if self._pending is not None:
            self._pending[1].cancel()
            try:
                self._pending[1].result()
            except Exception:  # a page nobody will store; its error is not this run's error
                pass
        self._pool.submit(_close_thread_connection).result()
        self._pool.shutdown(wait=True)


def _close_thread_connection() -> None:
    connection.close()  # resolved on the calling thread: closes that thread's own connection
