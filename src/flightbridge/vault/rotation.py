"""Key rotation: re-seal every sealed column of every `SealedSecretsModel` with the first configured key.

Row by row, each in its own short transaction, so a web process can go on reading while it runs.
A value that no configured key opens is counted and logged (without its content), never dropped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.apps import apps
from django.db import transaction

from flightbridge.vault.crypto import VaultError, key_id_of
from flightbridge.vault.models import SealedSecretsModel
from flightbridge.vault.services import configured_keys

log = logging.getLogger(__name__)


@dataclass
class RotationReport:
    resealed: int = 0
    already_current: int = 0
    failed: int = 0


def sealed_models():
    return [model for model in apps.get_models() if issubclass(model, SealedSecretsModel) and model.sealed_fields]


def rotate_keys() -> RotationReport:
    report = RotationReport()
    current = configured_keys()[0][0]
    for model in sealed_models():
        for pk in model.objects.values_list("pk", flat=True).iterator():
            with transaction.atomic():
                row = model.objects.select_for_update().filter(pk=pk).first()
                if row is None:
                    continue
                changed = []
                for field in model.sealed_fields:
                    sealed = getattr(row, field)
                    if not sealed:
                        continue
                    if key_id_of(sealed) == current:
                        report.already_current += 1
                        continue
                    try:
                        plaintext = row.get_secret(field).reveal()
                    except VaultError as exc:
                        report.failed += 1
                        log.error("could not re-seal %s: %s", model._meta.label, exc)
                        continue
                    row.set_secret(field, plaintext)
                    changed.append(field)
                    report.resealed += 1
                if changed:
                    row.save(update_fields=changed)
    return report
