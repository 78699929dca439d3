"""The one client for an external aircraft model source (the JSON format in docs/fleet.md).

It authenticates with the credentials it is given, which `for_source` takes from the connection's
own sealed API key and nothing else: never a FlightBridge-wide key, never an environment variable.
It only reads (GET). It never follows a `next` link to another origin (that would hand the key to a
stranger) nor a redirect, connects only to addresses `outbound` vetted (no SSRF into the server's own
network), never logs a header, and raises only `flightbridge.errors` with messages free of secrets.
Its fake twin is `flightbridge.fleet.sandbox`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Iterator
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from flightbridge import __version__
from flightbridge.errors import FatalError, NeedsReauth, TransientError
from flightbridge.fleet.models import AuthType, DataSourceConfig
from flightbridge.fleet.outbound import PinnedTransport
from flightbridge.vault.services import Secret

API_KEY_HEADER = "X-API-Key"
PAGE_SIZE = 500
MAX_PAGES = 100_000
#: waits before the retries of a transient failure (5xx, 429, timeout) on one page
RETRY_DELAYS: tuple[float, ...] = (0.5, 1.5)
TIMEOUT_SECONDS = 30.0
#: "Test connection" runs while a person waits on a web thread: one short try, no retries.
TEST_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class Page:
    number: int
    records: list[Any]
    count: int | None


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    message: str
    count: int | None = None
    sample: list[str] | None = None


class ModelSourceClient:
    def __init__(self, endpoint: str, *, auth_type: str, api_key: Secret | None = None, username: str = "",
                 source_name: str = "", timeout: float = TIMEOUT_SECONDS, transport: httpx.BaseTransport | None = None,
                 retry_delays: tuple[float, ...] | None = None, max_page_bytes: int | None = None):
        if not endpoint:
            raise FatalError(f"Data source {source_name!r} has no endpoint configured; set one before syncing.")
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FatalError(f"Data source {source_name!r}: the endpoint must be an http(s) URL.")
        if auth_type in (AuthType.API_KEY, AuthType.BEARER, AuthType.BASIC) and not api_key:
            raise FatalError(
                f"Data source {source_name!r} has no API key configured, and its authentication type "
                f"({auth_type}) needs one. Aircraft model sync only uses the connection's own "
                "API key; set it on the data source."
            )
        self.endpoint = endpoint
        self.source_name = source_name or parts.hostname
        origin = httpx.URL(endpoint)
        self._origin = (origin.scheme, origin.host, origin.port)
        headers = {"Accept": "application/json", "User-Agent": f"FlightBridge/{__version__} (aircraft model sync)"}
        auth = None
        if auth_type == AuthType.API_KEY:
            headers[API_KEY_HEADER] = api_key.reveal()
        elif auth_type == AuthType.BEARER:
            headers["Authorization"] = f"Bearer {api_key.reveal()}"
        elif auth_type == AuthType.BASIC:
            auth = httpx.BasicAuth(username, api_key.reveal())
        self._retry_delays = retry_delays
        self.max_page_bytes = max_page_bytes or settings.FLIGHTBRIDGE_SOURCE_MAX_PAGE_BYTES
        # Only tests hand in a transport (an in-memory fake); a real connect always goes through the guard.
        self._http = httpx.Client(headers=headers, auth=auth, timeout=timeout, transport=transport or PinnedTransport(),
                                  follow_redirects=False, trust_env=False)

    @classmethod
    def for_source(cls, source: DataSourceConfig, **kwargs) -> "ModelSourceClient":
        """A client with the connection's own credentials (the only credentials sync ever uses)."""
        return cls(source.endpoint, auth_type=source.auth_type, api_key=source.get_secret("api_key"),
                   username=source.username, source_name=source.name, **kwargs)

    def __enter__(self) -> "ModelSourceClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def __repr__(self) -> str:
        return f"<ModelSourceClient {self.source_name!r}>"

    def iter_pages(self, *, external_id: str | None = None, page_size: int = PAGE_SIZE) -> Iterator[Page]:
        """Every page of the feed, following `next` links on the same origin only."""
        params: dict[str, Any] = {"page_size": page_size}
        if external_id is not None:
            params["external_id"] = external_id
        url: str | None = str(httpx.URL(self.endpoint).copy_merge_params(params))
        seen: set[str] = set()
        number = 0
        while url:
            if url in seen:
                raise FatalError(f"Data source {self.source_name!r} sent a next-page link that loops back to a page already read.")
            if len(seen) >= MAX_PAGES:
                raise FatalError(f"Data source {self.source_name!r} sent more than {MAX_PAGES} pages; stopping.")
            seen.add(url)
            number += 1
            body = self._get_json(url, number)
            records, next_url, count = self._parse_page(body, number)
            yield Page(number=number, records=records, count=count)
            url = self._checked_next(url, next_url) if next_url else None

    def fetch_record(self, external_id: str) -> Any | None:
        """The remote record with this external id, or None. Asks the source to filter, checks anyway."""
        for page in self.iter_pages(external_id=external_id):
            for record in page.records:
                if isinstance(record, dict) and str(record.get("external_id", "")).strip() == external_id:
                    return record
        return None

    def test_connection(self) -> ConnectionCheck:
        """Read the first page; say in words whether the endpoint, key and format work."""
        try:
            page = next(self.iter_pages(page_size=5), None)
        except (FatalError, NeedsReauth, TransientError) as exc:
            return ConnectionCheck(ok=False, message=str(exc))
        if page is None:  # pragma: no cover - iter_pages always yields the first page or raises
            return ConnectionCheck(ok=False, message="The endpoint returned nothing.")
        sample = [str(r.get("external_id")) for r in page.records[:5] if isinstance(r, dict) and r.get("external_id")]
        total = page.count if page.count is not None else len(page.records)
        return ConnectionCheck(ok=True, count=page.count, sample=sample,
                               message=f"Connected to {self.source_name!r}: {total} aircraft model(s) available.")

    def _get_json(self, url: str, number: int) -> Any:
        delays = list(RETRY_DELAYS if self._retry_delays is None else self._retry_delays)
        while True:
            try:
                # Streamed, so a page is counted as it arrives and refused past the cap: a 50 MB body used to be
                # read whole into the web process (issue 22).
                with self._http.stream("GET", url) as response:
                    error = self._status_error(response, number)
                    body = self._read_capped(response, number) if error is None else b""
            except httpx.TimeoutException:
                error = TransientError(f"Data source {self.source_name!r} did not answer in time (page {number}).")
            except httpx.TransportError as exc:
                error = TransientError(f"Data source {self.source_name!r} could not be reached ({type(exc).__name__}).")
            if error is None:
                try:
                    return json.loads(body)
                except ValueError:
                    raise FatalError(
                        f"Data source {self.source_name!r} did not return valid JSON (page {number}); "
                        "check that the endpoint serves the aircraft model format."
                    ) from None
            if not isinstance(error, TransientError) or not delays:
                raise error
            time.sleep(delays.pop(0))

    def _read_capped(self, response: httpx.Response, number: int) -> bytes:
        """The page's body, at most `max_page_bytes` of it (FLIGHTBRIDGE_SOURCE_MAX_PAGE_BYTES), else FatalError."""
        cap = self.max_page_bytes
        too_big = FatalError(
            f"Data source {self.source_name!r} sent more than {cap:,} bytes for page {number}, the most one page may "
            "have (FLIGHTBRIDGE_SOURCE_MAX_PAGE_BYTES); it was not read further. Ask the source for smaller pages, "
            "or raise the limit if the source is trusted.")
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            raise too_big
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > cap:
                raise too_big
        return bytes(body)

    def _status_error(self, response: httpx.Response, number: int) -> Exception | None:
        status = response.status_code
        if status == 200:
            return None
        where = f"Data source {self.source_name!r} answered HTTP {status} (page {number})"
        if status in (401, 403):
            return NeedsReauth(f"{where}: it refused the connection's credentials. Check the API key and authentication type.")
        if status == 429 or status >= 500:
            return TransientError(f"{where}; try again later.")
        if status == 404:
            return FatalError(f"{where}: the endpoint was not found. Check the endpoint URL.")
        if 300 <= status < 400:
            return FatalError(f"{where}: it redirects; configure the final URL as the endpoint.")
        return FatalError(f"{where}.")

    def _parse_page(self, body: Any, number: int) -> tuple[list[Any], str | None, int | None]:
        if isinstance(body, list):  # a plain array is a feed of one page
            return body, None, len(body)
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise FatalError(
                f"Data source {self.source_name!r} returned JSON without a results list (page {number}); "
                "see the aircraft model feed format."
            )
        next_url = body.get("next")
        if next_url is not None and not isinstance(next_url, str):
            raise FatalError(f"Data source {self.source_name!r} sent a next-page link that is not a web address (page {number}).")
        count = body.get("count")
        return body["results"], next_url or None, count if isinstance(count, int) and not isinstance(count, bool) else None

    def _checked_next(self, current: str, next_url: str) -> str:
        resolved = httpx.URL(current).join(next_url)
        if (resolved.scheme, resolved.host, resolved.port) != self._origin:
            raise FatalError(
                f"Data source {self.source_name!r} sent a next-page link to another site; FlightBridge will not send "
                "the connection's credentials there."
            )
        return str(resolved)
