"""An in-memory FAA registry lookup for tests and benchmarks that run without a loaded registry.

Implements `interfaces.RegistryLookupFn` (the shape of `registry.services.lookup`): a handful of known
N-numbers are found, any other N-number is not registered, and a tail without the N is not a US
registration. It records what it was asked. It never reads the database.
"""

from __future__ import annotations

from flightbridge.registry.interfaces import RegistryLookup


class FakeRegistry:
    """`lookup(tail)` for a handful of known N-numbers; anything not starting with N is not US."""

    def __init__(self, known: dict[str, tuple[str, str]] | None = None):
        """`known`: N-number → (manufacturer, model); the default knows N52417, a Cessna 172S."""
        self.known = known if known is not None else {"N52417": ("CESSNA", "172S")}
        self.asked: list[str] = []

    def __call__(self, tail: str) -> RegistryLookup:
        self.asked.append(tail)
        tail = tail.upper()
        if not tail.startswith("N"):
            return RegistryLookup(query=tail, is_us_registration=False, found=False, message="not a US registration")
        if tail in self.known:
            manufacturer, model = self.known[tail]
            return RegistryLookup(query=tail, is_us_registration=True, found=True, n_number=tail,
                                  manufacturer=manufacturer, model=model, status="valid", year=2005, seats=4)
        return RegistryLookup(query=tail, is_us_registration=True, found=False, message="no registration")
