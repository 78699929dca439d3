"""The pilot's aircraft as imports see them: match a file's registrations, add the ones the pilot lacks.

The logbook owns `UserAircraft` writes, as it owns flights: an importer hands plain facts here. An added
aircraft remembers the import run that added it (`import_batch`, `manual=False`), so Undo removes it
with the run's flights; an aircraft the pilot already has, curated by hand or not, is never changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from flightbridge.logbook.models import LogbookImport, SimulatorType, UserAircraft

_REGISTRATION_LIMIT = UserAircraft._meta.get_field("registration").max_length


@dataclass(frozen=True)
class ImportedAircraft:
    """What a file says about one aircraft (plain data from the importer)."""

    registration: str
    device_class: str = SimulatorType.REAL
    model: str = ""
    manufacturer: str = ""
    details: dict | None = None


def aircraft_by_registration(owner, registrations) -> dict[str, UserAircraft]:
    """The pilot's aircraft for these registrations, keyed by the upper-case registration."""
    wanted = {registration.upper() for registration in registrations if registration}
    if not wanted:
        return {}
    found = {}
    for aircraft in UserAircraft.objects.filter(owner=owner, registration__in=wanted):
        found[aircraft.registration.upper()] = aircraft
    missing = wanted - set(found)
    if missing:  # registrations stored in another case (hand-entered "n12345")
        for aircraft in UserAircraft.objects.filter(owner=owner).only("id", "registration", "model", "device_class"):
            if aircraft.registration.upper() in missing:
                found[aircraft.registration.upper()] = aircraft
    return found


def add_imported_aircraft(owner, run: LogbookImport, items: list[ImportedAircraft], *,
                          dry_run: bool = False) -> dict[str, UserAircraft]:
    """Every aircraft of `items` as the pilot's: the existing one by registration (simulators included), or a
    new one recorded against `run`. Returns them keyed by upper-case registration. A dry run (a preview)
    returns the new ones unsaved."""
    known = aircraft_by_registration(owner, [item.registration for item in items])
    new = {}
    for item in items:
        registration = item.registration.upper()
        if registration in known or registration in new or not registration or len(registration) > _REGISTRATION_LIMIT:
            continue
        device = item.device_class if item.device_class in SimulatorType.values else SimulatorType.REAL
        new[registration] = UserAircraft(
            owner=owner, registration=registration, model=item.model[:128], manufacturer=item.manufacturer[:128],
            device_class=device, source=run.source, manual=False, details={"file": item.details or {}}, import_batch=run)
    if new and dry_run:
        known.update(new)
    elif new:
        # One insert for the batch; one added meanwhile by another import of the same pilot is left as it is.
        with transaction.atomic():
            UserAircraft.objects.bulk_create(new.values(), ignore_conflicts=True)
        known.update(aircraft_by_registration(owner, new))
    return known
