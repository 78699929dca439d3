"""The vault's service functions: seal and open with the configured keys, and rotate every secret.

Keys come from FLIGHTBRIDGE_ENCRYPTION_KEYS (the first encrypts, all decrypt). Rotation re-seals
every sealed column of every `SealedSecretsModel` with the first key, row by row, each in its own
short transaction so a web process can go on reading while it runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import transaction

from flightbridge.vault.crypto import Secret, VaultError, associated_data, key_id_of, open_sealed, seal as _seal

log = logging.getLogger(__name__)

__all__ = ["Secret", "VaultError", "seal", "unseal", "rotate_keys", "RotationReport"]


def _keys():
    return settings.CONFIG.encryption_keys


def seal(plaintext: str, *, table: str, column: str, row: str) -> str:
    return _seal(plaintext, keys=_keys(), aad=associated_data(table, column, row))


def unseal(sealed: str, *, table: str, column: str, row: str) -> str:
    try:
        return open_sealed(sealed, keys=_keys(), aad=associated_data(table, column, row))
    except VaultError as exc:
        raise VaultError(f"{table}.{column} row {row}: {exc}") from None


@dataclass
class RotationReport:
    resealed: int = 0
    already_current: int = 0
    failed: int = 0


def sealed_models():
    from flightbridge.vault.models import SealedSecretsModel

    return [model for model in apps.get_models() if issubclass(model, SealedSecretsModel) and model.sealed_fields]


def rotate_keys() -> RotationReport:
    report = RotationReport()
    current = _keys()[0][0]
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
