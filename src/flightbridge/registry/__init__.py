"""The FAA aircraft registry and the airport database (`registry.lookup("N12345")`, `registry.airports`)."""

from __future__ import annotations

import typing

if typing.TYPE_CHECKING:
    from .interfaces import RegistryLookup


def lookup(tail: str) -> RegistryLookup:
    """Shortcut for `flightbridge.registry.services.lookup`; imported lazily because this module loads before the app registry."""
    from .services import lookup as lookup_in_registry

    return lookup_in_registry(tail)
