"""Which feed a data source is read through: its web endpoint's client, or the built-in FAA aircraft reference.

Runs, previews and connection tests open a source here, so the FAA reference (no endpoint, no key) takes
exactly the path every other source takes. Both feeds read the same way (`iter_pages`, `fetch_record`,
`test_connection`, a context manager).
"""

from __future__ import annotations

from flightbridge.fleet.client import ModelSourceClient
from flightbridge.fleet.faa import ReferenceFeed
from flightbridge.fleet.models import DataSourceConfig


def open_feed(source: DataSourceConfig, **kwargs) -> ModelSourceClient | ReferenceFeed:
    """The source's feed; an endpoint's client only ever carries the connection's own credentials."""
    if source.is_faa_reference:
        return ReferenceFeed(source.name)
    return ModelSourceClient.for_source(source, **kwargs)
