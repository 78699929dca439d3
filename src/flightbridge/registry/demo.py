"""Demo: load the shipped synthetic FAA registry sample so tail lookups answer offline."""

from flightbridge.registry import sample, services


def prepare(context) -> None:
    report = services.load_registry(sample.SAMPLE_PATH)
    context.notes.append(
        f"FAA registry: synthetic sample of {report.aircraft} aircraft loaded "
        f"(try {context.public_url}/api/registry/N172SP, or `flightbridge registry lookup N747BA`)"
    )
