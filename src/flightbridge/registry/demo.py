"""Demo: load the shipped synthetic FAA registry sample so tail lookups answer offline.

The sample holds a few invented bad rows on purpose (they show how a load reports problems); the demo's
start is no place to list them, so its load logs warnings only. `flightbridge registry load` shows them.
"""

import logging

from flightbridge.registry import sample, services


def prepare(context) -> None:
    logger = logging.getLogger(services.__name__)
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        report = services.load_registry(sample.SAMPLE_PATH)
    finally:
        logger.setLevel(level)
    context.notes.append(
        f"FAA registry: synthetic sample of {report.aircraft} aircraft loaded "
        f"(try {context.public_url}/api/registry/N172SP, or `flightbridge registry lookup N747BA`)"
    )
