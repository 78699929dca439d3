"""The built-in model source "FAA aircraft reference": the ACFTREF rows of the loaded FAA registry as a model feed.

A data source of kind `faa_reference` needs no endpoint and no key: instead of an HTTP client, the sync
and the preview get a `ReferenceFeed`, which has the client's reading interface (`iter_pages`,
`fetch_record`, `test_connection`) and yields records in the documented feed format (docs/fleet.md), so
they go through the same matching, diff, logs and status as any source. Every code in ACFTREF is a
record, used by a registered aircraft or not. `external_id` is the MFR MDL CODE. It only reads the
registry; a registry reload changes what the next sync sees, like a source that changed its feed.
"""

from __future__ import annotations

from typing import Any, Iterator

from flightbridge.errors import FatalError
from flightbridge.fleet.client import PAGE_SIZE, ConnectionCheck, Page
from flightbridge.registry import codes
from flightbridge.registry import services as registry
from flightbridge.registry.models import RegistryModel


def reference_record(row: RegistryModel) -> dict[str, Any]:
    """One ACFTREF row as a record of the model feed format (pure: no database)."""
    type_aircraft = codes.decode(codes.TYPE_AIRCRAFT, row.type_aircraft) if row.type_aircraft else ""
    type_engine = codes.decode(codes.TYPE_ENGINE, row.type_engine) if row.type_engine else ""
    category = codes.decode(codes.AIRCRAFT_CATEGORY, row.category) if row.category else ""
    builder = codes.decode(codes.BUILDER_CERTIFICATION, row.builder_certification) if row.builder_certification else ""
    specifications = {
        "type_aircraft": type_aircraft, "type_aircraft_code": row.type_aircraft,
        "engine_type": type_engine, "engine_type_code": row.type_engine,
        "aircraft_category": category, "aircraft_category_code": row.category,
        "engines": row.engines, "seats": row.seats, "weight_class": row.weight_class,
        # ardata.pdf: SPEED is the average cruising speed in miles per hour; 0 means not known.
        "cruise_speed_mph": row.speed or None,
        "builder_certification": builder, "builder_certification_code": row.builder_certification,
        "type_certificate_data_sheet": row.tc_data_sheet, "type_certificate_holder": row.tc_data_holder,
    }
    facts = [part for part in (
        type_aircraft, category, type_engine and f"{type_engine} engine",
        row.engines is not None and f"{row.engines} engine(s)", row.seats is not None and f"{row.seats} seat(s)",
        row.weight_class, builder) if part]
    name = " ".join(part for part in (row.manufacturer, row.model) if part) or f"ACFTREF {row.code}"
    return {
        "external_id": row.code,
        "name": name,
        "manufacturer": row.manufacturer,
        "model_number": row.model,
        "description": f"FAA aircraft reference {row.code}: " + ", ".join(facts) + "." if facts else f"FAA aircraft reference {row.code}.",
        "specifications": specifications,
    }


class ReferenceFeed:
    """The FAA source's feed: pages of ACFTREF records read from the current registry generation."""

    def __init__(self, source_name: str):
        self.source_name = source_name

    def __enter__(self) -> ReferenceFeed:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        pass

    def __repr__(self) -> str:
        return f"<ReferenceFeed {self.source_name!r}>"

    def _require_registry(self) -> None:
        if registry.current_generation() is None:
            raise FatalError(f"Data source {self.source_name!r} reads the FAA registry, and none is loaded "
                             "(run: flightbridge registry load PATH).")

    def iter_pages(self, *, external_id: str | None = None, page_size: int = PAGE_SIZE) -> Iterator[Page]:
        """Every ACFTREF row in code order, `page_size` a page (keyset paging: each page is one indexed query)."""
        self._require_registry()
        if external_id is not None:
            rows = registry.reference_models(code=external_id)
            yield Page(number=1, records=[reference_record(row) for row in rows], count=len(rows))
            return
        count = registry.reference_model_count()
        after, number = "", 0
        while True:
            rows = registry.reference_models(after=after, limit=page_size)
            if not rows and number:
                return
            number += 1
            yield Page(number=number, records=[reference_record(row) for row in rows], count=count)
            if len(rows) < page_size:
                return
            after = rows[-1].code

    def fetch_record(self, external_id: str) -> dict | None:
        for page in self.iter_pages(external_id=external_id):
            return page.records[0] if page.records else None
        return None

    def test_connection(self) -> ConnectionCheck:
        try:
            self._require_registry()
        except FatalError as exc:
            return ConnectionCheck(ok=False, message=str(exc))
        generation = registry.current_generation()
        count = registry.reference_model_count()
        sample = [row.code for row in registry.reference_models(limit=5)]
        return ConnectionCheck(ok=True, count=count, sample=sample,
                               message=f"FAA registry of {generation.file_date or 'unknown date'} loaded: "
                                       f"{count} aircraft model(s) in ACFTREF.")
